// The drift tools over MCP: a real server with the drift group, an in-memory
// client, a copy of the shop. A .rs edit reaches flywheel://drift subscribers.
#include <catch2/catch.hpp>

#include <thread>

#include "drift_fixture.h"
#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

using nlohmann::json;
using namespace flywheel::drift::testing;

namespace {

struct DriftServer : flywheel::testing::ToolTestServer {
  ShopCopy shop;
  DriftServer() {
    shop.replace("universe.lisp", "(sentinel-interval 30)", "(sentinel-interval 1)");
    start(flywheel::tools::registerDriftTools(server, servicesOf(shop.dir)));
  }
  ~DriftServer() { stop(); }
};

}  // namespace

TEST_CASE("drift_report over MCP: clean shop, then a todo!() reaches flywheel://drift subscribers") {
  DriftServer s;
  json clean = s.ok("drift_report", json::object());
  CHECK(clean["total"] == 0);
  CHECK(clean["services"] == 5);
  CHECK(clean["findings"].empty());

  REQUIRE(s.client->call("resources/subscribe", {{"uri", "flywheel://drift"}}));
  auto from = s.client->received().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  s.shop.replace("services/auth/src/custom.rs",
                 "        Ok(self\n            .sessions\n            .get(&input)\n            .filter(|s| s.expires_at > self.now)\n            .cloned())",
                 "        todo!()");
  auto note = s.client->waitFor(
      [](const json& m) {
        return m.value("method", "") == "notifications/resources/updated" && m["params"]["uri"] == "flywheel://drift";
      },
      std::chrono::seconds(10));
  REQUIRE(note);
  (void)from;

  json res = *s.client->call("resources/read", {{"uri", "flywheel://drift"}});
  json body = json::parse(res["result"]["contents"][0]["text"].get<std::string>());
  CHECK(body["total"] == 1);
  CHECK(body["counts"]["ImplementationGap"] == 1);

  json gap = s.ok("drift_report", {{"kind", "ImplementationGap"}});
  REQUIRE(gap["findings"].size() == 1);
  CHECK(gap["findings"][0]["subject"] == "auth/validate-session");
  CHECK(gap["findings"][0]["severity"] == "critical");
  CHECK(gap["findings"][0]["file"] == "services/auth/src/custom.rs");

  // Paging: one finding per page.
  s.shop.replace("services/user/intent.lisp", "  (enum Tier free vip)", "  (enum Tier free vip)\n  (type Legacy (field id i32))");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  json first = s.ok("drift_report", {{"limit", 1}});
  CHECK(first["total"] == 2);
  REQUIRE(first.contains("nextCursor"));
  json second = s.ok("drift_report", {{"limit", 1}, {"cursor", first["nextCursor"]}});
  CHECK(second["findings"][0]["subject"] == "user/Legacy");
  CHECK_FALSE(second.contains("nextCursor"));

  CHECK(s.error("drift_report", {{"services", {"nobody"}}}).find("no service 'nobody'") != std::string::npos);
}

TEST_CASE("intent_draft over MCP returns a draft and writes only intent.draft.lisp") {
  DriftServer s;
  std::string before = s.shop.read("services/user/intent.lisp");
  json d = s.ok("intent_draft", {{"service", "user"}, {"write", true}});
  CHECK(d["written"] == "services/user/intent.draft.lisp");
  CHECK(d["text"].get<std::string>().find("(type UserProfile (field id i32) (field display-name String) (field email Email) (field tier Tier))") !=
        std::string::npos);
  CHECK(s.shop.read("services/user/intent.draft.lisp") == d["text"]);
  CHECK(s.shop.read("services/user/intent.lisp") == before);
  CHECK(s.error("intent_draft", {{"service", "ledgr"}}).find("no Rust crate at services/ledgr/src") != std::string::npos);
}
