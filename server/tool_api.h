// The surface that tool groups register against.
//
// A tool group (tools/graph_tools.cpp, tools/kb_tools.cpp, ...) knows JSON and
// one domain API, and nothing about JSON-RPC, sessions or transports. It adds
// tools, resources, resource templates and prompts to a Registry in the style
// of the MCP SDKs' registerTool: one call carries the name, title,
// description, annotations and handler; the input and output JSON Schemas come
// from `schemas/tools/<name>.json` (the registry refuses a tool without one).
//
//   registry.addTool({
//       .name = "kb_search",
//       .title = "Search the knowledge base",
//       .description = "...",
//       .annotations = {.readOnly = true, .idempotent = true},
//       .handler = [kb](const nlohmann::json& args, ToolContext& ctx) -> ToolResult {
//         KbSearchParams p;
//         if (auto r = readKbSearchParams(args, p); !r) return ToolResult::error(r.error().message);
//         ...
//         return ToolResult::ok(toJson(result));
//       }});
//
// Threads: handlers run on worker threads, possibly several at once; a
// handler must be safe to call concurrently with itself and with others.
// Arguments have already been validated against the input schema when the
// handler runs; the structured result is validated against the output schema
// in tests.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace flywheel::mcp {

enum class LogLevel { Debug, Info, Notice, Warning, Error, Critical, Alert, Emergency };

/// What a running handler can do besides computing its result. Owned by the
/// server; valid only for the duration of the handler call.
class ToolContext {
 public:
  virtual ~ToolContext() = default;
  /// True once the client cancelled the request (notifications/cancelled),
  /// the session ended or the server is shutting down. Poll it in long work.
  virtual bool cancelled() const = 0;
  /// The flag behind cancelled(), for code that hands it to child-process
  /// runners. Lives as long as the handler call.
  virtual const std::atomic<bool>& cancelFlag() const = 0;
  /// Sends notifications/progress when the request carried a progressToken;
  /// a no-op otherwise. `progress` must increase between calls.
  virtual void progress(double progress, std::optional<double> total = std::nullopt,
                        std::string_view message = {}) = 0;
  /// Sends notifications/message when the session's log level admits it,
  /// and always logs to the server's own log.
  virtual void log(LogLevel level, std::string_view message) = 0;
  /// Sends a request to the client (sampling/createMessage, elicitation/create,
  /// roots/list) on behalf of this call and waits for its result. Fails when
  /// the client did not declare the capability, answered with an error, the
  /// call was cancelled, or `timeout` passed. Blocks only this handler.
  virtual Result<nlohmann::json> requestClient(std::string_view method, nlohmann::json params,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    (void)method, (void)params, (void)timeout;
    return fail(Error::failedPrecondition("this transport cannot send requests to the client"));
  }
  /// As requestClient, naming the request `key`. Under protocol 2026-07-28
  /// a call does not wait for the client: it ends with an input-required
  /// result listing every request its handler made that has no answer yet,
  /// and the handler runs again with the answers (so ask for everything you
  /// need before giving up on the first missing answer). The key names the
  /// request there; requestClient picks "input-1", "input-2", ... in order.
  virtual Result<nlohmann::json> requestClientAs(std::string_view key, std::string_view method, nlohmann::json params,
                                                 std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    (void)key;
    return requestClient(method, std::move(params), timeout);
  }
  /// The capabilities the client declared (in initialize, or in the request's
  /// _meta under 2026-07-28): an object.
  virtual nlohmann::json clientCapabilities() const { return nlohmann::json::object(); }
};

/// The result of a tool call. `structured` becomes structuredContent and,
/// unless `text` is set, also the text content (serialized). Failures are
/// results with isError = true whose text says what failed, on which input,
/// and what to do next; they are not protocol errors.
struct ToolResult {
  nlohmann::json structured = nlohmann::json::object();
  std::string text;  // empty: the server serializes `structured`
  bool isError = false;
  /// When an array: the content blocks sent verbatim (images, audio,
  /// embedded resources) instead of the single text block.
  nlohmann::json content = nullptr;

  static ToolResult ok(nlohmann::json structured, std::string text = {}) {
    return ToolResult{std::move(structured), std::move(text), false};
  }
  static ToolResult error(std::string message) {
    return ToolResult{nlohmann::json::object(), std::move(message), true};
  }
  static ToolResult fromError(const Error& e) { return error(e.message); }
};

struct ToolAnnotations {
  bool readOnly = false;
  bool destructive = false;
  bool idempotent = false;
  bool openWorld = false;
};

using ToolHandler = std::function<ToolResult(const nlohmann::json& arguments, ToolContext& ctx)>;

struct ToolSpec {
  std::string name;         // a contract: see ARCHITECTURE.md's tool catalogue
  std::string title;        // human-readable
  std::string description;  // what it does, when to use it, what it returns
  ToolAnnotations annotations;
  ToolHandler handler;
};

/// One piece of a resource's content.
struct ResourceContents {
  std::string uri;
  std::string mimeType = "text/plain";
  std::string text;
  std::string blob;  // base64; when non-empty it is sent instead of `text`
};

/// A fixed resource (e.g. flywheel://graph).
struct ResourceSpec {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mimeType = "text/plain";
  std::function<Result<std::vector<ResourceContents>>(const std::string& uri)> read;
};

/// A resource template (RFC 6570 level 1, e.g. flywheel://intent/{service}).
/// `read` gets the concrete URI and the extracted variables; it returns
/// Error::notFound for a URI that names nothing. `list` (optional) enumerates
/// concrete resources for resources/list; `complete` (optional) answers
/// completion/complete for a variable given its partial value.
struct ResourceTemplateSpec {
  std::string uriTemplate;
  std::string name;
  std::string title;
  std::string description;
  std::string mimeType = "text/plain";
  std::function<Result<std::vector<ResourceContents>>(const std::string& uri,
                                                      const std::map<std::string, std::string>& vars)>
      read;
  std::function<std::vector<ResourceSpec>()> list;
  std::function<std::vector<std::string>(const std::string& variable, const std::string& partial)> complete;
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

struct PromptMessage {
  std::string role = "user";  // "user" or "assistant"
  std::string text;
  nlohmann::json content = nullptr;  // when set: the content block, verbatim (image, resource)
};

struct PromptSpec {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  std::function<Result<std::vector<PromptMessage>>(const std::map<std::string, std::string>& args)> get;
  /// Instead of `get`, for a prompt that asks the client for input while it
  /// is built (ctx.requestClientAs; progress is ignored). Used when set.
  std::function<Result<std::vector<PromptMessage>>(const std::map<std::string, std::string>& args, ToolContext& ctx)>
      getWithContext;
  std::function<std::vector<std::string>(const std::string& argument, const std::string& partial)> complete;
};

/// Where tool groups register. Implemented by the MCP server. Registration
/// happens at start-up; an invalid registration (a tool without a schema, a
/// duplicate name) is a start-up failure returned as an Error.
class Registry {
 public:
  virtual ~Registry() = default;
  virtual Result<void> addTool(ToolSpec spec) = 0;
  virtual Result<void> addResource(ResourceSpec spec) = 0;
  virtual Result<void> addResourceTemplate(ResourceTemplateSpec spec) = 0;
  virtual Result<void> addPrompt(PromptSpec spec) = 0;
  /// Sends notifications/resources/updated to every session subscribed to
  /// `uri`. Safe from any thread (e.g. a sentinel's poller).
  virtual void notifyResourceUpdated(const std::string& uri) = 0;
  /// Sends notifications/resources/list_changed to every session.
  virtual void notifyResourceListChanged() = 0;
};

}  // namespace flywheel::mcp
