// Tool registration and schema validation.
#include <catch2/catch.hpp>

#include "server/instructions.h"
#include "server/schema_validator.h"
#include "server/tool_registry.h"

using namespace flywheel;
using namespace flywheel::mcp;
using nlohmann::json;

namespace {
ToolSpec spec(std::string name) {
  return {.name = std::move(name), .handler = [](const json&, ToolContext&) { return ToolResult::ok({}); }};
}
}  // namespace

TEST_CASE("the registry refuses tools without a schema, with a bad name, or twice", "[registry]") {
  ToolRegistry reg(TEST_SCHEMA_DIR);
  REQUIRE(reg.addTool(spec("echo")));
  auto twice = reg.addTool(spec("echo"));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message.find("registered twice") != std::string::npos);
  auto missing = reg.addTool(spec("no_such_tool"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("no_such_tool.json is missing") != std::string::npos);
  auto mismatch = reg.addTool(spec("bad_name"));
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().message.find("\"other\"") != std::string::npos);
  CHECK_FALSE(reg.addTool(spec("has space")));
  ToolSpec noHandler{.name = "slow"};
  CHECK_FALSE(reg.addTool(noHandler));
  CHECK(reg.toolNames() == std::vector<std::string>{"echo"});
}

TEST_CASE("tools/list descriptors carry schemas, title and annotations", "[registry]") {
  ToolRegistry reg(TEST_SCHEMA_DIR, 1);
  auto s = spec("echo");
  s.title = "Echo";
  s.annotations.readOnly = true;
  REQUIRE(reg.addTool(s));
  REQUIRE(reg.addTool(spec("slow")));
  auto first = reg.listTools(0);
  REQUIRE(first);
  REQUIRE(first->items.size() == 1);
  const json& d = first->items[0];
  CHECK(d["name"] == "echo");
  CHECK(d["title"] == "Echo");
  CHECK(d["annotations"]["readOnlyHint"] == true);
  CHECK(d["inputSchema"]["required"] == json::array({"text"}));
  CHECK(d["outputSchema"]["type"] == "object");
  REQUIRE(first->nextCursor == "o1");
  auto second = reg.listTools(1);
  REQUIRE(second);
  CHECK(second->items[0]["name"] == "slow");
  CHECK(second->nextCursor.empty());
  CHECK_FALSE(reg.listTools(5));
}

TEST_CASE("schema validation names the path and the expected type", "[schema]") {
  auto v = SchemaValidator::compile(json::parse(R"({"type":"object","properties":{
      "limit":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}},"required":["limit"]})"));
  REQUIRE(v);
  CHECK_FALSE(v->validate(json{{"limit", 3}}, "arguments"));
  auto wrong = v->validate(json{{"limit", "3"}}, "arguments");
  REQUIRE(wrong);
  CHECK(*wrong == "at arguments.limit: expected integer (got string)");
  auto item = v->validate(json{{"limit", 1}, {"tags", {"a", 2}}}, "arguments");
  REQUIRE(item);
  CHECK(*item == "at arguments.tags[1]: expected string (got integer)");
  auto missing = v->validate(json::object(), "arguments");
  REQUIRE(missing);
  CHECK(missing->find("limit") != std::string::npos);
  CHECK_FALSE(SchemaValidator::compile(json::array()));
}

TEST_CASE("uri templates match level-1 variables", "[registry]") {
  std::map<std::string, std::string> vars;
  CHECK(matchUriTemplate("flywheel://intent/{service}", "flywheel://intent/user", vars));
  CHECK(vars["service"] == "user");
  CHECK_FALSE(matchUriTemplate("flywheel://intent/{service}", "flywheel://intent/a/b", vars));
  CHECK_FALSE(matchUriTemplate("flywheel://intent/{service}", "flywheel://intent/", vars));
  CHECK(matchUriTemplate("test://template/{id}/data", "test://template/123/data", vars));
  CHECK(vars["id"] == "123");
}

TEST_CASE("the instructions stay under 2 KB", "[registry]") {
  CHECK(flywheelInstructions().size() < 2048);
  CHECK(flywheelInstructions().find("cascade_start") != std::string::npos);
}
