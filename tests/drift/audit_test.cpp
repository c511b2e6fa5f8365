// The drift audit (drift/audit.h): no findings on the clean shop, and one
// fixture per kind on a copy of it, each with the exact finding.
#include <catch2/catch.hpp>

#include "drift/audit.h"
#include "drift_fixture.h"

using namespace flywheel::drift;
using namespace flywheel::drift::testing;
namespace u = flywheel::universe;

namespace {

DriftReport audit(const fs::path& root, DriftOptions o = {}) {
  auto loaded = u::loadUniverse(root);
  REQUIRE(loaded);
  REQUIRE(loaded->ok());
  auto g = u::Graph::build(loaded->universe);
  return auditDrift(root, loaded->universe, g, nullptr, o);
}

uint32_t lineOf(const ShopCopy& shop, const std::string& rel, const std::string& needle) {
  std::string text = shop.read(rel);
  auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

std::vector<std::string> all(const DriftReport& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(formatFinding(f));
  return out;
}

}  // namespace

TEST_CASE("the clean shop has no drift") {
  auto r = audit(kShop);
  INFO(all(r).size());
  CHECK(all(r) == std::vector<std::string>{});
  CHECK(r.services == 5);
  CHECK(r.skipped.empty());
  CHECK(r.files == 15);
}

TEST_CASE("ImplementationGap: an rpc implemented as todo!()") {
  ShopCopy shop;
  const std::string custom = "services/auth/src/custom.rs";
  shop.replace(custom, "        Ok(self\n            .sessions\n            .get(&input)\n            .filter(|s| s.expires_at > self.now)\n            .cloned())",
               "        todo!()");
  auto r = audit(shop.dir);
  REQUIRE(r.findings.size() == 1);
  const Finding& f = r.findings[0];
  CHECK(f.kind == DriftKind::ImplementationGap);
  CHECK(severityOf(f.kind) == "critical");
  CHECK(f.service == "auth");
  CHECK(f.file == custom);
  CHECK(f.line == lineOf(shop, custom, "fn validate_session"));
  CHECK(f.subject == "auth/validate-session");
  CHECK(f.intent == "(rpc validate-session (input String) (output (option Session)))");
  CHECK(f.code == "fn validate_session of impl AuthApi for AuthService<'_> is only `todo!`");
  CHECK(f.todo == "write the body of AuthApi::validate_session (it panics when called)");
  CHECK(f.governance == "strict-codegen");
  CHECK(f.actionable);

  // The whole impl gone: one gap per rpc, at custom.rs as a whole.
  std::string text = shop.read(custom);
  auto at = text.find("impl AuthApi for AuthService<'_>");
  shop.write(custom, text.replace(at, std::string("impl AuthApi for AuthService<'_>").size(), "impl AuthService<'_>"));
  auto gone = audit(shop.dir);
  REQUIRE(gone.findings.size() == 1);
  CHECK(gone.findings[0].line == 0);
  CHECK(gone.findings[0].code == "no `impl AuthApi for ...` in crate auth");
}

TEST_CASE("ArchitecturalDrift: an undeclared crate use, and a declared dependency nobody uses") {
  ShopCopy shop;
  const std::string custom = "services/catalog/src/custom.rs";
  shop.write(custom, shop.read(custom) + "\npub fn greet(p: &user::UserProfile) -> String {\n    p.display_name.clone()\n}\n");
  shop.replace("services/user/intent.lisp", "(governance strict-codegen)", "(governance strict-codegen)\n  (depends-on catalog)");
  auto r = audit(shop.dir, {.kind = DriftKind::ArchitecturalDrift});
  REQUIRE(r.findings.size() == 2);
  const Finding& used = r.findings[0];
  CHECK(used.service == "catalog");
  CHECK(used.file == custom);
  CHECK(used.line == lineOf(shop, custom, "pub fn greet"));
  CHECK(used.subject == "catalog -> user");
  CHECK(used.intent == "(no dependencies)");
  CHECK(used.code == "services/catalog/src/custom.rs uses crate user (service user)");
  CHECK(used.todo == "(newborn: for a human) declare it in services/catalog/intent.lisp with (depends-on user) or "
                     "(use user NAME...), or stop using user");
  CHECK(used.governance == "newborn");
  CHECK_FALSE(used.actionable);  // newborn: reported, never acted on

  const Finding& unused = r.findings[1];
  CHECK(unused.service == "user");
  CHECK(unused.file == "services/user/intent.lisp");
  CHECK(unused.line == lineOf(shop, "services/user/intent.lisp", "(depends-on catalog)"));
  CHECK(unused.subject == "user -> catalog");
  CHECK(unused.intent == "(depends-on catalog)");
  CHECK(unused.code == "no file of crate user names crate catalog");
  CHECK(unused.actionable);
}

TEST_CASE("StructuralGap: an exported function the intent could describe, and an intent type nothing uses") {
  ShopCopy shop;
  const std::string custom = "services/order/src/custom.rs";
  shop.write(custom, shop.read(custom) + "\npub fn discount(total: i64, tier: user::Tier) -> i64 {\n    if tier == user::Tier::Vip { total / 10 } else { 0 }\n}\n");
  shop.replace("services/order/src/lib.rs", "pub use custom::{order_total,", "pub use custom::{discount, order_total,");
  shop.replace("services/user/intent.lisp", "  (enum Tier free vip)", "  (enum Tier free vip)\n  (type Legacy (field id i32))");
  auto r = audit(shop.dir);
  REQUIRE(r.findings.size() == 2);
  const Finding& lift = r.findings[0];
  CHECK(lift.kind == DriftKind::StructuralGap);
  CHECK(severityOf(lift.kind) == "info");
  CHECK(lift.file == custom);
  CHECK(lift.line == lineOf(shop, custom, "pub fn discount"));
  CHECK(lift.subject == "order/discount");
  CHECK(lift.code == "`discount` is public API of crate order (exported by src/lib.rs) that no intent form describes");
  CHECK(lift.todo == "lift it into services/order/intent.lisp as (pure-utility discount (arg total i64) (arg tier user/Tier) "
                     "(returns i64)), or stop exporting it");

  const Finding& unused = r.findings[1];
  CHECK(unused.kind == DriftKind::StructuralGap);
  CHECK(unused.file == "services/user/intent.lisp");
  CHECK(unused.line == lineOf(shop, "services/user/intent.lisp", "(type Legacy"));
  CHECK(unused.subject == "user/Legacy");
  CHECK(unused.intent == "(type Legacy ...)");
}

TEST_CASE("LocationMismatch: a trait impl outside custom.rs, and a declared type defined by hand") {
  ShopCopy shop;
  const std::string custom = "services/user/src/custom.rs";
  const std::string impl = "impl LookupUserTool for UserService {\n    fn call(&self, input: Email) -> Result<Option<UserProfile>, String> {\n        self.get_user(input)\n    }\n}\n";
  shop.replace(custom, impl, "");
  shop.write("services/user/src/tool.rs", "use crate::generated::*;\nuse crate::custom::UserService;\n\n" + impl);
  shop.replace("services/billing/src/custom.rs", "/// A clock that always", "pub type Invoice = String;\n\n/// A clock that always");
  auto r = audit(shop.dir, {.kind = DriftKind::LocationMismatch});
  REQUIRE(r.findings.size() == 2);
  const Finding& typ = r.findings[0];
  CHECK(typ.service == "billing");
  CHECK(typ.file == "services/billing/src/custom.rs");
  CHECK(typ.line == lineOf(shop, "services/billing/src/custom.rs", "pub type Invoice"));
  CHECK(typ.subject == "billing/Invoice");
  CHECK(typ.intent == "(type Invoice ...)");
  CHECK(typ.code == "`Invoice` is defined by hand in services/billing/src/custom.rs");

  const Finding& moved = r.findings[1];
  CHECK(moved.service == "user");
  CHECK(moved.file == "services/user/src/tool.rs");
  CHECK(moved.line == 4);
  CHECK(moved.subject == "user/lookup-user");
  CHECK(moved.intent == "(mcp-tool lookup-user ...)");
  CHECK(moved.code == "impl LookupUserTool for UserService is in services/user/src/tool.rs");
  CHECK(moved.todo == "move it to services/user/src/custom.rs (Forge's layout: the code Forge does not own lives in custom.rs)");
}

TEST_CASE("the report is deterministic and filters by service") {
  ShopCopy shop;
  shop.replace("services/user/intent.lisp", "  (enum Tier free vip)", "  (enum Tier free vip)\n  (type Legacy (field id i32))");
  auto a = audit(shop.dir), b = audit(shop.dir);
  CHECK(all(a) == all(b));
  CHECK(audit(shop.dir, {.services = {"auth"}}).findings.empty());
  CHECK(audit(shop.dir, {.services = {"user"}}).findings.size() == 1);
}
