// Scenario B over MCP (in-memory client, real server with every tool group,
// real git, real cargo) on a copy of examples/shop: a human adds business
// intent, Forge stamps it, and the change lands through a cascade.
//
//   round 1  a new rule in billing's domain engine: intent_diff and
//            blast_radius name the rule; the queue's E0046 carries the
//            required signature and the intent form with its doc; one edit
//            implements it, the cascade lands and `stamp` writes nothing.
//   round 2  a compatible change, (type Note (field text String)) in user:
//            cascade_start opens a cascade with nothing broken,
//            cascade_finish lands it with no agent, and it is stamp-clean
//            too (dependents' generated.rs headers were stamped with it).
//            A daemon loop on the same services (cli/services.h) sees the
//            agent's cascade_start preempt the cascade it started.
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <mutex>

#include "fixture.h"
#include "forge/template_set.h"
#include "mechanic/intent_cascade.h"
#include "mechanic/mechanic.h"
#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

using nlohmann::json;
using namespace flywheel::mechanic::testing;
using Clock = std::chrono::steady_clock;
using flywheel::Result;

namespace {

struct ShopServer : flywheel::testing::ToolTestServer {
  fs::path root;
  ShopServer() {
    root = copyShopRepo("flywheel-every-change");
    root = fs::canonical(root);
    const auto& services = servicesOf(root);
    Result<void> r = flywheel::tools::registerGraphTools(server, services);
    if (r) r = flywheel::tools::registerMechanicTools(server, services);
    if (r) r = flywheel::tools::registerForgeTools(server, services);
    start(r);
  }
  ~ShopServer() {
    stop();
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  /// tools/call with cargo's time (the base class waits 10 s); requires
  /// success and checks the result against the tool's outputSchema.
  json okSlow(const std::string& name, const json& args) { return ok(name, args, std::chrono::minutes(10)); }
  void edit(const std::string& rel, const std::string& anchor, const std::string& insertAfter) {
    std::string text = readText(root / rel);
    auto at = text.find(anchor);
    REQUIRE(at != std::string::npos);
    text.insert(at + anchor.size(), insertAfter);
    writeText(root / rel, text);
  }
  /// What `flywheel stamp` would write now (a dry run): nothing, after a landed cascade.
  std::vector<std::string> stampWouldWrite() {
    json st = ok("stamp", {{"dryRun", true}});
    std::vector<std::string> out;
    for (const auto& f : st["files"]) out.push_back(f["path"].get<std::string>() + " " + f["status"].get<std::string>());
    return out;
  }
};

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

TEST_CASE("every intent change lands through a cascade; the queue says what to implement", "[mcp][cargo][shop]") {
  ShopServer s;

  // Round 1: a new rule in billing's domain engine.
  s.edit("services/billing/intent.lisp", "(rule loyalty \"vip customers get ten percent off\")",
         "\n    (rule bulk-discount \"orders of ten or more lines get five percent off\")");
  git(s.root, {"commit", "-q", "-am", "billing: bulk discount"});
  const std::string beforeRule = git(s.root, {"rev-parse", "HEAD"});

  json diff = s.call("intent_diff", {{"from", "HEAD~1"}, {"to", "HEAD"}});
  std::string diffText = diff["content"][0]["text"];
  CHECK(diffText.find("rule bulk-discount added to billing/pricing, breaking") != std::string::npos);
  CHECK(diffText.find("(domain-engine") == std::string::npos);  // no whole forms
  json blast = s.call("blast_radius", {{"from", "HEAD~1"}, {"to", "HEAD"}, {"includeSymbols", true}});
  std::string blastText = blast["content"][0]["text"];
  INFO(blastText);
  REQUIRE(blast["structuredContent"]["symbols"].size() == blast["structuredContent"]["symbolCount"]);
  for (const auto& sym : blast["structuredContent"]["symbols"]) {
    const std::string reason = sym.value("reason", "");
    CHECK(reason.find("billing/pricing (rule bulk-discount added)") != std::string::npos);
    CHECK(blastText.find(reason) != std::string::npos);  // the text gives every symbol its reason
  }

  auto tRule = Clock::now();
  json start = s.okSlow("cascade_start", json::object());
  INFO(start.dump(1));
  json billing;
  for (const auto& q : start["queue"])
    if (q["service"] == "billing") billing = q;
  REQUIRE(billing.is_object());
  CHECK(billing["status"] == "broken");
  json missing;
  for (const auto& d : billing["diagnostics"])
    if (d["code"] == "E0046") missing = d;
  REQUIRE(missing.is_object());
  CHECK(missing["message"].get<std::string>().find("bulk_discount") != std::string::npos);
  const std::string required = missing.value("required", "");
  CHECK(required.find("fn bulk_discount(") != std::string::npos);
  CHECK(required.find("five percent off") != std::string::npos);
  CHECK(missing.value("intent", "") ==
        "billing/pricing: (rule bulk-discount \"orders of ten or more lines get five percent off\")");
  bool stub = false;
  for (const auto& x : missing["suggestions"])
    stub = stub || x["replacement"].get<std::string>().find("fn bulk_discount") != std::string::npos;
  CHECK(stub);

  // The agent implements what it was told, in the existing impl.
  json open = s.okSlow("repair_open", {{"epoch", start["epoch"]}, {"service", "billing"}});
  const std::string sb = open["sandbox"];
  s.ok("repair_plan", {{"sandbox", sb}, {"strategy", "implement bulk_discount in ShopPricing"}});
  json edit = s.okSlow("repair_edit",
                   {{"sandbox", sb},
                    {"path", "services/billing/src/custom.rs"},
                    {"old_text", "    fn loyalty(&self, input: &Order, output: &mut Invoice) -> Result<(), String> {\n"},
                    {"new_text",
                     "    fn bulk_discount(&self, input: &Order, output: &mut Invoice) -> Result<(), String> {\n"
                     "        if input.lines.len() >= 10 {\n"
                     "            output.total_cents -= output.total_cents / 20;\n"
                     "        }\n"
                     "        Ok(())\n"
                     "    }\n"
                     "    fn loyalty(&self, input: &Order, output: &mut Invoice) -> Result<(), String> {\n"}});
  CHECK(edit["applied"] == true);
  json v = s.okSlow("repair_validate", {{"sandbox", sb}});
  REQUIRE(v["gauntlet"]["green"] == true);
  s.okSlow("repair_commit", {{"sandbox", sb}});
  json fin = s.okSlow("cascade_finish", {{"epoch", start["epoch"]}});
  CHECK(fin["landed"] == true);
  std::cerr << "measured: new rule (billing/pricing) from cascade_start through one repair to a landed cascade_finish: "
            << since(tRule) << " s\n";
  CHECK(git(s.root, {"rev-parse", "HEAD"}) != beforeRule);
  CHECK(git(s.root, {"status", "--porcelain"}).empty());
  CHECK(s.stampWouldWrite().empty());

  // Round 2: a compatible change lands with no agent.
  s.edit("services/user/intent.lisp", "(enum Tier free vip)", "\n  (type Note (field text String))");
  git(s.root, {"commit", "-q", "-am", "user: a Note type"});
  const std::string beforeNote = git(s.root, {"rev-parse", "HEAD"});

  // A daemon loop beside the tool groups, on the same services: it watches
  // the one mechanic and starts a cascade through the same policy
  // cascade_start uses; the agent's cascade_start then preempts it. With a
  // mechanic of its own (the old wiring) the daemon would see nothing.
  struct Watch : flywheel::mechanic::MechanicObserver {
    std::vector<std::string> seen;
    std::mutex mu;
    void epochOpened(const flywheel::mechanic::CascadeStatus& st) override {
      std::lock_guard lock(mu);
      seen.push_back("opened " + std::to_string(st.epoch));
    }
    void epochSuperseded(std::int64_t e, std::int64_t by) override {
      std::lock_guard lock(mu);
      seen.push_back("superseded " + std::to_string(e) + " by " + std::to_string(by));
    }
  };
  auto watch = std::make_shared<Watch>();
  auto daemonMechanic = s.services->mechanic->get();
  REQUIRE(daemonMechanic);
  (*daemonMechanic)->addObserver(watch);
  auto daemonEpoch = flywheel::mechanic::startIntentCascade(**daemonMechanic, std::nullopt, std::nullopt,
                                                             flywheel::forge::TemplateSet::rustDir(FLYWHEEL_SOURCE_DIR), {});
  REQUIRE(daemonEpoch);

  auto tNote = Clock::now();
  start = s.okSlow("cascade_start", json::object());
  INFO(start.dump(1));
  const std::string d = std::to_string(daemonEpoch->status.epoch), a = std::to_string(start["epoch"].get<int>());
  CHECK(watch->seen == std::vector<std::string>{"opened " + d, "superseded " + d + " by " + a, "opened " + a});
  CHECK(start["preempted"] == json::array({daemonEpoch->status.epoch}));
  (*daemonMechanic)->removeObserver(watch.get());
  CHECK(start["changes"] == json::array({"user/Note: type added, compatible"}));
  REQUIRE(start["queue"].size() >= 1);
  for (const auto& q : start["queue"]) CHECK(q["status"] == "green");
  CHECK(start["queue"][0]["service"] == "user");
  fin = s.okSlow("cascade_finish", {{"epoch", start["epoch"]}});
  CHECK(fin["landed"] == true);
  std::cerr << "measured: compatible change (user/Note) from cascade_start to a landed cascade_finish: " << since(tNote)
            << " s (start " << start["seconds"] << " s, finish gauntlet " << fin["gauntlet"]["seconds"] << " s)\n";
  CHECK(git(s.root, {"rev-parse", "HEAD"}) != beforeNote);
  CHECK(git(s.root, {"status", "--porcelain"}).empty());
  CHECK(readText(s.root / "services/user/src/generated.rs").find("pub struct Note") != std::string::npos);
  // Dependents' headers record user's new input hash: the cascade stamped them too.
  CHECK(git(s.root, {"diff", "--name-only", beforeNote, "HEAD", "--", "services/billing/src/generated.rs"}) ==
        "services/billing/src/generated.rs");
  CHECK(s.stampWouldWrite().empty());
}
