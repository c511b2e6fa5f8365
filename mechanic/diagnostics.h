// Compact compiler diagnostics, parsed from cargo's --message-format=json.
//
// An agent needs the error code, the message, where it is, the text the
// primary span points at, the other places the compiler points to (a
// missing trait item's declaration in generated.rs) and the fixes it offers
// (machine-applicable ones, and stubs with placeholders such as "implement
// the missing item: `fn x(..) { todo!() }`"); not the rendered ASCII art.
// Diagnostics are de-duplicated (cargo reports the same one for several
// targets) and ordered errors first, then by file and line. The mechanic
// adds what the intent asks for (intent_hints.h): `required` and `intent`.
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
  std::string applicability;  ///< "MachineApplicable" or "HasPlaceholders" (a stub to complete)
};

/// A secondary span the compiler points to, with its label.
struct SpanNote {
  std::string file;
  int line = 0;
  int endLine = 0;
  std::string text;   ///< the span's first source line, trimmed
  std::string label;  ///< "`bulk_discount` from trait"
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
  std::vector<Suggestion> suggestions;  ///< machine-applicable or with placeholders, at most 3
  std::vector<SpanNote> related;        ///< labelled secondary spans, at most 3
  /// What the code must provide, when the error is a missing item of a
  /// stamped trait or an uncovered stamped variant: its declaration in
  /// generated.rs, doc comment included (filled by explainFromIntent).
  std::string required;
  /// The intent form that asks for it, with its doc:
  /// `billing/pricing: (rule bulk-discount "...")` (filled by explainFromIntent).
  std::string intent;

  /// "file:line:col: error[E0308]: message" plus the span line and label,
  /// related spans, fixes, and what the intent requires.
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
