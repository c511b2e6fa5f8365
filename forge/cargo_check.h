// After a stamp: which crates still compile?
//
// `cargoCheck` runs one real `cargo check --offline --keep-going` over the
// stamped services and every service that depends on them (transitively),
// and reports per crate: ok, failing (with its first error, compactly), or
// blocked by a failing dependency (cargo does not check a crate whose
// dependency fails). cargo runs without a shell in its own process group,
// with a deadline and a cancellation flag; stopping kills the whole group.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "universe/ir.h"

namespace flywheel::forge {

struct CrateCheck {
  std::string service;
  std::string crate;
  enum class Status { Ok, Failing, Blocked } status = Status::Ok;
  size_t errors = 0;        ///< error lines cargo printed for this crate
  std::string firstError;   ///< `services/auth/src/custom.rs:14:36: error[E0277]: ...`
  std::string blockedBy;    ///< Blocked: the failing dependency
};
std::string_view crateStatusName(CrateCheck::Status s);  // "ok", "failing", "blocked"

struct CheckReport {
  std::vector<CrateCheck> crates;  ///< sorted by service
  bool timedOut = false;
  bool cancelled = false;
  double seconds = 0;
  /// Services whose crate fails or is blocked, sorted.
  std::vector<std::string> failing() const;
};

struct CheckOptions {
  std::filesystem::path targetDir;  ///< CARGO_TARGET_DIR; empty: cargo's default
  std::chrono::seconds deadline{600};
  const std::atomic<bool>* cancel = nullptr;
};

/// `services` and every service depending on one of them, transitively; sorted.
std::vector<std::string> withDependents(const universe::Universe& u, const std::vector<std::string>& services);

/// Checks exactly `services` (use withDependents). Fails only when cargo
/// cannot be started; compile errors are in the report.
[[nodiscard]] Result<CheckReport> cargoCheck(const universe::Universe& u, const std::vector<std::string>& services,
                               const CheckOptions& options);

}  // namespace flywheel::forge
