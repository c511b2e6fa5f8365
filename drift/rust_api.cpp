// Extracting a Rust file's public API with Tree-sitter (see rust_api.h).
#include "drift/rust_api.h"
#include "universe/rust_parse.h"

#include <tree_sitter/api.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>


namespace flywheel::drift {
namespace {

bool is(TSNode n, const char* type) { return !ts_node_is_null(n) && std::strcmp(ts_node_type(n), type) == 0; }
uint32_t lineOf(TSNode n) { return ts_node_start_point(n).row + 1; }
TSNode field(TSNode n, const char* name) {
  return ts_node_child_by_field_name(n, name, static_cast<uint32_t>(std::strlen(name)));
}

std::string collapse(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    // No space inside brackets or before punctuation: `Vec < T >` and `Vec<T>` read the same.
    if (space && c != '>' && c != ',' && c != ')' && c != ']' && out.back() != '<' && out.back() != '(' &&
        out.back() != '[' && out.back() != '&')
      out += ' ';
    space = false;
    out += c;
  }
  return out;
}

class Extractor {
 public:
  Extractor(const std::string& src, RustFileApi& out) : src_(src), out_(out) {}

  void items(TSNode list, const std::string& module) {
    for (uint32_t i = 0; i < ts_node_named_child_count(list); ++i) {
      TSNode n = ts_node_named_child(list, i);
      if (is(n, "mod_item")) {
        TSNode body = field(n, "body");
        std::string name = text(field(n, "name"));
        if (ts_node_is_null(body)) {
          if (isPub(n)) out_.pubModules.push_back(name);
        } else if (!isTestModule(n)) {
          items(body, module.empty() ? name : module + "::" + name);
        }
      } else if (is(n, "use_declaration") && isPub(n) && module.empty()) {
        reexport(field(n, "argument"));
      } else {
        item(n, module);
      }
    }
  }

  /// Crate uses and mentioned names, over the whole tree (test modules marked).
  void references(TSNode root) {
    std::vector<std::pair<TSNode, bool>> stack{{root, false}};
    std::set<std::string> names;
    while (!stack.empty()) {
      auto [n, inTest] = stack.back();
      stack.pop_back();
      if (is(n, "mod_item") && isTestModule(n)) inTest = true;
      if (is(n, "type_identifier") || is(n, "identifier")) {
        std::string t = text(n);
        if (!t.empty() && t[0] >= 'A' && t[0] <= 'Z') names.insert(t);
      } else if (is(n, "scoped_identifier") || is(n, "scoped_type_identifier") || is(n, "scoped_use_list") ||
                 is(n, "use_wildcard")) {
        TSNode first = leftmost(n);
        if (is(first, "identifier")) use(text(first), lineOf(first), inTest);
      } else if (is(n, "use_as_clause") && is(ts_node_parent(n), "use_declaration")) {
        TSNode path = field(n, "path"), alias = field(n, "alias");
        if (is(path, "identifier") && !ts_node_is_null(alias)) {
          aliases_[text(alias)] = text(path);
          use(text(path), lineOf(path), inTest);
        }
      } else if (is(n, "use_declaration") && is(field(n, "argument"), "identifier")) {
        TSNode arg = field(n, "argument");  // `use user;`
        use(text(arg), lineOf(arg), inTest);
      } else if (is(n, "extern_crate_declaration")) {
        TSNode name = field(n, "name"), alias = field(n, "alias");
        if (!ts_node_is_null(alias)) aliases_[text(alias)] = text(name);
        use(text(name), lineOf(n), inTest);
      } else if (is(n, "token_tree")) {
        tokenTree(n, inTest);
      }
      for (uint32_t i = ts_node_child_count(n); i-- > 0;) stack.emplace_back(ts_node_child(n, i), inTest);
    }
    out_.names.assign(names.begin(), names.end());
  }

  void finish() {
    std::map<std::pair<std::string, bool>, uint32_t> first;
    for (auto& u : uses_) {
      auto it = aliases_.find(u.crate);
      if (it != aliases_.end()) u.crate = it->second;
      auto key = std::pair(u.crate, u.inTest);
      auto f = first.find(key);
      if (f == first.end() || u.line < f->second) first[key] = u.line;
    }
    for (const auto& [key, line] : first) out_.crateUses.push_back({key.first, line, key.second});
  }

 private:
  std::string text(TSNode n) const {
    if (ts_node_is_null(n)) return {};
    return src_.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
  }

  bool isPub(TSNode item) const {
    for (uint32_t i = 0; i < ts_node_named_child_count(item); ++i) {
      TSNode c = ts_node_named_child(item, i);
      if (is(c, "visibility_modifier")) return text(c).rfind("pub", 0) == 0;
    }
    return false;
  }

  bool isTestModule(TSNode mod) const {
    if (text(field(mod, "name")) == "tests") return true;
    for (TSNode p = ts_node_prev_named_sibling(mod); is(p, "attribute_item"); p = ts_node_prev_named_sibling(p))
      if (collapse(text(p)).find("cfg(test)") != std::string::npos) return true;
    return false;
  }

  static TSNode leftmost(TSNode n) {
    while (!ts_node_is_null(n) && !is(n, "identifier")) {
      TSNode path = field(n, "path");
      if (ts_node_is_null(path)) {
        if (is(n, "use_wildcard") && ts_node_named_child_count(n) > 0) path = ts_node_named_child(n, 0);
        else return TSNode{};
      }
      n = path;
    }
    return n;
  }

  void use(const std::string& crate, uint32_t line, bool inTest) {
    if (crate == "crate" || crate == "self" || crate == "super" || crate == "Self") return;
    if (crate.empty() || !(crate[0] >= 'a' && crate[0] <= 'z')) return;
    uses_.push_back({crate, line, inTest});
  }

  void tokenTree(TSNode n, bool inTest) {
    uint32_t count = ts_node_child_count(n);
    for (uint32_t i = 0; i + 1 < count; ++i) {
      TSNode a = ts_node_child(n, i), sep = ts_node_child(n, i + 1);
      if (!is(a, "identifier") || !is(sep, "::")) continue;
      if (i > 0 && is(ts_node_child(n, i - 1), "::")) continue;
      use(text(a), lineOf(a), inTest);
    }
  }

  void reexport(TSNode arg) {
    if (is(arg, "scoped_identifier")) {
      out_.reexports.emplace_back(text(field(arg, "path")), text(field(arg, "name")));
    } else if (is(arg, "scoped_use_list")) {
      std::string path = text(field(arg, "path"));
      TSNode list = field(arg, "list");
      for (uint32_t i = 0; i < ts_node_named_child_count(list); ++i) {
        TSNode it = ts_node_named_child(list, i);
        if (is(it, "use_as_clause")) it = field(it, "alias");
        if (is(it, "identifier") || is(it, "type_identifier")) out_.reexports.emplace_back(path, text(it));
      }
    } else if (is(arg, "use_wildcard") && ts_node_named_child_count(arg) > 0) {
      out_.reexports.emplace_back(text(ts_node_named_child(arg, 0)), "*");
    }
  }

  std::vector<RustField> fieldsOf(TSNode body) const {
    std::vector<RustField> out;
    if (ts_node_is_null(body)) return out;
    bool named = is(body, "field_declaration_list");
    for (uint32_t i = 0; i < ts_node_named_child_count(body); ++i) {
      TSNode c = ts_node_named_child(body, i);
      if (named && is(c, "field_declaration")) {
        out.push_back({text(field(c, "name")), collapse(text(field(c, "type"))), isPub(c)});
      } else if (!named && !is(c, "visibility_modifier") && !is(c, "attribute_item") && !is(c, "line_comment") &&
                 !is(c, "block_comment")) {
        bool pub = i > 0 && is(ts_node_named_child(body, i - 1), "visibility_modifier");
        out.push_back({"", collapse(text(c)), pub});
      }
    }
    return out;
  }

  RustFn fnOf(TSNode n) const {
    RustFn f;
    f.name = text(field(n, "name"));
    f.line = lineOf(n);
    f.returns = collapse(text(field(n, "return_type")));
    TSNode params = field(n, "parameters");
    for (uint32_t i = 0; i < ts_node_named_child_count(params); ++i) {
      TSNode p = ts_node_named_child(params, i);
      if (is(p, "self_parameter")) f.receiver = collapse(text(p));
      else if (is(p, "parameter")) f.params.push_back({text(field(p, "pattern")), collapse(text(field(p, "type")))});
    }
    TSNode body = field(n, "body");
    f.hasBody = !ts_node_is_null(body);
    if (f.hasBody) stubOf(body, f);
    return f;
  }

  /// A body holding only `todo!()`, `unimplemented!()` or `panic!(..)`.
  void stubOf(TSNode body, RustFn& f) const {
    TSNode only{};
    int count = 0;
    for (uint32_t i = 0; i < ts_node_named_child_count(body); ++i) {
      TSNode c = ts_node_named_child(body, i);
      if (is(c, "line_comment") || is(c, "block_comment")) continue;
      only = c;
      ++count;
    }
    if (count != 1) return;
    if (is(only, "expression_statement") && ts_node_named_child_count(only) == 1) only = ts_node_named_child(only, 0);
    if (!is(only, "macro_invocation")) return;
    std::string name = text(field(only, "macro"));
    if (name == "todo" || name == "unimplemented" || name == "panic") {
      f.stub = true;
      f.stubMacro = name + "!";
    }
  }

  void item(TSNode n, const std::string& module) {
    RustItem it;
    it.module = module;
    it.line = lineOf(n);
    it.pub = isPub(n);
    it.name = text(field(n, "name"));
    if (is(n, "struct_item")) {
      it.kind = ItemKind::Struct;
      TSNode body = field(n, "body");
      it.tuple = ts_node_is_null(body) || !is(body, "field_declaration_list");
      it.fields = fieldsOf(body);
    } else if (is(n, "enum_item")) {
      it.kind = ItemKind::Enum;
      TSNode body = field(n, "body");
      for (uint32_t i = 0; !ts_node_is_null(body) && i < ts_node_named_child_count(body); ++i) {
        TSNode v = ts_node_named_child(body, i);
        if (!is(v, "enum_variant")) continue;
        TSNode vb = field(v, "body");
        auto fields = fieldsOf(vb);
        for (auto& f : fields) f.pub = true;  // a variant's fields are as visible as its enum
        it.variants.push_back({text(field(v, "name")), std::move(fields), is(vb, "field_declaration_list")});
      }
    } else if (is(n, "type_item")) {
      it.kind = ItemKind::Alias;
      it.type = collapse(text(field(n, "type")));
    } else if (is(n, "const_item") || is(n, "static_item")) {
      it.kind = ItemKind::Const;
      it.type = collapse(text(field(n, "type")));
    } else if (is(n, "function_item")) {
      it.kind = ItemKind::Function;
      it.fns.push_back(fnOf(n));
    } else if (is(n, "trait_item") || is(n, "impl_item")) {
      it.kind = is(n, "trait_item") ? ItemKind::Trait : ItemKind::Impl;
      if (it.kind == ItemKind::Impl) {
        it.trait = collapse(text(field(n, "trait")));
        it.selfType = collapse(text(field(n, "type")));
        it.name = baseName(it.selfType);
      }
      TSNode body = field(n, "body");
      for (uint32_t i = 0; !ts_node_is_null(body) && i < ts_node_named_child_count(body); ++i) {
        TSNode m = ts_node_named_child(body, i);
        if (!is(m, "function_item") && !is(m, "function_signature_item")) continue;
        RustFn f = fnOf(m);
        if (it.kind == ItemKind::Impl && it.trait.empty() && !isPub(m)) continue;  // private inherent method
        it.fns.push_back(std::move(f));
      }
    } else {
      return;
    }
    out_.items.push_back(std::move(it));
  }

  static std::string baseName(const std::string& type) {
    std::string t = type.substr(0, type.find('<'));
    auto sep = t.rfind("::");
    return sep == std::string::npos ? t : t.substr(sep + 2);
  }

  const std::string& src_;
  RustFileApi& out_;
  std::vector<CrateUse> uses_;
  std::map<std::string, std::string> aliases_;
};

}  // namespace

RustFileApi extractRustApi(const std::string& source) {
  RustFileApi out;
  universe::RustTree tree = universe::parseRust(source);
  if (!tree) {
    out.syntaxError = true;
    return out;
  }
  TSNode root = ts_tree_root_node(tree.get());
  Extractor x(source, out);
  x.items(root, "");
  x.references(root);
  x.finish();
  if (ts_node_has_error(root)) {
    out.syntaxError = true;
    std::vector<TSNode> stack{root};
    while (!stack.empty() && !out.errorLine) {
      TSNode n = stack.back();
      stack.pop_back();
      if (ts_node_is_missing(n) || is(n, "ERROR")) out.errorLine = lineOf(n);
      else if (ts_node_has_error(n))
        for (uint32_t i = ts_node_child_count(n); i-- > 0;) stack.push_back(ts_node_child(n, i));
    }
  }
  return out;
}

}  // namespace flywheel::drift
