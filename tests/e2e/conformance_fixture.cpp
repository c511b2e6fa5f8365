// flywheel-conformance-fixture: an MCP server built on flywheel's protocol
// layer that registers the fixture tools, resources and prompts the official
// conformance suite (@modelcontextprotocol/conformance) expects, and serves
// them over Streamable HTTP (or stdio with --stdio).
//
//   flywheel-conformance-fixture --port 8765
#include <spdlog/spdlog.h>

#include <cstring>
#include <iostream>
#include <thread>

#include "server/logging.h"
#include "server/mcp_server.h"
#include "server/transport.h"
#include "tests/e2e/fixture_input_tools.h"

using namespace flywheel;
using namespace flywheel::mcp;
using nlohmann::json;

namespace {

// A 1x1 red PNG and a tiny WAV (44-byte header, 1 sample).
const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const char* kWav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQIAAAAAAA==";

ToolResult content(json blocks) {
  ToolResult r;
  r.content = std::move(blocks);
  return r;
}
json text(const std::string& t) { return json{{"type", "text"}, {"text", t}}; }
void sleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

Result<void> addTool(McpServer& s, std::string name, std::string description, ToolHandler h) {
  return s.addTool({.name = std::move(name), .description = std::move(description), .handler = std::move(h)});
}

ToolResult elicit(ToolContext& ctx, json params) {
  auto r = ctx.requestClient("elicitation/create", std::move(params), std::chrono::seconds(30));
  if (!r) return ToolResult::error(r.error().message);
  std::string summary = "Elicitation completed: action=" + r->value("action", std::string("?")) +
                        ", content=" + r->value("content", json::object()).dump();
  return ToolResult{json::object(), summary, false};
}

Result<void> addContentTools(McpServer& s) {
  std::vector<std::pair<std::string, ToolHandler>> tools = {
      {"test_simple_text", [](const json&, ToolContext&) {
         return content(json::array({text("This is a simple text response for testing.")}));
       }},
      {"test_image_content", [](const json&, ToolContext&) {
         return content(json::array({{{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}}}));
       }},
      {"test_audio_content", [](const json&, ToolContext&) {
         return content(json::array({{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}}));
       }},
      {"test_embedded_resource", [](const json&, ToolContext&) {
         return content(json::array({{{"type", "resource"},
                                      {"resource", {{"uri", "test://embedded-resource"}, {"mimeType", "text/plain"},
                                                    {"text", "This is an embedded resource content."}}}}}));
       }},
      {"test_multiple_content_types", [](const json&, ToolContext&) {
         return content(json::array(
             {text("Multiple content types test:"), {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}},
              {{"type", "resource"},
               {"resource", {{"uri", "test://mixed-content-resource"}, {"mimeType", "application/json"},
                             {"text", R"({"test":"data","value":123})"}}}}}));
       }},
      {"test_error_handling", [](const json&, ToolContext&) {
         return ToolResult::error("This tool intentionally returns an error for testing");
       }},
      {"json_schema_2020_12_tool", [](const json& args, ToolContext&) {
         return content(json::array({text("received " + args.dump())}));
       }},
  };
  for (auto& [name, h] : tools)
    if (auto r = addTool(s, name, "Conformance fixture: " + name, h); !r) return r;
  return {};
}

Result<void> addInteractiveTools(McpServer& s) {
  if (auto r = addTool(s, "test_tool_with_logging", "Logs three messages", [](const json&, ToolContext& ctx) {
        ctx.log(LogLevel::Info, "Tool execution started");
        sleepMs(50);
        ctx.log(LogLevel::Info, "Tool processing data");
        sleepMs(50);
        ctx.log(LogLevel::Info, "Tool execution completed");
        return content(json::array({text("Tool with logging executed successfully")}));
      }); !r) return r;
  if (auto r = addTool(s, "test_tool_with_progress", "Reports progress 0, 50, 100", [](const json&, ToolContext& ctx) {
        for (int p : {0, 50, 100}) {
          ctx.progress(p, 100);
          sleepMs(p < 100 ? 50 : 20);  // the SDK client handles notifications a tick after responses
        }
        return content(json::array({text("Tool with progress executed successfully")}));
      }); !r) return r;
  if (auto r = addTool(s, "test_slow", "Runs until cancelled (or `seconds`)", [](const json& args, ToolContext& ctx) {
        double seconds = args.value("seconds", 30.0);
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
        int step = 0;
        while (!ctx.cancelled() && std::chrono::steady_clock::now() < until) {
          ctx.progress(++step);
          sleepMs(50);
        }
        return content(json::array({text(ctx.cancelled() ? "cancelled" : "done")}));
      }); !r) return r;
  if (auto r = addTool(s, "test_sampling", "Asks the client's LLM", [](const json& args, ToolContext& ctx) {
        json params{{"messages", json::array({{{"role", "user"},
                                               {"content", text(args.value("prompt", std::string()))}}})},
                    {"maxTokens", 100}};
        auto r = ctx.requestClient("sampling/createMessage", params, std::chrono::seconds(30));
        if (!r) return ToolResult::error(r.error().message);
        std::string answer = r->value("content", json::object()).value("text", std::string());
        return content(json::array({text("LLM response: " + answer)}));
      }); !r) return r;
  if (auto r = addTool(s, "test_elicitation", "Asks the user", [](const json& args, ToolContext& ctx) {
        json schema{{"type", "object"},
                    {"properties", {{"username", {{"type", "string"}, {"description", "User's response"}}},
                                    {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                    {"required", {"username", "email"}}};
        return elicit(ctx, {{"message", args.value("message", std::string())}, {"requestedSchema", schema}});
      }); !r) return r;
  if (auto r = addTool(s, "test_elicitation_sep1034_defaults", "Elicitation with defaults", [](const json&, ToolContext& ctx) {
        json props{{"name", {{"type", "string"}, {"default", "John Doe"}}},
                   {"age", {{"type", "integer"}, {"default", 30}}},
                   {"score", {{"type", "number"}, {"default", 95.5}}},
                   {"status", {{"type", "string"}, {"enum", {"active", "inactive", "pending"}}, {"default", "active"}}},
                   {"verified", {{"type", "boolean"}, {"default", true}}}};
        return elicit(ctx, {{"message", "Please review your profile"},
                            {"requestedSchema", {{"type", "object"}, {"properties", props}}}});
      }); !r) return r;
  return addTool(s, "test_elicitation_sep1330_enums", "Elicitation with enums", [](const json&, ToolContext& ctx) {
    json props{
        {"untitledSingle", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}},
        {"titledSingle", {{"type", "string"}, {"oneOf", {{{"const", "value1"}, {"title", "First Option"}},
                                                          {{"const", "value2"}, {"title", "Second Option"}},
                                                          {{"const", "value3"}, {"title", "Third Option"}}}}}},
        {"legacyEnum", {{"type", "string"}, {"enum", {"opt1", "opt2", "opt3"}},
                        {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
        {"untitledMulti", {{"type", "array"}, {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
        {"titledMulti", {{"type", "array"}, {"items", {{"anyOf", {{{"const", "value1"}, {"title", "First Choice"}},
                                                                  {{"const", "value2"}, {"title", "Second Choice"}},
                                                                  {{"const", "value3"}, {"title", "Third Choice"}}}}}}}}};
    return elicit(ctx, {{"message", "Please choose"}, {"requestedSchema", {{"type", "object"}, {"properties", props}}}});
  });
}

Result<void> addResources(McpServer& s) {
  using Contents = Result<std::vector<ResourceContents>>;
  if (auto r = s.addResource({.uri = "test://static-text", .name = "static-text", .description = "A static text resource",
                              .read = [](const std::string& uri) -> Contents {
                                return std::vector<ResourceContents>{
                                    {.uri = uri, .text = "This is the content of the static text resource."}};
                              }}); !r) return r;
  if (auto r = s.addResource({.uri = "test://static-binary", .name = "static-binary", .description = "A PNG",
                              .mimeType = "image/png",
                              .read = [](const std::string& uri) -> Contents {
                                return std::vector<ResourceContents>{{.uri = uri, .mimeType = "image/png", .blob = kPng}};
                              }}); !r) return r;
  if (auto r = s.addResource({.uri = "test://watched-resource", .name = "watched-resource",
                              .description = "A resource to subscribe to",
                              .read = [](const std::string& uri) -> Contents {
                                return std::vector<ResourceContents>{{.uri = uri, .text = "Watched resource content"}};
                              }}); !r) return r;
  return s.addResourceTemplate(
      {.uriTemplate = "test://template/{id}/data", .name = "template", .description = "Data by id",
       .mimeType = "application/json",
       .read = [](const std::string& uri, const std::map<std::string, std::string>& vars) -> Contents {
         const std::string& id = vars.at("id");
         json body{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
         return std::vector<ResourceContents>{{.uri = uri, .mimeType = "application/json", .text = body.dump()}};
       }});
}

Result<void> addPrompts(McpServer& s) {
  using Messages = Result<std::vector<PromptMessage>>;
  using Args = std::map<std::string, std::string>;
  if (auto r = s.addPrompt({.name = "test_simple_prompt", .description = "A simple prompt", .get = [](const Args&) -> Messages {
        return std::vector<PromptMessage>{{.text = "This is a simple prompt for testing."}};
      }}); !r) return r;
  if (auto r = s.addPrompt({.name = "test_prompt_with_arguments", .description = "A prompt with arguments",
                            .arguments = {{.name = "arg1", .description = "First test argument", .required = true},
                                          {.name = "arg2", .description = "Second test argument", .required = true}},
                            .get = [](const Args& a) -> Messages {
                              return std::vector<PromptMessage>{{.text = "Prompt with arguments: arg1='" + a.at("arg1") +
                                                                         "', arg2='" + a.at("arg2") + "'"}};
                            },
                            .complete = [](const std::string&, const std::string& partial) {
                              std::vector<std::string> out;
                              for (std::string v : {"paris", "park", "party", "test", "testing"})
                                if (v.starts_with(partial)) out.push_back(v);
                              return out;
                            }}); !r) return r;
  if (auto r = s.addPrompt({.name = "test_prompt_with_embedded_resource", .description = "Embeds a resource",
                            .arguments = {{.name = "resourceUri", .description = "URI of the resource to embed", .required = true}},
                            .get = [](const Args& a) -> Messages {
                              json res{{"type", "resource"},
                                       {"resource", {{"uri", a.at("resourceUri")}, {"mimeType", "text/plain"},
                                                     {"text", "Embedded resource content for testing."}}}};
                              return std::vector<PromptMessage>{{.content = res},
                                                                {.text = "Please process the embedded resource above."}};
                            }}); !r) return r;
  return s.addPrompt({.name = "test_prompt_with_image", .description = "Shows an image", .get = [](const Args&) -> Messages {
    json img{{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}};
    return std::vector<PromptMessage>{{.content = img}, {.text = "Please analyze the image above."}};
  }});
}

}  // namespace

int main(int argc, char** argv) {
  useStderrLogging();
  int port = 0;
  bool stdio = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--stdio")) stdio = true;
  }
  McpServer server({.name = "flywheel-conformance-fixture", .version = "1.0.0",
                    .instructions = "Fixture server for the MCP conformance suite.", .schemaDir = FIXTURE_SCHEMA_DIR});
  for (auto step : {addContentTools, addInteractiveTools, addResources, addPrompts, addInputRequiredTools})
    if (auto r = step(server); !r) {
      std::cerr << "fixture: " << r.error().message << "\n";
      return 1;
    }
  if (stdio) return makeStdioTransport()->serve(server) ? 0 : 1;
  auto http = makeHttpTransport({.host = "127.0.0.1", .port = port});
  std::thread t([&] {
    if (http->waitListening(5000)) std::cout << "listening on http://127.0.0.1:" << http->boundPort() << "/mcp" << std::endl;
  });
  auto r = http->serve(server);
  t.join();
  if (!r) std::cerr << "fixture: " << r.error().message << "\n";
  return r ? 0 : 1;
}
