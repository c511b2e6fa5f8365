// fork/exec with a pipe, a deadline and a process group.
#include "forge/child_output.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flywheel::forge {

Result<ChildResult> runChild(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                             const std::map<std::string, std::string>& env, std::chrono::milliseconds deadline,
                             const std::atomic<bool>* cancel) {
  if (argv.empty()) return fail(Error::invalidArgument("runChild: empty command"));
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail(Error::io(std::string("pipe: ") + std::strerror(errno)));
  int startPipe[2];  // reports exec failure to the parent
  if (pipe2(startPipe, O_CLOEXEC) != 0) return fail(Error::io(std::string("pipe: ") + std::strerror(errno)));
  pid_t pid = fork();
  if (pid < 0) return fail(Error::io(std::string("fork: ") + std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    int err = errno;
    (void)!write(startPipe[1], &err, sizeof err);
    _exit(127);
  }
  setpgid(pid, pid);
  close(fds[1]);
  close(startPipe[1]);
  int execErr = 0;
  bool execFailed = read(startPipe[0], &execErr, sizeof execErr) == sizeof execErr;
  close(startPipe[0]);
  ChildResult result;
  auto start = std::chrono::steady_clock::now();
  char buf[8192];
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    int ready = poll(&p, 1, 100);
    if (ready > 0) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      if (result.output.size() < (4u << 20)) result.output.append(buf, static_cast<size_t>(n));
    }
    bool late = std::chrono::steady_clock::now() - start > deadline;
    bool stop = cancel && cancel->load();
    if (late || stop) {
      result.timedOut = late;
      result.cancelled = stop;
      kill(-pid, SIGKILL);
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (execFailed)
    return fail(Error::notFound("cannot run " + argv[0] + ": " + std::strerror(execErr) +
                                "; install it or put it on PATH"));
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace flywheel::forge
