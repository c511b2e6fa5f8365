// HttpConnection: one accepted HTTP connection as the gate (http_gate.h)
// and its workers see it: the socket, the bytes received but not yet read
// by httplib, and when the request being received started. ConnectionStream
// is httplib's view of it: reads come from that buffer first and give up at
// the request deadline.
//
// Only the gate's files include this header (it pulls in httplib.h).
// Threads: a connection is used by one thread at a time (the gate thread
// while it waits, then one worker).
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace flywheel::mcp {

struct GateOptions {
  std::size_t threads = 48;
  std::size_t maxConnections = 512;
  std::size_t maxConnectionsPerPeer = 32;
  std::chrono::milliseconds headerTimeout{10'000};
  std::chrono::milliseconds requestTimeout{60'000};
  std::chrono::milliseconds idleTimeout{5'000};
  std::chrono::milliseconds writeTimeout{5'000};
  std::size_t keepAliveMaxCount = 100;
  int retryAfterSeconds = 30;
};

/// A request goes to a worker once this much of it is buffered even if it is
/// not complete (a large body); the worker reads the rest under the request
/// timeout. Also the most a waiting connection holds in memory.
inline constexpr std::size_t kRequestWindow = 64 * 1024;

struct HttpConnection {
  using Clock = std::chrono::steady_clock;
  enum class Fill { Open, Eof };

  /// Owns `fd` (closed on destruction, then `onClose(peer)` runs).
  HttpConnection(int fd, std::string peer, int port, std::function<void(const std::string&)> onClose);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  std::size_t buffered() const { return buf.size() - pos; }
  /// Moves what the socket holds into buf (up to the window), without waiting.
  Fill fill();
  /// Until when the gate waits for the request: idle connections, heads and
  /// bodies each have their own timeout.
  Clock::time_point waitUntil(const GateOptions& o) const;
  /// Whether the buffered bytes hold a whole request (or a full window).
  bool requestReady() const;

  int fd;
  std::string peer;
  int port;
  std::string buf;  // received, not yet read by httplib
  std::size_t pos = 0;
  std::optional<Clock::time_point> firstByte;  // of the request being received
  Clock::time_point deadline;                 // of the wait in the gate
  std::size_t served = 0;

 private:
  std::function<void(const std::string&)> onClose_;
};

class ConnectionStream final : public httplib::Stream {
 public:
  using Clock = HttpConnection::Clock;
  ConnectionStream(HttpConnection& c, const GateOptions& o) : c_(c), o_(o) {}
  /// Starts the request deadline (from the request's first byte).
  void startRequest();

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return c_.fd; }

 private:
  bool wait(short events, Clock::time_point until) const;
  HttpConnection& c_;
  const GateOptions& o_;
  Clock::time_point deadline_ = Clock::now();
};

}  // namespace flywheel::mcp
