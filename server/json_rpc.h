// JSON-RPC 2.0 vocabulary: error codes, error values, and message builders.
//
// A message is a request (method + id), a notification (method, no id), or a
// response (id + result|error). Protocol faults are answered with the
// standard codes below; failures of a tool are not protocol faults (they are
// isError results, see tool_api.h). Ids are kept as JSON values because the
// spec allows strings and integers and the reply must echo the exact value.
#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <string>

namespace flywheel::rpc {

using nlohmann::json;

namespace code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
/// MCP: a resource URI that names nothing.
inline constexpr int kResourceNotFound = -32002;
/// Server not initialized (the request came before initialize).
inline constexpr int kServerNotInitialized = -32002;
/// Request was cancelled or timed out (used for server-to-client requests).
inline constexpr int kRequestTimeout = -32001;
}  // namespace code

/// A protocol fault: becomes the `error` member of a response.
struct RpcError {
  int code = code::kInternalError;
  std::string message;
  json data = nullptr;

  static RpcError invalidParams(std::string m) { return {code::kInvalidParams, std::move(m)}; }
  static RpcError invalidRequest(std::string m) { return {code::kInvalidRequest, std::move(m)}; }
  static RpcError methodNotFound(std::string m) { return {code::kMethodNotFound, std::move(m)}; }
  static RpcError internal(std::string m) { return {code::kInternalError, std::move(m)}; }
};

/// The outcome of handling a request: a result object or a protocol fault.
using RpcResult = std::expected<json, RpcError>;

json makeResponse(const json& id, json result);
json makeErrorResponse(const json& id, const RpcError& error);
json makeNotification(std::string_view method, json params);
json makeRequest(const json& id, std::string_view method, json params);

enum class MessageKind { Request, Notification, Response, Invalid };

/// Classifies one (non-batch) message. `why` gets the reason for Invalid.
MessageKind classify(const json& message, std::string& why);

/// A stable string key for an id (so "1" and 1 stay distinct).
std::string idKey(const json& id);

}  // namespace flywheel::rpc
