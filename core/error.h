// Errors are values in flywheel.
//
// Every fallible domain call returns `Result<T>` (std::expected<T, Error>).
// An Error carries a stable machine code and a message written for the person
// (or agent) who must act on it: what failed, on which input, what to do next,
// e.g. "kb_search: limit must be 1..100 (got 500); lower it or pass cursor".
// No exception crosses a layer boundary; the JSON-RPC dispatcher is the one
// place that catches strays.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace flywheel {

/// A failure with a stable code ("not_found", "invalid_argument", ...) and an
/// actionable message. Callers branch on the code, never on the message's
/// words. Cheap to copy; owns its strings.
struct Error {
  std::string code;
  std::string message;

  static Error invalidArgument(std::string msg) { return {"invalid_argument", std::move(msg)}; }
  static Error notFound(std::string msg) { return {"not_found", std::move(msg)}; }
  static Error alreadyExists(std::string msg) { return {"already_exists", std::move(msg)}; }
  static Error failedPrecondition(std::string msg) { return {"failed_precondition", std::move(msg)}; }
  static Error permissionDenied(std::string msg) { return {"permission_denied", std::move(msg)}; }
  static Error io(std::string msg) { return {"io", std::move(msg)}; }
  static Error internal(std::string msg) { return {"internal", std::move(msg)}; }
  static Error cancelled(std::string msg) { return {"cancelled", std::move(msg)}; }
  static Error conflict(std::string msg) { return {"conflict", std::move(msg)}; }
  /// A newer cascade took over the epoch: continue in the newer one.
  static Error superseded(std::string msg) { return {"superseded", std::move(msg)}; }
  /// A service used up its repair cycles (Hard Halt): a human takes over.
  static Error halted(std::string msg) { return {"halted", std::move(msg)}; }
  /// A child process or gate ran past its deadline.
  static Error deadlineExceeded(std::string msg) { return {"deadline_exceeded", std::move(msg)}; }
};

/// [[nodiscard]] on a function returning Result makes a dropped failure a
/// warning (an error under -Werror): handle it, or say why not with (void).
template <class T>
using Result = std::expected<T, Error>;

/// Shorthand for returning a failure: `return fail(Error::notFound("..."));`
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace flywheel
