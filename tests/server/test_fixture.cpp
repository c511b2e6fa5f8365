#include "test_fixture.h"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <thread>

#include "server/logging.h"

namespace flywheel::mcp::test {

using nlohmann::json;

namespace {

void addTools(McpServer& s) {
  REQUIRE(s.addTool({.name = "echo", .title = "Echo", .description = "Echoes its text",
                     .annotations = {.readOnly = true, .idempotent = true},
                     .handler = [](const json& args, ToolContext&) {
                       std::string text = args["text"];
                       int count = args.value("count", 1);
                       std::string out;
                       for (int i = 0; i < count; ++i) out += text;
                       return ToolResult::ok(json{{"echo", out}});
                     }}));
  REQUIRE(s.addTool({.name = "slow", .description = "Reports progress until cancelled or done",
                     .handler = [](const json& args, ToolContext& ctx) {
                       int steps = args.value("steps", 200);
                       for (int i = 1; i <= steps; ++i) {
                         if (ctx.cancelled()) return ToolResult::ok(json{{"cancelled", true}, {"steps", i}});
                         ctx.progress(i, steps, "step " + std::to_string(i));
                         std::this_thread::sleep_for(std::chrono::milliseconds(10));
                       }
                       return ToolResult::ok(json{{"cancelled", false}, {"steps", steps}});
                     }}));
  REQUIRE(s.addTool({.name = "boom", .description = "Throws",
                     .handler = [](const json&, ToolContext&) -> ToolResult { throw std::runtime_error("kaboom"); }}));
  REQUIRE(s.addTool({.name = "ask", .description = "Asks the client for a name (elicitation)",
                     .handler = [](const json&, ToolContext& ctx) {
                       auto r = ctx.requestClient("elicitation/create",
                                                  json{{"message", "Your name?"},
                                                       {"requestedSchema", {{"type", "object"}}}},
                                                  std::chrono::seconds(5));
                       if (!r) return ToolResult::fromError(r.error());
                       return ToolResult::ok(*r);
                     }}));
  REQUIRE(s.addTool({.name = "big", .description = "Returns 50k characters",
                     .handler = [](const json&, ToolContext&) {
                       return ToolResult::ok(json::object(), std::string(50000, 'x'));
                     }}));
}

void addResourcesAndPrompts(McpServer& s) {
  REQUIRE(s.addResource({.uri = "test://static", .name = "static", .read = [](const std::string& uri)
                                                                        -> Result<std::vector<ResourceContents>> {
                           return std::vector<ResourceContents>{{.uri = uri, .text = "static text"}};
                         }}));
  REQUIRE(s.addResourceTemplate(
      {.uriTemplate = "test://item/{id}",
       .name = "item",
       .read = [](const std::string& uri,
                  const std::map<std::string, std::string>& vars) -> Result<std::vector<ResourceContents>> {
         if (vars.at("id") == "missing") return fail(Error::notFound("no item missing"));
         return std::vector<ResourceContents>{{.uri = uri, .text = "item " + vars.at("id")}};
       },
       .complete = [](const std::string&, const std::string& partial) {
         std::vector<std::string> out;
         for (std::string v : {"apple", "apricot", "banana"})
           if (v.starts_with(partial)) out.push_back(v);
         return out;
       }}));
  REQUIRE(s.addPrompt({.name = "greet",
                       .description = "Greets someone",
                       .arguments = {{.name = "who", .required = true}},
                       .get = [](const std::map<std::string, std::string>& args)
                           -> Result<std::vector<PromptMessage>> {
                         return std::vector<PromptMessage>{{.text = "Hello " + args.at("who")}};
                       }}));
}

}  // namespace

std::unique_ptr<McpServer> makeTestServer(std::size_t pageSize, std::chrono::seconds sessionIdleTimeout) {
  useStderrLogging();
  auto s = std::make_unique<McpServer>(ServerOptions{.name = "test", .version = "1", .instructions = "be nice",
                                                     .schemaDir = TEST_SCHEMA_DIR, .workerThreads = 4,
                                                     .pageSize = pageSize, .sessionIdleTimeout = sessionIdleTimeout});
  addTools(*s);
  addResourcesAndPrompts(*s);
  return s;
}

}  // namespace flywheel::mcp::test
