// Carrying a proposal's edits to an older state (transfer.h).
#include "learn/transfer.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "universe/rust_parse.h"
#include "universe/sexp.h"

namespace flywheel::learn {

namespace {

std::string_view textOf(std::string_view src, TSNode n) {
  return src.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
}

std::string field(std::string_view src, TSNode n, const char* name) {
  TSNode f = ts_node_child_by_field_name(n, name, static_cast<uint32_t>(std::strlen(name)));
  return ts_node_is_null(f) ? std::string() : std::string(textOf(src, f));
}

std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') { space = !out.empty(); continue; }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string keyOf(std::string_view src, TSNode n) {
  std::string type = ts_node_type(n);
  if (type == "impl_item") {
    std::string trait = field(src, n, "trait");
    return "impl " + (trait.empty() ? "" : trait + " for ") + collapse(field(src, n, "type"));
  }
  if (type == "use_declaration") return "use " + collapse(field(src, n, "argument"));
  std::string name = field(src, n, "name");
  std::string kind = type.substr(0, type.find('_'));  // struct_item -> struct, function_item -> function
  if (!name.empty()) return kind + " " + name;
  return kind + " " + collapse(textOf(src, n));  // macro invocations and the like: the whole text
}

// Items keyed; a key seen twice keeps the first (a later twin compares by text).
std::set<std::string> keysOf(const std::vector<RustItem>& items) {
  std::set<std::string> out;
  for (const auto& i : items) out.insert(i.key);
  return out;
}

// The byte at which a form's closing parenthesis sits: the last top-level
// ')' of the last form, skipping strings and comments. npos when unbalanced.
size_t closingParen(std::string_view text) {
  int depth = 0;
  size_t last = std::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ';') { while (i < text.size() && text[i] != '\n') ++i; continue; }
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) last = i;
    if (depth < 0) return std::string_view::npos;
  }
  return depth == 0 ? last : std::string_view::npos;
}

// The printed clauses of the last `(service ...)` (or `(universe ...)`) form.
std::optional<std::vector<std::string>> clausesOf(std::string_view text, std::string_view head) {
  auto read = universe::readSexps(text, "intent.lisp");
  for (auto it = read.forms.rbegin(); it != read.forms.rend(); ++it) {
    if (it->head() != head) continue;
    std::vector<std::string> out;
    for (size_t k = 2; k < it->items.size(); ++k) out.push_back(universe::printSexp(it->items[k]));
    return out;
  }
  return std::nullopt;
}

}  // namespace

std::vector<RustItem> topLevelItems(std::string_view src) {
  std::vector<RustItem> out;
  auto tree = universe::parseRust(src);
  if (!tree) return out;
  TSNode root = ts_tree_root_node(tree.get());
  size_t pendingStart = std::string_view::npos;  // doc comments and attributes before an item
  for (uint32_t i = 0; i < ts_node_named_child_count(root); ++i) {
    TSNode n = ts_node_named_child(root, i);
    std::string type = ts_node_type(n);
    if (type == "line_comment" || type == "block_comment" || type == "attribute_item") {
      if (pendingStart == std::string_view::npos) pendingStart = ts_node_start_byte(n);
      continue;
    }
    if (type == "inner_attribute_item") continue;
    size_t begin = pendingStart != std::string_view::npos ? pendingStart : ts_node_start_byte(n);
    pendingStart = std::string_view::npos;
    out.push_back({keyOf(src, n), begin, ts_node_end_byte(n)});
  }
  return out;
}

std::string transferItems(std::string_view head, std::string_view proposed, std::string_view target) {
  auto headItems = topLevelItems(head), proposedItems = topLevelItems(proposed);
  auto headKeys = keysOf(headItems), proposedKeys = keysOf(proposedItems);
  std::string out;
  size_t at = 0;
  for (const auto& item : topLevelItems(target)) {
    if (!headKeys.contains(item.key) || proposedKeys.contains(item.key)) continue;
    out += target.substr(at, item.begin - at);
    at = item.end;
    while (at < target.size() && target[at] == '\n' && (out.empty() || out.back() == '\n')) ++at;  // no blank-line pile-up
  }
  out += target.substr(at);
  auto targetKeys = keysOf(topLevelItems(target));
  for (const auto& item : proposedItems) {
    if (headKeys.contains(item.key) || targetKeys.contains(item.key)) continue;
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "\n" + std::string(proposed.substr(item.begin, item.end - item.begin)) + "\n";
  }
  return out;
}

std::optional<std::string> transferClauses(std::string_view head, std::string_view proposed, std::string_view target) {
  auto h = clausesOf(head, "service"), p = clausesOf(proposed, "service"), t = clausesOf(target, "service");
  size_t close = closingParen(target);
  if (!h || !p || !t || close == std::string_view::npos) return std::nullopt;
  std::string added;
  for (const auto& clause : *p)
    if (std::find(h->begin(), h->end(), clause) == h->end() && std::find(t->begin(), t->end(), clause) == t->end())
      added += "\n  " + clause;
  return std::string(target.substr(0, close)) + added + std::string(target.substr(close));
}

std::string withTemplatesSetting(std::string_view text, const std::string& name, const std::string& dir,
                                 std::string* current) {
  if (text.empty()) {
    if (current) *current = dir;
    return "(universe " + name + "\n  (templates \"" + dir + "\"))\n";
  }
  auto read = universe::readSexps(text, "universe.lisp");
  for (const auto& f : read.forms) {
    if (f.head() != "universe") continue;
    for (size_t k = 2; k < f.items.size(); ++k)
      if (f.items[k].head() == "templates" && f.items[k].items.size() == 2) {
        if (current) *current = f.items[k].items[1].text;
        return std::string(text);
      }
  }
  size_t close = closingParen(text);
  if (close == std::string_view::npos) return std::string(text);
  if (current) *current = dir;
  return std::string(text.substr(0, close)) + "\n  (templates \"" + dir + "\")" + std::string(text.substr(close));
}

}  // namespace flywheel::learn
