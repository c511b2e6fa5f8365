// A template set with overrides: the built-in (or a directory's) templates
// with override directories on top; a same-named file replaces, a new one
// adds, and the fingerprint covers the result.
#include <catch2/catch.hpp>

#include <filesystem>

#include "forge/template_set.h"
#include "forge_test_util.h"

using flywheel::forge::TemplateSet;
using namespace flywheel::forge::test;
namespace fs = std::filesystem;

TEST_CASE("override directories replace and add templates over the built-in set", "[forge][templates]") {
  TempDir dir("template-overrides");
  const fs::path first = dir.path / "universe", second = dir.path / "proposal", empty = dir.path / "empty";
  writeText(first / "header.tmpl", "// first header for {{service}}\n");
  writeText(first / "notes.tmpl", "notes of {{service}}\n");
  writeText(first / "README.md", "not a template\n");
  writeText(second / "header.tmpl", "// second header for {{service}}\n");
  fs::create_directories(empty);

  auto builtin = TemplateSet::load({});
  REQUIRE(builtin);
  const flywheel::forge::TemplateObject ctx{{"service", "billing"}};
  CHECK(builtin->render("notes", ctx).empty());

  auto over = TemplateSet::load({}, {first});
  INFO((over ? std::string() : over.error().message));
  REQUIRE(over);
  CHECK(over->render("header", ctx) == "// first header for billing\n");
  CHECK(over->render("notes", ctx) == "notes of billing\n");
  CHECK(over->render("struct", {}) == builtin->render("struct", {}));  // untouched templates stay built in
  CHECK(over->fingerprint() != builtin->fingerprint());
  CHECK(over->overrideDirs() == std::vector<fs::path>{first});

  // Later directories win; an empty one changes nothing.
  auto both = TemplateSet::load({}, {first, second, empty});
  REQUIRE(both);
  CHECK(both->render("header", ctx) == "// second header for billing\n");
  CHECK(both->render("notes", ctx) == "notes of billing\n");
  CHECK(both->fingerprint() != over->fingerprint());
  auto none = TemplateSet::load({}, {empty});
  REQUIRE(none);
  CHECK(none->fingerprint() == builtin->fingerprint());

  // The same result from a base directory on disk.
  auto onDisk = TemplateSet::load(TemplateSet::rustDir(FLYWHEEL_SOURCE_DIR), {first, second});
  REQUIRE(onDisk);
  CHECK(onDisk->fingerprint() == both->fingerprint());
}

TEST_CASE("a missing or broken override directory is an error naming it", "[forge][templates]") {
  TempDir dir("template-overrides-bad");
  auto missing = TemplateSet::load({}, {dir.path / "nope"});
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains((dir.path / "nope").string()));
  CHECK_THAT(missing.error().message, Catch::Contains("override"));

  writeText(dir.path / "bad" / "header.tmpl", "{{#open}} never closed\n");
  auto broken = TemplateSet::load({}, {dir.path / "bad"});
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::Contains("header.tmpl"));
}
