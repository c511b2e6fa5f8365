#include "server/json_rpc.h"

namespace flywheel::rpc {

json makeResponse(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json makeErrorResponse(const json& id, const RpcError& error) {
  json err{{"code", error.code}, {"message", error.message}};
  if (!error.data.is_null()) err["data"] = error.data;
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

json makeNotification(std::string_view method, json params) {
  json n{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) n["params"] = std::move(params);
  return n;
}

json makeRequest(const json& id, std::string_view method, json params) {
  json r{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) r["params"] = std::move(params);
  return r;
}

MessageKind classify(const json& m, std::string& why) {
  if (!m.is_object()) {
    why = "a JSON-RPC message must be an object";
    return MessageKind::Invalid;
  }
  auto v = m.find("jsonrpc");
  if (v == m.end() || *v != "2.0") {
    why = "missing \"jsonrpc\": \"2.0\"";
    return MessageKind::Invalid;
  }
  auto id = m.find("id");
  bool hasId = id != m.end();
  if (hasId && !id->is_string() && !id->is_number_integer() && !(id->is_null() && !m.contains("method"))) {
    why = "\"id\" must be a string or an integer";
    return MessageKind::Invalid;
  }
  auto method = m.find("method");
  if (method != m.end()) {
    if (!method->is_string()) {
      why = "\"method\" must be a string";
      return MessageKind::Invalid;
    }
    auto params = m.find("params");
    if (params != m.end() && !params->is_object() && !params->is_array()) {
      why = "\"params\" must be an object";
      return MessageKind::Invalid;
    }
    return hasId ? MessageKind::Request : MessageKind::Notification;
  }
  if (hasId && (m.contains("result") || m.contains("error"))) return MessageKind::Response;
  why = "a message needs \"method\" (request or notification) or \"result\"/\"error\" (response)";
  return MessageKind::Invalid;
}

std::string idKey(const json& id) { return id.dump(); }

}  // namespace flywheel::rpc
