// Sealed request state for multi-round requests (MCP 2026-07-28).
//
// In the stateless era a call that needs input from the client (sampling,
// elicitation, roots) does not send a request back; it answers with an
// InputRequiredResult whose `requestState` the client echoes on its retry
// together with `inputResponses`. The server keeps nothing between rounds,
// so everything it must remember (the answers of earlier rounds) travels in
// that string. A client must not be able to forge or alter it: the state is
// sealed with HMAC-SHA-256 under a key drawn at random when the process
// starts, bound to the method and target it was issued for, and it expires.
//
//   std::string s = sealState({{"answers", ...}}, "tools/call", "my_tool");
//   Result<json> back = openState(s, "tools/call", "my_tool");   // fails if altered
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace flywheel::mcp {

/// Seals `payload` for a retry of `method` on `target` (tool or prompt name,
/// resource URI). The result is printable ASCII.
std::string sealState(const nlohmann::json& payload, std::string_view method, std::string_view target);

/// Opens a state made by sealState; fails (invalid_argument, saying why)
/// when it was altered, made by another process, issued for another method
/// or target, or is older than an hour.
Result<nlohmann::json> openState(std::string_view sealed, std::string_view method, std::string_view target);

/// Hex HMAC-SHA-256 of `message` under `key` (exposed for tests).
std::string hmacSha256Hex(std::string_view key, std::string_view message);

}  // namespace flywheel::mcp
