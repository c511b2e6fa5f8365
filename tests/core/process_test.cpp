#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "core/process.h"

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
