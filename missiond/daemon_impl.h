// The daemon's insides, shared by daemon.cpp (loop: sense, plan, finish),
// slots.cpp (dispatch and agent runs) and report.cpp (reports, status.json).
// Not a public header.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "kb/board/board.h"
#include "mechanic/mechanic.h"
#include "missiond/agent_run.h"
#include "missiond/daemon.h"
#include "missiond/ledger.h"

namespace flywheel::missiond {

/// What one slot is doing, for status.json.
struct SlotView {
  int slot = 0;
  std::string task, service, phase;  ///< phase: idle, tier 0, agent
  std::int64_t epoch = 0;
  int pid = 0;
  double since = 0;  ///< wall clock seconds
};

std::int64_t wallMs();
double wallSeconds();
std::string slotAgent(int slot);  ///< "missiond-slot-1"

struct Daemon::Impl {
  std::filesystem::path root, stateDir;
  DaemonOptions opt;
  DaemonHooks hooks;
  int maxCycles = 5;

  std::mutex mu;  // guards everything below it
  DaemonState state;
  std::optional<EpochLedger> ledger;
  DayBudget day;
  std::vector<SlotView> slots;
  std::map<int, AgentRun*> running;  // slot -> its run
  std::string lastError;             // the last failure of the loop (sense, finish)
  std::string lastStatus;            // the last status.json written

  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> preempted{0};  // runs of epochs <= this are stopped
  std::thread loopThread;
  std::vector<std::thread> slotThreads;
  std::mutex waitMu;
  std::condition_variable waitCv;

  // daemon.cpp
  void loop();
  void sense();
  /// Uncommitted intent changes (--watch-worktree); true when it handled them.
  bool senseWorktree(const std::string& head);
  /// `to`: a commit or "worktree"; `key`: what state.lastHead becomes.
  [[nodiscard]] Result<void> openEpoch(const std::string& from, const std::string& to, const std::string& key);
  [[nodiscard]] Result<void> planTasks(const mechanic::CascadeStatus& st, const std::string& head);
  void resume();
  void maybeFinish();
  /// An epoch's tasks: open ones that can start, open ones waiting on a
  /// blocker, held ones, and blocked (halted) ones.
  struct TaskCounts {
    int startable = 0, waiting = 0, inProgress = 0, blocked = 0;
  };
  [[nodiscard]] Result<TaskCounts> countTasks(std::int64_t epoch);
  /// follow.cpp: epochs superseded, finished or aborted outside the daemon.
  void followMechanic();
  void adopt(const mechanic::CascadeStatus& next);
  std::int64_t adoptPending = 0;  // loop thread only: a newer epoch to adopt once open
  void sleepFor(std::chrono::milliseconds d);
  void saveLocked();

  // slots.cpp
  void slotLoop(int slot);
  std::optional<board::Task> claimNext(int slot);
  void execute(int slot, const board::Task& task);
  /// The agent part of execute; returns the run's failure ("" when it committed).
  void runAgent(int slot, const board::Task& task);
  /// Tier 0 (mechanic/tier0.h); true when it settled the task (repaired it).
  bool runTier0(int slot, const board::Task& task, mechanic::Mechanic& mech);
  /// Books a finished run in the epoch's ledger and today's budget.
  void recordRun(int slot, const board::Task& task, const AgentOutcome& out);
  void settleFailure(int slot, const board::Task& task, const std::string& failure, bool haltedByMechanic);
  /// A reason the budgets stop dispatch now, or "".
  std::string budgetStop();
  void stopRuns(std::int64_t upToEpoch);

  // report.cpp
  void reportLocked();
  void writeStatus();

  template <class F>
  auto withBoard(F&& f) -> decltype(f(std::declval<board::Board&>())) {
    std::lock_guard lock(*hooks.boardMutex);
    auto b = hooks.board();
    if (!b) return fail(b.error());
    return f(**b);
  }
};

}  // namespace flywheel::missiond
