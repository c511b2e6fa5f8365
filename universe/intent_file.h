// One intent file, from text to a Service: read, collect its own defmacro
// forms, expand macros in the `(service ...)` form, build the IR.
//
// The loader calls this for every intent.lisp; `flywheel expand FILE` uses
// `expanded` to print what the service means after macro expansion.
#pragma once

#include <optional>
#include <string_view>

#include "universe/ir.h"
#include "universe/macros.h"
#include "universe/sexp.h"

namespace flywheel::universe {

struct IntentFile {
  std::optional<Sexp> expanded;   // the service form after expansion
  std::optional<Service> service; // absent when no service form could be read
  Diagnostics diagnostics;
};

/// `path` is relative to the universe root; `macros` are the universe-wide
/// ones (the file's own defmacros add to / shadow them).
IntentFile parseIntentFile(std::string_view text, std::string_view path, const MacroTable& macros);

/// Reads the universe macro file's forms into `table` (only defmacro forms
/// are allowed there).
void loadMacroFile(std::string_view text, std::string_view path, MacroTable& table, Diagnostics& diags);

}  // namespace flywheel::universe
