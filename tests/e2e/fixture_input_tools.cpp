// The conformance fixture's tools for protocol 2026-07-28: multi-round
// ("input required") tools, the diagnostic tools of the server-stateless
// scenario, and a prompt that asks for input. The handlers are written once,
// against ToolContext: in a 2025-11-25 session their requestClientAs calls
// are real server-to-client requests; under 2026-07-28 the protocol layer
// turns them into input-required rounds.
#include "tests/e2e/fixture_input_tools.h"

namespace flywheel::mcp {

using nlohmann::json;

namespace {

json text(const std::string& t) { return json{{"type", "text"}, {"text", t}}; }

ToolResult reply(const std::string& t) {
  ToolResult r;
  r.content = json::array({text(t)});
  return r;
}

json ask(const std::string& message, const std::string& field, const std::string& type) {
  return json{{"message", message},
              {"requestedSchema",
               {{"type", "object"}, {"properties", {{field, {{"type", type}}}}}, {"required", {field}}}}};
}

json sample(const std::string& prompt, int maxTokens) {
  return json{{"messages", json::array({{{"role", "user"}, {"content", text(prompt)}}})}, {"maxTokens", maxTokens}};
}

std::string field(const Result<json>& r, const std::string& name) {
  if (!r) return "?";
  json content = r->value("content", json::object());
  return content.is_object() && content.contains(name) ? (content[name].is_string() ? content[name].get<std::string>()
                                                                                     : content[name].dump())
                                                       : "?";
}

std::string sampled(const Result<json>& r) { return r ? r->value("content", json::object()).value("text", "?") : "?"; }

std::string roots(const Result<json>& r) {
  std::string out;
  if (r)
    for (const auto& root : r->value("roots", json::array())) out += (out.empty() ? "" : ", ") + root.value("uri", "?");
  return out;
}

Result<void> add(McpServer& s, std::string name, ToolHandler h) {
  return s.addTool({.name = std::move(name), .description = "Conformance fixture (2026-07-28)", .handler = std::move(h)});
}

}  // namespace

Result<void> addInputRequiredTools(McpServer& s) {
  std::vector<std::pair<std::string, ToolHandler>> tools = {
      {"test_input_required_result_elicitation", [](const json&, ToolContext& ctx) {
         auto r = ctx.requestClientAs("user_name", "elicitation/create", ask("What is your name?", "name", "string"));
         return r ? reply("Hello, " + field(r, "name") + "!") : ToolResult::error(r.error().message);
       }},
      {"test_input_required_result_sampling", [](const json&, ToolContext& ctx) {
         auto r = ctx.requestClientAs("capital_question", "sampling/createMessage",
                                      sample("What is the capital of France?", 100));
         return r ? reply("LLM response: " + sampled(r)) : ToolResult::error(r.error().message);
       }},
      {"test_input_required_result_list_roots", [](const json&, ToolContext& ctx) {
         auto r = ctx.requestClientAs("client_roots", "roots/list", json::object());
         return r ? reply("Client roots: " + roots(r)) : ToolResult::error(r.error().message);
       }},
      {"test_input_required_result_request_state", [](const json&, ToolContext& ctx) {
         auto r = ctx.requestClientAs("confirm", "elicitation/create", ask("Please confirm", "ok", "boolean"));
         return r ? reply("state-ok: confirmed=" + field(r, "ok")) : ToolResult::error(r.error().message);
       }},
      {"test_input_required_result_tampered_state", [](const json&, ToolContext& ctx) {
         auto r = ctx.requestClientAs("confirm", "elicitation/create", ask("Please confirm", "ok", "boolean"));
         return r ? reply("state-ok: confirmed=" + field(r, "ok")) : ToolResult::error(r.error().message);
       }},
      {"test_input_required_result_multiple_inputs", [](const json&, ToolContext& ctx) {
         // Ask for everything first: under 2026-07-28 all three go out in one round.
         auto name = ctx.requestClientAs("user_name", "elicitation/create", ask("What is your name?", "name", "string"));
         auto greeting = ctx.requestClientAs("greeting", "sampling/createMessage", sample("Generate a greeting", 50));
         auto rs = ctx.requestClientAs("client_roots", "roots/list", json::object());
         for (const auto* r : {&name, &greeting, &rs})
           if (!*r) return ToolResult::error(r->error().message);
         return reply("name=" + field(name, "name") + ", greeting=" + sampled(greeting) + ", roots=" + roots(rs));
       }},
      {"test_input_required_result_multi_round", [](const json&, ToolContext& ctx) {
         auto name = ctx.requestClientAs("step1", "elicitation/create", ask("Step 1: What is your name?", "name", "string"));
         if (!name) return ToolResult::error(name.error().message);
         auto color = ctx.requestClientAs("step2", "elicitation/create",
                                          ask("Step 2: What is your favorite color?", "color", "string"));
         if (!color) return ToolResult::error(color.error().message);
         return reply(field(name, "name") + " likes " + field(color, "color"));
       }},
      {"test_input_required_result_capabilities", [](const json&, ToolContext& ctx) {
         json caps = ctx.clientCapabilities();
         std::string out;
         if (caps.contains("sampling"))
           if (auto r = ctx.requestClientAs("sample", "sampling/createMessage", sample("Say hello", 20)); r)
             out += "sampling=" + sampled(r) + " ";
         if (caps.contains("elicitation"))
           if (auto r = ctx.requestClientAs("ask", "elicitation/create", ask("Your name?", "name", "string")); r)
             out += "elicitation=" + field(r, "name") + " ";
         return reply("used: " + (out.empty() ? std::string("nothing (no capability declared)") : out));
       }},
      {"test_missing_capability", [](const json&, ToolContext& ctx) {
         auto r = ctx.requestClientAs("sample", "sampling/createMessage", sample("Say hello", 20));
         return r ? reply("sampled: " + sampled(r)) : ToolResult::error(r.error().message);
       }},
      {"test_streaming_elicitation", [](const json&, ToolContext& ctx) {
         auto r = ctx.requestClientAs("user_name", "elicitation/create", ask("What is your name?", "name", "string"));
         return r ? reply("Hello, " + field(r, "name") + "!") : ToolResult::error(r.error().message);
       }},
      {"test_logging_tool", [](const json&, ToolContext& ctx) {
         ctx.log(LogLevel::Info, "test_logging_tool ran");
         return reply("logged one message");
       }},
      {"test_trigger_tool_change", [&s](const json&, ToolContext&) {
         s.notifyToolListChanged();  // the fixture's catalogue is fixed: only the notification is exercised
         return reply("announced a tool list change");
       }},
      {"test_trigger_prompt_change", [&s](const json&, ToolContext&) {
         s.notifyPromptListChanged();
         return reply("announced a prompt list change");
       }},
  };
  for (auto& [name, h] : tools)
    if (auto r = add(s, name, h); !r) return r;
  using Args = std::map<std::string, std::string>;
  return s.addPrompt(
      {.name = "test_input_required_result_prompt",
       .description = "A prompt that asks the user for context first",
       .getWithContext = [](const Args&, ToolContext& ctx) -> Result<std::vector<PromptMessage>> {
         auto r = ctx.requestClientAs("user_context", "elicitation/create",
                                      ask("What context should the prompt use?", "context", "string"));
         if (!r) return fail(r.error());
         return std::vector<PromptMessage>{{.text = "Use this context: " + field(r, "context")}};
       }});
}

}  // namespace flywheel::mcp
