// What a stamped crate cannot express, and the documented answer to each
// (docs/forge.md, "What a stamped crate cannot express"): hand-made Cargo.toml
// sections outside the forge block are kept; a type reached only
// transitively is named after a `(use ...)` or `(depends-on ...)` gives the
// crate a direct dependency; lib.rs is yours (a `pub use custom::*;` stays);
// stamping writes no .gitignore; a new pure-utility stub is `todo!()`.
#include <catch2/catch.hpp>

#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

TEST_CASE("a stamped crate keeps what Forge does not own, and an intent names every dependency", "[conventions]") {
  TempDir tmp("conventions");
  copyShop(tmp.path);
  const fs::path cargo = tmp.path / "services/catalog/Cargo.toml";
  const fs::path lib = tmp.path / "services/catalog/src/lib.rs";
  // A test that needs another service's types: a hand-made [dev-dependencies].
  writeText(cargo, readText(cargo) + "\n[dev-dependencies]\nuser = { path = \"../user\" }\n");
  // Every public item of custom.rs re-exported at once.
  std::string libText = readText(lib);
  libText.replace(libText.find("pub use generated::*;"), 21, "pub use custom::*;\npub use generated::*;");
  writeText(lib, libText);
  // catalog now names user's types: the intent says so, and Forge adds the dependency.
  const fs::path intent = tmp.path / "services/catalog/intent.lisp";
  std::string text = readText(intent);
  text.replace(text.find("  (alias Sku String)"), 20, "  (use user Email)\n  (alias Sku String)");
  writeText(intent, text);

  auto report = stamper().stamp(load(tmp.path), {.services = {"catalog"}});
  REQUIRE(report.has_value());
  INFO(report->problems.size());
  CHECK(report->ok());
  const std::string after = readText(cargo);
  INFO(after);
  CHECK(after.find("user = { path = \"../user\" }\n# forge:end") != std::string::npos);  // the intent's dependency
  CHECK(after.find("[dev-dependencies]\nuser = { path = \"../user\" }") != std::string::npos);  // kept
  CHECK(readText(lib) == libText);  // lib.rs is yours
  CHECK_FALSE(fs::exists(tmp.path / "services/catalog/.gitignore"));  // /target is the workspace's to ignore
  for (const auto& f : report->files) CHECK(f.path.find(".gitignore") == std::string::npos);
}

TEST_CASE("a new pure-utility stub is todo!() naming what to implement", "[conventions]") {
  TempDir tmp("conventions-stub");
  copyShop(tmp.path);
  fs::remove(tmp.path / "services/catalog/src/custom.rs");
  auto report = stamper().stamp(load(tmp.path), {.services = {"catalog"}});
  REQUIRE(report.has_value());
  const std::string custom = readText(tmp.path / "services/catalog/src/custom.rs");
  INFO(custom);
  CHECK(custom.find("todo!(") != std::string::npos);
  CHECK(custom.find("impl PriceWithTaxFn for PriceWithTax") != std::string::npos);
}
