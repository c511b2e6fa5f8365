// The registry of running process groups and the sweep of orphaned ones
// (see process_detail.h).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/process.h"
#include "core/process_detail.h"

namespace fs = std::filesystem;

namespace flywheel {
namespace detail {
namespace {

/// "<server pid> <server start>" of this process, computed once.
const std::string& selfRecord() {
  static const std::string record = [] {
    auto start = processStartTime(::getpid());
    return std::to_string(::getpid()) + " " + std::to_string(start.value_or(0));
  }();
  return record;
}

/// The registry directory, created 0700 and owned by us, or empty when unusable.
fs::path usableDir() {
  fs::path dir = registryDir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  struct stat st{};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) return {};
  ::chmod(dir.c_str(), 0700);
  return dir;
}

/// Kills a recorded group whose server is gone; true when it did.
bool sweepOne(pid_t pgid, unsigned long long leaderStart) {
  if (auto leader = processStartTime(pgid)) {
    if (*leader != leaderStart) return false;  // the pid was reused: not ours
    return ::kill(-pgid, SIGKILL) == 0;
  }
  // The leader is gone; while any member of its group lives, the kernel keeps
  // the number reserved (no new process gets it), so members found under it
  // are ours.
  return ::kill(-pgid, SIGKILL) == 0;
}

}  // namespace

fs::path registryDir() {
  if (const char* d = std::getenv("FLYWHEEL_CHILDREN_DIR"); d && *d) return d;
  if (const char* r = std::getenv("XDG_RUNTIME_DIR"); r && *r) return fs::path(r) / "flywheel-children";
  return fs::path("/tmp") / ("flywheel-children-" + std::to_string(::getuid()));
}

std::optional<unsigned long long> processStartTime(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto close = line.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  // Fields 3.. follow the name; the start time is field 22.
  for (int k = 3; k < 22; ++k)
    if (!(rest >> field)) return std::nullopt;
  unsigned long long start = 0;
  if (!(rest >> start)) return std::nullopt;
  return start;
}

void registerGroup(pid_t pgid) {
  fs::path dir = usableDir();
  if (dir.empty()) return;
  auto leader = processStartTime(pgid);
  if (!leader) return;
  std::ofstream(dir / std::to_string(pgid)) << selfRecord() << " " << *leader << "\n";
}

void unregisterGroup(pid_t pgid) {
  fs::path dir = usableDir();
  if (dir.empty()) return;
  fs::path file = dir / std::to_string(pgid);
  long server = 0;
  std::ifstream(file) >> server;
  if (server != ::getpid()) return;  // the pid was reused and recorded by another flywheel since
  std::error_code ec;
  fs::remove(file, ec);
}

}  // namespace detail

int sweepOrphanedChildren() {
  if (!detail::processStartTime(::getpid())) return 0;  // no /proc: nothing can be verified, touch nothing
  fs::path dir = detail::usableDir();
  if (dir.empty()) return 0;
  int killed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path());
    long server = 0;
    unsigned long long serverStart = 0, leaderStart = 0;
    if (!(in >> server >> serverStart >> leaderStart)) continue;  // being written, or foreign
    pid_t pgid = static_cast<pid_t>(std::stol(name));
    if (pgid <= 1 || server <= 0) continue;
    bool serverAlive = detail::processStartTime(static_cast<pid_t>(server)) == serverStart;
    if (serverAlive) continue;
    killed += detail::sweepOne(pgid, leaderStart);
    std::error_code rm;
    fs::remove(it->path(), rm);
  }
  return killed;
}

}  // namespace flywheel
