#include "universe/rust_syntax.h"
#include "universe/rust_parse.h"

#include <tree_sitter/api.h>

#include <cstring>
#include <memory>


namespace flywheel::universe {
namespace {

using TreePtr = RustTree;

TreePtr parse(const std::string& content) { return parseRust(content, std::chrono::seconds(5)); }

std::string text(const std::string& src, TSNode n) {
  return src.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
}

std::string collapse(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') space = !out.empty();
    else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

bool findError(TSNode n, TSNode& out) {
  if (ts_node_is_missing(n) || std::strcmp(ts_node_type(n), "ERROR") == 0) {
    out = n;
    return true;
  }
  if (!ts_node_has_error(n)) return false;
  for (uint32_t i = 0; i < ts_node_child_count(n); ++i)
    if (findError(ts_node_child(n, i), out)) return true;
  out = n;
  return true;
}

bool isPub(const std::string& src, TSNode item) {
  for (uint32_t i = 0; i < ts_node_named_child_count(item); ++i) {
    TSNode c = ts_node_named_child(item, i);
    if (std::strcmp(ts_node_type(c), "visibility_modifier") == 0) return text(src, c) == "pub";
  }
  return false;
}

std::string field(const std::string& src, TSNode n, const char* name) {
  TSNode f = ts_node_child_by_field_name(n, name, static_cast<uint32_t>(std::strlen(name)));
  return ts_node_is_null(f) ? std::string() : text(src, f);
}

// The item's text without its body (for functions) as a signature.
std::string signatureOf(const std::string& src, TSNode item) {
  TSNode body = ts_node_child_by_field_name(item, "body", 4);
  uint32_t end = ts_node_end_byte(item);
  if (std::strcmp(ts_node_type(item), "function_item") == 0 && !ts_node_is_null(body)) end = ts_node_start_byte(body);
  return collapse(src.substr(ts_node_start_byte(item), end - ts_node_start_byte(item)));
}

void collect(const std::string& src, TSNode list, const std::string& prefix, bool inImpl,
             std::map<std::string, std::string>& out) {
  static const std::map<std::string, std::string> kKinds = {
      {"function_item", "fn"},   {"function_signature_item", "fn"}, {"struct_item", "struct"},
      {"enum_item", "enum"},     {"type_item", "type"},             {"const_item", "const"},
      {"static_item", "static"}, {"trait_item", "trait"},           {"union_item", "union"}};
  for (uint32_t i = 0; i < ts_node_named_child_count(list); ++i) {
    TSNode item = ts_node_named_child(list, i);
    std::string type = ts_node_type(item);
    if (type == "mod_item" && isPub(src, item)) {
      TSNode body = ts_node_child_by_field_name(item, "body", 4);
      if (!ts_node_is_null(body)) collect(src, body, prefix + field(src, item, "name") + "::", false, out);
    } else if (type == "impl_item") {
      std::string trait = field(src, item, "trait"), self = collapse(field(src, item, "type"));
      TSNode body = ts_node_child_by_field_name(item, "body", 4);
      if (!trait.empty()) out["impl " + collapse(trait) + " for " + self] = "impl " + collapse(trait) + " for " + self;
      else if (!ts_node_is_null(body)) collect(src, body, prefix + self + "::", true, out);
    } else if (auto k = kKinds.find(type); k != kKinds.end() && isPub(src, item)) {
      out[k->second + " " + prefix + field(src, item, "name")] = signatureOf(src, item);
    }
    (void)inImpl;
  }
}

}  // namespace

Result<void> checkRustSyntax(const std::string& path, const std::string& content) {
  auto tree = parse(content);
  if (!tree) return fail(Error::internal("the Rust parser gave up on " + path + " (timeout); simplify the file"));
  TSNode root = ts_tree_root_node(tree.get());
  if (!ts_node_has_error(root)) return {};
  TSNode bad = root;
  findError(root, bad);
  TSPoint p = ts_node_start_point(bad);
  std::string near = collapse(text(content, bad)).substr(0, 60);
  std::string what = ts_node_is_missing(bad) ? std::string("missing `") + ts_node_type(bad) + "`"
                                             : "syntax error near `" + near + "`";
  return fail(Error::invalidArgument(path + ":" + std::to_string(p.row + 1) + ":" + std::to_string(p.column + 1) +
                                     ": " + what + "; the edit must leave the file parseable"));
}

std::map<std::string, std::string> publicSignatures(const std::string& content) {
  std::map<std::string, std::string> out;
  auto tree = parse(content);
  if (!tree) return out;
  collect(content, ts_tree_root_node(tree.get()), "", false, out);
  return out;
}

std::vector<std::string> signatureChanges(const std::map<std::string, std::string>& before,
                                          const std::map<std::string, std::string>& after) {
  std::vector<std::string> out;
  for (const auto& [k, sig] : before) {
    auto it = after.find(k);
    if (it == after.end()) out.push_back("removed `" + sig + "`");
    else if (it->second != sig) out.push_back("changed `" + sig + "` to `" + it->second + "`");
  }
  for (const auto& [k, sig] : after)
    if (!before.count(k)) out.push_back("added `" + sig + "`");
  return out;
}

}  // namespace flywheel::universe
