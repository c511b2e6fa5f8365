// Real cargo on stamped universes: the example is green, and changing
// user/UserProfile.id from i32 to String breaks exactly the downstream crates.
#include <catch2/catch.hpp>

#include <set>

#include "forge/cargo_check.h"
#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

namespace {

/// One cargo target dir for every test of the shop: later builds reuse it.
std::string cargoEnv() {
  fs::path target = fs::path(FLYWHEEL_BINARY_DIR) / "test-tmp" / "forge-cargo-target" / "shop";
  return "CARGO_TARGET_DIR='" + target.string() + "' CARGO_TERM_COLOR=never ";
}

std::set<std::string> crates(const universe::Universe& u) {
  std::set<std::string> out;
  for (const auto& s : u.services) out.insert(s.crateName);
  return out;
}

}  // namespace

TEST_CASE("the stamped example universe passes cargo check and cargo test", "[cargo]") {
  TempDir tmp("cargo-green");
  copyShop(tmp.path);
  auto report = stamper().stamp(load(tmp.path), {});
  REQUIRE(report.has_value());
  REQUIRE(report->ok());
  std::string out;
  int rc = run(cargoEnv() + "cargo check --offline --workspace --all-targets", tmp.path, &out);
  INFO(out);
  CHECK(rc == 0);
  rc = run(cargoEnv() + "cargo test --offline --workspace", tmp.path, &out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("test result: FAILED") == std::string::npos);
}

TEST_CASE("user/UserProfile.id i32 -> String breaks auth, order and billing, and nothing else", "[cargo]") {
  TempDir tmp("cargo-break");
  copyShop(tmp.path);
  fs::path intent = tmp.path / "services/user/intent.lisp";
  std::string text = readText(intent);
  auto at = text.find("(field id i32)");
  REQUIRE(at != std::string::npos);
  text.replace(at, 14, "(field id String)");
  writeText(intent, text);

  auto loaded = load(tmp.path);
  REQUIRE(loaded.ok());
  auto report = stamper().stamp(loaded, {.services = {"user"}});
  REQUIRE(report.has_value());
  REQUIRE(report->ok());
  REQUIRE(report->files.size() == 1);
  CHECK(report->files[0].path == "services/user/src/generated.rs");

  // Regression: user's own stamped code stays clippy-clean with a String key
  // (the CRUD gateway borrows it as &str, never &String: clippy::ptr_arg).
  {
    std::string gen = readText(tmp.path / "services/user/src/generated.rs");
    CHECK(gen.find("fn read(&self, key: &str)") != std::string::npos);
    CHECK(gen.find("&String") == std::string::npos);
    std::string out;
    int rc = run(cargoEnv() + "cargo clippy --offline -p user -- -D warnings", tmp.path, &out);
    INFO(out);
    CHECK(rc == 0);
  }

  // The downstream services of the changed field: every service depending on
  // user, directly or not (distance > 0 in the blast radius; user owns the
  // change and its own stamped code follows it).
  // NOTE: universe::blastRadius (universe/blast.h) should give this set; as
  // built at the time of writing it aborts on this universe (a bad free inside
  // blastRadius), so the set comes from the IR's dependents. Swap in
  // blastRadius(Graph::build(u), {{"user/UserProfile.id"}}) once it is fixed.
  auto downstream = withDependents(loaded.universe, {"user"});
  std::set<std::string> expected(downstream.begin(), downstream.end());
  expected.erase("user");
  CHECK(expected == std::set<std::string>{"auth", "billing", "order"});

  // Each crate checked on its own: a crate fails when it or a dependency does.
  std::set<std::string> failing;
  for (const auto& crate : crates(loaded.universe)) {
    std::string out;
    int rc = run(cargoEnv() + "cargo check --offline -p " + crate, tmp.path, &out);
    if (rc != 0) failing.insert(crate);
    if (crate == "auth") CHECK(out.find("error[E0277]: the trait bound `String: LowerHex`") != std::string::npos);
  }
  CHECK(failing == expected);

  // The stamp tool's check: one cargo run, auth and order fail on their own
  // code, billing is blocked behind them, user and catalog are fine.
  auto check = cargoCheck(loaded.universe, withDependents(loaded.universe, {"user"}),
                          {.targetDir = fs::path(FLYWHEEL_BINARY_DIR) / "test-tmp" / "forge-cargo-target" / "shop"});
  REQUIRE(check.has_value());
  auto failingSet = check->failing();
  CHECK(std::set<std::string>(failingSet.begin(), failingSet.end()) == expected);
  for (const auto& c : check->crates) {
    INFO(c.service << " " << c.firstError);
    if (c.service == "user") CHECK(c.status == CrateCheck::Status::Ok);
    if (c.service == "auth" || c.service == "order") {
      CHECK(c.status == CrateCheck::Status::Failing);
      CHECK(c.firstError.starts_with("services/" + c.service + "/src/custom.rs:"));
    }
    if (c.service == "billing") CHECK(c.status == CrateCheck::Status::Blocked);
  }
}
