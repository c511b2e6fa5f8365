// What the daemon remembers between restarts, in <universe>/.flywheel/daemon/:
// state.json (the user's branch head it last looked at, the epoch it works
// on), epoch-<N>.json (per service: task, attempts, failures, tier 0, cost)
// and day-<YYYY-MM-DD>.json (the day's runs and cost). Every write is atomic
// (temp file + rename), so a daemon SIGKILLed at any instant restarts from
// the last state it wrote. The board (kb.sqlite) holds the tasks themselves.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace flywheel::missiond {

struct ServiceLedger {
  std::string taskId;
  int wave = 0;
  /// "" (pending), "green" (nothing to repair), "tier 0", "agent", "halted",
  /// "blocked" (governance: a human).
  std::string outcome;
  std::string haltReason;
  int attempts = 0;          ///< agent runs that ended (stopped runs are not counted)
  std::string lastFailure;   ///< the last run's failure phrase
  std::int64_t notBeforeMs = 0;  ///< back-off: not dispatched before (wall clock)
  int tier0Fixes = 0;        ///< machine-applicable suggestions tier 0 applied
  double costUsd = 0;
  std::vector<std::string> runs;  ///< "slot-1: exit 1 after 3.2s", one per run
};

struct EpochLedger {
  std::int64_t epoch = 0;
  std::string from, to;     ///< the commits compared
  std::string change;       ///< the intent change, one line per change
  /// running, landed, not-landed, halted, budget, superseded
  std::string state = "running";
  std::string stopReason;   ///< why it stopped without landing
  int runs = 0;
  double costUsd = 0;
  std::map<std::string, ServiceLedger> services;
  std::string gates;        ///< cascade_finish's gauntlet summary
  std::string oldCommit, newCommit;  ///< the user's branch before and after landing
  double startedAt = 0;     ///< wall clock seconds
  double seconds = 0;       ///< commit to finish
  double cascadeSeconds = 0, tier0Seconds = 0, agentSeconds = 0, finishSeconds = 0;
  /// Wall-clock intervals [start, end] (seconds) when cargo or an agent was
  /// at work for this epoch (cascade start, tier 0, agent runs, finish): the
  /// rest of the epoch's time is the daemon's own (bench/missiond).
  std::vector<std::pair<double, double>> busy;
  bool reported = false;
};

struct DaemonState {
  std::string lastHead;     ///< the user's branch head last looked at
  std::string pendingFrom;  ///< the base of the change not yet landed ("" when all landed)
  std::int64_t epoch = 0;   ///< the epoch being worked on (0: none)
};

struct DayBudget {
  std::string day;  ///< YYYY-MM-DD (UTC)
  int runs = 0;
  double costUsd = 0;
};

std::filesystem::path daemonDir(const std::filesystem::path& stateDir);

[[nodiscard]] Result<void> saveLedger(const std::filesystem::path& stateDir, const EpochLedger& ledger);
/// nullopt when the epoch has no ledger yet.
[[nodiscard]] Result<std::optional<EpochLedger>> loadLedger(const std::filesystem::path& stateDir, std::int64_t epoch);
[[nodiscard]] Result<void> saveState(const std::filesystem::path& stateDir, const DaemonState& state);
[[nodiscard]] Result<DaemonState> loadState(const std::filesystem::path& stateDir);
[[nodiscard]] Result<void> saveDay(const std::filesystem::path& stateDir, const DayBudget& day);
/// Today's (UTC) budget so far.
[[nodiscard]] Result<DayBudget> loadToday(const std::filesystem::path& stateDir);

}  // namespace flywheel::missiond
