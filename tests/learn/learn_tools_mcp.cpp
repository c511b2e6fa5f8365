// The learn tools over MCP (a real server with the learn group, an in-memory
// client): pages and bounds a client can rely on, and clear errors.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "core/atomic_file.h"
#include "learn/learn.h"
#include "learn_fixture.h"
#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

using nlohmann::json;
namespace fs = std::filesystem;
using namespace flywheel;

namespace {

struct LearnServer : testing::ToolTestServer {
  fs::path root;
  LearnServer() : root(learn::testing::oneServiceRepo("learn-tools")) {
    // 55 stored proposals, one of them with 40 KB of template text.
    for (int k = 0; k < 55; ++k) {
      learn::Proposal p;
      char id[16];
      std::snprintf(id, sizeof id, "p-%010d", k);
      p.id = id;
      p.candidate = "c-0000000000";
      p.status = "checked";
      p.createdAt = k;
      p.templates["view"] = k == 7 ? std::string(40000, 'x') : "{{name}}";
      REQUIRE(learn::saveProposal(root / ".flywheel", p));
    }
    start(tools::registerLearnTools(server, servicesOf(root)));
  }
  ~LearnServer() {
    stop();
    fs::remove_all(root);
  }
};

}  // namespace

TEST_CASE("learn tools over MCP: proposals come in pages, oversized texts stay in the file, bad input is an error",
          "[learn][tools]") {
  LearnServer s;
  json first = s.ok("learn_proposals", json::object());
  CHECK(first["proposals"].size() == 50);
  REQUIRE(first.contains("nextCursor"));
  json rest = s.ok("learn_proposals", {{"cursor", first["nextCursor"]}});
  CHECK(rest["proposals"].size() == 5);
  CHECK_FALSE(rest.contains("nextCursor"));

  json small = s.ok("learn_proposals", {{"id", "p-0000000001"}});
  CHECK(small["proposals"][0]["templates"][0]["text"] == "{{name}}");
  json big = s.call("learn_proposals", {{"id", "p-0000000007"}});
  CHECK(big["content"][0]["text"].get<std::string>().size() < 20000);
  json one = big["structuredContent"]["proposals"][0];
  CHECK_FALSE(one["templates"][0].contains("text"));
  CHECK(one["templates"][0]["bytes"] == 40000);
  CHECK(one["textsOmitted"].get<std::string>().find(".flywheel/learn/proposals/p-0000000007.json") != std::string::npos);

  CHECK(s.error("learn_proposals", {{"id", "../../etc/passwd"}}).find("is not a proposal id") != std::string::npos);
  CHECK(s.error("learn_evaluate", {{"proposal", "p-9999999999"}}).find("no proposal 'p-9999999999'") != std::string::npos);
  CHECK(s.error("learn_propose", {{"candidate", "c-0"}, {"files", {{{"path", "../x.rs"}, {"text", ""}}}}})
            .find("must not contain '..'") != std::string::npos);
  json status = s.ok("learn_status", json::object());
  CHECK(status["proposalsTotal"] == 55);
  CHECK(status["proposals"].size() == 20);
}
