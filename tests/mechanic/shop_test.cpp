// The example universe: an intent change planned by the universe, stamped by
// Forge in the cascade worktree, and checked by the gauntlet.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "mechanic/intent_cascade.h"
#include "mechanic/mechanic.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

// A git repository holding a copy of examples/shop (without build output).
fs::path copyShop(const std::string& name) { return copyShopRepo("flywheel-mech-shop-" + name); }

void changeUserIdToString(const fs::path& root) {
  auto intent = readText(root / "services/user/intent.lisp");
  auto at = intent.find("(field id i32)");
  REQUIRE(at != std::string::npos);
  intent.replace(at, 14, "(field id String)");
  writeText(root / "services/user/intent.lisp", intent);
}

}  // namespace

TEST_CASE("cascade_start on the shop: UserProfile.id i32 -> String breaks its users", "[mechanic][cargo][shop]") {
  fs::path root = copyShop("start");
  changeUserIdToString(root);
  git(root, {"commit", "-q", "-am", "user: UserProfile.id is a String"});
  const std::string head = git(root, {"rev-parse", "HEAD"});

  auto plan = planIntentCascade(root, "HEAD~1", "HEAD", fs::path(FLYWHEEL_SOURCE_DIR) / "forge/templates/rust");
  REQUIRE(plan);
  std::vector<std::string> names;
  for (const auto& s : plan->spec.services) names.push_back(s.name);
  CHECK(std::find(names.begin(), names.end(), "catalog") == names.end());
  CHECK(std::find(names.begin(), names.end(), "auth") != names.end());
  CHECK(std::find(names.begin(), names.end(), "billing") != names.end());
  CHECK(plan->spec.intentChange.find("user/UserProfile.id") != std::string::npos);

  auto m = Mechanic::open(root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(plan->spec, {});
  REQUIRE(st);
  CHECK_FALSE(st->stampedFiles.empty());
  int broken = 0;
  for (const auto& q : st->queue) {
    INFO(q.service << " " << q.status << " " << q.note);
    if (q.status == "broken") ++broken;
  }
  CHECK(broken >= 1);
  // The stamp landed on the cascade branch only.
  CHECK(git(root, {"rev-parse", "HEAD"}) == head);
  CHECK(git(root, {"status", "--porcelain"}).empty());
  CHECK(readText(root / "services/user/src/generated.rs").find("pub id: i32") != std::string::npos);
  REQUIRE((*m)->cascadeAbort(st->epoch));
  fs::remove_all(root);
}
