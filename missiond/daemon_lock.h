// One daemon per universe: an exclusive flock on
// <universe>/.flywheel/daemon/lock, held for the daemon's life (the kernel
// drops it when the process dies, even by SIGKILL, so a stale file never
// blocks a restart). The file names the holder's pid and address, so a
// second daemon refuses with a message naming the first one.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.h"

namespace flywheel::missiond {

class DaemonLock {
 public:
  /// Takes the lock and records this process's pid and `address`. Error
  /// already_exists naming the running daemon's pid and address when held.
  [[nodiscard]] static Result<DaemonLock> acquire(const std::filesystem::path& stateDir, const std::string& address);
  DaemonLock(DaemonLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DaemonLock& operator=(DaemonLock&&) = delete;
  ~DaemonLock();

 private:
  explicit DaemonLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace flywheel::missiond
