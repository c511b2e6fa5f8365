// The mechanic's observers (mechanic/observer.h) and its error codes: what a
// daemon watching the mechanic sees, and what it can branch on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "fixture.h"
#include "mechanic/mechanic.h"

using namespace flywheel;
using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

struct Recorder : MechanicObserver {
  std::mutex mu;
  std::vector<std::string> events;
  int gateSteps = 0;
  void add(std::string e) {
    std::lock_guard lock(mu);
    events.push_back(std::move(e));
  }
  void epochOpened(const CascadeStatus& s) override { add("opened " + std::to_string(s.epoch)); }
  void epochSuperseded(std::int64_t e, std::int64_t by) override {
    add("superseded " + std::to_string(e) + " by " + std::to_string(by));
  }
  void epochLanded(const CascadeStatus& s, const FinishResult& f) override {
    add("landed " + std::to_string(s.epoch) + (f.landed ? " yes" : " no"));
  }
  void epochAborted(std::int64_t e) override { add("aborted " + std::to_string(e)); }
  void sandboxHalted(const SandboxStatus& s, std::int64_t e) override {
    add("halted " + s.service + " in " + std::to_string(e));
  }
  void sandboxCommitted(const SandboxStatus& s, std::int64_t e, const CommitResult&) override {
    add("committed " + s.service + " in " + std::to_string(e));
  }
  void gateProgress(const GateProgress&) override {
    std::lock_guard lock(mu);
    ++gateSteps;
  }
  bool saw(const std::string& e) {
    std::lock_guard lock(mu);
    return std::find(events.begin(), events.end(), e) != events.end();
  }
};

CascadeStartSpec greenSpec(int maxCycles = 5) {
  CascadeStartSpec s;
  s.services = {{"alpha", "alpha", "alpha", "survival-patching", 0}, {"beta", "beta", "beta", "survival-patching", 1}};
  s.config.gates = {"check"};
  s.config.maxRepairCycles = maxCycles;
  s.intentChange = "nothing breaks";
  return s;
}

}  // namespace

TEST_CASE("an observer sees an epoch open, be superseded, and a newer one land", "[mechanic][cargo][observer]") {
  TinyWorkspace ws("observer");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto seen = std::make_shared<Recorder>();
  (*m)->addObserver(seen);
  auto first = (*m)->cascadeStart(greenSpec(), {});
  REQUIRE(first);
  auto sb = (*m)->repairOpen(first->epoch, "beta");
  REQUIRE(sb);
  auto second = (*m)->cascadeStart(greenSpec(), {});
  REQUIRE(second);
  const auto e1 = std::to_string(first->epoch), e2 = std::to_string(second->epoch);
  CHECK(seen->saw("opened " + e1));
  CHECK(seen->saw("superseded " + e1 + " by " + e2));
  CHECK(seen->saw("opened " + e2));
  CHECK(seen->gateSteps > 0);  // cascade_start reported its checks

  // The old epoch's sandbox refuses with a code a daemon can branch on.
  auto refused = (*m)->repairView(sb->status.id, {.path = "beta/src/lib.rs"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "superseded");

  auto landed = (*m)->cascadeFinish(second->epoch, {});
  REQUIRE(landed);
  REQUIRE(landed->landed);
  CHECK(seen->saw("landed " + e2 + " yes"));

  // A removed observer hears nothing more.
  (*m)->removeObserver(seen.get());
  const size_t before = seen->events.size();
  auto third = (*m)->cascadeStart(greenSpec(), {});
  REQUIRE(third);
  REQUIRE((*m)->cascadeAbort(third->epoch));
  CHECK(seen->events.size() == before);
}

TEST_CASE("a Hard Halt is an event and a distinct error code", "[mechanic][cargo][observer]") {
  TinyWorkspace ws("observer-halt");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto seen = std::make_shared<Recorder>();
  (*m)->addObserver(seen);
  auto st = (*m)->cascadeStart(greenSpec(1), {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  REQUIRE((*m)->repairValidate(sb->status.id, {}));  // the one cycle
  auto again = (*m)->repairValidate(sb->status.id, {});
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "halted");
  CHECK(seen->saw("halted beta in " + std::to_string(st->epoch)));
  auto view = (*m)->repairView(sb->status.id, {.path = "beta/src/lib.rs"});
  REQUIRE_FALSE(view);
  CHECK(view.error().code == "halted");
}

TEST_CASE("the cascade's gate deadline stops a gate that runs too long", "[mechanic][cargo]") {
  TinyWorkspace ws("gate-deadline");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto spec = greenSpec();
  spec.config.gates = {"test"};
  spec.config.gateDeadlineSeconds = 40;  // room to compile; far less than the test's sleep
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  REQUIRE((*m)->repairPlan(sb->status.id, "add a slow test"));
  auto edit = (*m)->repairEdit(sb->status.id, "beta/src/lib.rs", {.startLine = 4, .endLine = 3,
      .newText = "#[cfg(test)]\nmod tests {\n    #[test]\n    fn slow() {\n"
                 "        std::thread::sleep(std::time::Duration::from_secs(600));\n    }\n}"}, {});
  REQUIRE(edit);
  const auto t0 = std::chrono::steady_clock::now();
  auto val = (*m)->repairValidate(sb->status.id, {});
  REQUIRE(val);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120));
  REQUIRE_FALSE(val->gauntlet.green);
  REQUIRE_FALSE(val->gauntlet.gates.empty());
  CHECK(val->gauntlet.gates.back().note == "test exceeded its deadline and was stopped");
  CHECK(flywheel::runningChildren() == 0);
}
