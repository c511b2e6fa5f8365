// Extracting crate-path references from Rust source with Tree-sitter (see
// reality.h for what counts as a reference).
#include <tree_sitter/api.h>

#include <cstring>
#include <memory>
#include <set>

#include "universe/reality.h"
#include "universe/rust_parse.h"


namespace flywheel::universe {

namespace {

bool is(TSNode n, const char* type) { return std::strcmp(ts_node_type(n), type) == 0; }

class Extractor {
 public:
  Extractor(const std::string& src, RustFileRefs& out) : src_(src), out_(out) {}

  void walk(TSNode root) {
    // Iterative pre-order walk: deeply nested code must not exhaust the stack.
    std::vector<TSNode> stack{root};
    while (!stack.empty()) {
      TSNode n = stack.back();
      stack.pop_back();
      visit(n);
      for (uint32_t i = ts_node_child_count(n); i-- > 0;) stack.push_back(ts_node_child(n, i));
    }
  }

  /// Every identifier's first line (for names brought in by a glob import).
  void bareNames(TSNode root) {
    std::set<std::string> seen;
    std::vector<TSNode> stack{root};
    while (!stack.empty()) {
      TSNode n = stack.back();
      stack.pop_back();
      if (is(n, "identifier") || is(n, "type_identifier")) {
        auto name = text(n);
        if (seen.insert(name).second) out_.bareNames.emplace_back(name, line(n));
      }
      // In a path `A::b` only the first segment can be bare; use declarations hold none.
      if (is(n, "use_declaration")) continue;
      if (is(n, "scoped_identifier") || is(n, "scoped_type_identifier")) {
        TSNode path = field(n, "path");
        if (!ts_node_is_null(path)) stack.push_back(path);
        continue;
      }
      for (uint32_t i = ts_node_child_count(n); i-- > 0;) stack.push_back(ts_node_child(n, i));
    }
  }

 private:
  std::string text(TSNode n) const {
    return src_.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
  }
  static uint32_t line(TSNode n) { return ts_node_start_point(n).row + 1; }
  static TSNode field(TSNode n, const char* name) {
    return ts_node_child_by_field_name(n, name, static_cast<uint32_t>(std::strlen(name)));
  }

  void add(TSNode first, TSNode name, TSNode at) {
    if (ts_node_is_null(first) || ts_node_is_null(name) || !is(first, "identifier")) return;
    if (!is(name, "identifier") && !is(name, "type_identifier")) return;
    out_.paths.push_back({text(first), text(name), line(at)});
  }

  void visit(TSNode n) {
    if (is(n, "scoped_identifier") || is(n, "scoped_type_identifier")) {
      add(field(n, "path"), field(n, "name"), n);
    } else if (is(n, "scoped_use_list")) {
      TSNode path = field(n, "path"), list = field(n, "list");
      if (ts_node_is_null(path) || !is(path, "identifier") || ts_node_is_null(list)) return;
      for (uint32_t i = 0; i < ts_node_named_child_count(list); ++i) {
        TSNode item = ts_node_named_child(list, i);
        if (is(item, "use_as_clause")) item = field(item, "path");
        if (!ts_node_is_null(item)) add(path, item, item);
      }
    } else if (is(n, "use_as_clause") && is(ts_node_parent(n), "use_declaration")) {
      TSNode path = field(n, "path"), alias = field(n, "alias");
      if (!ts_node_is_null(path) && is(path, "identifier") && !ts_node_is_null(alias))
        out_.crateAliases[text(alias)] = text(path);
    } else if (is(n, "extern_crate_declaration")) {
      TSNode name = field(n, "name"), alias = field(n, "alias");
      if (!ts_node_is_null(name) && !ts_node_is_null(alias)) out_.crateAliases[text(alias)] = text(name);
    } else if (is(n, "use_wildcard")) {
      if (ts_node_named_child_count(n) > 0) {
        TSNode path = ts_node_named_child(n, 0);
        if (is(path, "identifier")) out_.globCrates.push_back(text(path));
      }
    } else if (is(n, "token_tree")) {
      tokenTree(n);
    }
  }

  /// Macro arguments are unparsed token trees: `a :: B` not preceded by `::`.
  void tokenTree(TSNode n) {
    uint32_t count = ts_node_child_count(n);
    for (uint32_t i = 0; i + 2 < count; ++i) {
      TSNode a = ts_node_child(n, i), sep = ts_node_child(n, i + 1), b = ts_node_child(n, i + 2);
      if (!is(a, "identifier") || !is(sep, "::")) continue;
      if (i > 0 && is(ts_node_child(n, i - 1), "::")) continue;
      add(a, b, a);
    }
  }

  const std::string& src_;
  RustFileRefs& out_;
};

/// The first ERROR or MISSING node, for the warning's position.
SourcePos firstError(TSNode root) {
  std::vector<TSNode> stack{root};
  while (!stack.empty()) {
    TSNode n = stack.back();
    stack.pop_back();
    if (ts_node_is_missing(n) || is(n, "ERROR")) {
      TSPoint p = ts_node_start_point(n);
      return {p.row + 1, p.column + 1};
    }
    if (!ts_node_has_error(n)) continue;
    for (uint32_t i = ts_node_child_count(n); i-- > 0;) stack.push_back(ts_node_child(n, i));
  }
  return {};
}

}  // namespace

RustFileRefs extractRustRefs(const std::string& source) {
  RustFileRefs out;
  RustTree tree = parseRust(source);
  if (!tree) {
    out.syntaxError = true;
    return out;
  }
  TSNode root = ts_tree_root_node(tree.get());
  Extractor x(source, out);
  x.walk(root);
  if (!out.globCrates.empty()) x.bareNames(root);
  if (ts_node_has_error(root)) {
    out.syntaxError = true;
    out.errorPos = firstError(root);
  }
  return out;
}

}  // namespace flywheel::universe
