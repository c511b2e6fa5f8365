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
//
// Long-lived children (an agent a daemon supervises) use ChildProcess: the
// same supervision, with the output streamed to a callback as it arrives and
// the caller free to terminate or wait; runProcess is spawn-then-wait.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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

/// Which stream a chunk of output came from.
enum class ChildStream { Out, Err };

/// Receives the child's output as it arrives, from the handle's own thread
/// (never concurrently with itself). Must not block for long.
using OutputSink = std::function<void(ChildStream, std::string_view)>;

/// One supervised child process. A dedicated thread forks it (so the
/// supervisor's parent-death signal is tied to a thread that lives exactly
/// as long as the child), reads its output, enforces the spec's deadline and
/// cancel flags, and reaps it. Destroying a handle terminates the child and
/// waits for it. Thread-safe.
class ChildProcess {
 public:
  /// Starts `spec`. Fails (without a handle) when the program cannot be started.
  [[nodiscard]] static Result<std::unique_ptr<ChildProcess>> spawn(ProcessSpec spec, OutputSink sink = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// The supervisor's pid, which is also the child's process-group id.
  int pid() const;
  bool running() const;
  /// SIGTERM to the whole group, SIGKILL after a 1.5 s grace; returns at once.
  /// The result then reports cancelled = true.
  void terminate();
  /// Blocks until the child is reaped; the result keeps up to outputCap bytes
  /// of each stream (the sink sees everything).
  ProcessResult wait();
  /// As wait(), but gives up after `timeout` (nullopt: still running).
  std::optional<ProcessResult> waitFor(std::chrono::milliseconds timeout);

  struct State;

 private:
  explicit ChildProcess(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

/// Runs a child to completion (or until stopped). Fails only when the child
/// cannot be started (missing program, bad cwd); a non-zero exit, a timeout or
/// a cancellation are reported in the ProcessResult. Thread-safe.
[[nodiscard]] Result<ProcessResult> runProcess(const ProcessSpec& spec);

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
