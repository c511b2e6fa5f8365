// Diff shapes: hunks of unified diffs, tokens, and their abstraction levels.
#include "learn/shape.h"

#include <algorithm>
#include <array>
#include <map>

namespace flywheel::learn {

namespace {

bool identStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool identChar(char c) { return identStart(c) || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool isIdent(std::string_view t) { return !t.empty() && identStart(t[0]); }
bool isLiteral(std::string_view t) { return !t.empty() && (digit(t[0]) || t[0] == '"' || (t[0] == '\'' && t.size() > 2 && t.back() == '\'')); }

constexpr std::array<std::string_view, 16> kPrimitives{"i8",  "i16", "i32", "i64", "i128", "u8",   "u16",  "u32",
                                                       "u64", "u128", "f32", "f64", "bool", "String", "usize", "isize"};

// Identifiers bound locally in `tokens`: after `let` / `let mut`, closure
// parameters `|a, b|`, any `name :` (a typed binding, a parameter or a
// field) and a receiver `name.` (a parameter read), so that a renamed local reads as the same shape.
std::set<std::string> localsOf(const std::vector<std::string>& tokens) {
  std::set<std::string> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const auto& t = tokens[i];
    if (t == "let") {
      size_t j = i + 1;
      if (j < tokens.size() && tokens[j] == "mut") ++j;
      if (j < tokens.size() && isIdent(tokens[j]) && !isRustKeyword(tokens[j])) out.insert(tokens[j]);
    } else if (isIdent(t) && !isRustKeyword(t) && i + 1 < tokens.size() && (tokens[i + 1] == ":" || tokens[i + 1] == ".") &&
               (i == 0 || tokens[i - 1] != ".")) {  // `x: T`, and a receiver `x.field`
      out.insert(t);
    } else if (t == "|") {
      for (size_t j = i + 1; j < tokens.size() && tokens[j] != "|"; ++j)
        if (isIdent(tokens[j]) && !isRustKeyword(tokens[j])) out.insert(tokens[j]);
    }
  }
  return out;
}

}  // namespace

bool isRustKeyword(std::string_view w) {
  static const std::set<std::string_view> kw = {
      "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false",
      "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
      "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while"};
  return kw.contains(w);
}

std::vector<Hunk> hunksOf(std::string_view diff, const std::string& file) {
  std::vector<Hunk> out;
  Hunk cur{file, {}, {}};
  auto flush = [&] {
    if (!cur.before.empty() || !cur.after.empty()) out.push_back(cur);
    cur.before.clear();
    cur.after.clear();
  };
  size_t pos = 0;
  while (pos < diff.size()) {
    size_t end = diff.find('\n', pos);
    if (end == std::string_view::npos) end = diff.size();
    std::string_view line = diff.substr(pos, end - pos);
    pos = end + 1;
    if (line.starts_with("---") || line.starts_with("+++") || line.starts_with("diff ") || line.starts_with("index ")) {
      flush();
      continue;
    }
    if (line.starts_with("@@")) { flush(); continue; }
    if (line.starts_with("\\")) continue;  // "\ No newline at end of file"
    if (!line.empty() && line[0] == '-') cur.before.emplace_back(line.substr(1));
    else if (!line.empty() && line[0] == '+') cur.after.emplace_back(line.substr(1));
    else flush();
  }
  flush();
  return out;
}

std::vector<std::string> tokenize(std::string_view s) {
  static const std::array<std::string_view, 14> kTwo{"::", "->", "=>", "==", "!=", "<=", ">=", "&&",
                                                     "||", "..", "+=", "-=", "*=", "/="};
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { ++i; continue; }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {  // comment to end of line
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    size_t start = i;
    if (identStart(c)) {
      while (i < s.size() && identChar(s[i])) ++i;
    } else if (digit(c)) {
      while (i < s.size() && (identChar(s[i]) || (s[i] == '.' && i + 1 < s.size() && digit(s[i + 1])))) ++i;
    } else if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
      i = std::min(i + 1, s.size());
    } else if (c == '\'') {  // 'x' or '\n' is a char literal; 'a alone a lifetime
      if (i + 2 < s.size() && s[i + 2] == '\'') i += 3;
      else if (i + 3 < s.size() && s[i + 1] == '\\' && s[i + 3] == '\'') i += 4;
      else for (++i; i < s.size() && identChar(s[i]); ++i) {}
    } else {
      bool two = false;
      if (i + 1 < s.size())
        for (auto op : kTwo)
          if (s.substr(i, 2) == op) two = true;
      i += two ? 2 : 1;
    }
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::string Shape::key() const { return "L" + std::to_string(level) + "\n" + before + "\n=>\n" + after; }

Shape shapeOf(const Hunk& hunk, const SymbolSet& symbols, int level) {
  std::string beforeText, afterText;
  for (const auto& l : hunk.before) beforeText += l + "\n";
  for (const auto& l : hunk.after) afterText += l + "\n";
  auto before = tokenize(beforeText), after = tokenize(afterText);
  std::vector<std::string> all = before;
  all.insert(all.end(), after.begin(), after.end());
  const auto locals = localsOf(all);
  std::map<std::string, int> holes;
  auto abstracted = [&](const std::string& t) {
    if (level >= 2) return (isIdent(t) && !isRustKeyword(t)) || isLiteral(t);
    if (!isIdent(t) || isRustKeyword(t)) return false;
    return symbols.contains(t) || locals.contains(t) ||
           std::find(kPrimitives.begin(), kPrimitives.end(), t) != kPrimitives.end();
  };
  auto join = [&](const std::vector<std::string>& tokens) {
    std::string out;
    for (const auto& t : tokens) {
      if (!out.empty()) out += ' ';
      if (abstracted(t)) {
        auto [it, fresh] = holes.emplace(t, static_cast<int>(holes.size()) + 1);
        out += "$" + std::to_string(it->second);
      } else {
        out += t;
      }
    }
    return out;
  };
  Shape s;
  s.level = level;
  s.before = join(before);
  s.after = join(after);
  return s;
}

}  // namespace flywheel::learn
