// flywheel's real tool catalogue: every tool that registerAllTools registers
// (with a temporary universe) has a usable input and output schema, a
// description and annotations, and every example in its schema file passes
// its input schema.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/logging.h"
#include "server/mcp_server.h"
#include "server/schema_validator.h"
#include "tools/tool_groups.h"

using namespace flywheel;
using namespace flywheel::mcp;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path tempUniverse() {
  fs::path dir = fs::temp_directory_path() / ("flywheel-catalog-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path shop = fs::path(FLYWHEEL_SOURCE_DIR) / "examples" / "shop";
  if (fs::exists(shop)) fs::copy(shop, dir, fs::copy_options::recursive);
  return dir;
}

json readJson(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

}  // namespace

TEST_CASE("every registered tool has valid schemas and passing examples", "[catalog]") {
  useStderrLogging();
  fs::path universe = tempUniverse();
  tools::AppConfig config{.universeRoot = universe, .stateDir = universe / ".flywheel", .sourceDir = FLYWHEEL_SOURCE_DIR};
  McpServer server({.schemaDir = fs::path(FLYWHEEL_SOURCE_DIR) / "schemas"});
  auto registered = tools::registerAllTools(server, config);
  INFO((registered ? std::string("registered") : registered.error().message));
  REQUIRE(registered);
  auto names = server.registry().toolNames();
  WARN("tools registered: " << names.size());
  for (const auto& name : names) {
    INFO("tool " << name);
    auto tool = server.registry().findTool(name);
    REQUIRE(tool);
    CHECK_FALSE(tool->spec.description.empty());
    CHECK(tool->inputSchema["type"] == "object");
    CHECK(tool->outputSchema.is_object());
    CHECK(tool->outputSchema.value("type", "") == "object");
    json file = readJson(fs::path(FLYWHEEL_SOURCE_DIR) / "schemas" / "tools" / (name + ".json"));
    REQUIRE(file.contains("examples"));
    REQUIRE(file["examples"].is_array());
    CHECK_FALSE(file["examples"].empty());
    for (const auto& example : file["examples"]) {
      INFO("example " << example.dump());
      REQUIRE(example.contains("arguments"));
      auto bad = tool->input.validate(example["arguments"], "arguments");
      CHECK_FALSE(bad);
      if (bad) WARN(*bad);
    }
  }
  fs::remove_all(universe);
}
