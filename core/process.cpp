#include "core/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/process_detail.h"

extern char** environ;

namespace flywheel {
namespace {

std::atomic<bool> gShutdown{false};
std::atomic<int> gRunning{0};

using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> buildEnv(const ProcessSpec& spec) {
  std::map<std::string, std::string> env;
  if (spec.inheritEnv)
    for (char** e = environ; e && *e; ++e) {
      std::string kv(*e);
      auto eq = kv.find('=');
      if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  for (const auto& [k, v] : spec.env) {
    if (v) env[k] = *v;
    else env.erase(k);
  }
  return env;
}

// Resolves argv[0] against the child's PATH, as execvp would, so that an
// overridden PATH is honoured and a missing program is a clear error.
Result<std::string> resolveProgram(const std::string& prog, const std::map<std::string, std::string>& env) {
  if (prog.empty()) return fail(Error::invalidArgument("runProcess: empty program name"));
  if (prog.find('/') != std::string::npos) return prog;
  auto it = env.find("PATH");
  std::string path = it != env.end() ? it->second : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string cand = (dir.empty() ? "." : dir) + "/" + prog;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
    start = end + 1;
  }
  return fail(Error::notFound("runProcess: program '" + prog + "' not found on PATH; install it or fix PATH"));
}

bool anyFlag(const ProcessSpec& spec) {
  if (gShutdown.load()) return true;
  for (auto* f : spec.cancelFlags)
    if (f && f->load()) return true;
  return false;
}

// Reads what is available from fd into out (up to cap); false on EOF/error.
bool drain(int fd, std::string& out, size_t cap, bool& truncated) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  size_t room = out.size() < cap ? cap - out.size() : 0;
  out.append(buf, std::min(room, static_cast<size_t>(n)));
  if (static_cast<size_t>(n) > room) truncated = true;
  return true;
}

struct Spawned {
  pid_t pid = -1;
  int outFd = -1;
  int errFd = -1;
};

Result<Spawned> spawnChild(const ProcessSpec& spec) {
  auto envMap = buildEnv(spec);
  auto prog = resolveProgram(spec.argv.empty() ? std::string() : spec.argv[0], envMap);
  if (!prog) return fail(prog.error());
  std::error_code ec;
  if (!std::filesystem::is_directory(spec.cwd, ec))
    return fail(Error::notFound("runProcess: working directory " + spec.cwd.string() + " does not exist"));

  detail::SpawnPlan plan{*prog, spec.argv, {}, spec.cwd.string()};
  for (const auto& [k, v] : envMap) plan.env.push_back(k + "=" + v);
  auto group = detail::spawnSupervised(plan);
  if (!group) return fail(group.error());
  return Spawned{group->pid, group->outFd, group->errFd};
}

void decodeStatus(int status, ProcessResult& r) {
  if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) {
    r.exitCode = -1;
    r.signal = WTERMSIG(status);
  }
}

}  // namespace

const std::atomic<bool>& processShutdownFlag() { return gShutdown; }
void requestProcessShutdown() { gShutdown.store(true); }
int runningChildren() { return gRunning.load(); }

Result<ProcessResult> runProcess(const ProcessSpec& spec) {
  static std::once_flag swept;
  std::call_once(swept, [] { sweepOrphanedChildren(); });
  auto child = spawnChild(spec);
  if (!child) return fail(child.error());
  detail::registerGroup(child->pid);
  ++gRunning;
  ProcessResult r;
  const auto start = Clock::now();
  const auto deadline = start + spec.deadline;
  bool outOpen = true, errOpen = true, exited = false, killing = false;
  Clock::time_point killAt{}, drainUntil{};
  int status = 0;
  while (!exited || outOpen || errOpen) {
    pollfd fds[2] = {{outOpen ? child->outFd : -1, POLLIN, 0}, {errOpen ? child->errFd : -1, POLLIN, 0}};
    ::poll(fds, 2, 50);
    if (outOpen && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
      outOpen = drain(child->outFd, r.out, spec.outputCap, r.outTruncated);
    if (errOpen && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
      errOpen = drain(child->errFd, r.err, spec.outputCap, r.errTruncated);
    if (!exited && ::waitpid(child->pid, &status, WNOHANG) == child->pid) exited = true;
    const auto now = Clock::now();
    if (!killing && !exited) {
      bool stop = false;
      if (anyFlag(spec)) r.cancelled = stop = true;
      else if (now >= deadline) r.timedOut = stop = true;
      if (stop) {
        ::kill(-child->pid, SIGTERM);
        killing = true;
        killAt = now + std::chrono::milliseconds(1500);
      }
    } else if (killing && !exited && now >= killAt) {
      ::kill(-child->pid, SIGKILL);
      killAt = now + std::chrono::hours(1);
    }
    // Grandchildren may hold the pipes open after the leader exits: give them
    // a moment, then kill the rest of the group and stop reading.
    if (exited && (outOpen || errOpen)) {
      if (drainUntil == Clock::time_point{}) drainUntil = now + std::chrono::milliseconds(500);
      else if (now >= drainUntil) {
        ::kill(-child->pid, SIGKILL);
        break;
      }
    }
  }
  if (!exited) ::waitpid(child->pid, &status, 0);
  ::kill(-child->pid, SIGKILL);  // strays of the group, if any; harmless otherwise
  ::close(child->outFd);
  ::close(child->errFd);
  detail::unregisterGroup(child->pid);
  decodeStatus(status, r);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  --gRunning;
  return r;
}

}  // namespace flywheel
