// The fast no-op: a stamp skips rendering a service whose recorded input hash
// still matches an intact generated.rs, and renders again whenever anything
// it depends on changed (its intent, an upstream intent, a template), or the
// file on disk is not exactly what Forge wrote.
#include <catch2/catch.hpp>

#include <set>

#include "forge/generation_gap.h"
#include "forge/input_hash.h"
#include "forge/stamp_plan.h"
#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

namespace {

/// Services whose generated.rs a stamp of `loaded` would render.
std::set<std::string> rendered(const Stamper& st, const universe::LoadedUniverse& loaded) {
  auto plan = planStamp(st.templates(), loaded, {});
  REQUIRE(plan.has_value());
  std::set<std::string> out;
  for (const auto& f : plan->files)
    if (f.rule == PlannedFile::Rule::Generated) out.insert(f.service);
  return out;
}

/// `name` and every service that depends on it, transitively.
std::set<std::string> withDependents(const universe::Universe& u, const std::string& name) {
  std::set<std::string> out{name};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& s : u.services)
      for (const auto& d : s.allDependencies)
        if (out.contains(d) && out.insert(s.name).second) grew = true;
  }
  return out;
}

}  // namespace

TEST_CASE("a no-op stamp of the stamped example renders nothing", "[noop]") {
  auto loaded = load(shopDir());
  CHECK(rendered(stamper(), loaded).empty());
  auto plan = planStamp(stamper().templates(), loaded, {});
  REQUIRE(plan.has_value());
  CHECK(plan->verified == 15);  // 5 x (generated.rs, lib.rs, custom.rs)
  CHECK(plan->files.size() == 6);  // 5 crate manifests + the workspace, still checked
}

TEST_CASE("the recorded input names the hash and the dependencies of the render", "[noop]") {
  auto loaded = load(shopDir());
  InputHasher hasher(loaded.universe, stamper().templates());
  for (const auto& s : loaded.universe.services) {
    INFO(s.name);
    auto text = readText(shopDir() / s.dir / "src" / "generated.rs");
    auto recorded = recordedInput(text);
    REQUIRE(recorded.has_value());
    CHECK(recorded->hash == hasher.of(s).hex);
    CHECK(hasher.of(s).skippable);
    std::set<std::string> deps(recorded->deps.begin(), recorded->deps.end());
    std::set<std::string> declared(s.allDependencies.begin(), s.allDependencies.end());
    CHECK(deps == declared);
  }
}

TEST_CASE("changing an intent re-renders it and everything downstream, and nothing else", "[noop]") {
  TempDir tmp("noop-upstream");
  copyShop(tmp.path);
  fs::path intent = tmp.path / "services/user/intent.lisp";
  std::string text = readText(intent);
  text.replace(text.find("(enum Tier free vip)"), 20, "(enum Tier free vip staff)");
  writeText(intent, text);
  auto loaded = load(tmp.path);
  auto expected = withDependents(loaded.universe, "user");
  CHECK(expected.size() > 1);
  CHECK(expected.size() < loaded.universe.services.size());
  CHECK(rendered(stamper(), loaded) == expected);
  auto report = stamper().stamp(loaded, {});
  REQUIRE(report.has_value());
  CHECK(report->ok());
  // Every generated.rs on disk is now what a full render gives.
  for (const auto& s : loaded.universe.services) {
    INFO(s.name);
    CHECK(readText(tmp.path / s.dir / "src/generated.rs") == *stamper().renderGenerated(loaded.universe, s));
  }
  CHECK(rendered(stamper(), load(tmp.path)).empty());
}

TEST_CASE("changing a template re-renders every service", "[noop]") {
  TempDir tmp("noop-template");
  copyShop(tmp.path / "u");
  fs::copy(templatesDir(), tmp.path / "templates");
  fs::path alias = tmp.path / "templates" / "alias.tmpl";
  std::string text = readText(alias);
  text.replace(text.find("(alias)."), 8, "(an alias).");
  writeText(alias, text);
  auto edited = Stamper::create(tmp.path / "templates");
  REQUIRE(edited.has_value());
  CHECK(edited->templates().fingerprint() != stamper().templates().fingerprint());
  auto loaded = load(tmp.path / "u");
  CHECK(rendered(*edited, loaded).size() == loaded.universe.services.size());
  auto report = edited->stamp(loaded, {});
  REQUIRE(report.has_value());
  CHECK(report->ok());
  CHECK(report->written == loaded.universe.services.size());  // every header's input hash changed
  CHECK(readText(tmp.path / "u/services/catalog/src/generated.rs").find("(an alias).") != std::string::npos);
  CHECK(edited->stamp(load(tmp.path / "u"), {})->written == 0);
}

TEST_CASE("a file not exactly as Forge wrote it is rendered again", "[noop]") {
  TempDir tmp("noop-verify");
  copyShop(tmp.path);
  auto loaded = load(tmp.path);
  fs::path gen = tmp.path / "services/catalog/src/generated.rs";
  std::string original = readText(gen);

  SECTION("a hand edit below the header is still refused") {
    std::string edited = original + "// mine\n";
    writeText(gen, edited);
    CHECK(rendered(stamper(), loaded) == std::set<std::string>{"catalog"});
    auto report = stamper().stamp(loaded, {});
    REQUIRE(report.has_value());
    REQUIRE(report->files.size() == 1);
    CHECK(report->files[0].status == FileStatus::Refused);
    CHECK(readText(gen) == edited);
  }
  SECTION("an edited header line is restored") {
    std::string edited = original;
    edited.replace(edited.find("DO NOT EDIT"), 11, "PLEASE EDIT");
    writeText(gen, edited);
    auto report = stamper().stamp(loaded, {});
    REQUIRE(report.has_value());
    CHECK(report->written == 1);
    CHECK(readText(gen) == original);
  }
  SECTION("a header from an older Forge (no forge-input line) is upgraded, not refused") {
    std::string old = original;
    size_t at = old.find("// forge-input: ");
    old.erase(at, old.find('\n', at) + 1 - at);
    writeText(gen, old);
    CHECK(inspectGenerated(old) == GeneratedState::Intact);
    auto report = stamper().stamp(loaded, {});
    REQUIRE(report.has_value());
    CHECK(report->ok());
    CHECK(report->written == 1);
    CHECK(readText(gen) == original);
  }
  SECTION("a missing custom.rs is created again") {
    fs::remove(tmp.path / "services/catalog/src/custom.rs");
    auto report = stamper().stamp(loaded, {});
    REQUIRE(report.has_value());
    CHECK(report->written == 1);
    CHECK(fs::exists(tmp.path / "services/catalog/src/custom.rs"));
    CHECK(readText(gen) == original);
  }
  SECTION("a hand-edited Cargo.toml forge block is repaired without rendering") {
    fs::path toml = tmp.path / "services/billing/Cargo.toml";
    std::string before = readText(toml);
    std::string edited = before;
    size_t end = edited.find("# forge:end");
    edited.insert(end, "bogus = { path = \"../bogus\" }\n");
    writeText(toml, edited);
    CHECK(rendered(stamper(), loaded).empty());
    auto report = stamper().stamp(loaded, {});
    REQUIRE(report.has_value());
    CHECK(report->written == 1);
    CHECK(readText(toml) == before);
  }
}

TEST_CASE("services on a dependency cycle are always rendered, deterministically", "[noop]") {
  TempDir tmp("noop-cycle");
  writeText(tmp.path / "universe.lisp", "(universe cyc)\n");
  writeText(tmp.path / "a/intent.lisp", "(service a (depends-on b) (type T (field x i32)))\n");
  writeText(tmp.path / "b/intent.lisp", "(service b (depends-on a) (type U (field t a/T)))\n");
  auto loaded = universe::loadUniverse(tmp.path);
  REQUIRE(loaded.has_value());
  REQUIRE(loaded->universe.services.size() == 2);
  InputHasher one(loaded->universe, stamper().templates()), two(loaded->universe, stamper().templates());
  const auto& svcs = loaded->universe.services;
  auto a1 = one.of(svcs[0]), b1 = one.of(svcs[1]);
  auto b2 = two.of(svcs[1]), a2 = two.of(svcs[0]);
  CHECK(a1.hex == a2.hex);
  CHECK(b1.hex == b2.hex);
  CHECK_FALSE(a1.skippable);
  CHECK_FALSE(b1.skippable);
}
