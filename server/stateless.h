// The stateless era: MCP 2026-07-28 beside the 2025-11-25 session era.
//
// In 2026-07-28 there is no initialize and no session: every request carries
// its own `_meta` with `io.modelcontextprotocol/protocolVersion`,
// `io.modelcontextprotocol/clientCapabilities` (required) and
// `io.modelcontextprotocol/clientInfo` (optional), and on HTTP the
// `MCP-Protocol-Version` header must equal the `_meta` version. The era is
// decided per request: a request that carries that `_meta` on a connection
// that never sent initialize (or, on HTTP, that has no Mcp-Session-Id) is a
// 2026-07-28 request; everything else keeps the 2025-11-25 behaviour.
//
// These helpers validate such a request, build the `server/discover` result
// and give every result its 2026 fields (`resultType`, and `ttlMs` /
// `cacheScope` on cacheable results). The method table and the registry are
// shared with the session era: nothing above this layer knows the era.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace flywheel::mcp {

class McpServer;

inline constexpr const char* kStatelessVersion = "2026-07-28";
inline constexpr const char* kMetaVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* kMetaCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char* kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr const char* kMetaLogLevel = "io.modelcontextprotocol/logLevel";
inline constexpr const char* kMetaSubscriptionId = "io.modelcontextprotocol/subscriptionId";
inline constexpr const char* kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

namespace code {
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingClientCapability = -32021;
inline constexpr int kUnsupportedVersion = -32022;
}  // namespace code

/// True when the message is a request whose params._meta names a protocol version.
bool carriesStatelessMeta(const nlohmann::json& message);

/// Checks a 2026-07-28 request: `_meta` fields present, version supported
/// and (when `headerVersion` is given, i.e. on HTTP) equal to the header.
/// Returns null when the request may be served, else the error response;
/// `httpStatus` is set to the status that goes with it (400).
nlohmann::json checkStatelessRequest(const nlohmann::json& message, const std::string* headerVersion,
                                     int& httpStatus);

/// What the server offers (the same in both eras).
nlohmann::json serverCapabilities();

/// Methods of the session era that 2026-07-28 removed (answered -32601).
bool removedInStateless(const std::string& method);

/// The server/discover result.
nlohmann::json discoverResult(McpServer& server);

/// Adds `resultType` (and `ttlMs`/`cacheScope` on cacheable results) to a
/// response of `method`; errors are left alone.
void decorateStatelessResponse(const std::string& method, nlohmann::json& response);

/// The part of a subscriptions/listen filter (params.notifications) this
/// server honours; null when params.notifications is not an object.
nlohmann::json honoredFilter(const nlohmann::json& params);

/// The client capability a server-to-client method needs ("sampling",
/// "elicitation", "roots"), or null.
const char* requiredCapability(std::string_view method);

/// The HTTP status a 2026-07-28 response goes out with (200, 400, 404).
int statelessHttpStatus(const nlohmann::json& response);

}  // namespace flywheel::mcp
