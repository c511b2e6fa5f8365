// Intent names and types -> Rust names and types.
#include "forge/rust_names.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace flywheel::forge {

namespace {

constexpr std::array<std::string_view, 51> kKeywords{
    "as",       "async", "await",  "break",  "const",  "continue", "crate",   "dyn",    "else",
    "enum",     "extern", "false", "fn",     "for",    "if",       "impl",    "in",     "let",
    "loop",     "match", "mod",    "move",   "mut",    "pub",      "ref",     "return", "self",
    "Self",     "static", "struct", "super", "trait",  "true",     "type",    "unsafe", "use",
    "where",    "while", "abstract", "become", "box",  "do",       "final",   "macro",  "override",
    "priv",     "typeof", "unsized", "virtual", "yield", "try"};

bool isKeyword(std::string_view s) { return std::find(kKeywords.begin(), kKeywords.end(), s) != kKeywords.end(); }

}  // namespace

bool isRustableName(std::string_view name) {
  if (name.empty()) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::string rustCamel(std::string_view name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '-' || c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string rustSnakeBare(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '-') c = '_';
    if (std::isupper(static_cast<unsigned char>(c))) {
      bool prevLower = i > 0 && (std::islower(static_cast<unsigned char>(name[i - 1])) ||
                                 std::isdigit(static_cast<unsigned char>(name[i - 1])));
      bool nextLower = i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1]));
      bool prevUpper = i > 0 && std::isupper(static_cast<unsigned char>(name[i - 1]));
      if (!out.empty() && out.back() != '_' && (prevLower || (prevUpper && nextLower))) out += '_';
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out += c;
  }
  return out;
}

std::string rustSnake(std::string_view name) {
  std::string s = rustSnakeBare(name);
  return isKeyword(s) && !isReservedRustName(s) ? "r#" + s : s;
}

std::string rustScreaming(std::string_view name) {
  std::string s = rustSnakeBare(name);
  std::transform(s.begin(), s.end(), s.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool isReservedRustName(std::string_view s) { return s == "self" || s == "Self" || s == "crate" || s == "super"; }

std::string rustStringLiteral(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string docLine(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

const universe::Service* RustTypes::ownerOf(const universe::TypeRef& t) const {
  const std::string& svc = !t.resolvedService.empty() ? t.resolvedService
                           : t.kind == universe::TypeRef::Kind::Qualified ? t.service
                                                                           : current_.name;
  return svc == current_.name ? &current_ : universe_.findService(svc);
}

std::string RustTypes::render(const universe::TypeRef& t) {
  using K = universe::TypeRef::Kind;
  auto arg = [&](size_t i) { return i < t.args.size() ? render(t.args[i]) : std::string("()"); };
  switch (t.kind) {
    case K::Primitive: return std::string(universe::primitiveName(t.primitive));
    case K::Option: return t.boxed ? "Option<Box<" + arg(0) + ">>" : "Option<" + arg(0) + ">";
    case K::List: return "Vec<" + arg(0) + ">";
    case K::Map: return "std::collections::BTreeMap<" + arg(0) + ", " + arg(1) + ">";
    case K::Local:
    case K::Qualified: {
      const universe::Service* owner = ownerOf(t);
      if (!owner || owner == &current_ || owner->name == current_.name) return t.name;
      crates_.insert(owner->crateName);
      return owner->crateName + "::" + t.name;
    }
  }
  return "()";
}

std::string RustTypes::renderBorrowed(const universe::TypeRef& t) {
  using K = universe::TypeRef::Kind;
  if (t.kind == K::List && !t.args.empty()) return "[" + render(t.args[0]) + "]";
  if (t.kind == K::Primitive && t.primitive == universe::Primitive::String) return "str";
  return render(t);
}

const universe::TypeDecl* RustTypes::recordOf(const universe::TypeRef& t) const {
  if (t.kind != universe::TypeRef::Kind::Local && t.kind != universe::TypeRef::Kind::Qualified) return nullptr;
  const universe::Service* owner = ownerOf(t);
  return owner ? owner->findType(t.name) : nullptr;
}

std::optional<universe::Primitive> RustTypes::primitiveOf(const universe::TypeRef& t, int depth) const {
  if (t.kind == universe::TypeRef::Kind::Primitive) return t.primitive;
  if (depth > 32 || (t.kind != universe::TypeRef::Kind::Local && t.kind != universe::TypeRef::Kind::Qualified))
    return std::nullopt;
  const universe::Service* owner = ownerOf(t);
  const universe::AliasDecl* alias = owner ? owner->findAlias(t.name) : nullptr;
  if (!alias) return std::nullopt;
  // The alias's target is written relative to its own service.
  RustTypes inner(universe_, *owner);
  return inner.primitiveOf(alias->target, depth + 1);
}

}  // namespace flywheel::forge
