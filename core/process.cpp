#include "core/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <thread>

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

struct ChildProcess::State {
  ProcessSpec spec;
  OutputSink sink;
  std::atomic<bool> terminate{false};
  std::atomic<int> pid{-1};
  mutable std::mutex mu;
  std::condition_variable cv;
  bool started = false, done = false;
  std::optional<Error> startError;
  ProcessResult result;
  std::thread thread;
};

namespace {

bool pump(int fd, ChildStream which, ChildProcess::State& st, std::string& out, bool& truncated) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const size_t cap = st.spec.outputCap;
  size_t room = out.size() < cap ? cap - out.size() : 0;
  out.append(buf, std::min(room, static_cast<size_t>(n)));
  if (static_cast<size_t>(n) > room) truncated = true;
  if (st.sink) st.sink(which, std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

// The handle's thread: forks the child, reads it, stops it when asked, reaps it.
void superviseChild(ChildProcess::State& st) {
  auto child = spawnChild(st.spec);
  {
    std::lock_guard lock(st.mu);
    st.started = true;
    if (!child) {
      st.startError = child.error();
      st.done = true;
    } else {
      st.pid = child->pid;
    }
  }
  st.cv.notify_all();
  if (!child) return;
  detail::registerGroup(child->pid);
  ++gRunning;
  ProcessResult r;
  const auto start = Clock::now();
  const auto deadline = start + st.spec.deadline;
  bool outOpen = true, errOpen = true, exited = false, killing = false;
  Clock::time_point killAt{}, drainUntil{};
  int status = 0;
  while (!exited || outOpen || errOpen) {
    pollfd fds[2] = {{outOpen ? child->outFd : -1, POLLIN, 0}, {errOpen ? child->errFd : -1, POLLIN, 0}};
    ::poll(fds, 2, 50);
    if (outOpen && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
      outOpen = pump(child->outFd, ChildStream::Out, st, r.out, r.outTruncated);
    if (errOpen && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
      errOpen = pump(child->errFd, ChildStream::Err, st, r.err, r.errTruncated);
    if (!exited && ::waitpid(child->pid, &status, WNOHANG) == child->pid) exited = true;
    const auto now = Clock::now();
    if (!killing && !exited) {
      bool stop = false;
      if (st.terminate.load() || anyFlag(st.spec)) r.cancelled = stop = true;
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
  {
    std::lock_guard lock(st.mu);
    st.result = std::move(r);
    st.done = true;
  }
  st.cv.notify_all();
}

}  // namespace

ChildProcess::ChildProcess(std::shared_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(ProcessSpec spec, OutputSink sink) {
  static std::once_flag swept;
  std::call_once(swept, [] { sweepOrphanedChildren(); });
  auto st = std::make_shared<State>();
  st->spec = std::move(spec);
  st->sink = std::move(sink);
  st->thread = std::thread([raw = st.get()] { superviseChild(*raw); });
  std::unique_lock lock(st->mu);
  st->cv.wait(lock, [&] { return st->started; });
  if (st->startError) {
    Error e = *st->startError;
    lock.unlock();
    st->thread.join();
    return fail(std::move(e));
  }
  lock.unlock();
  return std::unique_ptr<ChildProcess>(new ChildProcess(std::move(st)));
}

ChildProcess::~ChildProcess() {
  if (!state_) return;
  terminate();
  if (state_->thread.joinable()) state_->thread.join();
}

int ChildProcess::pid() const { return state_->pid.load(); }

bool ChildProcess::running() const {
  std::lock_guard lock(state_->mu);
  return !state_->done;
}

void ChildProcess::terminate() { state_->terminate.store(true); }

ProcessResult ChildProcess::wait() {
  std::unique_lock lock(state_->mu);
  state_->cv.wait(lock, [&] { return state_->done; });
  return state_->result;
}

std::optional<ProcessResult> ChildProcess::waitFor(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mu);
  if (!state_->cv.wait_for(lock, timeout, [&] { return state_->done; })) return std::nullopt;
  return state_->result;
}

Result<ProcessResult> runProcess(const ProcessSpec& spec) {
  auto child = ChildProcess::spawn(spec);
  if (!child) return fail(child.error());
  return (*child)->wait();
}

}  // namespace flywheel
