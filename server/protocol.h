// The MCP request params flywheel reads, one struct per message, each decoded
// by one `decode` function whose errors name the JSON path
// ("expected string at params.name (got integer)").
//
// Results are written as JSON directly by the session (they are simple and
// their field names are the spec's); params need checking, so they get types.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/error.h"
#include "server/json_rpc.h"
#include "server/tool_api.h"

namespace flywheel::mcp {

using nlohmann::json;

/// Protocol revisions this server speaks, newest first.
inline constexpr const char* kSupportedVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
inline constexpr const char* kLatestVersion = "2025-11-25";
bool isSupportedVersion(std::string_view v);

struct InitializeParams {
  std::string protocolVersion;
  json capabilities = json::object();
  json clientInfo = json::object();
};
Result<void> decode(const json& params, InitializeParams& out);

struct ListParams {
  std::optional<std::string> cursor;
};
Result<void> decode(const json& params, ListParams& out);

struct CallToolParams {
  std::string name;
  json arguments = json::object();
};
Result<void> decode(const json& params, CallToolParams& out);

struct UriParams {  // resources/read, resources/subscribe, resources/unsubscribe
  std::string uri;
};
Result<void> decode(const json& params, UriParams& out);

struct GetPromptParams {
  std::string name;
  std::map<std::string, std::string> arguments;
};
Result<void> decode(const json& params, GetPromptParams& out);

struct CompleteParams {
  std::string refType;  // "ref/prompt" or "ref/resource"
  std::string refName;  // prompt name or resource template URI
  std::string argumentName;
  std::string argumentValue;
  std::map<std::string, std::string> contextArguments;
};
Result<void> decode(const json& params, CompleteParams& out);

struct SetLevelParams {
  LogLevel level = LogLevel::Info;
};
Result<void> decode(const json& params, SetLevelParams& out);

struct CancelledParams {
  json requestId = nullptr;
  std::string reason;
};
Result<void> decode(const json& params, CancelledParams& out);

/// "debug" ... "emergency" <-> LogLevel.
std::optional<LogLevel> parseLogLevel(std::string_view name);
const char* logLevelName(LogLevel level);

/// Page cursors: opaque to clients, an offset to us. A bad cursor is an error.
std::string encodeCursor(std::size_t offset);
Result<std::size_t> decodeCursor(const std::string& cursor);

}  // namespace flywheel::mcp
