// Transports: how JSON-RPC messages reach a session and leave it.
//
// A transport frames messages (newline-delimited JSON on stdio, HTTP POST and
// SSE for Streamable HTTP, plain queues in memory), opens one McpSession per
// client connection, hands it every incoming message, and delivers what the
// session sends through the session's MessageSink. Nothing above this layer
// knows which transport a message came from.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "server/json_rpc.h"
#include "server/limits.h"
#include "server/reply.h"

namespace flywheel::mcp {

class McpServer;

/// Where a session's outgoing messages go. Implemented by each transport.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  /// Delivers one message. `related` is the id of the client request the
  /// message answers or was produced while handling (progress, logs,
  /// server-to-client requests), an array of ids for a batch response, or
  /// null when unrelated. Thread-safe; must not block for long.
  virtual void send(const nlohmann::json& message, const nlohmann::json& related) = 0;
  /// Delivers one message that is already serialized (a response when
  /// `isResponse`). The default parses it and calls send().
  virtual void sendText(std::string text, const nlohmann::json& related, bool isResponse) {
    (void)isResponse;
    send(nlohmann::json::parse(text), related);
  }
  /// Delivers a response serialized in pieces (see rpc::RawResponse). The
  /// default joins them and calls sendText().
  virtual void sendRaw(rpc::RawResponse response, const nlohmann::json& related, bool isResponse) {
    sendText(response.joined(), related, isResponse);
  }
  /// The request `id` ended without a response (the client cancelled it):
  /// a transport holding a stream open for it can end that stream.
  virtual void requestAbandoned(const nlohmann::json& id) { (void)id; }
};

class Transport {
 public:
  virtual ~Transport() = default;
  /// Serves clients until the input ends (stdio) or stop() is called.
  virtual Result<void> serve(McpServer& server) = 0;
  /// Makes serve() return soon. Thread-safe.
  virtual void stop() = 0;
};

/// Newline-delimited JSON on two file descriptors (normally 0 and 1). Only
/// protocol messages are written to `outFd`; a line over `maxLineBytes` or
/// one that is not JSON is answered with an error and serving continues.
std::unique_ptr<Transport> makeStdioTransport(int inFd = 0, int outFd = 1,
                                              std::size_t maxLineBytes = limits::kMaxMessageBytes);

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 0;                  // 0: any free port (see boundPort)
  std::string token;             // non-empty: require "Authorization: Bearer <token>"
  /// Host names (besides localhost, 127.0.0.1, ::1 and a specific bound
  /// address) that the Host and Origin headers may name.
  std::vector<std::string> allowedHosts;
  /// Serve beyond loopback without a token (serve() refuses otherwise).
  bool insecureNoAuth = false;
  std::size_t maxStreams = 32;   // open SSE streams across all sessions
  std::size_t maxSessions = limits::kMaxSessions;
  std::size_t threads = 48;      // httplib workers; must exceed maxStreams
  int sseRetryMs = 1000;         // the `retry:` hint of the priming event
  std::size_t maxBodyBytes = limits::kMaxMessageBytes;
  std::size_t maxConnections = limits::kMaxConnections;
  std::size_t maxConnectionsPerPeer = limits::kMaxConnectionsPerPeer;
  std::chrono::milliseconds headerTimeout = limits::kHeaderTimeout;
  std::chrono::milliseconds requestTimeout = limits::kRequestTimeout;
  std::chrono::milliseconds idleTimeout = limits::kIdleTimeout;
};

class HttpTransport : public Transport {
 public:
  /// The port actually bound, once serve() is listening (0 before).
  virtual int boundPort() const = 0;
  /// Blocks until the server listens or `timeoutMs` passes.
  virtual bool waitListening(int timeoutMs) const = 0;
};

/// Streamable HTTP on one endpoint, /mcp.
std::unique_ptr<HttpTransport> makeHttpTransport(HttpOptions options);

}  // namespace flywheel::mcp
