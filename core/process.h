// Child processes, run without a shell and always reaped.
//
// The mechanic runs `cargo` and `git` on an agent's behalf, and forge runs
// `cargo check` after a stamp. Each child runs in its own process group (so
// cargo's rustc children die with it), with stdin from /dev/null, a deadline,
// a cap on captured output, and a set of cancellation flags: the request's cancel flag (ToolContext::cancelFlag), the
// epoch's preemption flag, and the process-wide shutdown flag. When any flag
// is raised or the deadline passes, the whole group gets SIGTERM, then SIGKILL
// after a short grace, and the child is reaped before runProcess returns: no
// zombies, no orphans left running. Children die with the server too: the
// group's leader is a small supervisor that kills the group when the server
// dies (PR_SET_PDEATHSIG), even by SIGKILL, and groups a dead server left
// behind are swept by the next one (sweepOrphanedChildren).
//
//   ProcessSpec spec{.argv = {"cargo", "check", "--message-format=json"},
//                    .cwd = crateDir,
//                    .env = {{"CARGO_TARGET_DIR", buildDir.string()}},
//                    .cancelFlags = {&ctx.cancelFlag(), &epoch.preempted}};
//   auto r = runProcess(spec);   // r->exitCode, r->out, r->timedOut ...
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace flywheel {

struct ProcessSpec {
  std::vector<std::string> argv;  ///< argv[0] is looked up on PATH when it has no '/'
  std::filesystem::path cwd;      ///< must exist
  /// Variables to set (or, with an empty optional, to remove) on top of the
  /// inherited environment (or of an empty one when inheritEnv is false).
  std::map<std::string, std::optional<std::string>> env;
  bool inheritEnv = true;
  std::chrono::milliseconds deadline{std::chrono::minutes(10)};
  size_t outputCap = 4u << 20;  ///< per stream; the rest is drained and dropped
  std::vector<const std::atomic<bool>*> cancelFlags;  ///< null entries are ignored
};

struct ProcessResult {
  int exitCode = -1;  ///< -1 when killed by a signal
  int signal = 0;     ///< the terminating signal, 0 when it exited
  bool timedOut = false;
  bool cancelled = false;  ///< a cancel flag (or shutdown) stopped it
  std::string out;
  std::string err;
  bool outTruncated = false;
  bool errTruncated = false;
  double seconds = 0;

  bool success() const { return exitCode == 0 && !timedOut && !cancelled; }
};

/// Runs a child to completion (or until stopped). Fails only when the child
/// cannot be started (missing program, bad cwd); a non-zero exit, a timeout or
/// a cancellation are reported in the ProcessResult. Thread-safe.
Result<ProcessResult> runProcess(const ProcessSpec& spec);

/// The process-wide shutdown flag every runProcess call honours. Raising it
/// (requestProcessShutdown) stops every running child; it stays raised.
const std::atomic<bool>& processShutdownFlag();
void requestProcessShutdown();

/// How many children are running right now (for tests and shutdown waits).
int runningChildren();

/// Kills the process groups of children whose flywheel died without
/// reaping them (recorded in a per-user runtime directory; see
/// core/process_detail.h) and returns how many groups it killed. Only groups
/// whose recorded server is gone and whose leader is still the recorded
/// process (same start time) are touched. runProcess calls it once per
/// process before its first child; a server may call it at start.
int sweepOrphanedChildren();

}  // namespace flywheel
