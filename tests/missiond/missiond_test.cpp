// missiond's parts without cargo: agent runs (exit, deadline, watchdog,
// stop, cost from stream-json, log, environment), the one-daemon lock, the
// ledger, and tier 0's reading and applying of rustc's machine-applicable
// suggestions. Real processes, real files.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "mechanic/tier0.h"
#include "missiond/agent_run.h"
#include "missiond/daemon.h"
#include "missiond/daemon_lock.h"
#include "missiond/ledger.h"

using namespace flywheel;
using namespace flywheel::missiond;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("flywheel-missiond-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

AgentOutcome runToEnd(AgentSpec spec) {
  auto run = AgentRun::start(spec);
  REQUIRE(run);
  for (int i = 0; i < 600; ++i)
    if (auto out = (*run)->poll(std::chrono::milliseconds(100))) return *out;
  FAIL("the run did not end in 60 s");
  return {};
}

}  // namespace

TEST_CASE("an agent run: exit code, cost from the stream-json result event, log and environment") {
  auto dir = scratch("run");
  AgentSpec spec{.command = "echo \"task $FLYWHEEL_TASK\"; "
                            "echo '{\"type\":\"assistant\",\"message\":\"x\"}'; "
                            "echo '{\"type\":\"result\",\"subtype\":\"success\",\"total_cost_usd\":0.25,\"num_turns\":3}'",
                 .cwd = dir, .env = {{"FLYWHEEL_TASK", "t7"}}, .logPath = dir / "agents/t7.log"};
  auto ok = runToEnd(spec);
  CHECK(ok.failure.empty());
  REQUIRE(ok.costUsd);
  CHECK(*ok.costUsd == Approx(0.25));
  CHECK(ok.resultSubtype == "success");
  CHECK(readFile(dir / "agents/t7.log").value_or("").find("task t7") != std::string::npos);

  spec.command = "echo working; exit 3";
  CHECK(runToEnd(spec).failure == "exit 3");
  fs::remove_all(dir);
}

TEST_CASE("an agent past its deadline, or silent too long, is killed with its process group") {
  auto dir = scratch("kill");
  auto t0 = std::chrono::steady_clock::now();
  auto late = runToEnd({.command = "sleep 30 & wait", .cwd = dir, .logPath = dir / "a.log",
                        .deadline = std::chrono::seconds(1), .silence = std::chrono::seconds(60)});
  CHECK(late.failure == "deadline 1s");
  auto silent = runToEnd({.command = "echo started; sleep 30", .cwd = dir, .logPath = dir / "b.log",
                          .deadline = std::chrono::seconds(60), .silence = std::chrono::seconds(1)});
  CHECK(silent.failure == "silent 1s");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15));

  auto run = AgentRun::start({.command = "sleep 30", .cwd = dir, .logPath = dir / "c.log"});
  REQUIRE(run);
  (*run)->stop();
  std::optional<AgentOutcome> out;
  for (int i = 0; i < 100 && !out; ++i) out = (*run)->poll(std::chrono::milliseconds(100));
  REQUIRE(out);
  CHECK(out->stopped());
  fs::remove_all(dir);
}

TEST_CASE("parseResultEvent reads only the result event") {
  CHECK_FALSE(parseResultEvent("{\"type\":\"system\",\"subtype\":\"init\"}"));
  CHECK_FALSE(parseResultEvent("not json \"result\""));
  auto r = parseResultEvent("{\"type\":\"result\",\"subtype\":\"error_max_budget_usd\",\"total_cost_usd\":3.01}");
  REQUIRE(r);
  CHECK(r->first == Approx(3.01));
  CHECK(r->second == "error_max_budget_usd");
}

TEST_CASE("one daemon per universe: a second lock names the first holder's pid and address") {
  auto dir = scratch("lock");
  {
    auto first = DaemonLock::acquire(dir, "http://127.0.0.1:8765/mcp");
    REQUIRE(first);
    auto second = DaemonLock::acquire(dir, "http://127.0.0.1:9999/mcp");
    REQUIRE_FALSE(second);
    CHECK(second.error().code == "already_exists");
    CHECK(second.error().message.find("pid " + std::to_string(::getpid())) != std::string::npos);
    CHECK(second.error().message.find("127.0.0.1:8765") != std::string::npos);
  }
  CHECK(DaemonLock::acquire(dir, "http://127.0.0.1:9999/mcp"));  // released with its holder
  fs::remove_all(dir);
}

TEST_CASE("the ledger survives a round trip") {
  auto dir = scratch("ledger");
  EpochLedger l{.epoch = 4, .from = "a", .to = "b", .state = "halted", .stopReason = "why", .runs = 3, .costUsd = 1.5};
  l.services["billing"] = {.taskId = "t9", .wave = 3, .outcome = "halted", .attempts = 2, .lastFailure = "exit 1",
                           .tier0Fixes = 1, .runs = {"slot-1: exit 1 after 2.0s"}};
  l.busy = {{1.0, 2.5}};
  REQUIRE(saveLedger(dir, l));
  auto back = loadLedger(dir, 4);
  REQUIRE(back);
  REQUIRE(*back);
  CHECK((*back)->services["billing"].lastFailure == "exit 1");
  CHECK((*back)->services["billing"].runs.size() == 1);
  CHECK((*back)->busy.size() == 1);
  CHECK((*back)->stopReason == "why");
  CHECK_FALSE(*loadLedger(dir, 5));
  REQUIRE(saveState(dir, {.lastHead = "h", .pendingFrom = "f", .epoch = 4}));
  CHECK(loadState(dir)->epoch == 4);
  fs::remove_all(dir);
}

TEST_CASE("tier 0 takes machine-applicable fixes in the service's own files only") {
  const std::string root = "/w/u";
  auto line = [&](const std::string& file, int start, int end, const std::string& repl, const std::string& app,
                  const std::string& level = "error") {
    return "{\"reason\":\"compiler-message\",\"message\":{\"level\":\"" + level +
           "\",\"message\":\"m\",\"spans\":[],\"children\":[{\"message\":\"help\",\"spans\":[{\"file_name\":\"" + file +
           "\",\"byte_start\":" + std::to_string(start) + ",\"byte_end\":" + std::to_string(end) +
           ",\"suggested_replacement\":\"" + repl + "\",\"suggestion_applicability\":\"" + app + "\"}]}]}}\n";
  };
  std::string out = line("services/cat/src/custom.rs", 8, 11, "i32", "MachineApplicable") +
                    line("services/cat/src/custom.rs", 8, 11, "i32", "MachineApplicable") +  // duplicate
                    line("services/cat/src/custom.rs", 0, 2, "x", "MaybeIncorrect") +
                    line("services/cat/src/generated.rs", 0, 2, "x", "MachineApplicable") +
                    line("services/other/src/custom.rs", 0, 2, "x", "MachineApplicable") +
                    line("/w/u/services/cat/src/custom.rs", 0, 2, "pub ", "MachineApplicable", "warning") +
                    "not json\n";
  auto fixes = mechanic::machineFixes(out, root, "services/cat");
  REQUIRE(fixes.size() == 1);
  CHECK(fixes[0].file == "services/cat/src/custom.rs");
  std::string content = "fn f(x: u32) {}";
  CHECK(mechanic::applyFixes(content, fixes) == 1);
  CHECK(content == "fn f(x: i32) {}");
}

TEST_CASE("the default agent is Claude Code headless, limited to flywheel's repair tools") {
  DaemonOptions o;
  auto cmd = defaultAgentCommand(o);
  for (const char* flag : {"claude -p", "--mcp-config", "--strict-mcp-config", "--tools \"\"", "--allowedTools",
                           "--permission-mode dontAsk", "--max-turns 60", "--max-budget-usd 3.00",
                           "--output-format stream-json", "--verbose"})
    CHECK(cmd.find(flag) != std::string::npos);
  CHECK(cmd.find("cascade_finish") == std::string::npos);
  auto prompt = agentPrompt("t7", 3, "billing");
  CHECK(prompt.find("repair_open {\"epoch\": 3, \"service\": \"billing\"}") != std::string::npos);
}
