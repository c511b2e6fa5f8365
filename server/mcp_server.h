// McpServer: one MCP server (registry, method table, worker pool) shared by
// every session of every transport.
//
// Tool groups register against it through the Registry interface at
// start-up. Transports open one McpSession per client connection; all the
// state of a conversation (negotiated version, capabilities, log level,
// subscriptions, in-flight requests) lives in that session, none here.
//
//   McpServer server({.name = "flywheel", .version = "0.1.0", .schemaDir = src / "schemas"});
//   if (auto r = tools::registerAllTools(server, config); !r) ...;
//   makeStdioTransport()->serve(server);
//
// Threads: registration before serving; everything else is thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/dispatcher.h"
#include "server/tool_api.h"
#include "server/tool_registry.h"
#include "server/transport.h"
#include "server/worker_pool.h"

namespace flywheel::mcp {

class McpSession;

struct ServerOptions {
  std::string name = "flywheel";
  std::string title = "flywheel";
  std::string version = "0.1.0";
  std::string instructions;           // sent in the initialize result (keep it under 2 KB)
  std::filesystem::path schemaDir;    // holds tools/<name>.json; empty: the built-in schemas
  std::size_t workerThreads = 8;
  std::size_t pageSize = 100;         // items per tools/list (etc.) page
  std::size_t maxResultChars = 20000; // a text block above this is cut (see docs/protocol.md)
  /// A Streamable-HTTP session unused this long ends; its next request gets
  /// 404 and the client initializes again (0: never, only LRU past the cap).
  std::chrono::seconds sessionIdleTimeout{30 * 60};
};

class McpServer : public Registry {
 public:
  explicit McpServer(ServerOptions options);
  ~McpServer() override;

  Result<void> addTool(ToolSpec spec) override;
  Result<void> addResource(ResourceSpec spec) override;
  Result<void> addResourceTemplate(ResourceTemplateSpec spec) override;
  Result<void> addPrompt(PromptSpec spec) override;
  void notifyResourceUpdated(const std::string& uri) override;
  void notifyResourceListChanged() override;
  /// Sends notifications/tools/list_changed to every initialized session.
  void notifyToolListChanged();
  /// Sends notifications/prompts/list_changed likewise.
  void notifyPromptListChanged();
  /// Sends notifications/message to every session whose log level admits
  /// `level` (the daemon's epoch reports reach connected clients this way).
  void logToClients(LogLevel level, const std::string& logger, const nlohmann::json& data);

  /// A new session whose outgoing messages go to `sink`. The server keeps a
  /// weak reference (for broadcasts); the transport owns the session.
  std::shared_ptr<McpSession> openSession(std::shared_ptr<MessageSink> sink);

  const ServerOptions& options() const { return options_; }
  const ToolRegistry& registry() const { return registry_; }
  const rpc::Dispatcher& dispatcher() const { return dispatcher_; }
  WorkerPool& pool() { return pool_; }
  /// Stops the worker pool: queued calls are answered with internal errors.
  void shutdown();

 private:
  std::vector<std::shared_ptr<McpSession>> liveSessions();

  ServerOptions options_;
  ToolRegistry registry_;
  rpc::Dispatcher dispatcher_;
  WorkerPool pool_;
  std::mutex sessionsMu_;
  std::vector<std::weak_ptr<McpSession>> sessions_;
};

/// The method table of MCP 2025-11-25 (and the older revisions it accepts).
void bindLifecycleMethods(rpc::Dispatcher& d);
void bindToolMethods(rpc::Dispatcher& d);
void bindResourceMethods(rpc::Dispatcher& d);
void bindPromptMethods(rpc::Dispatcher& d);

}  // namespace flywheel::mcp
