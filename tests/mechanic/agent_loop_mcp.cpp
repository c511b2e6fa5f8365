// The repair loop as an agent lives it, through a real MCP server (in-memory
// client) on a universe that is not the shop (ledger_universe.h): every
// answer's text alone must carry what the next correct call needs.
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>

#include "ledger_universe.h"
#include "mechanic/gauntlet.h"
#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

using namespace flywheel;
using namespace flywheel::mechanic::testing;
using nlohmann::json;

namespace {

struct AgentServer : flywheel::testing::ToolTestServer {
  LedgerUniverse u;
  explicit AgentServer(const std::string& name, int maxCycles = 6) : u(name, maxCycles) {
    ::setenv("FLYWHEEL_KB_EMBEDDER", "hashing", 1);
    const fs::path root = fs::canonical(u.root);
    const auto& services = servicesOf(root);
    Result<void> r = tools::registerMechanicTools(server, services);
    if (r) r = tools::registerGraphTools(server, services);
    if (r) r = tools::registerKbTools(server, services);
    start(r);
  }
  ~AgentServer() { stop(); }

  /// tools/call with a deadline for cargo-sized work (the base class waits
  /// 10 s); a successful result is checked against the tool's outputSchema.
  json call(const std::string& name, const json& args) { return ToolTestServer::call(name, args, std::chrono::minutes(5)); }
  json ok(const std::string& name, const json& args) { return ToolTestServer::ok(name, args, std::chrono::minutes(5)); }

  /// The text content of a tools/call result (what a text-only client shows the model).
  static std::string text(const json& result) { return result["content"][0]["text"].get<std::string>(); }
  bool contains(const json& result, const std::string& what) { return text(result).find(what) != std::string::npos; }
};

}  // namespace

TEST_CASE("agent loop: each answer's text carries what the next call needs", "[agent][cargo]") {
  AgentServer s("loop");
  s.u.changeAccountId();

  auto start = s.call("cascade_start", json::object());
  INFO(AgentServer::text(start));
  REQUIRE_FALSE(start.value("isError", false));
  const auto epoch = start["structuredContent"]["epoch"].get<std::int64_t>();

  // ---- ledger: its own compile errors, in the text.
  auto open = s.call("repair_open", {{"epoch", epoch}, {"service", "ledger"}});
  INFO(AgentServer::text(open));
  REQUIRE_FALSE(open.value("isError", false));
  const std::string ledger = open["structuredContent"]["sandbox"];
  CHECK(s.contains(open, "services/ledger/src/custom.rs:8:"));  // item 3: file:line:col, code, message
  CHECK(s.contains(open, "error[E0"));
  s.ok("repair_plan", {{"sandbox", ledger}, {"strategy", "parse the String id, add one, format it back"}});
  auto fix = s.call("repair_edit", {{"sandbox", ledger},
                                    {"path", "services/ledger/src/custom.rs"},
                                    {"oldText", "id: a.id + 1,"},
                                    {"newText", "id: (a.id.parse::<i64>().unwrap_or(0) + 1).to_string(),"}});
  INFO(AgentServer::text(fix));
  CHECK_FALSE(fix.value("isError", false));
  // item 6: the test module is compiled too: its `id: 1` is still an error.
  CHECK(s.contains(fix, "errors 2 -> 1"));
  // item 6: an edit that breaks only test code is rolled back, not applied as "0 -> 0".
  auto testBreak = s.call("repair_edit", {{"sandbox", ledger},
                                          {"path", "services/ledger/src/custom.rs"},
                                          {"oldText", ".owner, \"ann\");"},
                                          {"newText", ".owner, 42u8);"}});
  INFO(AgentServer::text(testBreak));
  CHECK(testBreak.value("isError", false));
  CHECK(s.contains(testBreak, "not applied"));
  auto testFix = s.call("repair_edit", {{"sandbox", ledger},
                                        {"path", "services/ledger/src/custom.rs"},
                                        {"oldText", "Account { id: 1, owner }"},
                                        {"newText", "Account { id: \"1\".to_string(), owner }"}});
  INFO(AgentServer::text(testFix));
  CHECK_FALSE(testFix.value("isError", false));
  auto green = s.call("repair_validate", {{"sandbox", ledger}});
  INFO(AgentServer::text(green));
  REQUIRE(green["structuredContent"]["gauntlet"]["green"] == true);
  auto committed = s.call("repair_commit", {{"sandbox", ledger}});
  INFO(AgentServer::text(committed));
  CHECK(s.contains(committed, "remembered in the knowledge base"));

  // ---- report: it failed only because ledger did not compile; opening it
  // now re-checks and hands back its own error (item 2), in the text (item 3).
  auto open2 = s.call("repair_open", {{"epoch", epoch}, {"service", "report"}});
  INFO(AgentServer::text(open2));
  REQUIRE_FALSE(open2.value("isError", false));
  const std::string report = open2["structuredContent"]["sandbox"];
  CHECK_FALSE(open2["structuredContent"]["diagnostics"].empty());
  CHECK(s.contains(open2, "services/report/src/custom.rs:15:"));
  CHECK(open2["structuredContent"]["status"]["cycles"] == 0);  // the re-check is free
  s.ok("repair_plan", {{"sandbox", report}, {"strategy", "the opening line's account id is a String now"}});

  // item 5: a refused edit is free and says so.
  auto refused = s.call("repair_edit", {{"sandbox", report},
                                        {"path", "services/report/src/custom.rs"},
                                        {"old_text", "pub fn account_key(id: &AccountId)"},
                                        {"new_text", "pub fn account_key(id: &str)"}});
  INFO(AgentServer::text(refused));
  CHECK(refused.value("isError", false));
  CHECK(s.contains(refused, "survival-patching"));
  CHECK(s.contains(refused, "This refusal is free: 0 of 6 repair cycles used"));
  CHECK_FALSE(s.contains(refused, "repair_edit: repair_edit"));  // item 9: one prefix
  // item 10: the old snake_case names still work, with a deprecation note.
  CHECK(s.contains(refused, "deprecated argument name(s): new_text (use newText), old_text (use oldText)"));

  auto fix2 = s.call("repair_edit", {{"sandbox", report},
                                     {"path", "services/report/src/custom.rs"},
                                     {"oldText", "id: 7,"},
                                     {"newText", "id: \"7\".to_string(),"}});
  INFO(AgentServer::text(fix2));
  CHECK(fix2["structuredContent"]["cycles"] == 1);
  CHECK(s.contains(fix2, "errors 1 -> 0"));

  // item 1: the code compiles but changed meaning; the failing test says how.
  auto red = s.call("repair_validate", {{"sandbox", report}});
  INFO(AgentServer::text(red));
  const json& gates = red["structuredContent"]["gauntlet"]["gates"];
  REQUIRE(gates.size() == 3);
  REQUIRE(gates[2]["failures"].size() == 1);
  CHECK(gates[2]["failures"][0]["left"] == "\"7       \"");
  CHECK(gates[2]["failures"][0]["right"] == "\"00000007\"");
  CHECK(gates[2]["failures"][0]["file"] == "services/report/src/custom.rs");
  CHECK(s.contains(red, "services/report/src/custom.rs:28:"));
  CHECK(s.contains(red, "left: \"7       \""));
  CHECK(s.contains(red, "right: \"00000007\""));
  CHECK(s.contains(red, "4 repair cycle(s) left"));

  auto fix3 = s.call("repair_edit", {{"sandbox", report},
                                     {"path", "services/report/src/custom.rs"},
                                     {"oldText", "{:08}"},
                                     {"newText", "{:0>8}"}});
  INFO(AgentServer::text(fix3));
  CHECK_FALSE(fix3.value("isError", false));
  const auto v0 = std::chrono::steady_clock::now();
  auto green2 = s.call("repair_validate", {{"sandbox", report}});
  const double validateSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - v0).count();
  INFO(AgentServer::text(green2));
  REQUIRE(green2["structuredContent"]["gauntlet"]["green"] == true);
  s.ok("repair_commit", {{"sandbox", report}});

  const auto f0 = std::chrono::steady_clock::now();
  auto finish = s.call("cascade_finish", {{"epoch", epoch}});
  const double finishSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - f0).count();
  INFO(AgentServer::text(finish));
  REQUIRE(finish["structuredContent"]["landed"] == true);

  // item 2: after a successful finish no service is listed as broken.
  auto status = s.ok("cascade_status", {{"epoch", epoch}});
  for (const auto& q : status["queue"]) {
    INFO(q.dump());
    CHECK(q["status"] != "broken");
  }
  // item 9: the repairs are authored by the repository's user; flywheel commits them.
  CHECK(git(s.u.root, {"log", "-1", "--format=%an <%ae>", "HEAD"}) == "Ada Lovelace <ada@example.org>");
  CHECK(git(s.u.root, {"log", "-1", "--format=%cn", "HEAD"}) == "flywheel");

  // item 8: the repairs and the cascade are remembered as they happen.
  auto byCode = s.call("kb_search", {{"query", "E0308"}, {"services", {"report"}}});
  INFO(AgentServer::text(byCode));
  CHECK(s.contains(byCode, "Repair of report (committed)"));
  auto bySymbol = s.call("kb_search", {{"query", "AccountId"}, {"kinds", {"repair"}}});
  INFO(AgentServer::text(bySymbol));
  CHECK(bySymbol["structuredContent"]["hits"].size() == 2);
  auto byService = s.call("kb_search", {{"query", "ledger"}, {"kinds", {"cascade"}}});
  INFO(AgentServer::text(byService));
  CHECK(s.contains(byService, "Cascade epoch " + std::to_string(epoch) + " landed on refs/heads/main"));

  // Measure: the same gates in place, in a warm workspace (the landed tree,
  // second run), against repair_validate and cascade_finish above.
  flywheel::mechanic::GauntletSpec inPlace{.workspaceDir = s.u.root, .packages = {"report"},
                                          .targetDir = sharedTargetDir("ledger-in-place")};
  REQUIRE(flywheel::mechanic::runGauntlet(inPlace));  // warms the target dir
  // As after an edit: the crate's own source changed since the last build.
  const fs::path reportSrc = s.u.root / "services/report/src/custom.rs";
  writeText(reportSrc, readText(reportSrc) + "// touched\n");
  auto warm = flywheel::mechanic::runGauntlet(inPlace);
  flywheel::mechanic::GauntletSpec ws{.workspaceDir = s.u.root, .targetDir = sharedTargetDir("ledger-in-place"),
                                     .gates = {"test"}};
  REQUIRE(flywheel::mechanic::runGauntlet(ws));  // warms the test binaries
  const fs::path ledgerSrc = s.u.root / "services/ledger/src/custom.rs";
  writeText(ledgerSrc, readText(ledgerSrc) + "// touched\n");
  auto warmTest = flywheel::mechanic::runGauntlet(ws);
  if (warm && warmTest)
    std::cout << "measure: repair_validate " << validateSeconds << " s vs the same gates in place (warm) "
              << warm->seconds << " s; cascade_finish " << finishSeconds << " s vs warm cargo test --workspace "
              << warmTest->seconds << " s\n";

  git(s.u.root, {"checkout", "--", "."});

  // item 4: after the landing, the default compares the commits since it.
  auto since = s.call("intent_diff", json::object());
  INFO(AgentServer::text(since));
  CHECK(s.contains(since, "nothing committed since the last landed cascade"));
  CHECK(since["structuredContent"]["changeCount"] == 0);
}

TEST_CASE("agent loop: a committed intent change is what every tool compares by default", "[agent]") {
  AgentServer s("revisions");
  s.u.changeAccountId();
  s.u.commitAll("ledger: AccountId is a String");  // a human commits the intent change
  for (std::string tool : {"intent_diff", "blast_radius", "cascade_plan"}) {
    auto r = s.call(tool, json::object());
    INFO(tool << ": " << AgentServer::text(r));
    REQUIRE_FALSE(r.value("isError", false));
    CHECK(s.contains(r, "comparing HEAD~1..HEAD (the last commit)"));
    CHECK(r["structuredContent"]["comparing"] == "comparing HEAD~1..HEAD (the last commit)");
    if (tool == "intent_diff") CHECK(r["structuredContent"]["changeCount"] == 1);
    else CHECK(r["structuredContent"]["serviceCount"] == 2);
  }
  // An uncommitted edit on top is what they compare then.
  writeText(s.u.root / "services/report/intent.lisp",
            readText(s.u.root / "services/report/intent.lisp") + ";; a comment\n");
  auto r = s.call("intent_diff", json::object());
  CHECK(s.contains(r, "comparing HEAD..worktree (uncommitted intent changes in the working tree)"));
}
