// Atom and TYPE readers for the IR builders.
#include "universe/form_reader.h"

#include <cctype>
#include <charconv>

namespace flywheel::universe {

namespace {
bool isIdentifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}
constexpr const char* kTypeShape =
    "a TYPE: i32 i64 u32 u64 f32 f64 bool String, a declared name, svc/Name, (option T), (list T) or (map K V)";
}  // namespace

std::optional<std::string> FormReader::name(const Sexp& s, std::string_view what) const {
  if (s.isSymbol() && isIdentifier(s.text)) return s.text;
  error(s.pos, "expected " + std::string(what) + " (a name like user-id or UserProfile), got " + describeSexp(s));
  return std::nullopt;
}

std::optional<std::string> FormReader::string(const Sexp& s, std::string_view what) const {
  if (s.kind == Sexp::Kind::String) return s.text;
  error(s.pos, "expected " + std::string(what) + " (a \"string\"), got " + describeSexp(s));
  return std::nullopt;
}

std::optional<int64_t> FormReader::integer(const Sexp& s, std::string_view what) const {
  if (s.kind == Sexp::Kind::Integer) return s.integer;
  error(s.pos, "expected " + std::string(what) + " (an integer), got " + describeSexp(s));
  return std::nullopt;
}

std::optional<double> FormReader::decimal(const Sexp& s, std::string_view what) const {
  if (s.kind == Sexp::Kind::Integer) return static_cast<double>(s.integer);
  if (s.kind == Sexp::Kind::Decimal) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.text.data(), s.text.data() + s.text.size(), v);
    if (ec == std::errc() && ptr == s.text.data() + s.text.size()) return v;
  }
  error(s.pos, "expected " + std::string(what) + " (a number such as 0.6), got " + describeSexp(s));
  return std::nullopt;
}

bool FormReader::arity(const Sexp& form, size_t n, std::string_view shape) const {
  if (form.items.size() == n + 1) return true;
  error(form.pos, "malformed (" + std::string(form.head()) + " ...); expected " + std::string(shape));
  return false;
}

bool FormReader::minArity(const Sexp& form, size_t n, std::string_view shape) const {
  if (form.items.size() >= n + 1) return true;
  error(form.pos, "malformed (" + std::string(form.head()) + " ...); expected " + std::string(shape));
  return false;
}

std::optional<TypeRef> FormReader::type(const Sexp& s) const {
  TypeRef t;
  t.pos = s.pos;
  if (s.isSymbol()) {
    if (auto p = parsePrimitive(s.text)) {
      t.kind = TypeRef::Kind::Primitive;
      t.primitive = *p;
      return t;
    }
    auto slash = s.text.find('/');
    if (slash == std::string::npos) {
      if (!isIdentifier(s.text)) {
        error(s.pos, "expected " + std::string(kTypeShape) + ", got " + describeSexp(s));
        return std::nullopt;
      }
      t.kind = TypeRef::Kind::Local;
      t.name = s.text;
      return t;
    }
    t.kind = TypeRef::Kind::Qualified;
    t.service = s.text.substr(0, slash);
    t.name = s.text.substr(slash + 1);
    if (!isIdentifier(t.service) || !isIdentifier(t.name)) {
      error(s.pos, "malformed qualified type '" + s.text + "'; expected svc/Name");
      return std::nullopt;
    }
    return t;
  }
  std::string_view h = s.head();
  size_t want = h == "option" || h == "list" ? 1 : h == "map" ? 2 : 0;
  if (want == 0) {
    error(s.pos, "expected " + std::string(kTypeShape) + ", got " + describeSexp(s));
    return std::nullopt;
  }
  if (s.items.size() != want + 1) {
    error(s.pos, "(" + std::string(h) + " ...) takes " + (want == 1 ? "one type: (" + std::string(h) + " T)" : std::string("two types: (map K V)")));
    return std::nullopt;
  }
  t.kind = h == "option" ? TypeRef::Kind::Option : h == "list" ? TypeRef::Kind::List : TypeRef::Kind::Map;
  for (size_t k = 1; k < s.items.size(); ++k) {
    auto arg = type(s.items[k]);
    if (!arg) return std::nullopt;
    t.args.push_back(std::move(*arg));
  }
  return t;
}

}  // namespace flywheel::universe
