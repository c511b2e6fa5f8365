// Streamable HTTP over a real socket: sessions, JSON and SSE answers, 202s,
// DNS-rebinding protection, the bearer token, DELETE.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "server/mcp_server.h"
#include "server/transport.h"
#include "running_server.h"
#include "test_fixture.h"

using namespace flywheel::mcp;
using nlohmann::json;
using flywheel::mcp::test::RunningServer;

namespace {

const std::string kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";

httplib::Headers headers(const std::string& session = {}, httplib::Headers extra = {}) {
  httplib::Headers h{{"Accept", "application/json, text/event-stream"}};
  if (!session.empty()) h.emplace("Mcp-Session-Id", session);
  for (auto& e : extra) h.insert(e);
  return h;
}

std::string initialize(httplib::Client& c) {
  auto r = c.Post("/mcp", headers(), kInit, "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::string sid = r->get_header_value("Mcp-Session-Id");
  REQUIRE(sid.size() == 32);
  auto n = c.Post("/mcp", headers(sid), R"({"jsonrpc":"2.0","method":"notifications/initialized"})", "application/json");
  REQUIRE(n);
  CHECK(n->status == 202);
  return sid;
}

// The kernel's count of connections dropped because a listen queue was
// full (TcpExt ListenOverflows in /proc/net/netstat), machine-wide.
long listenOverflows() {
  std::ifstream in("/proc/net/netstat");
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value)
      if (name == "ListenOverflows") return std::stol(value);
  }
  return -1;
}

}  // namespace

TEST_CASE("http: a foreign Host or Origin gets 403, localhost ones pass", "[http]") {
  RunningServer s;
  auto c = s.client();
  auto evilOrigin = c.Post("/mcp", headers({}, {{"Origin", "http://evil.example.com"}}), kInit, "application/json");
  REQUIRE(evilOrigin);
  CHECK(evilOrigin->status == 403);
  auto evilHost = c.Post("/mcp", headers({}, {{"Host", "evil.example.com"}}), kInit, "application/json");
  REQUIRE(evilHost);
  CHECK(evilHost->status == 403);
  auto ok = c.Post("/mcp", headers({}, {{"Origin", "http://localhost:3000"}}), kInit, "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  // The server keeps serving after refusals.
  CHECK(c.Post("/mcp", headers(), kInit, "application/json")->status == 200);
}

TEST_CASE("http: sessions, JSON answers, 202, errors, DELETE", "[http]") {
  RunningServer s;
  auto c = s.client();
  std::string sid = initialize(c);
  auto ping = c.Post("/mcp", headers(sid), R"({"jsonrpc":"2.0","id":2,"method":"ping"})", "application/json");
  REQUIRE(ping);
  CHECK(ping->status == 200);
  CHECK(json::parse(ping->body)["result"] == json::object());
  CHECK(c.Post("/mcp", headers(), R"({"jsonrpc":"2.0","id":3,"method":"ping"})", "application/json")->status == 400);
  CHECK(c.Post("/mcp", headers("nope"), R"({"jsonrpc":"2.0","id":3,"method":"ping"})", "application/json")->status ==
        404);
  auto badJson = c.Post("/mcp", headers(sid), "{nope", "application/json");
  CHECK(badJson->status == 400);
  CHECK(json::parse(badJson->body)["error"]["code"] == -32700);
  auto badVersion = c.Post("/mcp", headers(sid, {{"MCP-Protocol-Version", "1999-01-01"}}),
                           R"({"jsonrpc":"2.0","id":4,"method":"ping"})", "application/json");
  CHECK(badVersion->status == 400);
  auto unknown = c.Post("/mcp", headers(sid), R"({"jsonrpc":"2.0","id":5,"method":"nope"})", "application/json");
  CHECK(json::parse(unknown->body)["error"]["code"] == -32601);
  CHECK(c.Delete("/mcp", headers(sid))->status == 200);
  CHECK(c.Post("/mcp", headers(sid), R"({"jsonrpc":"2.0","id":6,"method":"ping"})", "application/json")->status == 404);
}

TEST_CASE("http: tools/call answers with an SSE stream (priming event, progress, result)", "[http]") {
  RunningServer s;
  auto c = s.client();
  std::string sid = initialize(c);
  auto r = c.Post("/mcp", headers(sid),
                  R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{"steps":3},"_meta":{"progressToken":9}}})",
                  "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type").find("text/event-stream") != std::string::npos);
  const std::string& body = r->body;
  CHECK(body.rfind("id: ", 0) == 0);
  CHECK(body.find("retry: ") != std::string::npos);
  CHECK(body.find("notifications/progress") != std::string::npos);
  auto resultAt = body.find("\"id\":7");
  REQUIRE(resultAt != std::string::npos);
  CHECK(body.find("\"steps\":3") != std::string::npos);
}

TEST_CASE("http: the bearer token is required when set", "[http]") {
  RunningServer s("s3cret");
  auto c = s.client();
  auto none = c.Post("/mcp", headers(), kInit, "application/json");
  CHECK(none->status == 401);
  auto wrong = c.Post("/mcp", headers({}, {{"Authorization", "Bearer nope"}}), kInit, "application/json");
  CHECK(wrong->status == 401);
  auto right = c.Post("/mcp", headers({}, {{"Authorization", "Bearer s3cret"}}), kInit, "application/json");
  CHECK(right->status == 200);
}

TEST_CASE("http: a burst of 100 connections is accepted without dropped handshakes", "[http]") {
  RunningServer s;
  long before = listenOverflows();
  REQUIRE(before >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(s.http->boundPort()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<int> fds;
  for (int i = 0; i < 100; ++i) {  // all at once: connect() does not wait
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(fd >= 0);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    CHECK((rc == 0 || errno == EINPROGRESS));
    fds.push_back(fd);
  }
  for (int fd : fds) {
    pollfd p{fd, POLLOUT, 0};
    CHECK(::poll(&p, 1, 10000) == 1);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the last handshakes reach the queue
  long after = listenOverflows();
  for (int fd : fds) ::close(fd);
  // Debian's httplib listens with a backlog of 5; the transport widens it.
  CHECK(after - before == 0);
  auto c = s.client();
  auto r = c.Post("/mcp", R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "application/json");
  REQUIRE(r);  // still serving
}
