// ChildProcess: the handle a daemon keeps on a long-lived child (an agent):
// its output arrives while it runs, and terminating it takes its whole
// process group down.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/process.h"

using namespace flywheel;
using namespace std::chrono_literals;

namespace {
bool alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string p, comm, state;
  if (!(stat >> p >> comm >> state)) return false;
  return state != "Z" && state != "X";
}
}  // namespace

TEST_CASE("a child's output streams to the sink while it still runs", "[process][child]") {
  std::mutex mu;
  std::string seen;
  auto child = ChildProcess::spawn(
      {.argv = {"sh", "-c", "echo first; sleep 30"}, .cwd = "/"},
      [&](ChildStream s, std::string_view bytes) {
        std::lock_guard lock(mu);
        if (s == ChildStream::Out) seen += bytes;
      });
  REQUIRE(child);
  auto until = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (seen == "first\n") break;
    }
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(10ms);
  }
  CHECK((*child)->running());
  CHECK((*child)->pid() > 0);
  CHECK_FALSE((*child)->waitFor(50ms).has_value());
  (*child)->terminate();
  auto r = (*child)->wait();
  CHECK(r.cancelled);
  CHECK(r.out == "first\n");
  CHECK_FALSE((*child)->running());
}

TEST_CASE("terminating a child stops its whole group, and a dropped handle does too", "[process][child]") {
  auto pidFile = std::filesystem::temp_directory_path() / "flywheel-child-test.pid";
  std::filesystem::remove(pidFile);
  int grandchild = 0;
  {
    auto child = ChildProcess::spawn(
        {.argv = {"sh", "-c", "sleep 30 & echo $! > " + pidFile.string() + "; wait"}, .cwd = "/"});
    REQUIRE(child);
    auto until = std::chrono::steady_clock::now() + 5s;
    while (grandchild == 0 && std::chrono::steady_clock::now() < until) {
      std::ifstream in(pidFile);
      in >> grandchild;
      std::this_thread::sleep_for(10ms);
    }
    REQUIRE(grandchild > 0);
    CHECK(alive(grandchild));
  }  // the handle goes away: terminate + wait
  CHECK_FALSE(alive(grandchild));
  CHECK(runningChildren() == 0);
}

TEST_CASE("a child that cannot start is an error, not a handle", "[process][child]") {
  auto child = ChildProcess::spawn({.argv = {"no-such-program-flywheel"}, .cwd = "/"});
  REQUIRE_FALSE(child);
  CHECK(child.error().message.find("not found on PATH") != std::string::npos);
  auto done = ChildProcess::spawn({.argv = {"sh", "-c", "exit 4"}, .cwd = "/"});
  REQUIRE(done);
  CHECK((*done)->wait().exitCode == 4);
}
