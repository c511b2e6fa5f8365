// Streamable HTTP against hostile peers (issue 14), over real sockets: deep
// nesting, oversized batches, a flood of initialize calls, slow and idle
// connections, connection caps, host names in any case, and binding beyond
// loopback.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "http_requests.h"
#include "raw_socket.h"
#include "running_server.h"
#include "transport_limits.h"

using namespace flywheel::mcp;
using flywheel::mcp::test::closedByServer;
using flywheel::mcp::test::connectTo;
using flywheel::mcp::test::headers;
using flywheel::mcp::test::initBody;
using flywheel::mcp::test::readAvailable;
using flywheel::mcp::test::RunningServer;
using nlohmann::json;

namespace {

const std::string kHttpPing = R"({"jsonrpc":"2.0","id":2,"method":"ping"})";

std::string initialize(httplib::Client& c, const std::string& version = "2025-11-25") {
  auto r = c.Post("/mcp", headers(), initBody(version), "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return r->get_header_value("Mcp-Session-Id");
}

json pings(int n) {
  json batch = json::array();
  for (int i = 0; i < n; ++i) batch.push_back({{"jsonrpc", "2.0"}, {"id", i + 1}, {"method", "ping"}});
  return batch;
}

}  // namespace

TEST_CASE("http limits: a message nested 60,000 levels deep is refused before parsing", "[http][limits]") {
  RunningServer s;
  auto c = s.client();
  // Before initialize, without a session, as a notification: it crashed the server.
  std::string note = R"({"jsonrpc":"2.0","method":"notifications/x","params":)" + flywheel::test::nestedArrays(60000) + "}";
  auto r = c.Post("/mcp", headers(), note, "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  json err = json::parse(r->body)["error"];
  CHECK(err["code"] == -32700);
  CHECK(err["message"].get<std::string>().find("128 levels") != std::string::npos);
  std::string sid = initialize(c);
  std::string call = R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"x":)" +
                     flywheel::test::nestedArrays(60000) + "}}}";
  auto deep = c.Post("/mcp", headers(sid), call, "application/json");
  REQUIRE(deep);
  CHECK(deep->status == 400);
  auto huge = c.Post("/mcp", headers(sid), std::string(5u << 20, ' '), "application/json");
  REQUIRE(huge);
  CHECK(huge->status == 413);
  // 100 levels are fine.
  auto ok = c.Post("/mcp", headers(sid), R"({"jsonrpc":"2.0","id":4,"method":"ping","params":{"x":)" + flywheel::test::nestedArrays(100) + "}}",
                   "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("http limits: a batch of more than 100 messages is refused, 100 are answered", "[http][limits]") {
  RunningServer s;
  auto c = s.client();
  std::string sid = initialize(c, "2025-03-26");
  auto big = c.Post("/mcp", headers(sid), pings(101).dump(), "application/json");
  REQUIRE(big);
  CHECK(big->status == 400);
  json err = json::parse(big->body)["error"];
  CHECK(err["code"] == -32600);
  CHECK(err["message"].get<std::string>().find("limit of 100") != std::string::npos);
  auto fine = c.Post("/mcp", headers(sid), pings(100).dump(), "application/json");
  REQUIRE(fine);
  CHECK(fine->status == 200);
  CHECK(json::parse(fine->body).size() == 100);
}

TEST_CASE("http limits: host names are case-insensitive", "[http][limits]") {
  RunningServer s;
  auto c = s.client();
  auto upper = c.Post("/mcp", headers({}, {{"Host", "LOCALHOST:8080"}, {"Origin", "http://LocalHost:3000"}}),
                      initBody(), "application/json");
  REQUIRE(upper);
  CHECK(upper->status == 200);
}

TEST_CASE("http limits: a flood of initialize calls is refused with 503; live sessions keep working",
          "[http][limits]") {
  RunningServer s(HttpOptions{.maxSessions = 8});
  auto c = s.client();
  std::string first = initialize(c);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = c.Post("/mcp", headers(), initBody(), "application/json");
    REQUIRE(r);
    if (r->status == 200) ++accepted;
    if (r->status != 503) continue;
    ++refused;
    CHECK(r->get_header_value("Retry-After") == "30");
    json body = json::parse(r->body);
    CHECK(body["id"] == 1);
    CHECK(body["error"]["message"].get<std::string>().find("8 sessions are open (the limit)") != std::string::npos);
  }
  CHECK(accepted == 7);
  CHECK(refused == 13);
  auto ping = c.Post("/mcp", headers(first), kHttpPing, "application/json");
  REQUIRE(ping);
  CHECK(ping->status == 200);  // LRU eviction used to end it (404)
}

TEST_CASE("http limits: 60 slow clients and 200 idle sockets do not delay a ping", "[http][limits][slow]") {
  using namespace std::chrono;
  RunningServer s(HttpOptions{.headerTimeout = milliseconds(1500)});
  int port = s.http->boundPort();
  std::vector<int> idle, slow;
  for (int i = 0; i < 200; ++i) idle.push_back(connectTo(port));
  for (int i = 0; i < 60; ++i) slow.push_back(connectTo(port));
  REQUIRE(std::count(idle.begin(), idle.end(), -1) + std::count(slow.begin(), slow.end(), -1) == 0);
  const std::string request = "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                              "Content-Length: 40\r\n\r\n" + kHttpPing;
  std::atomic<bool> done{false};
  std::thread trickle([&] {  // one byte per client every 100 ms
    for (std::size_t i = 0; !done && i < request.size(); ++i) {
      for (int fd : slow) (void)!::send(fd, &request[i], 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(10);
  c.set_connection_timeout(10);
  std::vector<double> ms;
  auto end = steady_clock::now() + seconds(3);
  while (steady_clock::now() < end) {
    auto t0 = steady_clock::now();
    auto r = c.Post("/mcp", headers(), initBody(), "application/json");  // a new connection each time
    ms.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
    REQUIRE(r);
    CHECK(r->status == 200);
    c.Delete("/mcp", headers(r->get_header_value("Mcp-Session-Id")));
    std::this_thread::sleep_for(milliseconds(50));
  }
  done = true;
  trickle.join();
  std::sort(ms.begin(), ms.end());
  std::fprintf(stderr, "slow clients: %zu initialize calls, p50 %.2f ms, max %.2f ms\n", ms.size(),
               ms[ms.size() / 2], ms.back());
  CHECK(ms.back() < 500);
  // Their headers took longer than the 1.5 s timeout: the server hung up.
  int closed = 0;
  for (int fd : slow) closed += closedByServer(fd, 1000);
  CHECK(closed == 60);
  for (int fd : idle) ::close(fd);
  for (int fd : slow) ::close(fd);
}

TEST_CASE("http limits: connections past the total and per-address caps get 503", "[http][limits]") {
  RunningServer s(HttpOptions{.maxConnections = 12, .maxConnectionsPerPeer = 4});
  int port = s.http->boundPort();
  std::vector<int> fds;
  for (int i = 0; i < 4; ++i) fds.push_back(connectTo(port, "127.0.0.2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int fifth = connectTo(port, "127.0.0.2");
  std::string refusal = readAvailable(fifth, 2000);
  CHECK(refusal.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(refusal.find("Retry-After: 30") != std::string::npos);
  CHECK(refusal.find("per address") != std::string::npos);
  ::close(fifth);
  for (int i = 0; i < 8; ++i) fds.push_back(connectTo(port));  // 127.0.0.1 has no cap of its own
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int over = connectTo(port);
  CHECK(readAvailable(over, 2000).rfind("HTTP/1.1 503", 0) == 0);
  ::close(over);
  for (int fd : fds) ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto c = s.client();
  auto r = c.Post("/mcp", headers(), initBody(), "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("http limits: binding beyond loopback needs a token, and Host is still checked", "[http][limits]") {
  auto server = flywheel::mcp::test::makeTestServer();
  auto open = makeHttpTransport({.host = "0.0.0.0", .port = 0});
  auto refused = open->serve(*server);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("--token") != std::string::npos);
  CHECK(refused.error().message.find("--insecure-no-auth") != std::string::npos);

  RunningServer s(HttpOptions{.host = "0.0.0.0", .token = "t0k", .allowedHosts = {"Flywheel.LAN"}});
  auto c = s.client();
  const std::pair<std::string, std::string> auth{"Authorization", "Bearer t0k"};
  auto evil = c.Post("/mcp", headers({}, {{"Host", "evil.example"}, auth}), initBody(), "application/json");
  REQUIRE(evil);
  CHECK(evil->status == 403);
  CHECK(evil->body.find("--allow-host") != std::string::npos);
  auto badOrigin = c.Post("/mcp", headers({}, {{"Origin", "http://evil.example"}, auth}), initBody(),
                          "application/json");
  CHECK(badOrigin->status == 403);
  auto named = c.Post("/mcp", headers({}, {{"Host", "flywheel.lan:9"}, auth}), initBody(), "application/json");
  CHECK(named->status == 200);
  auto local = c.Post("/mcp", headers({}, {auth}), initBody(), "application/json");
  CHECK(local->status == 200);

  RunningServer insecure(HttpOptions{.host = "0.0.0.0", .insecureNoAuth = true});
  auto ic = insecure.client();
  CHECK(ic.Post("/mcp", headers(), initBody(), "application/json")->status == 200);
}

TEST_CASE("http limits: a body that stops arriving is cut off; Expect: 100-continue is answered at once",
          "[http][limits][slow]") {
  RunningServer s(HttpOptions{.requestTimeout = std::chrono::milliseconds(1000)});
  int port = s.http->boundPort();
  int stalled = connectTo(port);
  std::string head = "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n";
  std::string partial = head + kHttpPing.substr(0, 10);
  REQUIRE(::send(stalled, partial.data(), partial.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(partial.size()));
  std::string answer = readAvailable(stalled, 3000);
  CHECK(answer.rfind("HTTP/1.1 408", 0) == 0);
  ::close(stalled);

  int curlLike = connectTo(port);
  std::string expect = "POST /mcp HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nContent-Type: "
                       "application/json\r\nContent-Length: 40\r\nExpect: 100-continue\r\n\r\n";
  REQUIRE(::send(curlLike, expect.data(), expect.size(), MSG_NOSIGNAL) > 0);
  auto t0 = std::chrono::steady_clock::now();
  pollfd p{curlLike, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 900) == 1);  // curl sends the body anyway after 1 s
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
  char buf[256];
  ssize_t n = ::recv(curlLike, buf, sizeof buf, 0);
  CHECK(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0).rfind("HTTP/1.1 100", 0) == 0);
  REQUIRE(::send(curlLike, kHttpPing.data(), kHttpPing.size(), MSG_NOSIGNAL) > 0);
  CHECK(readAvailable(curlLike, 300).find("\"jsonrpc\"") != std::string::npos);
  ::close(curlLike);
}
