// What Forge refuses that the intent validator lets through, and naming.
#include <catch2/catch.hpp>

#include "forge/rust_names.h"
#include "forge_test_util.h"

using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

namespace {
Result<std::string> renderOne(const std::string& intent) {
  auto loaded = universe::loadUniverseFromFiles("/nonexistent/u", {{"svc/intent.lisp", intent}});
  for (const auto& d : loaded.diagnostics) INFO(d.toString());
  REQUIRE(loaded.ok());
  return stamper().renderGenerated(loaded.universe, loaded.universe.services.at(0));
}
}  // namespace

TEST_CASE("Rust names follow the mapping", "[model]") {
  CHECK(rustCamel("session-flow") == "SessionFlow");
  CHECK(rustSnake("display-name") == "display_name");
  CHECK(rustSnake("UserStore") == "user_store");
  CHECK(rustSnake("type") == "r#type");
  CHECK(rustScreaming("order-flow") == "ORDER_FLOW");
  CHECK(rustStringLiteral("say \"hi\"\n") == "\"say \\\"hi\\\"\\n\"");
  CHECK_FALSE(isRustableName("a.b"));
  CHECK(isReservedRustName("self"));
}

TEST_CASE("a CRUD key that cannot be ordered is refused at its position", "[model]") {
  auto r = renderOne("(service svc\n  (type P (field w f64))\n  (crud-gateway ps (entity P) (key w) (ops read)))\n");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("svc/intent.lisp:3:") == 0);
  CHECK(r.error().message.find("key field 'w' has type f64") != std::string::npos);
}

TEST_CASE("a non-deterministic state machine is refused", "[model]") {
  auto r = renderOne(
      "(service svc (state-machine m (states a b c) (initial a)\n"
      "  (transition go a b)\n  (transition go a c)))\n");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("event go already leaves state a (at line 2)") != std::string::npos);
}

TEST_CASE("a complete transition table has no fallback arm", "[model]") {
  auto r = renderOne("(service svc (state-machine m (states a b) (initial a) (transition flip a b) (transition flip b a)))\n");
  REQUIRE(r.has_value());
  CHECK(r->find("_ => None") == std::string::npos);
  CHECK(r->find("(S::B, E::Flip) => Some(S::A),") != std::string::npos);
}

TEST_CASE("keywords become raw identifiers and reserved names are refused", "[model]") {
  auto r = renderOne("(service svc (type T (field type String) (field match i32)))\n");
  REQUIRE(r.has_value());
  CHECK(r->find("pub r#type: String,") != std::string::npos);
  auto bad = renderOne("(service svc (type T (field self i32)))\n");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("field 'self' cannot be a Rust identifier") != std::string::npos);
}
