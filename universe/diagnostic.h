// Diagnostics: what the reader, the macro expander, validation and the loader
// report about intent files.
//
// Errors in intent files are collected, never thrown one at a time: a file
// with three mistakes yields three Diagnostics, each naming file:line:col and
// saying what was expected, in the compiler style of INTENT.md:
//
//   services/user/intent.lisp:12:5: unclosed '(' (opened at 3:1)
//
// `file` is relative to the universe root and uses '/' separators.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flywheel::universe {

/// A 1-based line and column (columns count bytes). 0:0 means "no position"
/// (e.g. a whole-file error).
struct SourcePos {
  uint32_t line = 0;
  uint32_t col = 0;
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string file;  // relative to the universe root, '/' separators
  SourcePos pos;
  std::string message;  // what is wrong and what was expected, no trailing period

  /// "file:line:col: message" (warnings: "file:line:col: warning: message").
  std::string toString() const {
    std::string out = file;
    if (pos.line) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
    out += severity == Severity::Warning ? ": warning: " : ": ";
    return out + message;
  }
};

using Diagnostics = std::vector<Diagnostic>;

/// True when `diags` holds at least one error (warnings do not count).
inline bool hasErrors(const Diagnostics& diags) {
  for (const auto& d : diags)
    if (d.severity == Severity::Error) return true;
  return false;
}

}  // namespace flywheel::universe
