// InMemoryClient: a client connected to an McpServer through queues, for
// tests of the protocol layer without pipes or sockets.
//
//   InMemoryClient client(server);
//   client.initialize();
//   json response = client.call("tools/list");
//
// Server-to-client requests are answered by the handler given to
// onServerRequest (default: a -32601 error). Every message the server sent is
// kept in order and can be awaited with waitFor.
// Threads: all methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "server/json_rpc.h"

namespace flywheel::mcp {

class McpServer;
class McpSession;

class InMemoryClient {
 public:
  explicit InMemoryClient(McpServer& server);
  ~InMemoryClient();

  /// Sends `message` as is (any JSON, even an invalid message).
  void sendRaw(const nlohmann::json& message);
  /// Sends a request with a fresh integer id and waits for its response
  /// message (with "result" or "error"); nullopt on timeout.
  std::optional<nlohmann::json> call(const std::string& method, nlohmann::json params = nlohmann::json::object(),
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                     nlohmann::json* idOut = nullptr);
  void notify(const std::string& method, nlohmann::json params = nlohmann::json::object());
  /// initialize + notifications/initialized; returns the initialize result.
  nlohmann::json initialize(const std::string& version = "2025-11-25",
                            nlohmann::json capabilities = nlohmann::json::object());

  /// The first received message (from `from` on) matching `pred`, waiting up to `timeout`.
  std::optional<nlohmann::json> waitFor(const std::function<bool(const nlohmann::json&)>& pred,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<nlohmann::json> received() const;
  void onServerRequest(std::function<nlohmann::json(const nlohmann::json& request)> handler);
  McpSession& session() { return *session_; }

 private:
  struct Inbox;
  std::shared_ptr<Inbox> inbox_;
  std::shared_ptr<McpSession> session_;
  std::int64_t nextId_ = 1;
  std::mutex idMu_;
};

}  // namespace flywheel::mcp
