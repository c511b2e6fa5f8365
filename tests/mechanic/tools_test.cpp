// The mechanic tool group through the registry surface the server uses:
// JSON in, the domain underneath (real git, real cargo), JSON out.
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <sstream>

#include "fixture.h"
#include "server/tool_api.h"
#include "cli/services.h"
#include "tools/tool_groups.h"

using namespace flywheel;
using namespace flywheel::mechanic::testing;
using nlohmann::json;

namespace {

// Collects what a tool group registers, so tests can call handlers directly.
class CollectingRegistry : public mcp::Registry {
 public:
  std::map<std::string, mcp::ToolSpec> tools;
  std::map<std::string, mcp::PromptSpec> prompts;
  Result<void> addTool(mcp::ToolSpec s) override {
    auto schema = fs::path(FLYWHEEL_SOURCE_DIR) / "schemas/tools" / (s.name + ".json");
    if (!fs::exists(schema)) return fail(Error::notFound("no schema for " + s.name));
    tools[s.name] = std::move(s);
    return {};
  }
  Result<void> addResource(mcp::ResourceSpec) override { return {}; }
  Result<void> addResourceTemplate(mcp::ResourceTemplateSpec) override { return {}; }
  Result<void> addPrompt(mcp::PromptSpec s) override {
    prompts[s.name] = std::move(s);
    return {};
  }
  void notifyResourceUpdated(const std::string&) override {}
  void notifyResourceListChanged() override {}
};

class TestContext : public mcp::ToolContext {
 public:
  std::atomic<bool> cancel{false};
  int progressCalls = 0;
  bool cancelled() const override { return cancel; }
  const std::atomic<bool>& cancelFlag() const override { return cancel; }
  void progress(double, std::optional<double>, std::string_view) override { ++progressCalls; }
  void log(mcp::LogLevel, std::string_view) override {}
};

}  // namespace

TEST_CASE("mechanic tools: an uncommitted intent change opens a cascade and sandboxes", "[tools][cargo][shop]") {
  fs::path root = copyShopRepo("flywheel-mech-tools");
  auto intent = readText(root / "services/user/intent.lisp");
  intent.replace(intent.find("(field id i32)"), 14, "(field id String)");
  writeText(root / "services/user/intent.lisp", intent);  // not committed

  CollectingRegistry reg;
  tools::AppConfig config{fs::canonical(root), fs::canonical(root) / ".flywheel", FLYWHEEL_SOURCE_DIR};
  auto services = cli::buildServices(config);
  REQUIRE(tools::registerMechanicTools(reg, *services));
  CHECK(reg.tools.size() == 12);
  CHECK(reg.prompts.size() == 3);
  auto msgs = reg.prompts.at("cascade").get({});
  REQUIRE(msgs);
  CHECK(msgs->at(0).text.find("cascade_finish") != std::string::npos);

  TestContext ctx;
  auto start = reg.tools.at("cascade_start").handler(json::object(), ctx);
  INFO(start.text << start.structured.dump());
  REQUIRE_FALSE(start.isError);
  CHECK(ctx.progressCalls > 0);
  const auto epoch = start.structured.at("epoch").get<std::int64_t>();
  std::map<std::string, std::string> status;
  for (const auto& q : start.structured.at("queue")) status[q.at("service")] = q.at("status");
  CHECK(status.count("catalog") == 0);
  CHECK(status.at("auth") == "broken");
  // The working tree still holds the user's uncommitted edit, and nothing else changed.
  CHECK(git(root, {"status", "--porcelain"}) == " M services/user/intent.lisp");

  auto open = reg.tools.at("repair_open").handler({{"epoch", epoch}, {"service", "auth"}}, ctx);
  REQUIRE_FALSE(open.isError);
  const std::string sb = open.structured.at("sandbox");
  CHECK(open.structured.at("mode") == "strict-codegen");

  auto view = reg.tools.at("repair_view").handler({{"sandbox", sb}, {"path", "services/auth/src/custom.rs"}, {"line", 14}}, ctx);
  REQUIRE_FALSE(view.isError);
  CHECK(view.text.find("profile.id") != std::string::npos);
  // A catastrophic-backtracking regex on the unmodified custom.rs returns at
  // once (it spun forever with std::regex), and the next calls are answered.
  auto hostileStart = std::chrono::steady_clock::now();
  auto hostile = reg.tools.at("repair_search").handler({{"sandbox", sb}, {"pattern", "(.|.)*QQQ"}, {"regex", true}}, ctx);
  CHECK_FALSE(hostile.isError);
  CHECK(hostile.structured.at("total") == 0);
  CHECK(std::chrono::steady_clock::now() - hostileStart < std::chrono::seconds(2));
  auto early = reg.tools.at("repair_edit").handler(
      {{"sandbox", sb}, {"path", "services/auth/src/custom.rs"}, {"old_text", "{:08x}"}, {"new_text", "{}"}}, ctx);
  CHECK(early.isError);
  CHECK(early.text.find("research phase") != std::string::npos);
  auto gen = reg.tools.at("repair_plan").handler({{"sandbox", sb}, {"strategy", "format the String id"}}, ctx);
  REQUIRE_FALSE(gen.isError);
  auto refused = reg.tools.at("repair_edit").handler(
      {{"sandbox", sb}, {"path", "services/auth/src/generated.rs"}, {"start_line", 1}, {"end_line", 1}, {"new_text", "//"}},
      ctx);
  CHECK(refused.isError);
  CHECK(refused.text.find("strict-codegen") != std::string::npos);
  auto escape = reg.tools.at("repair_view").handler({{"sandbox", sb}, {"path", "../../../../etc/passwd"}}, ctx);
  CHECK(escape.isError);
  auto bad = reg.tools.at("repair_view").handler({{"sandbox", 42}, {"path", "x"}}, ctx);
  CHECK(bad.isError);
  CHECK(bad.text.find("expected string at arguments.sandbox") != std::string::npos);

  auto abort = reg.tools.at("cascade_abort").handler({{"epoch", epoch}}, ctx);
  REQUIRE_FALSE(abort.isError);
  CHECK(abort.structured.at("status").at("state") == "aborted");
  CHECK(git(root, {"status", "--porcelain"}) == " M services/user/intent.lisp");
  fs::remove_all(root);
}

TEST_CASE("mechanic tools: crash leftovers are logged to stderr at start-up", "[tools][leftovers]") {
  fs::path root = fs::temp_directory_path() / ("flywheel-mech-leftovers-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / ".flywheel/sandboxes/e9-ghost");
  writeText(root / "README.md", "a universe\n");
  git(root, {"init", "-q", "-b", "main"});
  git(root, {"add", "README.md"});
  git(root, {"commit", "-q", "-m", "init"});

  std::ostringstream err;
  auto* old = std::cerr.rdbuf(err.rdbuf());
  CollectingRegistry reg;
  tools::AppConfig config{fs::canonical(root), fs::canonical(root) / ".flywheel", FLYWHEEL_SOURCE_DIR};
  auto registered = tools::registerMechanicTools(reg, *cli::buildServices(config));
  std::cerr.rdbuf(old);
  REQUIRE(registered);
  INFO(err.str());
  CHECK(err.str().find("1 crash leftover(s)") != std::string::npos);
  CHECK(err.str().find("orphaned sandbox worktree e9-ghost") != std::string::npos);
  CHECK(err.str().find("cleanLeftovers") != std::string::npos);

  // A clean universe logs nothing.
  fs::remove_all(root / ".flywheel/sandboxes/e9-ghost");
  std::ostringstream quiet;
  old = std::cerr.rdbuf(quiet.rdbuf());
  CollectingRegistry reg2;
  auto again = tools::registerMechanicTools(reg2, *cli::buildServices(config));
  std::cerr.rdbuf(old);
  REQUIRE(again);
  CHECK(quiet.str().empty());
  fs::remove_all(root);
}
