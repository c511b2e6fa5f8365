// cascade_finish's gates: clippy covers check without weakening any gate
// (a red check, clippy or test in the cascade worktree still refuses, and
// says which gate as the plain order would), and the e2e gate (the
// black-box veto gate) runs once after every crate is green, is killed at
// its deadline with everything it started, and vetoes the finish.
#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <thread>

#include "fixture.h"
#include "mechanic/mechanic.h"

using namespace flywheel;
using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

/// A cascade over TinyWorkspace whose stamp rewrites alpha/src/lib.rs with
/// `alphaSource` (nothing to repair: no service is checked at start, so
/// cascade_finish's whole-workspace gauntlet is the first to see it).
CascadeStartSpec rewriteAlpha(std::string alphaSource, std::string e2e = {}, int deadlineSeconds = 600) {
  CascadeStartSpec s;
  s.intentChange = "alpha rewritten";
  s.config.e2eCommand = std::move(e2e);
  s.config.gateDeadlineSeconds = deadlineSeconds;
  s.stamp = [src = std::move(alphaSource)](const fs::path& r) -> Result<std::vector<std::string>> {
    writeText(r / "alpha/src/lib.rs", src);
    return std::vector<std::string>{"alpha/src/lib.rs"};
  };
  return s;
}

const std::string kTested =
    "\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn answers() {\n        assert_eq!(super::answer(), 42);\n    }\n}\n";

struct Finished {
  FinishResult result;
  std::string base, head;
};

Finished finishOnce(TinyWorkspace& ws, const CascadeStartSpec& spec) {
  Finished f;
  f.base = git(ws.root, {"rev-parse", "HEAD"});
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  auto fin = (*m)->cascadeFinish(st->epoch, {});
  REQUIRE(fin);
  f.result = *fin;
  f.head = git(ws.root, {"rev-parse", "HEAD"});
  if (!fin->landed) REQUIRE((*m)->cascadeAbort(st->epoch));
  return f;
}

std::vector<std::string> gateNames(const GauntletResult& g) {
  std::vector<std::string> out;
  for (const auto& x : g.gates) out.push_back(x.gate + (x.passed ? ":ok" : ":red"));
  return out;
}

}  // namespace

TEST_CASE("cascade_finish: clippy covers check when green, and every red gate still refuses", "[mechanic][cargo]") {
  TinyWorkspace ws("covered");
  SECTION("green: check is reported covered by clippy, not run on its own") {
    auto f = finishOnce(ws, rewriteAlpha("/// The answer.\npub fn answer() -> i32 {\n    42\n}\n" + kTested));
    INFO(f.result.message);
    REQUIRE(f.result.landed);
    CHECK(f.head != f.base);
    CHECK(gateNames(f.result.gauntlet) == std::vector<std::string>{"check:ok", "clippy:ok", "test:ok"});
    CHECK(f.result.gauntlet.gates[0].note.find("covered by clippy") != std::string::npos);
    CHECK(f.result.gauntlet.gates[0].seconds == 0);
  }
  SECTION("a compile error: check is the red gate, with check's own diagnostics") {
    auto f = finishOnce(ws, rewriteAlpha("pub fn answer() -> i32 {\n    \"42\"\n}\n"));
    CHECK_FALSE(f.result.landed);
    CHECK(f.head == f.base);
    CHECK(gateNames(f.result.gauntlet) == std::vector<std::string>{"check:red"});
    REQUIRE_FALSE(f.result.gauntlet.gates[0].diagnostics.empty());
    CHECK(f.result.gauntlet.gates[0].diagnostics[0].code == "E0308");
    CHECK(f.result.message.find("the cascade is red") != std::string::npos);
  }
  SECTION("a lint only clippy sees: check passes (it ran), clippy refuses") {
    auto f = finishOnce(ws, rewriteAlpha("pub fn answer() -> i32 {\n    return 42;\n}\n" + kTested));
    CHECK_FALSE(f.result.landed);
    CHECK(f.head == f.base);
    CHECK(gateNames(f.result.gauntlet) == std::vector<std::string>{"check:ok", "clippy:red"});
    CHECK(f.result.gauntlet.gates[0].note.empty());  // check ran for real
  }
  SECTION("a failing test: the test gate refuses") {
    auto f = finishOnce(ws, rewriteAlpha("pub fn answer() -> i32 {\n    41\n}\n" + kTested));
    CHECK_FALSE(f.result.landed);
    CHECK(f.head == f.base);
    CHECK(gateNames(f.result.gauntlet) == std::vector<std::string>{"check:ok", "clippy:ok", "test:red"});
  }
}

TEST_CASE("cascade_finish: a red e2e gate vetoes the finish, a green one lets it land", "[mechanic][cargo][e2e]") {
  TinyWorkspace ws("e2e-veto");
  const std::string green = "/// The answer.\npub fn answer() -> i32 {\n    42\n}\n" + kTested;
  SECTION("red: the branch stays, the answer names the gate, its exit status and its output") {
    auto f = finishOnce(ws, rewriteAlpha(green, "echo checking epoch $FLYWHEEL_EPOCH in $(basename $(pwd)); "
                                                "grep -q 'fn answer() -> i64' alpha/src/lib.rs || "
                                                "{ echo 'answer is not an i64' >&2; exit 3; }"));
    CHECK_FALSE(f.result.landed);
    CHECK(f.head == f.base);
    CHECK(git(ws.root, {"status", "--porcelain"}).empty());
    CHECK(gateNames(f.result.gauntlet) == std::vector<std::string>{"check:ok", "clippy:ok", "test:ok", "e2e:red"});
    const GateResult& e2e = f.result.gauntlet.gates.back();
    CHECK(e2e.exitStatus == 3);
    INFO(f.result.message);
    CHECK(f.result.message.find("the e2e gate failed") != std::string::npos);
    CHECK(f.result.message.find("exited with status 3") != std::string::npos);
    CHECK(f.result.message.find("nothing changed on refs/heads/main") != std::string::npos);
    CHECK(f.result.gauntlet.summary().find("e2e: FAILED, exit status 3") != std::string::npos);
    INFO(e2e.note);
    CHECK(e2e.note.find("answer is not an i64") != std::string::npos);
    // It ran in the cascade worktree's universe root, with the epoch in its environment.
    CHECK(e2e.note.find("checking epoch 1 in e1-cascade") != std::string::npos);
    CHECK(f.result.gauntlet.details().find("answer is not an i64") != std::string::npos);
  }
  SECTION("green: the finish lands, the e2e gate is reported last") {
    auto f = finishOnce(ws, rewriteAlpha(green, "grep -q 'fn answer() -> i32' alpha/src/lib.rs"));
    INFO(f.result.message);
    CHECK(f.result.landed);
    CHECK(f.head != f.base);
    CHECK(gateNames(f.result.gauntlet) == std::vector<std::string>{"check:ok", "clippy:ok", "test:ok", "e2e:ok"});
  }
}

TEST_CASE("cascade_finish: a hanging e2e gate is killed at its deadline with what it started", "[mechanic][cargo][e2e]") {
  TinyWorkspace ws("e2e-hang");
  const fs::path pidFile = ws.root.parent_path() / ("flywheel-e2e-hang-" + std::to_string(::getpid()) + ".pid");
  fs::remove(pidFile);
  // Both the shell and its child ignore SIGTERM: only the group's SIGKILL ends them.
  const int deadline = 20;
  auto spec = rewriteAlpha("pub fn answer() -> i32 {\n    42\n}\n",
                           "trap '' TERM; sleep 300 & echo $! > " + pidFile.string() + "; echo waiting; wait",
                           deadline);
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  const auto t0 = std::chrono::steady_clock::now();
  auto fin = (*m)->cascadeFinish(st->epoch, {});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(fin);
  INFO(fin->message);
  CHECK_FALSE(fin->landed);
  CHECK(git(ws.root, {"rev-parse", "HEAD"}) == st->baseCommit);
  REQUIRE(fin->gauntlet.gates.back().gate == "e2e");
  const GateResult& e2e = fin->gauntlet.gates.back();
  CHECK(e2e.note.find("exceeded its deadline (20 s) and was stopped") != std::string::npos);
  CHECK(e2e.note.find("waiting") != std::string::npos);
  CHECK(e2e.seconds < deadline + 10);
  CHECK(seconds < 3 * deadline);
  // The sleep it started is gone too (once init has reaped the orphan).
  const int pid = std::stoi(readText(pidFile));
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = ::kill(pid, 0) == -1 && errno == ESRCH;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(gone);
  // cascade_status keeps the verdict; the epoch is open again for another finish or an abort.
  auto status = (*m)->cascadeStatus(st->epoch);
  REQUIRE(status);
  CHECK(status->state == "open");
  CHECK(status->gates == std::vector<std::string>{"check", "clippy", "test", "e2e"});
  CHECK(status->e2e.state == "failed");
  CHECK(status->e2e.note.find("exceeded its deadline") != std::string::npos);
  REQUIRE((*m)->cascadeAbort(st->epoch));
  fs::remove(pidFile);
}
