// Macros: vocabulary bootstrapping for intent files.
//
//   (defmacro audited-entity (name &rest fields)
//     `(type ,name (field created-at i64) (field updated-at i64) ,@fields))
//
// A macro binds its parameters (`&rest` binds the tail as a list) and its
// template substitutes `,param` and splices `,@param`. Expansion is pure
// substitution, no evaluation; a form produced by a macro is expanded again,
// up to 64 nested expansions. Every list whose head names a macro is a use,
// at any depth of a service form. Atoms written in a template take the use
// site's position; arguments keep their own. Errors name the use site and
// the macro's definition. Blow-ups are bounded so hostile macros cannot
// exhaust memory or the stack: what expansion produces (forms and atoms a
// macro creates, including copies of its arguments; not the source's own
// forms, however large the file) is budgeted per top-level form, and nesting
// and recursion depth are capped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "universe/diagnostic.h"
#include "universe/ir.h"
#include "universe/sexp.h"

namespace flywheel::universe {

inline constexpr int kMaxMacroDepth = 64;
inline constexpr size_t kMaxExpandedNodes = 500000;  // forms+atoms macros produce, per top-level form
inline constexpr size_t kMaxExpandedNesting = 1024;

struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::string restParam;  // empty: none
  Sexp body;              // the template (usually a Quasi form)
  std::string file;
  SourcePos pos;

  /// "macros.lisp:1:1", for messages.
  std::string where() const;
  MacroInfo info() const { return {name, params, restParam, file, pos}; }
};

/// Macros by name. Later definitions of a name replace earlier ones only
/// within a file's own scope (see addDefinition).
using MacroTable = std::map<std::string, MacroDef, std::less<>>;

/// True when `form` is a `(defmacro ...)` form.
inline bool isDefmacro(const Sexp& form) { return form.head() == "defmacro"; }

/// Parses `(defmacro NAME (PARAM... [&rest REST]) TEMPLATE)`, checking that
/// every `,x` / `,@x` of the template names a parameter. Reports errors into
/// `diags` and returns nullopt when the definition is unusable.
std::optional<MacroDef> parseDefmacro(const Sexp& form, std::string_view file, Diagnostics& diags);

/// Adds every defmacro of `forms` to `table`; a name defined twice in the
/// same file is an error naming both definitions.
void collectMacros(const std::vector<Sexp>& forms, std::string_view file, MacroTable& table,
                   Diagnostics& diags);

/// Expands every macro use inside `form`. Quasi-quote marks outside a macro
/// template are errors. On an error the offending use is dropped from the
/// result (so validation does not report it a second time).
Sexp expandMacros(const Sexp& form, const MacroTable& macros, std::string_view file, Diagnostics& diags);

}  // namespace flywheel::universe
