// Compact compiler diagnostics, parsed from cargo's --message-format=json.
//
// An agent needs the error code, the message, where it is, the text the
// primary span points at and any fix the compiler is sure of (a
// machine-applicable suggestion); not the rendered ASCII art. Diagnostics are
// de-duplicated (cargo reports the same one for several targets) and ordered
// errors first, then by file and line.
#pragma once

#include <string>
#include <vector>

namespace flywheel::mechanic {

struct Suggestion {
  std::string message;  ///< the help text, e.g. "try using a conversion method"
  std::string file;
  int line = 0;
  int column = 0;
  std::string replacement;  ///< replaces the suggestion's span
};

struct CargoDiagnostic {
  std::string level;  ///< "error" or "warning"
  std::string code;   ///< "E0308", "clippy::needless_return" or empty
  std::string message;
  std::string file;  ///< relative to the workspace root when inside it
  int line = 0;
  int column = 0;
  std::string spanText;  ///< the primary span's source line, trimmed
  int spanStart = 0;     ///< where the primary span starts in spanText (0-based): the caret's place
  std::string label;     ///< the primary span's label ("expected `String`, found `i32`")
  std::vector<Suggestion> suggestions;  ///< machine-applicable only

  /// "file:line:col: error[E0308]: message" plus the span line and label.
  std::string oneLine() const;
  /// Identity for before/after comparisons that survives line shifts.
  std::string key() const { return level + "|" + code + "|" + file + "|" + message; }
};

struct ParsedCargoOutput {
  std::vector<CargoDiagnostic> diagnostics;
  bool buildFinished = false;
  bool buildSuccess = false;
  std::vector<std::string> otherLines;  ///< non-JSON stdout lines (test output)
};

/// Parses cargo's JSON-lines stdout. `workspaceRoot` makes absolute file
/// names relative. Malformed lines land in otherLines; never throws.
ParsedCargoOutput parseCargoJson(const std::string& stdoutText, const std::string& workspaceRoot);

int countLevel(const std::vector<CargoDiagnostic>& diags, const std::string& level);

}  // namespace flywheel::mechanic
