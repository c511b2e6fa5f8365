#include "missiond/daemon_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>

#include "missiond/ledger.h"

namespace flywheel::missiond {

Result<DaemonLock> DaemonLock::acquire(const std::filesystem::path& stateDir, const std::string& address) {
  const auto dir = daemonDir(stateDir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto path = dir / "lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail(Error::io("cannot open " + path.string() + ": " + std::strerror(errno) + "; check that .flywheel is writable"));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[512] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "pid unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return fail(Error::alreadyExists("another flywheel daemon already runs on this universe (" + holder +
                                     "); use it (its MCP endpoint serves every tool), or stop it first"));
  }
  std::string me = "pid " + std::to_string(::getpid()) + ", serving " + address + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    ::close(fd);
    return fail(Error::io("cannot write " + path.string() + ": " + std::strerror(errno)));
  }
  return DaemonLock(fd);
}

DaemonLock::~DaemonLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace flywheel::missiond
