// Printing the reality mirror as S-expressions in the intent's shape, and the
// Rust-to-intent type mapping (see mirror.h).
#include <algorithm>
#include <cctype>
#include <sstream>

#include "drift/mirror.h"

namespace flywheel::drift {

namespace {

/// A tiny recursive reader of Rust type text: Path ['<' Type {',' Type} '>'].
class TypeReader {
 public:
  TypeReader(const std::string& s, const CrateNames& crates) : s_(s), crates_(crates) {}

  std::optional<std::string> read() {
    auto t = type();
    skip();
    if (!t || i_ != s_.size()) return std::nullopt;
    return t;
  }

 private:
  void skip() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }
  std::string ident() {
    skip();
    size_t b = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
    return s_.substr(b, i_ - b);
  }
  bool eat(const char* tok) {
    skip();
    size_t n = std::char_traits<char>::length(tok);
    if (s_.compare(i_, n, tok) != 0) return false;
    i_ += n;
    return true;
  }

  std::optional<std::string> type(int depth = 0) {
    if (depth > 32) return std::nullopt;
    std::vector<std::string> path;
    do {
      std::string id = ident();
      if (id.empty()) return std::nullopt;
      path.push_back(id);
    } while (eat("::"));
    std::vector<std::string> args;
    if (eat("<")) {
      do {
        auto a = type(depth + 1);
        if (!a) return std::nullopt;
        args.push_back(*a);
      } while (eat(","));
      if (!eat(">")) return std::nullopt;
    }
    return named(path, args);
  }

  std::optional<std::string> named(std::vector<std::string> path, const std::vector<std::string>& args) {
    // Paths into the crate itself or the standard library's containers.
    while (path.size() > 1 && (path[0] == "crate" || path[0] == "self" || path[0] == "generated" || path[0] == "custom"))
      path.erase(path.begin());
    if (path.size() == 3 && path[0] == "std" && (path[1] == "collections" || path[1] == "option" || path[1] == "vec" ||
                                                 path[1] == "string"))
      path.erase(path.begin(), path.begin() + 2);
    if (path.size() == 2 && path[0] == "collections") path.erase(path.begin());
    const std::string& last = path.back();
    if (path.size() == 1) {
      if (last == "Option" && args.size() == 1) return "(option " + args[0] + ")";
      if (last == "Vec" && args.size() == 1) return "(list " + args[0] + ")";
      if (last == "BTreeMap" && args.size() == 2) return "(map " + args[0] + " " + args[1] + ")";
      if (!args.empty()) return std::nullopt;
      if (universe::parsePrimitive(last)) return last;
      if (std::isupper(static_cast<unsigned char>(last[0])) && last != "Self" && last != "Box" && last != "Vec")
        return last;
      return std::nullopt;
    }
    if (path.size() == 2 && args.empty()) {
      auto it = crates_.find(path[0]);
      if (it != crates_.end() && std::isupper(static_cast<unsigned char>(last[0]))) return it->second + "/" + last;
    }
    return std::nullopt;
  }

  const std::string& s_;
  const CrateNames& crates_;
  size_t i_ = 0;
};

bool isSymbol(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("_-./:?!*<>=+").find(c) == std::string_view::npos)
      return false;
  return true;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

class Printer {
 public:
  explicit Printer(const CrateNames& crates) : crates_(crates) {}

  std::string type(const std::string& rust) const {
    if (auto t = intentTypeOf(rust, crates_)) return *t;
    return quoted(rust);
  }

  std::string fn(const RustFn& f) const {
    std::string out = "(fn " + kebabOfSnake(f.name);
    if (!f.receiver.empty()) out += " (receiver " + quoted(f.receiver) + ")";
    for (const auto& p : f.params) out += " (arg " + atom(kebabOfSnake(p.name)) + " " + type(p.type) + ")";
    if (!f.returns.empty()) out += " (returns " + type(f.returns) + ")";
    if (f.stub) out += " :stub " + quoted(f.stubMacro);
    return out + ")";
  }

  std::string fields(const std::vector<RustField>& fs) const {
    std::string out;
    for (size_t k = 0; k < fs.size(); ++k) {
      const auto& f = fs[k];
      std::string name = f.name.empty() ? std::to_string(k) : kebabOfSnake(f.name);
      out += std::string(f.pub ? " (field " : " (private-field ") + atom(name) + " " + type(f.type) + ")";
    }
    return out;
  }

  /// One item; traits and impls put each method on its own line under `indent`.
  std::string item(const RustItem& it, const std::string& indent) const {
    std::string tail = (it.module.empty() ? "" : " (module " + quoted(it.module) + ")") +
                       (it.pub || it.kind == ItemKind::Impl ? "" : " :private");
    switch (it.kind) {
      case ItemKind::Struct: return "(type " + it.name + fields(it.fields) + tail + ")";
      case ItemKind::Enum: {
        std::string out = "(enum " + it.name;
        for (const auto& v : it.variants) {
          if (v.fields.empty()) out += " " + kebabOfCamel(v.name);
          else if (!v.named && v.fields.size() == 1) out += " (" + kebabOfCamel(v.name) + " " + type(v.fields[0].type) + ")";
          else out += " (" + kebabOfCamel(v.name) + fields(v.fields) + ")";
        }
        return out + tail + ")";
      }
      case ItemKind::Alias: return "(alias " + it.name + " " + type(it.type) + tail + ")";
      case ItemKind::Const: return "(const " + it.name + " " + type(it.type) + tail + ")";
      case ItemKind::Function: {
        std::string f = fn(it.fns.at(0));
        return f.substr(0, f.size() - 1) + tail + ")";
      }
      case ItemKind::Trait:
      case ItemKind::Impl: {
        std::string out = it.kind == ItemKind::Trait ? "(trait " + it.name
                                                     : "(impl " + (it.trait.empty() ? std::string() : atom(it.trait) + " ") + atom(it.selfType);
        for (const auto& f : it.fns) out += "\n" + indent + "  " + fn(f);
        return out + tail + ")";
      }
    }
    return {};
  }

 private:
  static std::string atom(const std::string& s) { return isSymbol(s) ? s : quoted(s); }
  const CrateNames& crates_;
};

}  // namespace

std::optional<std::string> intentTypeOf(const std::string& rustType, const CrateNames& crates) {
  return TypeReader(rustType, crates).read();
}

std::string kebabOfSnake(const std::string& snake) {
  std::string s = snake.rfind("r#", 0) == 0 ? snake.substr(2) : snake;
  for (char& c : s)
    if (c == '_') c = '-';
  while (!s.empty() && s.front() == '-') s.erase(s.begin());
  return s.empty() ? snake : s;
}

std::string kebabOfCamel(const std::string& camel) {
  std::string out;
  for (size_t i = 0; i < camel.size(); ++i) {
    char c = camel[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && camel[i - 1] != '_') out += '-';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c == '_' ? '-' : c;
    }
  }
  return out;
}

std::string realitySexp(const CrateMirror& crate, const CrateNames& crates) {
  Printer p(crates);
  std::ostringstream out;
  out << "(reality " << crate.service << "\n  (crate " << crate.crate << ")";
  std::vector<std::string> uses;
  for (const auto& f : crate.files)
    for (const auto& u : f.api->crateUses) {
      auto it = crates.find(u.crate);
      if (it == crates.end() || u.crate == crate.crate || u.inTest) continue;
      if (std::find(uses.begin(), uses.end(), it->second) == uses.end()) uses.push_back(it->second);
    }
  std::sort(uses.begin(), uses.end());
  if (!uses.empty()) {
    out << "\n  (uses";
    for (const auto& s : uses) out << " " << s;
    out << ")";
  }
  for (const auto& f : crate.files) {
    out << "\n  (file " << quoted(f.path);
    for (const auto& it : f.api->items) out << "\n    " << p.item(it, "    ");
    out << ")";
  }
  out << ")\n";
  return out.str();
}

}  // namespace flywheel::drift
