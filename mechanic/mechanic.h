// The Mechanic: sandboxed, governed, compiler-checked repair of a universe,
// and the cascade that lands it with a two-phase commit.
//
// One Mechanic serves one universe (a directory inside a git repository).
//
//   cascadeStart  opens epoch N: branch flywheel/e<N>/cascade and its worktree
//                 (.flywheel/sandboxes/e<N>-cascade), carries uncommitted
//                 intent changes over, lets Forge stamp, runs the gauntlet on
//                 every affected crate and returns the repair queue in wave
//                 order. Live epochs sharing a service are superseded: their
//                 cargo runs are killed and their sandboxes refuse calls.
//   repairOpen    a worktree for one service on flywheel/e<N>/<service>, with
//                 its own target dir (.flywheel/builds/<id>), in research phase.
//   repairView / repairSearch   read-only; repairPlan records the strategy and
//                 unlocks repairEdit (governed, parsed, cargo-checked, rolled
//                 back if it only adds errors); repairValidate runs the gates.
//   repairCommit  prepare: a green sandbox's commit is applied on the cascade
//                 branch. cascadeFinish  commit: the whole cascade must be
//                 green and the epoch current; then the user's branch moves by
//                 one compare-and-swap ref update and the working tree follows.
//
// Every edit and validation counts as a repair cycle; past max-repair-cycles
// the service is halted (sandbox kept for a human, nothing lands). Finished
// repairs append a line to .flywheel/repairs.jsonl. Observers
// (mechanic/observer.h) are told of epochs opened, superseded, landed and
// aborted, sandboxes halted and committed, and gate progress. State lives in
// .flywheel/kb.sqlite, so epochs survive restarts; crash leftovers are found
// on open. Threads: all methods are safe to call concurrently; calls on one
// sandbox are serialised.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "core/process.h"
#include "mechanic/observer.h"
#include "mechanic/store.h"
#include "mechanic/tier0.h"
#include "mechanic/types.h"

namespace flywheel::mechanic {

class Mechanic {
 public:
  /// Opens the mechanic of the universe at `universeRoot` (inside a git
  /// repository) and scans for crash leftovers (see leftovers()).
  [[nodiscard]] static Result<std::unique_ptr<Mechanic>> open(const std::filesystem::path& universeRoot);
  ~Mechanic();

  [[nodiscard]] Result<CascadeStatus> cascadeStart(const CascadeStartSpec& spec, const CallContext& ctx);
  /// The given epoch, or the newest one when absent.
  [[nodiscard]] Result<CascadeStatus> cascadeStatus(std::optional<std::int64_t> epoch);
  [[nodiscard]] Result<FinishResult> cascadeFinish(std::int64_t epoch, const CallContext& ctx);
  /// Discards the epoch: kills its processes, removes its worktrees, build
  /// dirs and branches (halted sandboxes are kept for a human). The user's
  /// branch and working tree are never touched.
  [[nodiscard]] Result<CascadeStatus> cascadeAbort(std::int64_t epoch);

  /// Re-checks the service (cargo check, not a repair cycle) when repairs were
  /// committed to the cascade since cascade_start computed its queue.
  [[nodiscard]] Result<SandboxHandle> repairOpen(std::int64_t epoch, const std::string& service, const CallContext& ctx = {});
  [[nodiscard]] Result<Window> repairView(const std::string& sandbox, const ViewSpec& spec);
  [[nodiscard]] Result<SearchResult> repairSearch(const std::string& sandbox, const SearchQuery& query);
  [[nodiscard]] Result<SandboxStatus> repairPlan(const std::string& sandbox, const std::string& strategy);
  [[nodiscard]] Result<EditResult> repairEdit(const std::string& sandbox, const std::string& path, const EditSpec& edit,
                                const CallContext& ctx);
  [[nodiscard]] Result<ValidateResult> repairValidate(const std::string& sandbox, const CallContext& ctx);
  [[nodiscard]] Result<CommitResult> repairCommit(const std::string& sandbox);
  [[nodiscard]] Result<SandboxStatus> repairAbort(const std::string& sandbox);

  /// Tier 0 (mechanic/tier0.h): the compiler's machine-applicable fixes for
  /// `service`, through repair_open/plan/edit/validate/commit.
  [[nodiscard]] Result<Tier0Result> tier0Repair(std::int64_t epoch, const std::string& service,
                                                const CallContext& ctx = {});

  /// True when an intent file (*.lisp) of the universe has uncommitted changes.
  [[nodiscard]] Result<bool> hasUncommittedIntent();

  /// Crash leftovers found by open() (and by rescanning).
  std::vector<Leftover> leftovers();
  /// Removes leftovers: orphaned worktrees and build dirs, half-started
  /// epochs; completes a commit whose ref update landed before a crash.
  [[nodiscard]] Result<std::vector<Leftover>> cleanLeftovers();

  /// Adds an observer (mechanic/observer.h), told of every event until removed.
  void addObserver(std::shared_ptr<MechanicObserver> observer);
  void removeObserver(const MechanicObserver* observer);

  const std::filesystem::path& universeRoot() const { return root_; }
  std::filesystem::path stateDir() const { return root_ / ".flywheel"; }

 private:
  Mechanic(std::filesystem::path root, std::filesystem::path repoRoot, std::string prefix, std::unique_ptr<Store> s);

  // Paths and names of one epoch's pieces.
  std::string cascadeWorktreeName(std::int64_t epoch) const;
  std::filesystem::path worktreePath(const std::string& name) const;
  std::filesystem::path worktreeUniverse(const std::string& name) const;
  std::filesystem::path buildDir(const std::string& name) const;

  std::shared_ptr<std::atomic<bool>> epochFlag(std::int64_t epoch);
  std::shared_ptr<std::mutex> sandboxLock(const std::string& id);
  /// The live epoch (error naming its state or its successor otherwise).
  [[nodiscard]] Result<EpochRow> liveEpoch(std::int64_t epoch);
  /// A sandbox that may be used now, with its epoch and service plan.
  [[nodiscard]] Result<void> usableSandbox(const std::string& id, SandboxRow& row, EpochRow& epoch, ServicePlan& plan);
  [[nodiscard]] Result<void> haltIfExhausted(SandboxRow& row, const EpochRow& epoch);
  /// On open: fresh diagnostics when the cascade branch moved since the queue.
  [[nodiscard]] Result<void> recheckOnOpen(SandboxRow& row, const EpochRow& epoch, const ServicePlan& plan, SandboxHandle& h,
                             const CallContext& ctx);
  [[nodiscard]] Result<std::vector<CargoDiagnostic>> fastCheck(const SandboxRow& row, const ServicePlan& plan, const CallContext& ctx,
                                                 bool* cancelled);
  [[nodiscard]] Result<QueueEntry> checkService(const std::filesystem::path& universeDir, const std::filesystem::path& target,
                                  const ServicePlan& svc, const EpochRow& epoch, const CallContext& ctx);
  /// Self-distillation: cargo bench on the sandbox must beat the cascade worktree.
  [[nodiscard]] Result<void> requireBenchGain(SandboxRow& row, const EpochRow& epoch, const ServicePlan& plan,
                                const CallContext& ctx);
  [[nodiscard]] Result<void> carryWorkingTreeIntent(const std::filesystem::path& worktreeRoot);
  [[nodiscard]] Result<void> removeSandboxFiles(const std::string& name);
  [[nodiscard]] Result<void> finishRepair(SandboxRow& row, const EpochRow& epoch, const std::string& outcome,
                            const std::string& endCommit);
  [[nodiscard]] Result<FinishResult> landCascade(EpochRow& epoch, const std::string& head, FinishResult res);
  void scanLeftovers();
  /// Calls `f` on every observer, outside the mechanic's locks.
  void notify(const std::function<void(MechanicObserver&)>& f);
  /// `inner` (may be empty) plus gateProgress events for the observers.
  ProgressFn observedProgress(std::int64_t epoch, std::string sandbox, ProgressFn inner);
  SandboxStatus statusOf(const SandboxRow& row, const EpochRow& epoch) const;
  // Prewarming (prewarm.cpp): while the agent works, the cascade worktree's
  // own build dir compiles what cascade_finish's gates will need.
  void startPrewarm(std::int64_t epoch);
  /// Stops the epoch's prewarm: `wait` lets it finish (bounded by its
  /// deadline and `cancel`), else it is terminated.
  void stopPrewarm(std::int64_t epoch, bool wait, const std::atomic<bool>* cancel = nullptr);

  std::filesystem::path root_;      // the universe root (canonical)
  std::filesystem::path repoRoot_;  // the repository's working directory (canonical)
  std::string prefix_;              // universe root relative to repoRoot_ ("" or "a/b")
  std::unique_ptr<Store> store_;
  ViewMemory views_;
  std::mutex mu_;       // guards flags_, locks_, leftovers_
  std::mutex gitMu_;    // serialises ref and worktree changes in the repository
  std::map<std::int64_t, std::shared_ptr<std::atomic<bool>>> flags_;
  std::map<std::string, std::shared_ptr<std::mutex>> locks_;
  std::vector<Leftover> leftovers_;
  std::mutex observersMu_;
  std::vector<std::shared_ptr<MechanicObserver>> observers_;
  std::mutex prewarmMu_;  // guards prewarm_
  std::map<std::int64_t, std::shared_ptr<ChildProcess>> prewarm_;
};

/// Crash-testing failpoints: when the environment variable FLYWHEEL_FAILPOINT
/// equals `name`, the process kills itself with SIGKILL right there.
void failpoint(const char* name);

}  // namespace flywheel::mechanic
