// The board tools through a real MCP server (in-memory transport): schemas,
// examples, a plan-to-completion walk, and refusals an agent can act on.
#include "tests/board/board_fixture.h"

#include <fstream>

#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

#include "tools/tool_groups.h"

using namespace flywheel;
using nlohmann::json;

namespace {

struct BoardServer : flywheel::testing::ToolTestServer {
  std::filesystem::path dir = board::test::freshDir("tools");

  BoardServer() { start(tools::registerBoardTools(server, servicesOf(dir))); }
  ~BoardServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("every board tool lists its schemas, and every schema example parses", "[board][tools]") {
  BoardServer s;
  for (int i = 0; i < 4; ++i) s.ok("task_create", {{"title", "seed " + std::to_string(i)}});
  for (std::string name : {"task_create", "task_link", "task_ready", "task_claim", "task_update", "task_graph"}) {
    std::ifstream in(std::filesystem::path(FLYWHEEL_SOURCE_DIR) / "schemas" / "tools" / (name + ".json"));
    json schema = json::parse(in);
    CHECK(schema["name"] == name);
    REQUIRE(!schema["examples"].empty());
    for (auto& ex : schema["examples"]) {
      auto r = s.call(name, ex["arguments"]);
      std::string text = r["content"][0]["text"];
      INFO(name << " example " << ex.dump() << " -> " << text);
      // A domain refusal is fine (e.g. t4 not held); an argument error is not.
      CHECK(text.find("invalid arguments") == std::string::npos);
      CHECK(text.find("expected ") == std::string::npos);
      CHECK(text.find("missing required") == std::string::npos);
    }
  }
}

TEST_CASE("an agent walks a plan from materialisation to completion", "[board][tools]") {
  BoardServer s;
  // The steps exactly as cascade_plan returns them.
  json plan = {{"epoch", 1},
               {"steps", {{{"service", "catalog"}, {"wave", 1}, {"distance", 0}, {"after", json::array()},
                           {"governance", "survival-patching"}, {"blocked", false}, {"status", "ready"}},
                          {{"service", "orders"}, {"wave", 2}, {"distance", 1}, {"after", {"catalog"}},
                           {"governance", "survival-patching"}, {"blocked", false}, {"status", "ready"}},
                          {{"service", "ledger"}, {"wave", 2}, {"distance", 1}, {"after", {"catalog"}},
                           {"governance", "newborn"}, {"blocked", true}, {"status", "blocked: needs a human"},
                           {"reason", "blocked: needs a human (governance newborn)"}}}}};
  auto made = s.ok("task_create", {{"plan", plan}});
  CHECK(made["edges"] == 2);
  REQUIRE(made["tasks"].size() == 3);
  std::string catalog = made["tasks"][0]["id"], orders = made["tasks"][1]["id"];

  auto ready = s.ok("task_ready", json::object());
  REQUIRE(ready["tasks"].size() == 1);
  CHECK(ready["tasks"][0]["id"] == catalog);
  CHECK(ready["slots"]["background"]["total"] == 3);

  auto claim = s.ok("task_claim", {{"agent", "bg-1"}, {"leaseSeconds", 120}});
  CHECK(claim["task"]["id"] == catalog);
  CHECK(claim["task"]["status"] == "in_progress");
  auto held = s.ok("task_ready", json::object());
  CHECK(held["tasks"].empty());
  CHECK(held["slots"]["background"]["holders"][0]["agent"] == "bg-1");

  CHECK(s.error("task_update", {{"id", catalog}, {"agent", "bg-2"}, {"action", "complete"}}).find("held by bg-1") !=
        std::string::npos);
  s.ok("task_update", {{"id", catalog}, {"agent", "bg-1"}, {"action", "renew"}, {"leaseSeconds", 300}});
  auto done = s.ok("task_update", {{"id", catalog}, {"agent", "bg-1"}, {"action", "complete"}, {"note", "fixed"}});
  CHECK(done["task"]["status"] == "done");
  CHECK(done["task"]["note"] == "fixed");
  CHECK(s.error("task_update", {{"id", catalog}, {"agent", "bg-2"}, {"action", "complete"}}).find("already done") !=
        std::string::npos);
  CHECK(s.error("task_update", {{"id", catalog}, {"agent", "bg-2"}, {"action", "status"}, {"status", "open"}})
            .find("explicit reopen") != std::string::npos);
  auto next = s.ok("task_ready", json::object());
  REQUIRE(next["tasks"].size() == 1);
  CHECK(next["tasks"][0]["id"] == orders);

  auto graph = s.call("task_graph", json::object());
  std::string mermaid = graph["structuredContent"]["mermaid"];
  CHECK(mermaid.find(catalog + " --> " + orders) != std::string::npos);
  CHECK(graph["content"][0]["text"] == mermaid);
  CHECK(mermaid.find(made["tasks"][2]["id"].get<std::string>() + ": repair ledger (epoch 1)<br/>blocked") !=
        std::string::npos);
}

TEST_CASE("board tool refusals say what failed and what to do", "[board][tools]") {
  BoardServer s;
  auto a = s.ok("task_create", {{"title", "a"}})["task"]["id"].get<std::string>();
  auto b = s.ok("task_create", {{"title", "b"}, {"blockedBy", {a}}})["task"];
  CHECK(b["unfinishedBlockers"] == 1);
  std::string bid = b["id"];
  CHECK(s.error("task_link", {{"from", bid}, {"to", a}}).find("cycle") != std::string::npos);
  CHECK(s.error("task_create", {{"title", "x"}, {"blockedBy", {"t999"}}}).find("no task t999") != std::string::npos);
  CHECK(s.error("task_create", json::object()).find("exactly one") != std::string::npos);
  CHECK(s.error("task_ready", {{"limit", "ten"}}).find("limit") != std::string::npos);
  CHECK(s.error("task_update", {{"id", a}, {"agent", "x"}, {"action", "status"}}).find("status") != std::string::npos);

  s.ok("task_create", {{"title", "c"}});
  s.ok("task_claim", {{"agent", "fg"}, {"slot", "foreground"}});
  auto refused = s.error("task_claim", {{"agent", "fg2"}, {"slot", "foreground"}});
  CHECK(refused.find("slot(s) are held: fg on " + a) != std::string::npos);
}
