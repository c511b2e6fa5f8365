// From an intent change to a cascade plan and its stamp, without cargo: every
// change is planned (compatible ones too), and the cascade's stamp leaves
// nothing for `flywheel stamp` to do.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "forge/stamper.h"
#include "forge/template_set.h"
#include "mechanic/intent_cascade.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

const fs::path kTemplates = fs::path(FLYWHEEL_SOURCE_DIR) / "forge/templates/rust";

struct ShopRepo {
  fs::path root;
  explicit ShopRepo(const std::string& name) {
    root = copyShopRepo("flywheel-mech-plan-" + name);
  }
  ~ShopRepo() { fs::remove_all(root); }
  void commitEdit(const std::string& rel, const std::string& anchor, const std::string& insert) {
    std::string text = readText(root / rel);
    auto at = text.find(anchor);
    REQUIRE(at != std::string::npos);
    text.insert(at + anchor.size(), insert);
    writeText(root / rel, text);
    git(root, {"commit", "-q", "-am", "intent change"});
  }
};

std::vector<std::string> names(const IntentCascade& c) {
  std::vector<std::string> out;
  for (const auto& s : c.spec.services) out.push_back(s.name);
  return out;
}

/// The files a dry-run `flywheel stamp` of the whole universe would write.
std::vector<std::string> stampWouldWrite(const fs::path& root) {
  auto stamper = flywheel::forge::Stamper::create(kTemplates);
  REQUIRE(stamper);
  auto loaded = flywheel::universe::loadUniverse(root);
  REQUIRE(loaded);
  auto report = stamper->stamp(*loaded, {.dryRun = true});
  REQUIRE(report);
  std::vector<std::string> out;
  for (const auto& f : report->files) out.push_back(f.path);
  return out;
}

}  // namespace

TEST_CASE("a compatible intent change is planned as a cascade over the changed service", "[mechanic][shop]") {
  ShopRepo shop("compatible");
  shop.commitEdit("services/user/intent.lisp", "(enum Tier free vip)", "\n  (type Note (field text String))");
  auto plan = planIntentCascade(shop.root, "HEAD~1", "HEAD", kTemplates);
  INFO((plan ? std::string() : plan.error().message));
  REQUIRE(plan);
  CHECK(names(*plan) == std::vector<std::string>{"user"});
  CHECK(plan->changes == std::vector<std::string>{"user/Note: type added, compatible"});
  CHECK(plan->spec.stamp);

  // No intent change at all is still nothing to cascade.
  git(shop.root, {"commit", "-q", "--allow-empty", "-m", "nothing"});
  auto none = planIntentCascade(shop.root, "HEAD~1", "HEAD", kTemplates);
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("no intent change between HEAD~1 and HEAD") != std::string::npos);
}

TEST_CASE("the cascade's stamp leaves nothing for flywheel stamp to write", "[mechanic][shop]") {
  ShopRepo shop("stampclean");
  // A new state and transition in order's state machine: only order breaks,
  // but billing (downstream of order) records order's forge input in its header.
  shop.commitEdit("services/order/intent.lisp", "(states pending paid shipped cancelled", " refunded");
  shop.commitEdit("services/order/intent.lisp", "(transition cancel pending cancelled)",
                  "\n    (transition refund paid refunded)");
  auto plan = planIntentCascade(shop.root, "HEAD~2", "HEAD", kTemplates);
  REQUIRE(plan);
  CHECK(names(*plan) == std::vector<std::string>{"order"});
  CHECK(plan->changes == std::vector<std::string>{
                             "transition refund added to order/order-flow, breaking",
                             "state refunded added to order/order-flow, breaking",
                         });
  // The stamp the cascade runs in its worktree (here: on the checkout itself).
  auto written = plan->spec.stamp(shop.root);
  REQUIRE(written);
  CHECK(std::find(written->begin(), written->end(), "services/order/src/generated.rs") != written->end());
  CHECK(std::find(written->begin(), written->end(), "services/billing/src/generated.rs") != written->end());
  CHECK(stampWouldWrite(shop.root).empty());
}
