// The 8 stamping patterns (INTENT.md) and their sub-clauses.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "universe/form_reader.h"

namespace flywheel::universe {

struct SubClause {
  bool required = false;
  std::function<bool(const Sexp&)> read;  // gets the whole sub-form; false: reported an error
  bool repeated = false;
};
using SubClauses = std::vector<std::pair<std::string, SubClause>>;

/// Reads `form.items[start..]` as sub-clauses of `owner` ("rpc 'get-user'"):
/// unknown heads are errors listing the known ones, a single-valued one given
/// twice and a missing required one are errors. False when any error occurred.
bool readSubClauses(const FormReader& r, const Sexp& form, size_t start, const std::string& owner,
                    const SubClauses& clauses);

/// Reads `(KEY TYPE)` into `out`.
bool readTypeInto(const FormReader& r, const Sexp& form, TypeRef& out);

/// Reads one pattern clause (head in the 8 pattern names) into `s`.
void readPattern(const FormReader& r, const Sexp& form, Service& s);

}  // namespace flywheel::universe
