// docs/forge.md's examples: golden generated.rs per pattern, and every
// custom.rs example compiles and passes its tests against stamped code.
#include <catch2/catch.hpp>

#include <sstream>

#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

namespace {

/// The fenced blocks of docs/forge.md whose first line names a file
/// (`;; file: PATH` or `// file: PATH`): path -> content.
std::vector<std::pair<std::string, std::string>> docFiles() {
  std::istringstream in(readText(fs::path(FLYWHEEL_SOURCE_DIR) / "docs" / "forge.md"));
  std::vector<std::pair<std::string, std::string>> files;
  std::string line, body, path;
  bool inBlock = false;
  while (std::getline(in, line)) {
    if (line.starts_with("```")) {
      if (inBlock && !path.empty()) files.push_back({path, body});
      inBlock = !inBlock;
      body.clear();
      path.clear();
      continue;
    }
    if (!inBlock) continue;
    if (body.empty() && (line.starts_with(";; file: ") || line.starts_with("// file: "))) path = line.substr(9);
    body += line + "\n";
  }
  return files;
}

fs::path goldenDir() { return fs::path(FLYWHEEL_SOURCE_DIR) / "tests" / "forge" / "golden"; }

}  // namespace

TEST_CASE("golden generated.rs for every pattern in docs/forge.md", "[golden]") {
  std::vector<std::pair<std::string, std::string>> intents{{"universe.lisp", "(universe docs)\n"}};
  for (const auto& [path, text] : docFiles())
    if (path.ends_with("intent.lisp")) intents.push_back({path, text});
  REQUIRE(intents.size() == 11);  // universe.lisp + one service per pattern + the rpc-gateway's callee
  auto loaded = universe::loadUniverseFromFiles("/nonexistent/docs-universe", intents);
  for (const auto& d : loaded.diagnostics) INFO(d.toString());
  REQUIRE(loaded.diagnostics.empty());
  bool update = std::getenv("FORGE_UPDATE_GOLDEN") != nullptr;
  for (const auto& s : loaded.universe.services) {
    INFO(s.name);
    auto generated = stamper().renderGenerated(loaded.universe, s);
    REQUIRE(generated.has_value());
    fs::path golden = goldenDir() / (s.name + ".rs");
    if (update) writeText(golden, *generated);
    CHECK(*generated == readText(golden));
  }
}

TEST_CASE("golden files are rustfmt-clean", "[cargo]") {
  std::string out;
  int rc = run("rustfmt --edition 2021 --check *.rs", goldenDir(), &out);
  INFO(out);
  CHECK(rc == 0);
}

TEST_CASE("docs examples compile and pass their tests", "[cargo]") {
  TempDir tmp("docs-universe");
  writeText(tmp.path / "universe.lisp", "(universe docs)\n");
  for (const auto& [path, text] : docFiles())
    if (path.ends_with("intent.lisp")) writeText(tmp.path / path, text);
  // A fresh universe (Forge's stub custom.rs everywhere) must compile too.
  requireStampsClippyClean(tmp.path);
  for (const auto& [path, text] : docFiles())
    if (path.ends_with("custom.rs")) writeText(tmp.path / path, text);
  std::string out;
  int rc = cargoInSharedTarget("test --offline --workspace", tmp.path, &out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("test result: FAILED") == std::string::npos);
}
