// The reality mirror (drift/mirror.h) of the shop's code: public items in
// the intent's shape, stubs, crate uses, and the per-file cache.
#include <catch2/catch.hpp>

#include <thread>

#include "drift/mirror.h"
#include "drift_fixture.h"

using namespace flywheel::drift;
using namespace flywheel::drift::testing;
namespace u = flywheel::universe;

namespace {

bool has(const std::string& text, const std::string& what) {
  INFO(text);
  INFO("looking for: " << what);
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("the reality of a shop service reads like its intent") {
  auto loaded = u::loadUniverse(kShop);
  REQUIRE(loaded);
  auto m = buildMirror(kShop, loaded->universe, nullptr, {"auth"});
  REQUIRE(m.crates.size() == 1);
  std::string s = realitySexp(m.crates[0], crateNamesOf(loaded->universe));
  CHECK(s.rfind("(reality auth\n  (crate auth)\n  (uses user)\n", 0) == 0);
  CHECK(has(s, "(type Session (field token String) (field user-id i32) (field email user/Email) (field expires-at i64))"));
  CHECK(has(s, "(enum SessionFlowState anonymous active locked)"));
  CHECK(has(s, "(fn session-token (arg profile user/UserProfile) (arg issued-at i64) (returns String))"));
  CHECK(has(s, "(trait AuthApi\n      (fn validate-session (receiver \"&self\") (arg input String) (returns \"Result<Option<Session>, String>\")))"));
  CHECK(has(s, "(impl AuthApi \"AuthService<'_>\""));
  CHECK(has(s, "(const SESSION_SECONDS i64)"));
  CHECK(has(s, "(type AuthService (private-field users \"UserClient<'a>\") (private-field sessions (map String Session))"));
  CHECK_FALSE(has(s, "token_encodes_user_id_in_hex"));  // test modules are not API

  auto user = buildMirror(kShop, loaded->universe, nullptr, {"user"});
  std::string us = realitySexp(user.crates.at(0), crateNamesOf(loaded->universe));
  CHECK(has(us, "(alias Email String)"));
  CHECK(has(us, "(enum Tier free vip)"));
}

TEST_CASE("the mirror marks stubs and re-parses only changed files") {
  ShopCopy shop;
  auto loaded = u::loadUniverse(shop.dir);
  REQUIRE(loaded);
  MirrorCache cache;
  auto first = buildMirror(shop.dir, loaded->universe, &cache);
  CHECK(first.files == 15);
  CHECK(first.parsed == 15);
  auto again = buildMirror(shop.dir, loaded->universe, &cache);
  CHECK(again.parsed == 0);

  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  shop.replace("services/auth/src/custom.rs", "        Ok(self\n            .sessions", "        todo!(\"later\");\n        Ok(self\n            .sessions");
  shop.replace("services/auth/src/custom.rs", "    fn on_lock(&mut self, _from: SessionFlowState) -> Result<(), String> {\n        Ok(())",
               "    fn on_lock(&mut self, _from: SessionFlowState) -> Result<(), String> {\n        unimplemented!()");
  auto third = buildMirror(shop.dir, loaded->universe, &cache);
  CHECK(third.parsed == 1);
  std::string s = realitySexp(*third.crate("auth"), crateNamesOf(loaded->universe));
  CHECK(has(s, "(fn on-lock (receiver \"&mut self\") (arg from SessionFlowState) (returns \"Result<(), String>\") :stub \"unimplemented!\")"));
  // todo!() followed by more code is not a stub: only a body that is nothing else.
  CHECK_FALSE(has(s, ":stub \"todo!\""));
}

TEST_CASE("Rust types map back to intent types where the intent language has one") {
  CrateNames crates{{"user", "user"}, {"user_profile", "user-profile"}};
  CHECK(intentTypeOf("Option<Vec<user::Email>>", crates) == "(option (list user/Email))");
  CHECK(intentTypeOf("std::collections::BTreeMap<String, i64>", crates) == "(map String i64)");
  CHECK(intentTypeOf("user_profile::Profile", crates) == "user-profile/Profile");
  CHECK(intentTypeOf("crate::generated::Invoice", crates) == "Invoice");
  CHECK_FALSE(intentTypeOf("&str", crates));
  CHECK_FALSE(intentTypeOf("Box<dyn Clock>", crates));
  CHECK_FALSE(intentTypeOf("other::Thing", crates));
  CHECK(kebabOfCamel("InTransit") == "in-transit");
  CHECK(kebabOfSnake("r#type") == "type");
}
