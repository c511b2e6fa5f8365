// The streams of one Streamable-HTTP session, and the sink that routes a
// session's outgoing messages onto them.
//
// A POST carrying a tools/call is answered with an SSE stream: the response
// and everything sent while handling the call (progress, logs, sampling or
// elicitation requests) go there. Other POSTs are answered with plain JSON.
// Unrelated messages (resource updates, list changes) go to a GET stream.
// Every SSE event has an id "<stream>-<seq>"; a client that lost a stream
// reconnects with GET and Last-Event-ID and gets the events it missed.
// Threads: all methods are thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/transport.h"

namespace flywheel::mcp {

class SseStream {
 public:
  /// `expectedResponses`: how many responses end the stream (0: a GET stream, open until closed).
  SseStream(std::string id, std::size_t expectedResponses);

  const std::string& id() const { return id_; }
  void push(std::string data, bool isResponse);
  /// Ends a request stream whose request will get no response (cancelled).
  void abandon();
  void close();
  /// Writes the priming event and then every event after `afterSeq` through
  /// `write` (false: the connection failed) until the stream is finished or
  /// closed. Returns true when the stream finished and was fully delivered.
  bool pump(std::uint64_t afterSeq, int retryMs, const std::function<bool(const std::string&)>& write);
  bool finished() const;

 private:
  std::string id_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::uint64_t, std::string>> log_;  // bounded replay buffer
  std::uint64_t nextSeq_ = 1;
  std::size_t remaining_;
  bool standalone_;
  bool closed_ = false;
};

/// A waiter for the plain-JSON answer of a POST.
struct JsonWaiter {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::string> response;
};

class HttpSink final : public MessageSink {
 public:
  void send(const nlohmann::json& message, const nlohmann::json& related) override;
  void sendText(std::string text, const nlohmann::json& related, bool isResponse) override;
  void requestAbandoned(const nlohmann::json& id) override;

  /// False when a POST already awaits the same request id on this session.
  bool expectJson(const std::string& key, std::shared_ptr<JsonWaiter> w);
  void forgetJson(const std::string& key);
  /// False when the request id is already awaited on this session.
  bool attachRequestStream(const std::string& key, std::shared_ptr<SseStream> s);
  void addStandalone(std::shared_ptr<SseStream> s);
  void removeStandalone(const std::shared_ptr<SseStream>& s);
  /// The stream an event id "<stream>-<seq>" belongs to, with the seq.
  std::shared_ptr<SseStream> findForResume(const std::string& lastEventId, std::uint64_t& seq);
  void closeAll();

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<SseStream>> byRequest_;
  std::map<std::string, std::shared_ptr<JsonWaiter>> jsonWaiters_;
  std::vector<std::shared_ptr<SseStream>> standalone_;
  std::deque<std::shared_ptr<SseStream>> recent_;  // for Last-Event-ID resumption
};

}  // namespace flywheel::mcp
