// The Generation Gap: hand edits are detected, invalid intents are not
// stamped, paths outside the universe are refused, new crates are created once.
#include <catch2/catch.hpp>

#include "forge/generation_gap.h"
#include "forge/stamp_plan.h"
#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

TEST_CASE("a hand-edited generated.rs is detected, reported with its diff, and kept unless forced", "[gap]") {
  TempDir tmp("hand-edit");
  copyShop(tmp.path);
  fs::path gen = tmp.path / "services/auth/src/generated.rs";
  std::string original = readText(gen);
  std::string edited = original;
  edited.replace(edited.find("pub expires_at: i64,"), 20, "pub expires_at: u64,");
  writeText(gen, edited);
  CHECK(inspectGenerated(edited) == GeneratedState::HandEdited);

  auto report = stamper().stamp(load(tmp.path), {});
  REQUIRE(report.has_value());
  CHECK_FALSE(report->ok());
  REQUIRE(report->files.size() == 1);
  const auto& f = report->files[0];
  CHECK(f.path == "services/auth/src/generated.rs");
  CHECK(f.status == FileStatus::Refused);
  CHECK(f.reason.find("edited by hand") != std::string::npos);
  INFO(f.diff);
  CHECK(f.diff.find("-    pub expires_at: u64,\n+    pub expires_at: i64,") != std::string::npos);
  CHECK(readText(gen) == edited);

  auto forced = stamper().stamp(load(tmp.path), {.force = true});
  REQUIRE(forced.has_value());
  CHECK(forced->ok());
  CHECK(forced->written == 1);
  CHECK(readText(gen) == original);
}

TEST_CASE("a generated.rs without a forge header is foreign and not overwritten", "[gap]") {
  TempDir tmp("foreign");
  copyShop(tmp.path);
  fs::path gen = tmp.path / "services/catalog/src/generated.rs";
  writeText(gen, "pub struct Mine;\n");
  auto report = stamper().stamp(load(tmp.path), {.services = {"catalog"}});
  REQUIRE(report.has_value());
  REQUIRE(report->files.size() == 1);
  CHECK(report->files[0].status == FileStatus::Refused);
  CHECK(report->files[0].reason.find("no forge header") != std::string::npos);
  CHECK(readText(gen) == "pub struct Mine;\n");
}

TEST_CASE("an intent with errors is never stamped and its errors come back", "[gap]") {
  TempDir tmp("invalid");
  copyShop(tmp.path);
  fs::path intent = tmp.path / "services/order/intent.lisp";
  std::string text = readText(intent);
  text.replace(text.find("(field quantity u32)"), 20, "(field quantity u33)");
  writeText(intent, text);
  text = readText(tmp.path / "services/order/src/generated.rs");
  auto report = stamper().stamp(load(tmp.path), {});
  REQUIRE(report.has_value());
  CHECK_FALSE(report->ok());
  bool orderError = false, billingBlocked = false;
  for (const auto& p : report->problems) {
    orderError |= p.file == "services/order/intent.lisp" && p.pos.line > 0 &&
                  p.message.find("u33") != std::string::npos;
    billingBlocked |= p.file == "services/billing/intent.lisp" && p.message.find("depends on order") != std::string::npos;
  }
  CHECK(orderError);
  CHECK(billingBlocked);
  CHECK(std::find(report->stamped.begin(), report->stamped.end(), "order") == report->stamped.end());
  CHECK(std::find(report->stamped.begin(), report->stamped.end(), "user") != report->stamped.end());
  CHECK(readText(tmp.path / "services/order/src/generated.rs") == text);
}

TEST_CASE("unknown service names are a clear error", "[gap]") {
  auto report = stamper().stamp(load(shopDir()), {.services = {"usr"}, .dryRun = true});
  REQUIRE_FALSE(report.has_value());
  CHECK(report.error().message.find("no service 'usr'") != std::string::npos);
}

TEST_CASE("a service whose directory leads outside the universe is refused", "[gap]") {
  TempDir tmp("escape");
  TempDir outside("escape-outside");
  writeText(tmp.path / "universe.lisp", "(universe esc)\n");
  writeText(tmp.path / "svc/intent.lisp", "(service svc (type T (field a i32)))\n");
  fs::create_directory_symlink(outside.path, tmp.path / "svc" / "src");
  auto report = stamper().stamp(load(tmp.path), {});
  REQUIRE(report.has_value());
  CHECK_FALSE(report->ok());
  REQUIRE_FALSE(report->problems.empty());
  CHECK(report->problems[0].message.find("outside the universe root") != std::string::npos);
  CHECK(fs::is_empty(outside.path));
  CHECK_FALSE(insideRoot(tmp.path, "../x"));
  CHECK_FALSE(insideRoot(tmp.path, "/etc/passwd"));
  CHECK(insideRoot(tmp.path, "svc/Cargo.toml"));
}

TEST_CASE("dry run reports diffs and writes nothing", "[gap]") {
  TempDir tmp("dry");
  copyShop(tmp.path);
  fs::path intent = tmp.path / "services/user/intent.lisp";
  std::string text = readText(intent);
  text.replace(text.find("(enum Tier free vip)"), 20, "(enum Tier free vip staff)");
  writeText(intent, text);
  std::string before = readText(tmp.path / "services/user/src/generated.rs");
  auto report = stamper().stamp(load(tmp.path), {.dryRun = true});
  REQUIRE(report.has_value());
  CHECK(report->dryRun);
  CHECK(report->written == 0);
  // user's generated.rs gains the variant; its dependents' only change is
  // the forge-input header line (their input includes user's intent).
  REQUIRE_FALSE(report->files.empty());
  for (const auto& f : report->files) {
    INFO(f.path << "\n" << f.diff);
    CHECK(f.status == FileStatus::Updated);
    if (f.path == "services/user/src/generated.rs") {
      CHECK(f.diff.find("+    Staff,") != std::string::npos);
    } else {
      CHECK(f.path.ends_with("/src/generated.rs"));
      CHECK(f.diff.find("\n-// forge-input: ") != std::string::npos);
      CHECK(f.diff.find("Staff") == std::string::npos);
    }
  }
  CHECK(report->files.back().path == "services/user/src/generated.rs");
  CHECK(readText(tmp.path / "services/user/src/generated.rs") == before);
}

TEST_CASE("forge blocks: only the lines between the markers change", "[gap]") {
  std::string toml = "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\n# forge:begin\nold = 1\n# forge:end\n";
  auto r = replaceForgeBlock(toml, "a = { path = \"../a\" }\n", "x/Cargo.toml");
  REQUIRE(r.has_value());
  CHECK(*r == "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\n# forge:begin\na = { path = \"../a\" }\n# forge:end\n");
  auto missing = replaceForgeBlock("[package]\n", "", "x/Cargo.toml");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("x/Cargo.toml: expected exactly one forge block") == 0);
}
