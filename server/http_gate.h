// GatedServer: cpp-httplib's server with connections that wait for their
// request without holding a worker.
//
// httplib hands each accepted connection to a worker thread that blocks
// reading the request: 60 clients sending one byte a second held all 48
// workers and the server answered nothing, and 200 idle sockets queued a
// ping for 19 s. Here a connection waits in one poll thread (the gate)
// until its request's head and body are in the kernel's buffer (or a
// 64 KiB window of it is full), and only then gets a worker; after each
// response it returns to the gate unless the next request follows at once.
// The gate closes a connection whose head is not in within headerTimeout of
// its first byte, or that stays idle idleTimeout; a worker reading a larger
// body gives up at requestTimeout. Connections past maxConnections, or past
// maxConnectionsPerPeer from one address (127.0.0.1 and ::1 exempt), get a
// 503 with Retry-After and are closed.
//
// Only http_transport.cpp includes this header (it pulls in httplib.h).
// Threads: the gate thread plus the worker pool; stopGate() before stop().
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "server/http_connection.h"

namespace flywheel::mcp {

class GatedServer final : public httplib::Server {
 public:
  explicit GatedServer(GateOptions options);
  ~GatedServer() override;
  /// Ends the gate thread and closes the connections waiting in it; later
  /// connections are closed as they arrive. Call before stop().
  void stopGate();
  /// stopGate(), then waits for the workers to finish. serve() calls it
  /// once httplib's listen loop ended.
  void joinWorkers();
  /// Widens the listen queue of the socket bound to `port` to SOMAXCONN
  /// (Debian's libcpp-httplib listens with a backlog of 5).
  void widenListenBacklog(int port);
  /// Open connections (waiting in the gate or served by a worker).
  std::size_t openConnections() const { return open_.load(); }

 private:
  // httplib calls this on a worker for every accepted socket.
  bool process_and_close_socket(socket_t sock) override;
  void serveConnection(std::shared_ptr<HttpConnection> c);
  void park(std::shared_ptr<HttpConnection> c);
  void gateLoop();
  void onReadable(int fd);
  void sweep();
  /// Counts a new connection from `peer`; false when a cap refuses it.
  bool admit(const std::string& peer, std::string& why);
  void release(const std::string& peer);

  GateOptions opts_;
  std::unique_ptr<httplib::TaskQueue> workers_;
  int epoll_ = -1;
  std::thread gate_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  std::mutex mu_;
  std::map<int, std::shared_ptr<HttpConnection>> parked_;   // fd -> waiting connection
  std::map<std::string, std::size_t> perPeer_;    // address -> open connections
};

}  // namespace flywheel::mcp
