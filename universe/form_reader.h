// Helpers shared by the IR builders: read atoms and types out of forms,
// reporting positioned errors that say what was expected.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "universe/diagnostic.h"
#include "universe/ir.h"
#include "universe/sexp.h"

namespace flywheel::universe {

class FormReader {
 public:
  FormReader(std::string_view file, Diagnostics& diags) : file_(file), diags_(diags) {}

  void error(SourcePos p, std::string msg) const {
    diags_.push_back({Severity::Error, std::string(file_), p, std::move(msg)});
  }

  /// A symbol usable as a declared name (no '/', not a keyword).
  std::optional<std::string> name(const Sexp& s, std::string_view what) const;
  std::optional<std::string> string(const Sexp& s, std::string_view what) const;
  std::optional<int64_t> integer(const Sexp& s, std::string_view what) const;
  /// An integer or a decimal literal (`1`, `0.6`).
  std::optional<double> decimal(const Sexp& s, std::string_view what) const;
  std::optional<TypeRef> type(const Sexp& s) const;

  /// Checks `form` has exactly `n` items after its head ("(key FIELD)").
  bool arity(const Sexp& form, size_t n, std::string_view shape) const;
  /// Checks `form` has at least `n` items after its head.
  bool minArity(const Sexp& form, size_t n, std::string_view shape) const;

  std::string_view file() const { return file_; }
  Diagnostics& diags() const { return diags_; }

 private:
  std::string_view file_;
  Diagnostics& diags_;
};

}  // namespace flywheel::universe
