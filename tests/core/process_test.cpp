#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "core/process.h"
#include "tests/support/files.h"

using namespace flywheel;
using namespace std::chrono_literals;

namespace {
// A reparented zombie still answers kill(pid, 0) until init reaps it, so
// look at its state instead.
bool processAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pidStr, comm, state;
  if (!(stat >> pidStr >> comm >> state)) return false;
  return state != "Z" && state != "X";
}
}  // namespace

TEST_CASE("runProcess captures output and exit code without a shell", "[process]") {
  auto r = runProcess({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}, .cwd = "/"});
  REQUIRE(r);
  CHECK(r->exitCode == 3);
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");
  CHECK_FALSE(r->success());

  // Arguments are passed verbatim: shell metacharacters are not interpreted.
  auto e = runProcess({.argv = {"echo", "$(touch /tmp/flywheel-pwned); *"}, .cwd = "/"});
  REQUIRE(e);
  CHECK(e->out == "$(touch /tmp/flywheel-pwned); *\n");
}

TEST_CASE("runProcess reports a missing program or working directory", "[process]") {
  auto r = runProcess({.argv = {"no-such-program-flywheel"}, .cwd = "/"});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("not found on PATH") != std::string::npos);
  auto d = runProcess({.argv = {"true"}, .cwd = "/no/such/dir"});
  REQUIRE_FALSE(d);
  CHECK(d.error().code == "not_found");
}

TEST_CASE("runProcess sets and removes environment variables", "[process]") {
  ::setenv("FLYWHEEL_TEST_DROP", "x", 1);
  auto r = runProcess({.argv = {"sh", "-c", "echo \"$CARGO_TARGET_DIR|${FLYWHEEL_TEST_DROP-unset}\""},
                       .cwd = "/",
                       .env = {{"CARGO_TARGET_DIR", "/tmp/t1"}, {"FLYWHEEL_TEST_DROP", std::nullopt}}});
  REQUIRE(r);
  CHECK(r->out == "/tmp/t1|unset\n");
}

TEST_CASE("runProcess kills the whole group at the deadline", "[process]") {
  // The shell starts a grandchild that would outlive it; both must die.
  auto pidFile = std::filesystem::temp_directory_path() / "flywheel-proc-test.pid";
  std::filesystem::remove(pidFile);
  auto start = std::chrono::steady_clock::now();
  auto r = runProcess({.argv = {"sh", "-c", "sleep 30 & echo $! > " + pidFile.string() + "; wait"},
                       .cwd = "/",
                       .deadline = 300ms});
  REQUIRE(r);
  CHECK(r->timedOut);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  std::ifstream in(pidFile);
  pid_t grandchild = 0;
  in >> grandchild;
  REQUIRE(grandchild > 0);
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(processAlive(grandchild));
  CHECK(runningChildren() == 0);
}

TEST_CASE("runProcess stops when a cancel flag is raised", "[process]") {
  std::atomic<bool> cancel{false};
  std::thread t([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  auto r = runProcess({.argv = {"sleep", "30"}, .cwd = "/", .cancelFlags = {nullptr, &cancel}});
  t.join();
  REQUIRE(r);
  CHECK(r->cancelled);
  CHECK(r->signal == SIGTERM);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  // No zombie left behind: there is no child to wait for.
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
}

TEST_CASE("runProcess caps captured output but drains the rest", "[process]") {
  auto r = runProcess({.argv = {"sh", "-c", "head -c 1000000 /dev/zero"}, .cwd = "/", .outputCap = 1000});
  REQUIRE(r);
  CHECK(r->exitCode == 0);
  CHECK(r->out.size() == 1000);
  CHECK(r->outTruncated);
}

namespace {
using flywheel::test::slurp;

bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}
}  // namespace

TEST_CASE("a SIGKILLed server takes its children's whole process groups with it", "[process][hardening]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("flywheel-orphans-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path pids = dir / "pids";
  // The "server": a process running a child (sh) that started a grandchild
  // (sleep) in the background, like cargo and its rustc.
  pid_t server = ::fork();
  REQUIRE(server >= 0);
  if (server == 0) {
    std::string script = "sleep 300 & echo $$ $! > '" + pids.string() + ".tmp' && mv '" + pids.string() + ".tmp' '" +
                         pids.string() + "'; wait";
    (void)runProcess({.argv = {"sh", "-c", script}, .cwd = "/"});
    ::_exit(0);
  }
  REQUIRE(waitUntil([&] { return fs::exists(pids); }, 10s));
  pid_t sh = 0, sleeper = 0;
  std::istringstream(slurp(pids)) >> sh >> sleeper;
  REQUIRE(sh > 0);
  REQUIRE(sleeper > 0);
  pid_t group = ::getpgid(sh);
  CHECK(group != ::getpgrp());
  CHECK(::getpgid(sleeper) == group);

  ::kill(server, SIGKILL);
  ::waitpid(server, nullptr, 0);
  bool childGone = waitUntil([&] { return !processAlive(sh); }, 5s);
  bool grandchildGone = waitUntil([&] { return !processAlive(sleeper); }, 5s);
  ::kill(-group, SIGKILL);  // do not leave them behind if the check fails
  CHECK(childGone);
  CHECK(grandchildGone);
  fs::remove_all(dir);
}

TEST_CASE("the sweep kills groups a dead server left, and nothing else", "[process][hardening]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("flywheel-sweep-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ::setenv("FLYWHEEL_CHILDREN_DIR", dir.c_str(), 1);
  fs::create_directories(dir);
  auto leader = [] {
    pid_t p = ::fork();
    if (p == 0) {
      ::setpgid(0, 0);
      ::execlp("sleep", "sleep", "300", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(p, p);
    return p;
  };
  auto startOf = [](pid_t p) {
    std::string stat = slurp("/proc/" + std::to_string(p) + "/stat");
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int k = 3; k < 22; ++k) rest >> field;
    unsigned long long start = 0;
    rest >> start;
    return start;
  };
  pid_t deadServer = ::fork();
  if (deadServer == 0) ::_exit(0);
  ::waitpid(deadServer, nullptr, 0);
  pid_t orphan = leader(), reused = leader(), live = leader();
  REQUIRE(waitUntil([&] { return startOf(orphan) && startOf(reused) && startOf(live); }, 5s));
  auto record = [&](pid_t group, long server, unsigned long long serverStart, unsigned long long leaderStart) {
    std::ofstream(dir / std::to_string(group)) << server << " " << serverStart << " " << leaderStart << "\n";
  };
  record(orphan, deadServer, 12345, startOf(orphan));       // its server died: swept
  record(reused, deadServer, 12345, startOf(reused) + 1);   // a different process now: untouched
  record(live, ::getpid(), startOf(::getpid()), startOf(live));  // a live server's child: untouched

  CHECK(sweepOrphanedChildren() == 1);
  CHECK(waitUntil([&] { return !processAlive(orphan); }, 5s));
  CHECK(processAlive(reused));
  CHECK(processAlive(live));
  CHECK_FALSE(fs::exists(dir / std::to_string(orphan)));
  CHECK(fs::exists(dir / std::to_string(live)));
  for (pid_t p : {orphan, reused, live}) {
    ::kill(-p, SIGKILL);
    ::waitpid(p, nullptr, 0);
  }
  ::unsetenv("FLYWHEEL_CHILDREN_DIR");
  fs::remove_all(dir);
}
