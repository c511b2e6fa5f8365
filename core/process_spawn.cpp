// The supervised fork (see process_detail.h). Between fork and exit/exec
// only async-signal-safe calls: the server is multithreaded.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "core/process_detail.h"

namespace flywheel::detail {
namespace {

constexpr int kParentDeathSignal = SIGUSR1;
constexpr int kStatusFd = 3;  // in the supervisor: reports an exec failure to the server

void onParentDeath(int) { ::kill(0, SIGKILL); }  // the whole group, the supervisor too

void setDisposition(int sig, void (*handler)(int)) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(sig, &sa, nullptr);
}

void writeAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

/// The program's process: default signals, then exec. Reports errno on fd 3.
[[noreturn]] void execProgram(const char* program, char* const* argv, char* const* envp) {
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, kParentDeathSignal}) setDisposition(sig, SIG_DFL);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(program, argv, envp);
  int err = errno;
  writeAll(kStatusFd, &err, sizeof err);
  ::_exit(127);
}

/// Exits the way the program did: its exit code, or its terminating signal.
[[noreturn]] void exitLike(int status) {
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  struct rlimit noCore = {0, 0};
  ::setrlimit(RLIMIT_CORE, &noCore);  // a crashing rustc must not dump the supervisor's image
  setDisposition(sig, SIG_DFL);
  sigset_t only;
  ::sigemptyset(&only);
  ::sigaddset(&only, sig);
  ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
  ::kill(::getpid(), sig);
  ::_exit(128 + sig);
}

struct Fds {
  int out, err, status, devNull;
};

/// The supervisor: leads the group, dies with its parent, runs the program.
[[noreturn]] void supervise(pid_t server, const Fds& fds, const char* cwd, const char* program, char* const* argv,
                            char* const* envp) {
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) setDisposition(sig, SIG_DFL);
  // Signals meant for the program (runProcess's SIGTERM to the group): the
  // supervisor outlives them and reports the program's fate.
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT}) setDisposition(sig, SIG_IGN);
  setDisposition(kParentDeathSignal, onParentDeath);
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, kParentDeathSignal);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::getppid() != server) onParentDeath(0);  // the server died before prctl took effect

  // stdin /dev/null, stdout/stderr the pipes, fd 3 the status pipe; nothing
  // else of the server's (sockets, databases, other children's pipes).
  if (::dup2(fds.devNull, 0) < 0 || ::dup2(fds.out, 1) < 0 || ::dup2(fds.err, 2) < 0 ||
      ::dup2(fds.status, kStatusFd) < 0)
    ::_exit(127);
  ::fcntl(kStatusFd, F_SETFD, FD_CLOEXEC);
  if (::close_range(kStatusFd + 1, ~0U, 0) != 0)
    for (int fd = kStatusFd + 1; fd < 65536; ++fd) ::close(fd);
  if (::chdir(cwd) != 0) {
    int err = errno;
    writeAll(kStatusFd, &err, sizeof err);
    ::_exit(127);
  }
  pid_t child = ::_Fork();
  if (child == 0) execProgram(program, argv, envp);
  int status = 0;
  if (child < 0) {
    int err = errno;
    writeAll(kStatusFd, &err, sizeof err);
    ::_exit(127);
  }
  for (int fd = 0; fd <= kStatusFd; ++fd) ::close(fd);  // only the program holds the pipes now
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  exitLike(status);
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<SpawnedGroup> spawnSupervised(const SpawnPlan& plan) {
  std::vector<std::string> args = plan.argv, env = plan.env;
  auto argv = pointers(args), envp = pointers(env);
  int out[2], err[2], status[2];
  int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devNull < 0) return fail(Error::io("runProcess: cannot open /dev/null: " + std::string(strerror(errno))));
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(status, O_CLOEXEC) != 0) {
    ::close(devNull);
    return fail(Error::io("runProcess: pipe failed: " + std::string(strerror(errno))));
  }
  // Block every signal across the fork so that none runs a server handler
  // in the supervisor before it resets them.
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t server = ::getpid();
  pid_t pid = ::_Fork();
  if (pid == 0)
    supervise(server, {out[1], err[1], status[1], devNull}, plan.cwd.c_str(), plan.program.c_str(), argv.data(),
              envp.data());
  int forkErr = errno;
  if (pid > 0) ::setpgid(pid, pid);  // also here, so the group exists before anyone signals it
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  for (int fd : {out[1], err[1], status[1], devNull}) ::close(fd);
  if (pid < 0) {
    for (int fd : {out[0], err[0], status[0]}) ::close(fd);
    return fail(Error::io("runProcess: fork failed: " + std::string(strerror(forkErr))));
  }
  int execErr = 0;
  ssize_t n;
  while ((n = ::read(status[0], &execErr, sizeof execErr)) < 0 && errno == EINTR) {
  }
  ::close(status[0]);
  if (n == static_cast<ssize_t>(sizeof execErr)) {
    int ignored = 0;
    ::waitpid(pid, &ignored, 0);
    ::close(out[0]);
    ::close(err[0]);
    return fail(Error::io("runProcess: cannot start '" + (plan.argv.empty() ? plan.program : plan.argv[0]) +
                          "' in " + plan.cwd + ": " + strerror(execErr)));
  }
  return SpawnedGroup{pid, out[0], err[0]};
}

}  // namespace flywheel::detail
