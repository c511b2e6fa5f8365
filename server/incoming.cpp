#include "server/incoming.h"

#include <algorithm>
#include <string>

#include "server/limits.h"
#include "server/mcp_session.h"

namespace flywheel::mcp {

using nlohmann::json;

TextShape scanShape(std::string_view text, int depthLimit) {
  TextShape shape;
  int depth = 0;
  bool inString = false;
  std::size_t topLevelCommas = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\') ++i;  // the escaped character cannot end the string
      else if (c == '"') inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      ++shape.values;
      if (depth == 0 && c == '[') shape.topLevelArray = true;
      shape.maxDepth = std::max(shape.maxDepth, ++depth);
      if (depth > depthLimit) break;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',') {
      ++shape.values;
      if (depth == 1) ++topLevelCommas;
    }
  }
  // An upper bound (an empty batch counts 1); exact for valid JSON otherwise.
  if (shape.topLevelArray) shape.topLevelItems = topLevelCommas + 1;
  return shape;
}

std::expected<json, rpc::RpcError> parseIncoming(std::string_view text) {
  TextShape shape = scanShape(text, limits::kMaxNestingDepth);
  if (shape.maxDepth > limits::kMaxNestingDepth)
    return std::unexpected(rpc::RpcError{
        rpc::code::kParseError, "parse error: the message nests arrays and objects more than " +
                                    std::to_string(limits::kMaxNestingDepth) +
                                    " levels deep (the limit); send flatter JSON"});
  if (shape.topLevelArray && shape.topLevelItems > limits::kMaxBatchSize)
    return std::unexpected(rpc::RpcError::invalidRequest(
        "invalid request: a batch of " + std::to_string(shape.topLevelItems) + " messages exceeds the limit of " +
        std::to_string(limits::kMaxBatchSize) + "; split it into batches of at most " +
        std::to_string(limits::kMaxBatchSize)));
  if (shape.values > limits::kMaxValues)
    return std::unexpected(rpc::RpcError::invalidRequest(
        "invalid request: the message holds more than " + std::to_string(limits::kMaxValues) +
        " JSON values (the limit); send large data as strings or split the request"));
  json message = json::parse(text, nullptr, false);
  if (message.is_discarded())
    return std::unexpected(rpc::RpcError{rpc::code::kParseError, "parse error: a message of " +
                                                                     std::to_string(text.size()) +
                                                                     " bytes is not valid JSON; send one JSON-RPC "
                                                                     "message per line"});
  return message;
}

void receiveText(McpSession& session, std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  auto message = parseIncoming(text);
  if (!message) return session.receiveError(message.error());
  session.receive(*message);
}

}  // namespace flywheel::mcp
