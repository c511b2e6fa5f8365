// From expanded S-expressions to the IR: the shape of each form.
//
// buildService checks every clause's shape (arity, atom kinds, known clause
// and sub-clause names, duplicates of single-valued clauses) and produces a
// Service whose names are not yet resolved; validate.h resolves them across
// the universe. buildSettings does the same for `(universe ...)`.
#pragma once

#include <string_view>

#include "universe/diagnostic.h"
#include "universe/ir.h"
#include "universe/sexp.h"

namespace flywheel::universe {

/// The clause heads a service accepts, sorted (for "known clauses" messages).
const std::vector<std::string>& knownServiceClauses();

/// Builds a Service from `(service NAME CLAUSE...)`; errors go to `diags`.
Service buildService(const Sexp& form, std::string_view file, Diagnostics& diags);

/// Builds settings from `(universe NAME CLAUSE...)`.
UniverseSettings buildSettings(const Sexp& form, std::string_view file, Diagnostics& diags);

/// True for lowercase kebab-case: [a-z][a-z0-9]*(-[a-z0-9]+)*.
bool isKebabName(std::string_view s);

}  // namespace flywheel::universe
