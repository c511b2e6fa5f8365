// The Rust templates compiled into flywheel are the source tree's, and a
// directory override still works (FLYWHEEL_HOME).
#include <catch2/catch.hpp>

#include <filesystem>

#include "forge/template_set.h"

using flywheel::forge::TemplateSet;

TEST_CASE("built-in templates load without a source tree and match forge/templates/rust", "[forge]") {
  auto builtin = TemplateSet::load(TemplateSet::rustDir({}));
  INFO((builtin ? std::string() : builtin.error().message));
  REQUIRE(builtin);
  CHECK(builtin->dir().empty());
  auto onDisk = TemplateSet::load(TemplateSet::rustDir(FLYWHEEL_SOURCE_DIR));
  REQUIRE(onDisk);
  CHECK(builtin->fingerprint() == onDisk->fingerprint());
}

TEST_CASE("a template directory that does not exist names the fix", "[forge]") {
  auto missing = TemplateSet::load("/nonexistent/flywheel-home/forge/templates/rust");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains("FLYWHEEL_HOME"));
}
