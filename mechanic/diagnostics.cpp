#include "mechanic/diagnostics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <tuple>

namespace flywheel::mechanic {
namespace {
using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string relativeTo(const std::string& file, const std::string& root) {
  if (!root.empty() && file.size() > root.size() && file.compare(0, root.size(), root) == 0) {
    size_t cut = root.size() + (file[root.size()] == '/' ? 1 : 0);
    return file.substr(cut);
  }
  return file;
}

void collectSuggestions(const json& msg, const std::string& root, std::vector<Suggestion>& out) {
  auto addFrom = [&](const json& m) {
    if (!m.contains("spans") || !m["spans"].is_array()) return;
    for (const auto& sp : m["spans"]) {
      const std::string applicability = str(sp, "suggestion_applicability");
      if ((applicability != "MachineApplicable" && applicability != "HasPlaceholders") ||
          !sp.contains("suggested_replacement") || !sp["suggested_replacement"].is_string() || out.size() >= 3)
        continue;
      out.push_back({str(m, "message"), relativeTo(str(sp, "file_name"), root), num(sp, "line_start"),
                     num(sp, "column_start"), sp["suggested_replacement"].get<std::string>().substr(0, 600),
                     applicability});
    }
  };
  addFrom(msg);
  if (msg.contains("children") && msg["children"].is_array())
    for (const auto& c : msg["children"]) addFrom(c);
}

/// Labelled spans other than the primary one, from the message and its
/// notes ("`bulk_discount` from trait", "not covered"), at most 3.
void collectRelated(const json& msg, const json* primary, const std::string& root, std::vector<SpanNote>& out) {
  auto addFrom = [&](const json& m) {
    if (!m.contains("spans") || !m["spans"].is_array()) return;
    for (const auto& sp : m["spans"]) {
      if (&sp == primary || str(sp, "label").empty() || out.size() >= 3) continue;
      if (&m == &msg && sp.value("is_primary", false)) continue;
      SpanNote n{relativeTo(str(sp, "file_name"), root), num(sp, "line_start"), num(sp, "line_end"), "",
                 str(sp, "label")};
      if (sp.contains("text") && sp["text"].is_array() && !sp["text"].empty())
        n.text = trim(str(sp["text"][0], "text")).substr(0, 200);
      out.push_back(std::move(n));
    }
  };
  addFrom(msg);
  if (msg.contains("children") && msg["children"].is_array())
    for (const auto& c : msg["children"]) addFrom(c);
}

std::optional<CargoDiagnostic> fromMessage(const json& msg, const std::string& root) {
  CargoDiagnostic d;
  d.level = str(msg, "level");
  if (d.level != "error" && d.level != "warning") return std::nullopt;
  d.message = str(msg, "message");
  if (msg.contains("code") && msg["code"].is_object()) d.code = str(msg["code"], "code");
  // Summary lines ("aborting due to 2 previous errors") carry no span.
  if (!msg.contains("spans") || !msg["spans"].is_array() || msg["spans"].empty()) {
    if (d.message.rfind("aborting due to", 0) == 0 || d.message.find("warning") != std::string::npos ||
        d.message.rfind("could not compile", 0) == 0)
      return std::nullopt;
    return d;
  }
  const json* primary = &msg["spans"][0];
  for (const auto& sp : msg["spans"])
    if (sp.value("is_primary", false)) {
      primary = &sp;
      break;
    }
  d.file = relativeTo(str(*primary, "file_name"), root);
  d.line = num(*primary, "line_start");
  d.column = num(*primary, "column_start");
  d.label = str(*primary, "label");
  if (primary->contains("text") && (*primary)["text"].is_array() && !(*primary)["text"].empty()) {
    const std::string raw = str((*primary)["text"][0], "text");
    const size_t indent = std::min(raw.find_first_not_of(" \t"), raw.size());
    d.spanText = trim(raw).substr(0, 200);
    d.spanStart = std::clamp(d.column - 1 - static_cast<int>(indent), 0, static_cast<int>(d.spanText.size()));
  }
  collectSuggestions(msg, root, d.suggestions);
  collectRelated(msg, primary, root, d.related);
  return d;
}

std::string indentLines(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\n      ") : std::string(1, c);
  return out;
}

}  // namespace

std::string CargoDiagnostic::oneLine() const {
  std::string out = file.empty() ? std::string() : file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  out += level + (code.empty() ? "" : "[" + code + "]") + ": " + message;
  if (!spanText.empty()) out += "\n    " + spanText;
  if (!spanText.empty() || !label.empty())
    out += "\n    " + std::string(static_cast<size_t>(std::max(spanStart, 0)), ' ') + "^ " + label;
  for (const auto& r : related)
    out += "\n    " + r.file + ":" + std::to_string(r.line) + ": " + r.label + (r.text.empty() ? "" : ": " + r.text);
  for (const auto& s : suggestions) out += "\n    fix: " + s.message + ": `" + s.replacement + "`";
  if (!required.empty()) out += "\n    required (generated.rs):\n      " + indentLines(required);
  if (!intent.empty()) out += "\n    asked for by the intent: " + intent;
  return out;
}

ParsedCargoOutput parseCargoJson(const std::string& text, const std::string& workspaceRoot) {
  ParsedCargoOutput out;
  std::set<std::tuple<std::string, std::string, std::string, int, int>> seen;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    start = nl + 1;
    if (line.empty() || line[0] != '{') {
      if (!line.empty()) out.otherLines.push_back(line);
      continue;
    }
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      out.otherLines.push_back(line);
      continue;
    }
    std::string reason = str(j, "reason");
    if (reason == "build-finished") {
      out.buildFinished = true;
      out.buildSuccess = j.value("success", false);
    } else if (reason == "compiler-message" && j.contains("message") && j["message"].is_object()) {
      auto d = fromMessage(j["message"], workspaceRoot);
      if (d && seen.insert({d->level, d->message, d->file, d->line, d->column}).second)
        out.diagnostics.push_back(std::move(*d));
    }
  }
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tuple(a.level != "error", a.file, a.line, a.column) <
           std::tuple(b.level != "error", b.file, b.line, b.column);
  });
  return out;
}

int countLevel(const std::vector<CargoDiagnostic>& diags, const std::string& level) {
  return static_cast<int>(std::count_if(diags.begin(), diags.end(), [&](const auto& d) { return d.level == level; }));
}

}  // namespace flywheel::mechanic
