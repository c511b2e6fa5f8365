// McpSession: one client's conversation with the server.
//
// It owns the state of the conversation: lifecycle phase, negotiated protocol
// version, client capabilities, log level, resource subscriptions, in-flight
// requests (with their cancellation flags) and the requests it sent to the
// client and awaits answers to. A transport calls receive() with every
// message; the session routes requests through the server's method table and
// sends replies and notifications through its MessageSink.
//
// Lifecycle: before `initialize` only `initialize` and `ping` are served;
// anything else (including `server/discover`, which only the stateless
// 2026-07-28 era defines) gets a prompt JSON-RPC error.
// Threads: every public method is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "server/dispatcher.h"
#include "server/tool_api.h"
#include "server/transport.h"

namespace flywheel::mcp {

class McpServer;

class McpSession : public std::enable_shared_from_this<McpSession> {
 public:
  McpSession(McpServer& server, std::shared_ptr<MessageSink> sink);
  ~McpSession();

  /// Handles one incoming message or batch (already parsed JSON).
  void receive(const nlohmann::json& message);
  /// Answers a message that could not be parsed (-32700, id null).
  void receiveUnparseable(const std::string& why);
  /// Ends the session: cancels running calls, fails awaited client requests.
  void close();
  bool closed() const { return closed_.load(); }

  // --- used by method handlers ---
  McpServer& server() { return server_; }
  bool initialized() const;
  std::string protocolVersion() const;
  nlohmann::json clientCapabilities() const;
  LogLevel logLevel() const;
  void setLogLevel(LogLevel level);
  /// Records the outcome of initialize; returns the version to answer with.
  std::string beginInitialize(const std::string& requested, nlohmann::json caps, nlohmann::json clientInfo);
  void subscribe(const std::string& uri);
  void unsubscribe(const std::string& uri);
  bool subscribed(const std::string& uri) const;
  void cancelRequest(const nlohmann::json& id);

  /// Sends a notification (related: the request it belongs to, or null).
  void notify(std::string_view method, nlohmann::json params, const nlohmann::json& related = nullptr);
  /// Sends notifications/message if `level` passes the session's threshold.
  void logToClient(LogLevel level, const std::string& logger, nlohmann::json data, const nlohmann::json& related);
  /// Sends a request to the client and waits for its response.
  Result<nlohmann::json> requestClient(std::string_view method, nlohmann::json params,
                                       std::chrono::milliseconds timeout, const std::atomic<bool>* cancelled,
                                       const nlohmann::json& related);

 private:
  using Respond = std::function<void(nlohmann::json response)>;
  void receiveOne(const nlohmann::json& message, const Respond& respond, bool direct);
  void receiveBatch(const nlohmann::json& batch);
  /// `direct`: replies go straight to the sink (not into a batch).
  void handleRequest(const nlohmann::json& message, const Respond& respond, bool direct);
  void handleResponse(const nlohmann::json& message);
  bool admitted(const std::string& method, std::string& why) const;
  void abandonPending();

  struct Pending;
  McpServer& server_;
  std::shared_ptr<MessageSink> sink_;
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> nextOutgoingId_{1};

  mutable std::mutex mu_;
  enum class Phase { New, Initialized } phase_ = Phase::New;
  std::string version_;
  nlohmann::json clientCaps_ = nlohmann::json::object();
  nlohmann::json clientInfo_ = nlohmann::json::object();
  LogLevel logLevel_ = LogLevel::Info;
  std::set<std::string> subscriptions_;
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> inflight_;  // idKey -> cancelled
  std::map<std::string, std::shared_ptr<Pending>> pending_;              // outgoing id -> waiter
};

}  // namespace flywheel::mcp
