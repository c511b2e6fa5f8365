// The architecture memory is there from the first question and stays
// current (tools/kb_seed.h), asked through a real MCP server and client on
// a universe that is not the shop: a small zoo-keeping universe.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/kb/kb_test_util.h"
#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

using namespace flywheel;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

struct ZooServer : flywheel::testing::ToolTestServer {
  kb::testing::TempDir dir;
  ZooServer() {
    ::setenv("FLYWHEEL_KB_EMBEDDER", "hashing", 1);
    write(dir.path / "universe.lisp", "(universe zoo\n  (services \"services/*\")\n  (sentinel-interval 1))\n");
    write(dir.path / "services/feeding/intent.lisp",
          ";; Plans what every animal eats and when, from the keepers' diet sheets.\n"
          "(service feeding\n  (version 1)\n  (type Meal (field animal String) (field grams i64)))\n");
    write(dir.path / "services/enclosures/intent.lisp",
          ";; Tracks which animal lives in which enclosure.\n"
          "(service enclosures\n  (version 1)\n  (depends-on feeding)\n"
          "  (type Enclosure (field name String) (field capacity i32)))\n");
    write(dir.path / "services/visits/intent.lisp",
          ";; Sells tickets and counts visitors at the gate.\n"
          "(service visits\n  (version 1)\n  (status draft)\n  (gap \"refunds are handled by hand\")\n"
          "  (type Ticket (field id i64)))\n");
    const auto& services = servicesOf(std::filesystem::canonical(dir.path));
    start(tools::registerKbTools(server, services));
  }
  ~ZooServer() { stop(); }
  std::string text(const json& result) { return result["content"][0]["text"].get<std::string>(); }
};

}  // namespace

TEST_CASE("the first question finds the right service, with its source", "[kb][tools][seed]") {
  ZooServer s;
  json r = s.call("kb_search", {{"query", "which service plans what the animals eat"}, {"limit", 3}});
  REQUIRE_FALSE(r.value("isError", false));
  json out = r["structuredContent"];
  REQUIRE_FALSE(out["hits"].empty());
  CHECK(out["partial"] == false);
  CHECK(out["hits"][0]["service"] == "feeding");
  const std::string text = s.text(r);
  INFO(text);
  // What a person reads: title, kind, service, snippet, source, URI.
  CHECK(text.find("service feeding  (service, service feeding)") != std::string::npos);
  CHECK(text.find("source: services/feeding/intent.lisp:2") != std::string::npos);
  CHECK(text.find("flywheel://kb/") != std::string::npos);

  // Dependents and gaps are part of what the service memory knows.
  json deps = s.ok("kb_search", {{"query", "feeding"}, {"kinds", json::array({"service"})}, {"services", json::array({"feeding"})}});
  REQUIRE(deps["hits"].size() == 1);
  json full = s.ok("kb_get", {{"id", deps["hits"][0]["id"]}});
  CHECK(full["body"].get<std::string>().find("Depended on by: enclosures.") != std::string::npos);
  CHECK(full["body"].get<std::string>().find("Purpose: Plans what every animal eats") != std::string::npos);
  CHECK(full["cite"] == "services/feeding/intent.lisp:2");
  json gap = s.ok("kb_search", {{"query", "refunds by hand"}, {"limit", 1}});
  REQUIRE(gap["hits"].size() == 1);
  CHECK(gap["hits"][0]["service"] == "visits");

  // A fact a person remembers says who and when.
  s.ok("kb_remember", {{"title", "Feeding runs before opening"}, {"body", "keepers feed at 7"}, {"by", "Ada"}});
  json remembered = s.ok("kb_search", {{"query", "feed at 7 before opening"}, {"limit", 1}});
  CHECK(remembered["hits"][0]["cite"].get<std::string>().rfind("remembered by Ada on ", 0) == 0);
}

TEST_CASE("an intent edit changes the answer within one sentinel interval", "[kb][tools][seed]") {
  ZooServer s;
  s.ok("kb_search", {{"query", "meal"}});  // seeds
  write(s.dir.path / "services/feeding/intent.lisp",
        ";; Plans what every animal eats and when, from the keepers' diet sheets.\n"
        "(service feeding\n  (version 2)\n  (type Ration (field animal String) (field kilograms i64)))\n");
  // The sentinel polls every second; give it three intervals at most.
  json hit;
  for (int i = 0; i < 60; ++i) {
    json r = s.ok("kb_search", {{"query", "Ration kilograms"}, {"kinds", json::array({"type"})}, {"limit", 1}});
    if (!r["hits"].empty()) {
      hit = r["hits"][0];
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(hit.is_object());
  CHECK(hit["title"] == "feeding/Ration");
  CHECK(hit["cite"] == "services/feeding/intent.lisp:4");
  // The old fact is superseded, not kept beside the new one.
  json old = s.ok("kb_search", {{"query", "Meal"}, {"kinds", json::array({"type"})}, {"services", json::array({"feeding"})}});
  for (const auto& h : old["hits"]) CHECK(h["title"] != "feeding/Meal");
}

TEST_CASE("re-importing adds nothing twice", "[kb][tools][seed]") {
  ZooServer s;
  json first = s.ok("kb_import", json::object());
  CHECK(first["read"].get<int>() >= 6);  // 3 services, 3 types
  json again = s.ok("kb_import", json::object());
  CHECK(again["created"] == 0);
  CHECK(again["updated"] == 0);
  CHECK(again["removed"] == 0);
  CHECK(again["unchanged"] == first["read"]);
  json all = s.ok("kb_search", {{"query", ""}, {"kinds", json::array({"service"})}});
  CHECK(all["hits"].size() == 3);

  // A knowledge base first filled by kb_import follows intent edits too.
  write(s.dir.path / "services/visits/intent.lisp",
        ";; Sells tickets and counts visitors at the gate.\n"
        "(service visits\n  (version 2)\n  (type Ticket (field id i64))\n  (type Turnstile (field gate i32)))\n");
  bool seen = false;
  for (int i = 0; i < 60 && !seen; ++i) {
    json r = s.ok("kb_search", {{"query", "Turnstile"}, {"kinds", json::array({"type"})}, {"limit", 1}});
    seen = !r["hits"].empty() && r["hits"][0]["title"] == "visits/Turnstile";
    if (!seen) std::this_thread::sleep_for(100ms);
  }
  CHECK(seen);
}
