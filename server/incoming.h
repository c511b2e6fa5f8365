// Incoming message text: the one way a peer's JSON becomes a value.
//
// Every transport hands the raw text of a message (a stdio line, an HTTP
// body) to parseIncoming, which checks the limits of server/limits.h with a
// linear scan of the text before a DOM is built: nesting deeper than
// kMaxNestingDepth (copying or printing such a value would overflow the
// stack) and batches longer than kMaxBatchSize (100,000 calls in one line
// took 364 MB) are refused without parsing. receiveText feeds a session with
// raw text exactly as the stdio transport does; fuzz targets call it.
//
//   auto m = parseIncoming(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
//   if (!m) send(rpc::makeErrorResponse(nullptr, m.error()));
#pragma once

#include <expected>
#include <string_view>

#include "server/json_rpc.h"

namespace flywheel::mcp {

class McpSession;

/// What a linear scan of JSON text finds, without parsing it.
struct TextShape {
  int maxDepth = 0;                 // deepest nesting of [ and { outside strings
  std::size_t topLevelItems = 0;    // elements of a top-level array (a batch; an upper bound)
  bool topLevelArray = false;
  std::size_t values = 0;           // arrays, objects and comma-separated elements (about the value count)
};

/// Scans `text` once; stops counting depth past `depthLimit` + 1.
TextShape scanShape(std::string_view text, int depthLimit);

/// Parses one incoming message or batch. Errors: -32700 for text that is not
/// JSON or nests too deep, -32600 for a batch over the limit; each message
/// names the limit and what to send instead.
std::expected<nlohmann::json, rpc::RpcError> parseIncoming(std::string_view text);

/// Parses `text` as stdio does and hands it to `session` (or answers the
/// parse error through the session's sink). Whitespace-only text is ignored.
void receiveText(McpSession& session, std::string_view text);

}  // namespace flywheel::mcp
