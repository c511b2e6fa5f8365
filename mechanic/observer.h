// Watching the mechanic: what happened to epochs and sandboxes, and how the
// gates are getting on, as it happens.
//
// A MechanicObserver is told of each event after the state it describes is
// durable (written to the store), on the thread that caused it; a sandbox's
// events arrive while that sandbox's call still holds its lock. So observers
// must be quick, must not throw, and must not call the mechanic back on that
// thread: hand anything longer to a thread of their own. Every method has
// an empty default, so an observer overrides only what it watches.
//
// The daemon, the knowledge base (repair memories) and tests use it:
//
//   struct Count : MechanicObserver {
//     void epochSuperseded(std::int64_t epoch, std::int64_t by) override { ... }
//   };
//   mechanic.addObserver(std::make_shared<Count>());
#pragma once

#include <cstdint>
#include <string>

#include "mechanic/types.h"

namespace flywheel::mechanic {

/// One step of a gauntlet run: which epoch, which sandbox (empty for the
/// cascade worktree), the step and how far along it is.
struct GateProgress {
  std::int64_t epoch = 0;
  std::string sandbox;
  std::string message;  ///< "check: running", "clippy: ok (1.2s)" ...
  double done = 0;
  double total = 0;
};

class MechanicObserver {
 public:
  virtual ~MechanicObserver() = default;
  /// cascade_start finished: the epoch is open with its queue.
  virtual void epochOpened(const CascadeStatus& status) { (void)status; }
  /// A newer epoch touching the same services superseded `epoch`.
  virtual void epochSuperseded(std::int64_t epoch, std::int64_t by) { (void)epoch, (void)by; }
  /// The cascade landed: the user's branch moved.
  virtual void epochLanded(const CascadeStatus& status, const FinishResult& finish) { (void)status, (void)finish; }
  /// The epoch was aborted (by a caller, or because its start failed).
  virtual void epochAborted(std::int64_t epoch) { (void)epoch; }
  /// A service ran out of repair cycles: its sandbox is kept for a human.
  virtual void sandboxHalted(const SandboxStatus& sandbox, std::int64_t epoch) { (void)sandbox, (void)epoch; }
  /// A green sandbox's repair was applied to the cascade branch.
  virtual void sandboxCommitted(const SandboxStatus& sandbox, std::int64_t epoch, const CommitResult& commit) {
    (void)sandbox, (void)epoch, (void)commit;
  }
  /// Progress of a gate run (cascade_start, repair_validate, cascade_finish).
  virtual void gateProgress(const GateProgress& progress) { (void)progress; }
};

}  // namespace flywheel::mechanic
