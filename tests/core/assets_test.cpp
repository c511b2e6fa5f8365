// The built-in assets are byte-identical to the files in the source tree, and
// the Forge template set and the tool registry load from them alone.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/assets.h"
#include "tests/support/files.h"

namespace fs = std::filesystem;

using flywheel::test::slurp;

TEST_CASE("every template and tool schema of the source tree is built in, byte for byte", "[assets]") {
  const fs::path src = FLYWHEEL_SOURCE_DIR;
  int checked = 0;
  for (const char* dir : {"forge/templates/rust", "schemas/tools"}) {
    for (const auto& entry : fs::directory_iterator(src / dir)) {
      std::string rel = fs::relative(entry.path(), src).generic_string();
      INFO(rel);
      auto text = flywheel::builtinAsset(rel);
      REQUIRE(text.has_value());
      CHECK(*text == slurp(entry.path()));
      ++checked;
    }
  }
  CHECK(checked > 40);
  CHECK(flywheel::builtinAssetsUnder("schemas/tools/").size() == static_cast<std::size_t>(
            std::distance(fs::directory_iterator(src / "schemas/tools"), fs::directory_iterator())));
  CHECK_FALSE(flywheel::builtinAsset("schemas/tools/no_such_tool.json"));
  CHECK_FALSE(flywheel::builtinAsset("../etc/passwd"));
}
