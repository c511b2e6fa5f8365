// A test server served over Streamable HTTP on a free loopback port, in its
// own thread, for as long as the object lives.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "server/mcp_server.h"
#include "server/transport.h"
#include "test_fixture.h"

namespace flywheel::mcp::test {

struct RunningServer {
  std::unique_ptr<McpServer> server;
  std::unique_ptr<HttpTransport> http;
  std::thread thread;
  /// `token`: the bearer token to require (none when empty).
  explicit RunningServer(std::string token = {}, std::chrono::seconds idle = std::chrono::minutes(30))
      : RunningServer(HttpOptions{.host = "127.0.0.1", .port = 0, .token = std::move(token)}, idle) {}
  /// Any options (limits, timeouts, allowed hosts); port 0 picks a free one.
  explicit RunningServer(HttpOptions options, std::chrono::seconds idle = std::chrono::minutes(30))
      : server(makeTestServer(100, idle)) {
    http = makeHttpTransport(std::move(options));
    thread = std::thread([this] { REQUIRE(http->serve(*server)); });
    REQUIRE(http->waitListening(5000));
  }
  ~RunningServer() {
    http->stop();
    thread.join();
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", http->boundPort());
    c.set_read_timeout(10);
    return c;
  }
};

}  // namespace flywheel::mcp::test
