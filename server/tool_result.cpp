#include "server/tool_result.h"

#include <spdlog/spdlog.h>

namespace flywheel::mcp {

using nlohmann::json;

bool boundText(std::string& text, std::size_t maxChars) {
  if (text.size() <= maxChars) return false;
  std::size_t cut = maxChars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 continuation byte
  std::size_t dropped = text.size() - cut;
  text.resize(cut);
  text += "\n[output cut: " + std::to_string(dropped) +
          " more characters; ask for a smaller page (cursor/offset/limit argument)]";
  return true;
}

json toolResultJson(const RegisteredTool& tool, ToolResult r, std::size_t maxChars) {
  bool hasStructured = !r.isError && (tool.output.has_value() || (r.structured.is_object() && !r.structured.empty()));
  json content;
  if (r.content.is_array()) {
    content = std::move(r.content);
  } else {
    std::string text = !r.text.empty() ? std::move(r.text) : (r.isError ? std::string("error") : r.structured.dump());
    if (boundText(text, maxChars)) spdlog::warn("tool {} returned more than {} characters; cut", tool.spec.name, maxChars);
    content = json::array({json{{"type", "text"}, {"text", std::move(text)}}});
  }
  json out{{"content", std::move(content)}};
  if (r.isError) out["isError"] = true;
  if (hasStructured) {
    if (tool.output)
      if (auto bad = tool.output->validate(r.structured, "structuredContent"))
        spdlog::warn("tool {} returned a result outside its outputSchema: {}", tool.spec.name, *bad);
    out["structuredContent"] = std::move(r.structured);
  }
  return out;
}

}  // namespace flywheel::mcp
