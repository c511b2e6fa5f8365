// Failing tests as libtest reports them: name, panic message, assertion
// values and location, read from `cargo test`'s plain-text test output.
//
// A test name alone leaves an agent guessing: code that still compiles but
// changed meaning (a `{:08}` on a String pads with spaces) only shows in the
// assertion's `left`/`right`. Each failure is bounded (message, values) so a
// page of results stays small.
#pragma once

#include <string>
#include <vector>

namespace flywheel::mechanic {

struct TestFailure {
  std::string name;     ///< "tests::keys_are_padded"
  std::string message;  ///< the panic message, at most ~1000 characters and 12 lines
  std::string left;     ///< assert_eq!/assert_ne!: the left value (empty otherwise)
  std::string right;    ///< and the right one
  std::string file;     ///< where it panicked, as rustc names it ("report/src/custom.rs")
  int line = 0;
  int column = 0;

  /// "report/src/custom.rs:12:9: test tests::keys failed: assertion `left == right` failed
  ///      left: "42      "
  ///     right: "00000042""
  std::string oneLine() const;
};

/// Parses libtest's `---- NAME stdout ----` blocks in `lines` (the non-JSON
/// stdout lines of `cargo test --message-format=json`); at most `max`
/// failures, in the order reported. Never throws.
std::vector<TestFailure> parseTestFailures(const std::vector<std::string>& lines, size_t max = 10);

}  // namespace flywheel::mechanic
