// The reader of the intent language: S-expressions with positions.
//
// `readSexps` turns the text of one file into its top-level forms. Every node
// keeps the line:col of its first character. Errors are collected (a file with
// three mistakes reports three) and reading resumes after each one, so the
// returned forms are whatever could be read. Hostile input never crashes and
// never hangs: a file over 4 MiB, invalid UTF-8 or a NUL byte is refused as a
// whole with a positioned error; nesting deeper than 256 is reported and the
// over-deep part skipped. The reader is iterative (no recursion on input
// depth) and linear in the input size.
//
// Atoms (INTENT.md): symbols `[A-Za-z_&][A-Za-z0-9_\-./:?!*<>=+&]*` (the `&`
// is an extension so that `&rest` reads), integers `-?[0-9]+` (64-bit),
// strings `"..."` with `\" \\ \n \t`, keywords `:name`. The quasi-quote
// marks `` ` `` `,` `,@` read as Quasi / Unquote / Splice nodes; they are
// legal only inside a `defmacro` form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "universe/diagnostic.h"

namespace flywheel::universe {

inline constexpr size_t kMaxFileBytes = 4u << 20;  // 4 MiB
/// File sources keep at most this much of an oversized file (so the reader's
/// error can give its size) and cut the rest.
inline constexpr size_t kMaxKeptBytes = 16u << 20;
inline constexpr size_t kMaxNesting = 256;

struct Sexp {
  enum class Kind { List, Symbol, Integer, String, Keyword, Quasi, Unquote, Splice, Decimal };
  Kind kind = Kind::List;
  std::string text;          // Symbol: name; String: unescaped value; Keyword: name without ':';
                             // Decimal: the literal as written ("0.6")
  int64_t integer = 0;       // Integer
  std::vector<Sexp> items;   // List: elements; Quasi/Unquote/Splice: the one quoted form
  SourcePos pos;

  bool isList() const { return kind == Kind::List; }
  bool isSymbol() const { return kind == Kind::Symbol; }
  bool isSymbol(std::string_view s) const { return kind == Kind::Symbol && text == s; }
  /// The head symbol of a list (`type` in `(type X ...)`), or "" when none.
  std::string_view head() const {
    return kind == Kind::List && !items.empty() && items[0].kind == Kind::Symbol
               ? std::string_view(items[0].text) : std::string_view();
  }
};

struct ReadResult {
  std::vector<Sexp> forms;
  Diagnostics diagnostics;
};

/// Reads every top-level form of `text`; `file` (relative to the universe
/// root) is only used to name positions in diagnostics.
ReadResult readSexps(std::string_view text, std::string_view file);

/// Prints a form back as intent text: one line, strings re-escaped, so that
/// reading the output yields the same tree (positions aside).
std::string printSexp(const Sexp& form);

/// Prints a form over several lines, two-space indents, a list per line when
/// it does not fit in `width` columns (for `flywheel expand`).
std::string prettySexp(const Sexp& form, size_t width = 80);

/// A short description for messages: "symbol 'foo'", "integer 3", "list (field ...)".
std::string describeSexp(const Sexp& form);

}  // namespace flywheel::universe
