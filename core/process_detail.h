// Internals of core/process.cpp: the supervised fork and the registry of
// running process groups. Not for use outside core/.
//
// Why a supervisor: PR_SET_PDEATHSIG delivers a signal to one process when
// its parent dies, and a signal kills one process; cargo's rustc children
// would outlive a SIGKILLed server. So every child is started under a small
// supervisor, a fork of the server that never execs: it leads the child's
// process group, asks for SIGUSR1 on its parent's death, and on that signal
// kills its whole group. It runs the real program as its own child, waits
// for it and exits with its status (re-raising a terminating signal), so
// runProcess sees the program's status as before.
//
// The parent of the supervisor is the *thread* that forked it, and
// PDEATHSIG fires when that thread exits: runProcess blocks its calling
// thread until the supervisor is reaped, so the thread outlives the group.
//
// The registry: every running group is recorded as a file
// `<dir>/<pgid>` holding "<server pid> <server start> <leader start>"
// (start times in clock ticks since boot, from /proc/PID/stat). A group
// whose server is gone (pid dead or reused) and whose leader is still the
// recorded process (or gone, with members left) is killed by the next
// flywheel that starts a child (sweepOrphanedChildren). Start times make
// sure an unrelated process that reused a pid is never touched.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace flywheel::detail {

/// Everything the supervised fork needs, prepared before forking (after the
/// fork only async-signal-safe calls are allowed).
struct SpawnPlan {
  std::string program;  ///< resolved path
  std::vector<std::string> argv;
  std::vector<std::string> env;  ///< "K=V"
  std::string cwd;
};

struct SpawnedGroup {
  pid_t pid = -1;  ///< the supervisor: process-group leader, pgid == pid
  int outFd = -1;
  int errFd = -1;
};

/// Forks the supervisor and, under it, the program (stdin /dev/null, stdout
/// and stderr to pipes). Fails when the program cannot be executed.
[[nodiscard]] Result<SpawnedGroup> spawnSupervised(const SpawnPlan& plan);

/// Start time of `pid` (field 22 of /proc/PID/stat), or nullopt when gone.
std::optional<unsigned long long> processStartTime(pid_t pid);

/// Records / forgets a running group in the registry (best effort).
void registerGroup(pid_t pgid);
void unregisterGroup(pid_t pgid);

/// The registry directory: $FLYWHEEL_CHILDREN_DIR, else
/// $XDG_RUNTIME_DIR/flywheel-children, else /tmp/flywheel-children-<uid>.
std::filesystem::path registryDir();

}  // namespace flywheel::detail
