// Feeding: the repair log and the universe's intents; importing twice adds nothing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "core/atomic_file.h"
#include "kb/kb_import.h"
#include "kb_test_util.h"

using namespace flywheel::kb;
using flywheel::kb::testing::TempDir;

namespace {

const char* kRepairLine =
    R"j({"epoch":3,"sandbox":7,"service":"billing","intent_change":"user/UserProfile.id: i32 -> String",)j"
    R"j("plan":"use profile.id.clone()","outcome":"committed","cycles":2,"mode":"survival-patching",)j"
    R"j("diagnostics_before":[{"code":"E0308","message":"mismatched types","file":"src/custom.rs","line":12}],)j"
    R"j("diff":{"src/custom.rs":"-let id: i32\n+let id: String"},"timings":{"finished_at":1764150000.5}})j";

}  // namespace

TEST_CASE("each repair-log line becomes one repair memory; re-import adds nothing", "[kb][import]") {
  TempDir dir;
  auto log = dir.path / ".flywheel" / "repairs.jsonl";
  REQUIRE(flywheel::appendLineDurable(log, kRepairLine).has_value());
  REQUIRE(flywheel::appendLineDurable(log, "this is not json").has_value());
  REQUIRE(flywheel::appendLineDurable(log, R"({"service":"auth","outcome":"halted"})").has_value());
  auto kb = KnowledgeBase::open(dir.path / ".flywheel");
  REQUIRE(kb.has_value());
  auto first = importRepairLog(**kb, log);
  REQUIRE(first.has_value());
  CHECK(first->read == 3);
  CHECK(first->created == 2);
  REQUIRE(first->problems.size() == 1);
  CHECK(first->problems[0].find("repairs.jsonl:2") != std::string::npos);
  auto second = importRepairLog(**kb, log);
  REQUIRE(second.has_value());
  CHECK(second->created == 0);
  CHECK(second->unchanged == 2);
  CHECK((*kb)->stats()->memories == 2);

  auto p = (*kb)->search({.query = "E0308 billing", .filter = {.kinds = {"repair"}}});
  REQUIRE(p.has_value());
  REQUIRE_FALSE(p->hits.empty());
  auto m = (*kb)->get(p->hits.front().id);
  CHECK(m->service == "billing");
  CHECK(m->title.find("E0308 mismatched types") != std::string::npos);
  CHECK(m->body.find("use profile.id.clone()") != std::string::npos);
  CHECK(m->created == 1764150000);
  CHECK(std::find(m->tags.begin(), m->tags.end(), "e0308") != m->tags.end());
}

TEST_CASE("a missing repair log is an empty import", "[kb][import]") {
  TempDir dir;
  auto kb = KnowledgeBase::open(dir.path / ".flywheel");
  auto r = importRepairLog(**kb, dir.path / ".flywheel" / "repairs.jsonl");
  REQUIRE(r.has_value());
  CHECK(r->read == 0);
}

#ifdef FLYWHEEL_KB_TEST_UNIVERSE
TEST_CASE("the shop universe seeds service, type and rpc memories", "[kb][import]") {
  TempDir dir;
  std::filesystem::copy(std::filesystem::path(FLYWHEEL_SOURCE_DIR) / "examples" / "shop", dir.path / "shop",
                        std::filesystem::copy_options::recursive);
  auto root = dir.path / "shop";
  auto kb = KnowledgeBase::open(root / ".flywheel");
  REQUIRE(kb.has_value());
  auto first = importUniverse(**kb, root);
  REQUIRE(first.has_value());
  CHECK(first->created >= 5);
  auto again = importUniverse(**kb, root);
  REQUIRE(again.has_value());
  CHECK(again->created == 0);
  CHECK(again->updated == 0);
  auto svc = (*kb)->search({.query = "billing", .filter = {.kinds = {"service"}}});
  REQUIRE(svc.has_value());
  REQUIRE_FALSE(svc->hits.empty());
  CHECK(svc->hits.front().title == "service billing");
  auto type = (*kb)->search({.query = "UserProfile", .filter = {.kinds = {"type"}}});
  REQUIRE_FALSE(type->hits.empty());
  CHECK(type->hits.front().title == "user/UserProfile");
  auto full = (*kb)->get(type->hits.front().id);
  CHECK(full->body.find("(type UserProfile") != std::string::npos);
  auto rpc = (*kb)->search({.query = "validate-session", .filter = {.kinds = {"rpc"}}});
  REQUIRE_FALSE(rpc->hits.empty());
  CHECK(rpc->hits.front().title == "auth/validate-session");
}
#endif
