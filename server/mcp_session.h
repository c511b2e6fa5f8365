// McpSession: one client's conversation with the server.
//
// It owns the state of the conversation: lifecycle phase, negotiated protocol
// version, client capabilities, log level, resource subscriptions, in-flight
// requests (with their cancellation flags) and the requests it sent to the
// client and awaits answers to. A transport calls receive() with every
// message; the session routes requests through the server's method table and
// sends replies and notifications through its MessageSink.
//
// Two eras (docs/protocol.md, "The two eras"). 2025-11-25: before
// `initialize` only `initialize` and `ping` are served; anything else gets a
// prompt JSON-RPC error. 2026-07-28: a session serves ONE request (or one
// subscriptions/listen stream) with the capabilities, client info and log
// level of that request's `_meta` (beginStateless); HTTP opens one per
// request, and a stdio connection that never sent initialize opens one per
// 2026-07-28 request (serveStatelessChild). Requests to the client then
// become input-required rounds (input_round.cpp).
// Threads: every public method is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

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
  /// Answers a message refused before it was parsed (id null), e.g. by
  /// parseIncoming (server/incoming.h).
  void receiveError(const rpc::RpcError& error);
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
  /// Serves this connection in the stateless 2026-07-28 era with the
  /// capabilities, client info and log level of one request's `_meta`.
  void beginStateless(const nlohmann::json& meta);
  bool stateless() const;
  void subscribe(const std::string& uri);
  void unsubscribe(const std::string& uri);
  bool subscribed(const std::string& uri) const;
  void cancelRequest(const nlohmann::json& id);

  /// Sends a server-wide notification (list changes, resource updates) if
  /// this session takes it: a 2025-11-25 session (resource updates only when
  /// subscribed) or a 2026-07-28 subscriptions/listen stream whose filter
  /// asks for it (tagged with the subscription id).
  void broadcast(std::string_view method, nlohmann::json params);
  /// Sends a notification (related: the request it belongs to, or null).
  void notify(std::string_view method, nlohmann::json params, const nlohmann::json& related = nullptr);
  /// Sends notifications/message if `level` passes the session's threshold.
  void logToClient(LogLevel level, const std::string& logger, nlohmann::json data, const nlohmann::json& related);
  /// Sends a request to the client and waits for its response. In the
  /// stateless era nothing is sent: the answer comes from the request's
  /// inputResponses (under `key`, or an automatic one), or the request is
  /// recorded and the call ends as an InputRequiredResult (input_round.cpp).
  Result<nlohmann::json> requestClient(std::string_view method, nlohmann::json params,
                                       std::chrono::milliseconds timeout, const std::atomic<bool>* cancelled,
                                       const nlohmann::json& related, std::string_view key = {});

  // --- stateless era: multi-round requests (input_round.cpp) ---
  /// Reads inputResponses and requestState of a tools/call, prompts/get or
  /// resources/read; null when fine, else the error response to send.
  nlohmann::json beginInputRound(const nlohmann::json& message);
  /// Turns the response into an InputRequiredResult (or -32021 error) when
  /// the handler asked the client for something it has not answered yet.
  void finishInputRound(nlohmann::json& response);
  /// This session serves one subscriptions/listen stream with `filter`.
  void beginListen(nlohmann::json filter, std::string subscriptionId);

 private:
  using Respond = std::function<void(nlohmann::json response)>;
  void receiveOne(const nlohmann::json& message, const Respond& respond, bool direct);
  void receiveBatch(const nlohmann::json& batch);
  /// `direct`: replies go straight to the sink (not into a batch).
  void handleRequest(const nlohmann::json& message, const Respond& respond, bool direct);
  void handleResponse(const nlohmann::json& message);
  bool admitted(const std::string& method, std::string& why) const;
  /// Stateless-era checks before dispatch (methods removed with sessions);
  /// false when already answered.
  bool admitStateless(const nlohmann::json& message, const std::string& method, const Respond& respond);
  void abandonPending();
  void serveStatelessChild(const nlohmann::json& message, const Respond& respond);

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
  bool stateless_ = false;
  bool quiet_ = false;  // stateless request without _meta logLevel: no notifications/message
  std::set<std::string> subscriptions_;
  struct InputRound {
    bool active = false;
    std::string method, target;
    nlohmann::json answers = nlohmann::json::object();  // key -> client result
    nlohmann::json asked = nlohmann::json::object();    // key -> {method, params} still unanswered
    nlohmann::json missingCaps = nlohmann::json::object();
    int next = 0;
  } round_;
  std::vector<std::shared_ptr<McpSession>> listeners_;  // stdio: open subscriptions/listen children
  std::map<std::string, std::weak_ptr<McpSession>> children_;  // stdio: 2026-07-28 requests in flight, by id
  nlohmann::json listenFilter_;  // null unless this session is a subscriptions/listen stream
  std::string subscriptionId_;
  /// Listen streams: whether a broadcast notification passes the filter
  /// (adds the subscription id); other stateless sessions take none.
  Result<nlohmann::json> askInRound(std::string_view method, nlohmann::json params, std::string_view key);
  bool admitBroadcast(std::string_view method, nlohmann::json& params) const;
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> inflight_;  // idKey -> cancelled
  std::map<std::string, std::shared_ptr<Pending>> pending_;              // outgoing id -> waiter
};

}  // namespace flywheel::mcp
