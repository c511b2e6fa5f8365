// How a ToolResult becomes a tools/call result.
//
// `content` is the result's content blocks (verbatim when the tool supplied
// them, else one text block: `text`, or the structured data serialized with
// sorted keys); `structuredContent` carries the structured data when the tool
// declares an outputSchema (or returned a non-empty object) and did not fail.
// Bounded output: a text block over `maxChars` characters is cut at that
// size with a note telling the agent to page; tools are expected to page
// themselves (a cursor or offset in their arguments) well before that.
#pragma once

#include "server/tool_api.h"
#include "server/tool_registry.h"

namespace flywheel::mcp {

nlohmann::json toolResultJson(const RegisteredTool& tool, ToolResult result, std::size_t maxChars);

/// Cuts `text` to at most `maxChars` bytes on a UTF-8 boundary, appending a
/// note that says how much was cut. Returns true when it cut.
bool boundText(std::string& text, std::size_t maxChars);

}  // namespace flywheel::mcp
