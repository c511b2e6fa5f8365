#include <catch2/catch.hpp>

#include "universe/rust_syntax.h"

using namespace flywheel::universe;

TEST_CASE("checkRustSyntax accepts valid Rust and locates errors", "[rust]") {
  CHECK(checkRustSyntax("a.rs", "pub fn f(x: i32) -> i32 { x + 1 }\n"));
  auto bad = checkRustSyntax("src/custom.rs", "pub fn f(x: i32) -> i32 {\n  x + \n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.rfind("src/custom.rs:", 0) == 0);
}

TEST_CASE("publicSignatures sees pub items and ignores bodies and private items", "[rust]") {
  const std::string src = R"(
pub struct Invoice { pub total: i64 }
struct Hidden;
pub fn price(order: &Order) -> i64 { 1 + 2 }
fn helper() {}
impl Invoice {
    pub fn total(&self) -> i64 { self.total }
    fn secret(&self) {}
}
impl PricingRules for Rules {
    fn subtotal(&self) -> i64 { 0 }
}
pub mod inner { pub fn deep() {} }
)";
  auto sigs = publicSignatures(src);
  CHECK(sigs.size() == 5);
  CHECK(sigs.at("fn price") == "pub fn price(order: &Order) -> i64");
  CHECK(sigs.at("fn Invoice::total") == "pub fn total(&self) -> i64");
  CHECK(sigs.count("impl PricingRules for Rules"));
  CHECK(sigs.count("fn inner::deep"));
  CHECK(sigs.count("struct Invoice"));

  // A body change is not a signature change; a parameter type change is.
  auto bodyOnly = publicSignatures(R"(pub fn price(order: &Order) -> i64 { 42 })");
  auto retyped = publicSignatures(R"(pub fn price(order: &Order) -> String { String::new() })");
  auto before = publicSignatures(R"(pub fn price(order: &Order) -> i64 { 1 })");
  CHECK(signatureChanges(before, bodyOnly).empty());
  auto changes = signatureChanges(before, retyped);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].find("-> String") != std::string::npos);
  auto added = signatureChanges(before, publicSignatures("pub fn price(order: &Order) -> i64 { 1 }\npub fn extra() {}"));
  REQUIRE(added.size() == 1);
  CHECK(added[0].rfind("added", 0) == 0);
}
