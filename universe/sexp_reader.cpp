// The iterative S-expression reader (see sexp.h for the contract).
#include <charconv>
#include <cstdio>
#include <optional>

#include "universe/sexp.h"

namespace flywheel::universe {

namespace {

constexpr size_t kMaxDiagnosticsPerFile = 50;

bool isSymbolStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '&';
}
bool isSymbolChar(char c) {
  if (isSymbolStart(c) || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '/': case ':': case '?': case '!': case '*':
    case '<': case '>': case '=': case '+': return true;
    default: return false;
  }
}
bool isDelimiter(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')' || c == '"' ||
         c == ';' || c == '`' || c == ',';
}

/// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
size_t utf8Length(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((b & 0xE0) == 0xC0) { n = 2; cp = b & 0x1F; }
  else if ((b & 0xF0) == 0xE0) { n = 3; cp = b & 0x0F; }
  else if ((b & 0xF8) == 0xF0) { n = 4; cp = b & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;  // overlong, out of range or a surrogate
  return n;
}

std::string posText(SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

class Reader {
 public:
  Reader(std::string_view text, std::string_view file) : s_(text), file_(file) {}

  ReadResult run() {
    if (s_.size() > kMaxFileBytes) {
      char size[32];
      std::snprintf(size, sizeof size, "%.1f MiB", static_cast<double>(s_.size()) / (1u << 20));
      error({1, 1}, std::string("file is ") + (s_.size() > kMaxKeptBytes ? "over 16 MiB" : size) +
                        ", over the 4 MiB limit (" + std::to_string(kMaxFileBytes) +
                        " bytes) for intent files; split it or remove generated content");
      return std::move(out_);
    }
    if (!checkEncoding()) return std::move(out_);
    while (i_ < s_.size() && !tooMany()) step();
    finish();
    return std::move(out_);
  }

 private:
  struct Frame {
    Sexp node;   // a List, or a Quasi/Unquote/Splice waiting for its form
    bool skipped = false;  // over the nesting limit: read but not kept
  };

  SourcePos here() const { return {line_, col_}; }
  bool tooMany() const { return out_.diagnostics.size() >= kMaxDiagnosticsPerFile; }

  void error(SourcePos p, std::string message) {
    if (out_.diagnostics.size() + 1 == kMaxDiagnosticsPerFile)
      message = "too many errors; stopping here (fix the ones above first)";
    if (out_.diagnostics.size() < kMaxDiagnosticsPerFile)
      out_.diagnostics.push_back({Severity::Error, std::string(file_), p, std::move(message)});
  }

  void advance() {
    if (s_[i_] == '\n') { ++line_; col_ = 1; } else { ++col_; }
    ++i_;
  }

  /// Invalid UTF-8 or a NUL byte makes the whole file unreadable.
  bool checkEncoding() {
    bool ok = true;
    uint32_t line = 1, col = 1;
    for (size_t i = 0; i < s_.size() && !tooMany();) {
      if (s_[i] == '\0') {
        error({line, col}, "NUL byte in intent file; intent files are UTF-8 text");
        ok = false;
      }
      size_t n = utf8Length(s_, i);
      if (n == 0) {
        error({line, col}, "invalid UTF-8 byte 0x" + hexByte(s_[i]) + "; save the file as UTF-8");
        ok = false;
        n = 1;
      }
      if (s_[i] == '\n') { ++line; col = 1; } else { ++col; }
      i += n;
    }
    return ok;
  }

  static std::string hexByte(char c) {
    const char* digits = "0123456789ABCDEF";
    auto b = static_cast<unsigned char>(c);
    return {digits[b >> 4], digits[b & 15]};
  }

  size_t depth() const { return stack_.size(); }
  bool skipping() const { return !stack_.empty() && stack_.back().skipped; }

  void step() {
    char c = s_[i_];
    switch (c) {
      case ' ': case '\t': case '\r': case '\n': advance(); return;
      case ';': while (i_ < s_.size() && s_[i_] != '\n') advance(); return;
      case '(': open(Sexp::Kind::List, 1); return;
      case ')': close(); return;
      case '"': readString(); return;
      case '`': open(Sexp::Kind::Quasi, 1); return;
      case ',':
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '@') open(Sexp::Kind::Splice, 2);
        else open(Sexp::Kind::Unquote, 1);
        return;
      default: readToken(); return;
    }
  }

  void open(Sexp::Kind kind, int width) {
    SourcePos p = here();
    for (int k = 0; k < width; ++k) advance();
    Frame f;
    f.node.kind = kind;
    f.node.pos = p;
    f.skipped = skipping();
    if (!f.skipped && depth() >= kMaxNesting) {
      error(p, "nesting deeper than " + std::to_string(kMaxNesting) +
                   " levels; flatten this form (its contents are skipped)");
      f.skipped = true;
    }
    stack_.push_back(std::move(f));
  }

  static const char* markName(Sexp::Kind k) {
    return k == Sexp::Kind::Quasi ? "`" : k == Sexp::Kind::Unquote ? "," : ",@";
  }

  void close() {
    SourcePos p = here();
    advance();
    // A quote mark directly before ')' has nothing to quote.
    while (!stack_.empty() && stack_.back().node.kind != Sexp::Kind::List) {
      Frame f = std::move(stack_.back());
      stack_.pop_back();
      if (!f.skipped)
        error(f.node.pos, std::string("expected a form after '") + markName(f.node.kind) + "'");
    }
    if (stack_.empty()) {
      error(p, "unexpected ')' with no matching '('; remove it");
      return;
    }
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (!f.skipped) emit(std::move(f.node));
  }

  /// Adds a finished form to its parent, completing pending quote marks.
  void emit(Sexp form) {
    while (!stack_.empty() && stack_.back().node.kind != Sexp::Kind::List) {
      Frame f = std::move(stack_.back());
      stack_.pop_back();
      if (f.skipped) return;
      f.node.items.push_back(std::move(form));
      form = std::move(f.node);
    }
    if (stack_.empty()) out_.forms.push_back(std::move(form));
    else if (!stack_.back().skipped) stack_.back().node.items.push_back(std::move(form));
  }

  void readString() {
    SourcePos p = here();
    advance();
    std::string value;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        advance();
        Sexp node;
        node.kind = Sexp::Kind::String;
        node.text = std::move(value);
        node.pos = p;
        emit(std::move(node));
        return;
      }
      if (c == '\\') {
        SourcePos ep = here();
        advance();
        if (i_ >= s_.size()) break;
        char e = s_[i_];
        switch (e) {
          case '"': value += '"'; break;
          case '\\': value += '\\'; break;
          case 'n': value += '\n'; break;
          case 't': value += '\t'; break;
          default:
            error(ep, std::string("invalid escape '\\") + (static_cast<unsigned char>(e) < 0x80 ? std::string(1, e) : "?") +
                          "' in string; expected one of \\\" \\\\ \\n \\t");
            if (e == '\n') continue;  // keep line counting right: advance() below handles it
        }
        advance();
        continue;
      }
      value += c;
      advance();
    }
    error(here(), "unterminated string (opened at " + posText(p) + "); add the closing '\"'");
  }

  void readToken() {
    SourcePos p = here();
    size_t start = i_;
    while (i_ < s_.size() && !isDelimiter(s_[i_])) advance();
    std::string_view tok = s_.substr(start, i_ - start);
    if (auto node = classify(tok, p)) emit(std::move(*node));
  }

  static bool isDecimal(std::string_view tok) {
    size_t k = (!tok.empty() && tok[0] == '-') ? 1 : 0;
    auto digits = [&] {
      size_t from = k;
      while (k < tok.size() && tok[k] >= '0' && tok[k] <= '9') ++k;
      return k > from;
    };
    if (!digits() || k >= tok.size() || tok[k] != '.') return false;
    ++k;
    return digits() && k == tok.size();
  }

  std::optional<Sexp> classify(std::string_view tok, SourcePos p) {
    Sexp node;
    node.pos = p;
    size_t digitsFrom = (!tok.empty() && tok[0] == '-') ? 1 : 0;
    bool allDigits = tok.size() > digitsFrom;
    for (size_t k = digitsFrom; k < tok.size(); ++k) allDigits = allDigits && tok[k] >= '0' && tok[k] <= '9';
    if (allDigits) {
      node.kind = Sexp::Kind::Integer;
      auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), node.integer);
      if (ec != std::errc() || ptr != tok.data() + tok.size()) {
        error(p, "integer '" + std::string(tok) + "' does not fit in 64 bits");
        return std::nullopt;
      }
      return node;
    }
    if (isDecimal(tok)) {  // -?[0-9]+\.[0-9]+, kept as written (settings such as 0.6)
      node.kind = Sexp::Kind::Decimal;
      node.text = std::string(tok);
      return node;
    }
    bool keyword = tok.size() > 1 && tok[0] == ':';
    std::string_view name = keyword ? tok.substr(1) : tok;
    bool ok = !name.empty() && isSymbolStart(name[0]);
    for (char c : name) ok = ok && isSymbolChar(c);
    if (!ok) {
      std::string shown = tok.size() > 40 ? std::string(tok.substr(0, 40)) + "..." : std::string(tok);
      for (auto& ch : shown)
        if (static_cast<unsigned char>(ch) < 0x20) ch = '?';
      error(p, "unexpected '" + shown +
                   "'; expected a symbol, an integer, a \"string\", a :keyword, '(' or ')'");
      return std::nullopt;
    }
    node.kind = keyword ? Sexp::Kind::Keyword : Sexp::Kind::Symbol;
    node.text = std::string(name);
    return node;
  }

  void finish() {
    if (tooMany()) return;
    SourcePos end = here();
    // Report the outermost unclosed '(' only: inner ones are implied by it.
    for (const auto& f : stack_) {
      if (f.node.kind == Sexp::Kind::List) {
        error(end, "unclosed '(' (opened at " + posText(f.node.pos) + "); add the missing ')'");
        break;
      }
      if (!f.skipped) {
        error(f.node.pos, std::string("expected a form after '") + markName(f.node.kind) + "'");
        break;
      }
    }
    stack_.clear();
  }

  std::string_view s_;
  std::string_view file_;
  size_t i_ = 0;
  uint32_t line_ = 1;
  uint32_t col_ = 1;
  std::vector<Frame> stack_;
  ReadResult out_;
};

}  // namespace

ReadResult readSexps(std::string_view text, std::string_view file) { return Reader(text, file).run(); }

}  // namespace flywheel::universe
