// Reply: the one-shot answer to one JSON-RPC request.
//
// Every request gets exactly one reply. A Reply is a cheap, copyable handle
// on shared state; the first call sends the response, later calls are logged
// as server bugs and dropped, and if every copy is destroyed without a call,
// the last one sends an internal error ("server bug: ... dropped its reply")
// so the client never waits for an answer that will not come.
//
//   void onPing(const EmptyParams&, RequestContext&, Reply reply) { reply(json::object()); }
//
// A request the client cancelled is answered by suppress() (the spec says a
// cancelled request SHOULD NOT get a response); that counts as its reply.
// Threads: a Reply may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/json_rpc.h"

namespace flywheel::rpc {

/// A response serialized in three pieces, `head` + `*body` + `tail`, so that
/// a cached, immutable result page (`body`) reaches the transport without a
/// copy. `body` may be null; it must never be modified once shared. For a
/// shared page the head is the same for every request (the id is in the
/// tail), so a transport may store head and page together.
struct RawResponse {
  std::string head;
  std::shared_ptr<const std::string> body;
  std::string tail;
  /// The whole message in one string (one copy of the body).
  std::string joined() const;
};

class Reply {
 public:
  /// `send` receives the complete response message; it must be thread-safe.
  Reply(json id, std::string method, std::function<void(json response)> send);

  /// Sends the result or the error. Returns false (and logs) on a second call.
  bool operator()(RpcResult result) const;
  /// Sends an already serialized result object (a fast path for cached
  /// results such as tools/list pages). Same one-shot rule as operator().
  bool raw(std::string_view serializedResult) const;
  /// The same for a shared, immutable page: the transport may hand the page
  /// itself to the kernel (see MessageSink::sendRaw) instead of copying it.
  bool raw(std::shared_ptr<const std::string> serializedResult) const;
  /// Installs the sender used by raw(); without one, raw() parses the text
  /// and sends it through `send`.
  void setRawSender(std::function<void(RawResponse response)> sendRaw);
  /// Marks the request answered without sending anything (cancelled).
  void suppress() const;
  /// True once the request was answered or suppressed.
  bool done() const;

  const json& id() const;
  const std::string& method() const;

 private:
  // Both raw() forms: the result inline or as a shared page.
  bool sendPieces(std::string_view inlineResult, std::shared_ptr<const std::string> page) const;
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace flywheel::rpc
