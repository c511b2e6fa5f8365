// The graph tools over MCP (in-memory client, real server, real git) on a
// copy of examples/shop in which user/UserProfile.id changes from i32 to String.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <sys/wait.h>

#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct ShopCopy {
  fs::path dir;
  ShopCopy() {
    dir = fs::temp_directory_path() / ("flywheel-graph-tools-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop", dir, fs::copy_options::recursive);
    fs::remove_all(dir / "target");
    replace("universe.lisp", "(sentinel-interval 30)", "(sentinel-interval 1)");
    run("git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -q -m shop");
    replace("services/user/intent.lisp", "(field id i32)", "(field id String)");
  }
  ~ShopCopy() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void run(const std::string& cmd) const {
    REQUIRE(std::system(("cd '" + dir.string() + "' && " + cmd + " >/dev/null 2>&1").c_str()) == 0);
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(dir / rel);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write(const std::string& rel, const std::string& text) const { std::ofstream(dir / rel) << text; }
  void replace(const std::string& rel, const std::string& from, const std::string& to) const {
    std::string text = read(rel);
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    write(rel, text.replace(at, from.size(), to));
  }
};

/// The graph tool group on a fresh shop copy, with an in-memory client.
struct GraphServer : flywheel::testing::ToolTestServer {
  ShopCopy shop;
  GraphServer() { start(flywheel::tools::registerGraphTools(server, servicesOf(shop.dir))); }
  ~GraphServer() { stop(); }  // before the shop copy goes
};

}  // namespace

TEST_CASE("graph tools answer the shop's i32 -> String change over MCP") {
  GraphServer s;
  flywheel::mcp::InMemoryClient& client = *s.client;

  json diff = s.call("intent_diff", json::object());
  CHECK(diff["structuredContent"]["changeCount"] == 1);
  CHECK(diff["structuredContent"]["changes"][0]["symbol"] == "user/UserProfile.id");
  CHECK(diff["structuredContent"]["changes"][0]["breaking"] == true);

  json blast = s.call("blast_radius", json::object())["structuredContent"];
  std::vector<std::string> names;
  for (const auto& s : blast["services"]) names.push_back(s["service"]);
  CHECK(names == std::vector<std::string>{"user", "auth", "order", "billing"});
  CHECK(blast["services"][2]["reason"] == "order/Order.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)");

  json plan = s.call("cascade_plan", json::object())["structuredContent"];
  CHECK(plan["waveCount"] == 3);
  CHECK(plan["steps"][3]["service"] == "billing");
  CHECK(plan["steps"][3]["wave"] == 3);
  CHECK(plan["steps"][3]["status"] == "ready");

  json page1 = s.call("blast_radius", {{"symbols", {"user"}}, {"limit", 2}})["structuredContent"];
  REQUIRE(page1["services"].size() == 2);
  REQUIRE(page1.contains("nextCursor"));
  json page2 = s.call("blast_radius", {{"symbols", {"user"}}, {"limit", 2}, {"cursor", page1["nextCursor"]}})["structuredContent"];
  CHECK(page2["services"].size() == 2);
  CHECK_FALSE(page2.contains("nextCursor"));

  json path = s.call("graph_query", {{"query", "path"}, {"from", "billing/pricing"}, {"to", "user/UserProfile.id"}});
  CHECK(path["structuredContent"]["path"] ==
        json::array({"billing/pricing", "order/Order", "order/Order.customer", "user/UserProfile", "user/UserProfile.id"}));
  json deps = s.call("graph_query", {{"query", "dependents"}, {"from", "user"}, {"transitive", true}, {"mermaid", true}});
  CHECK(deps["structuredContent"]["total"] == 3);
  CHECK(deps["structuredContent"]["mermaid"].get<std::string>().starts_with("graph LR\n"));

  json bad = s.call("blast_radius", {{"symbols", {"usr/UserProfile"}}});
  CHECK(bad["isError"] == true);
  CHECK(bad["content"][0]["text"].get<std::string>().find("did you mean 'user'?") != std::string::npos);

  auto res = client.call("resources/read", {{"uri", "flywheel://intent/user"}});
  REQUIRE(res);
  CHECK((*res)["result"]["contents"][0]["text"].get<std::string>().find("(field id String)") != std::string::npos);
}

TEST_CASE("a broken intent is reported and the rest stays queryable; changes notify subscribers") {
  GraphServer s;
  const ShopCopy& shop = s.shop;
  flywheel::mcp::InMemoryClient& client = *s.client;
  json first = s.call("universe_overview", json::object())["structuredContent"];
  CHECK(first["diagnosticCount"] == 0);
  REQUIRE(client.call("resources/subscribe", {{"uri", "flywheel://intent/auth"}}));

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  shop.write("services/auth/intent.lisp", "(service auth (type Session (field user-id i32)");
  auto note = client.waitFor([](const json& m) {
    return m.value("method", "") == "notifications/resources/updated" && m["params"]["uri"] == "flywheel://intent/auth";
  }, std::chrono::seconds(10));
  CHECK(note);

  json over = s.call("universe_overview", json::object())["structuredContent"];
  CHECK(over["diagnosticCount"] >= 1);  // the unclosed paren, and what billing can no longer resolve in auth
  CHECK(over["diagnostics"][0]["file"] == "services/auth/intent.lisp");
  json deps = s.call("graph_query", {{"query", "dependencies"}, {"from", "billing"}})["structuredContent"];
  CHECK(deps["total"] == 3);
}

TEST_CASE("observed references in service code show in the tools and widen the blast radius") {
  GraphServer s;
  const ShopCopy& shop = s.shop;
  flywheel::mcp::InMemoryClient& client = *s.client;
  REQUIRE(client.call("resources/subscribe", {{"uri", "flywheel://graph"}}));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  // catalog's intent declares nothing from user; its code now reads a profile.
  shop.write("services/catalog/src/recommend.rs",
             "use user::UserProfile as Profile;\n\npub fn greet(p: &Profile) -> String { p.display_name.clone() }\n");
  auto note = client.waitFor([](const json& m) {
    return m.value("method", "") == "notifications/resources/updated" && m["params"]["uri"] == "flywheel://graph";
  }, std::chrono::seconds(10));
  CHECK(note);

  json over = s.call("universe_overview", {{"service", "catalog"}})["structuredContent"];
  REQUIRE(over["services"][0]["observed"].size() == 1);
  CHECK(over["services"][0]["observed"][0]["symbol"] == "user/UserProfile");
  CHECK(over["services"][0]["observed"][0]["at"] == "services/catalog/src/recommend.rs:1");
  CHECK(over["services"][0]["observed"][0]["undeclaredDependency"] == true);
  CHECK(over["codeScan"]["rustFiles"] >= 11);

  json blast = s.call("blast_radius", {{"symbols", {"user/UserProfile.id"}}})["structuredContent"];
  std::vector<std::string> names;
  for (const auto& s : blast["services"]) names.push_back(s["service"]);
  CHECK(names == std::vector<std::string>{"user", "auth", "catalog", "order", "billing"});
  CHECK(blast["services"][2]["observedAt"] == "services/catalog/src/recommend.rs:1");
  CHECK(blast["services"][2]["reason"] ==
        "catalog (observed in services/catalog/src/recommend.rs:1) -> user/UserProfile -> user/UserProfile.id");

  json who = s.call("graph_query", {{"query", "dependents"}, {"from", "user/UserProfile"}});
  bool listed = false;
  for (const auto& o : who["structuredContent"]["observed"]) listed |= o["service"] == "catalog";
  CHECK(listed);
  CHECK(who["content"][0]["text"].get<std::string>().find("observed: services/catalog/src/recommend.rs:1 (catalog)") !=
        std::string::npos);
}

TEST_CASE("flywheel check prints errors like a compiler and exits non-zero; expand prints the expansion") {
  fs::path flywheel = fs::path(FLYWHEEL_BINARY_DIR) / "cli/flywheel";
  REQUIRE(fs::exists(flywheel));
  fs::path dir = fs::temp_directory_path() / ("flywheel-check-" + std::to_string(::getpid()));
  fs::create_directories(dir / "a");
  std::ofstream(dir / "a/intent.lisp") << "(defmacro ent (n) `(type ,n (field id i64)))\n(service a (ent A)\n  (tpye B))\n";
  std::string out = (dir / "out.txt").string();
  auto run = [&](const std::string& args, fs::path universe = {}) {
    if (universe.empty()) universe = dir;
    int rc = std::system(("'" + flywheel.string() + "' --universe '" + universe.string() + "' " + args + " >'" + out + "' 2>&1").c_str());
    std::ifstream in(out);
    std::stringstream s;
    s << in.rdbuf();
    return std::pair(WEXITSTATUS(rc), s.str());
  };
  auto [rc, text] = run("check");
  CHECK(rc == 1);
  CHECK(text.starts_with("a/intent.lisp:3:3: unknown clause 'tpye' in service 'a'; did you mean 'type'?"));
  CHECK(text.find("1 error(s) in universe") != std::string::npos);
  auto [rc2, expanded] = run("expand '" + (dir / "a/intent.lisp").string() + "'");
  CHECK(expanded.find("(type A (field id i64))") != std::string::npos);
  auto [rc3, shop] = run("check", fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop");
  CHECK(rc3 == 0);
  CHECK(shop.find("no errors") != std::string::npos);
  fs::remove_all(dir);
}
