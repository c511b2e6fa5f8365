// MissionD: cascades that run unattended.
//
// A Daemon watches one universe and drives every breaking intent change to a
// landed (or halted) cascade with no person in the loop:
//
//   sense     every poll interval, the user's branch head; a new commit whose
//             intent diff has breaking changes starts a cascade
//             (startIntentCascade: a new epoch supersedes an older one, and
//             the older one's agents are killed first);
//   plan      the epoch's red services become board tasks of that epoch,
//             with `blocks` edges from each service they depend on;
//   dispatch  N slot threads claim ready tasks (a lease, renewed while the
//             run lasts); per task, tier 0 (compiler suggestions, no model)
//             first, then the agent command in its own process group with a
//             deadline, a silence watchdog and its output in
//             .flywheel/agents/<task>.log. A run that fails resets the
//             sandbox and retries with back-off; the same failure twice in a
//             row, max-repair-cycles runs or the mechanic's Hard Halt halt
//             the service for a human;
//   budgets   per epoch and per day (runs and cost); past them slots stop
//             taking tasks and the report says why;
//   finish    when every task is done, cascade_finish: the user's branch
//             moves only when green and current;
//   report    markdown under .flywheel/reports/, a knowledge-base memory and
//             a log notification (through the callbacks of DaemonHooks).
//
// State survives a SIGKILL: the board holds the tasks, .flywheel/daemon/
// (missiond/ledger.h) the rest; a restarted daemon resumes the epoch,
// returning the dead daemon's claims to the ready set, never re-running a
// done task. The live picture is .flywheel/daemon/status.json
// (missiond/status.h). Threads: start() once, stop() from any thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/error.h"

namespace flywheel::mechanic {
class Mechanic;
}
namespace flywheel::board {
class Board;
}

namespace flywheel::missiond {

struct DaemonOptions {
  int slots = 2;
  std::string agentCommand;  ///< empty: defaultAgentCommand()
  int agentDeadlineSeconds = 1800;
  int silenceSeconds = 300;  ///< watchdog on an agent's output
  int pollSeconds = 30;      ///< the sentinel interval for the user's branch
  std::string mcpUrl;        ///< what agents connect to, http://127.0.0.1:PORT/mcp
  int leaseSeconds = 120;    ///< a claim's lease, renewed every third of it
  int backoffSeconds = 5;    ///< the first retry's delay; doubles per attempt
  int maxRunsPerEpoch = 0;   ///< 0: 3 x tasks x max-repair-cycles
  int maxRunsPerDay = 200;
  double maxCostPerEpochUsd = 20;
  double maxCostPerDayUsd = 50;
  int agentMaxTurns = 60;      ///< passed to the default agent command
  double agentBudgetUsd = 3;   ///< per run, passed to the default agent command
  std::filesystem::path templatesDir;  ///< Forge's templates (empty: built in)
  bool tier0 = true;
  /// Also sense uncommitted intent changes in the working tree (HEAD..worktree).
  bool watchWorktree = false;
};

/// What the daemon needs from the composition root (cli/daemon_commands.cpp).
struct DaemonHooks {
  std::function<Result<mechanic::Mechanic*>()> mechanic;
  std::function<Result<board::Board*>()> board;  ///< use under boardMutex
  std::shared_ptr<std::mutex> boardMutex;
  /// Stores the epoch's report as a knowledge-base memory (may be empty).
  std::function<void(const std::string& title, const std::string& body)> remember;
  /// Tells connected MCP clients (a log notification; may be empty).
  std::function<void(const std::string& text)> announce;
};

/// The default agent: Claude Code headless, talking only to flywheel's
/// repair tools over MCP (docs/missiond.md has the command and the prompt).
std::string defaultAgentCommand(const DaemonOptions& options);
/// The prompt a run gets (also in $FLYWHEEL_PROMPT).
std::string agentPrompt(const std::string& task, std::int64_t epoch, const std::string& service);

class Daemon {
 public:
  Daemon(std::filesystem::path universeRoot, DaemonOptions options, DaemonHooks hooks);
  ~Daemon();
  /// Resumes the epoch of a previous run, then starts the loop and the slots.
  [[nodiscard]] Result<void> start();
  /// Kills running agents, returns their tasks to the ready set, joins.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace flywheel::missiond
