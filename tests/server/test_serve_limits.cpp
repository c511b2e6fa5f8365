// Issue 14 against the real `flywheel serve` binary: one hostile message,
// a flood of sessions, slow clients or an exposed bind address must never
// take the server down. Run with FLYWHEEL_SERVE_BINARY=<older flywheel> to
// see the same tests fail on a build without the limits.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "http_requests.h"
#include "serve_process.h"

using flywheel::mcp::test::closedByServer;
using flywheel::mcp::test::connectTo;
using flywheel::mcp::test::headers;
using flywheel::mcp::test::initBody;
using flywheel::mcp::test::freePort;
using flywheel::mcp::test::ServeProcess;
using nlohmann::json;

namespace {

const std::string kPing = R"({"jsonrpc":"2.0","id":42,"method":"ping"})";

std::string deepNotification() {
  return R"({"jsonrpc":"2.0","method":"notifications/x","params":)" + std::string(60000, '[') +
         std::string(60000, ']') + "}";
}

struct HttpServe {
  int port = freePort();
  ServeProcess p;
  explicit HttpServe(std::vector<std::string> extra = {}) : p(args(port, std::move(extra))) {
    REQUIRE(p.waitListening(port));
  }
  static std::vector<std::string> args(int port, std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--http", "127.0.0.1:" + std::to_string(port)});
    return extra;
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(10);
    return c;
  }
};

}  // namespace

TEST_CASE("flywheel serve --stdio: 60,000 nested brackets in a notification before initialize", "[serve][limits]") {
  ServeProcess p({"--stdio"});
  p.send(deepNotification());
  p.send(kPing);
  std::string first = p.readLine();
  REQUIRE_FALSE(first.empty());  // the server died with SIGSEGV before answering
  CHECK(json::parse(first)["error"]["code"] == -32700);
  CHECK(json::parse(p.readLine())["id"] == 42);
  CHECK(p.running());
}

TEST_CASE("flywheel serve --stdio: a batch of 101 calls is refused naming the limit", "[serve][limits]") {
  ServeProcess p({"--stdio"});
  p.send(initBody("2025-03-26"));
  CHECK(json::parse(p.readLine())["result"]["protocolVersion"] == "2025-03-26");
  json batch = json::array();
  for (int i = 0; i < 101; ++i) batch.push_back({{"jsonrpc", "2.0"}, {"id", i}, {"method", "ping"}});
  p.send(batch.dump());
  json answer = json::parse(p.readLine());
  REQUIRE(answer.is_object());
  CHECK(answer["error"]["code"] == -32600);
  CHECK(answer["error"]["message"].get<std::string>().find("limit of 100") != std::string::npos);
}

TEST_CASE("flywheel serve --http: 60,000 nested brackets without a session or token", "[serve][limits]") {
  HttpServe s;
  auto c = s.client();
  auto r = c.Post("/mcp", headers(), deepNotification(), "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(json::parse(r->body)["error"]["code"] == -32700);
  CHECK(s.p.running());
  CHECK(c.Post("/mcp", headers({}, {{"Host", "LOCALHOST"}}), initBody(), "application/json")->status == 200);
}

TEST_CASE("flywheel serve --http: 300 initialize calls leave a live session alone", "[serve][limits]") {
  HttpServe s;
  auto c = s.client();
  auto first = c.Post("/mcp", headers(), initBody(), "application/json");
  REQUIRE(first);
  std::string sid = first->get_header_value("Mcp-Session-Id");
  int refused = 0;
  for (int i = 0; i < 300; ++i) {
    auto r = c.Post("/mcp", headers(), initBody(), "application/json");
    REQUIRE(r);
    if (r->status == 503 && r->get_header_value("Retry-After") == "30") ++refused;
  }
  std::fprintf(stderr, "session flood: %d of 300 refused; server RSS %ld KiB (peak %ld KiB)\n", refused,
               s.p.rssKb(), s.p.rssKb("VmHWM:"));
  auto ping = c.Post("/mcp", headers(sid), kPing, "application/json");
  REQUIRE(ping);
  CHECK(ping->status == 200);  // not 404: the flood evicted it
  CHECK(refused == 45);        // 256 sessions open, the first one included
}

TEST_CASE("flywheel serve --http: a ping answers within 500 ms while 60 clients trickle", "[serve][limits][slow]") {
  using namespace std::chrono;
  HttpServe s;
  std::vector<int> slow, idle;
  for (int i = 0; i < 200; ++i) idle.push_back(connectTo(s.port));
  for (int i = 0; i < 60; ++i) slow.push_back(connectTo(s.port));
  const std::string request = "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\n\r\n" + kPing;
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (std::size_t i = 0; !done && i < request.size(); ++i) {
      for (int fd : slow) (void)!::send(fd, &request[i], 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  auto c = s.client();
  std::vector<double> ms;
  long rss = 0;
  for (auto end = steady_clock::now() + seconds(3); steady_clock::now() < end;) {
    auto t0 = steady_clock::now();
    auto r = c.Post("/mcp", headers(), kPing, "application/json");  // a new connection each time
    ms.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
    CHECK(r);
    rss = std::max(rss, s.p.rssKb());
    std::this_thread::sleep_for(milliseconds(50));
  }
  done = true;
  trickle.join();
  std::sort(ms.begin(), ms.end());
  std::fprintf(stderr, "60 slow + 200 idle clients: %zu pings, p50 %.2f ms, max %.2f ms; server RSS %ld KiB\n",
               ms.size(), ms[ms.size() / 2], ms.back(), rss);
  CHECK(ms.back() < 500);
  for (int fd : idle) ::close(fd);
  for (int fd : slow) ::close(fd);
}

TEST_CASE("flywheel serve --http 0.0.0.0: a token (or --insecure-no-auth) is required; Host is checked",
          "[serve][limits]") {
  int port = freePort();
  ServeProcess open({"--http", "0.0.0.0:" + std::to_string(port)});
  int status = open.wait(5000);
  CHECK(status == 2);  // it used to serve every Host and Origin without a token
  CHECK(open.stderrText().find("--insecure-no-auth") != std::string::npos);

  HttpServe s({"--token", "t0k", "--allow-host", "flywheel.lan"});  // loopback bind, names still apply
  auto c = s.client();
  const std::pair<std::string, std::string> auth{"Authorization", "Bearer t0k"};
  CHECK(c.Post("/mcp", headers({}, {{"Host", "evil.example"}, auth}), initBody(), "application/json")->status == 403);
  CHECK(c.Post("/mcp", headers({}, {{"Host", "Flywheel.LAN:80"}, auth}), initBody(), "application/json")->status ==
        200);

  int wide = freePort();
  ServeProcess guarded({"--http", "0.0.0.0:" + std::to_string(wide), "--token", "t0k"});
  REQUIRE(guarded.waitListening(wide));
  httplib::Client g("127.0.0.1", wide);
  CHECK(g.Post("/mcp", headers({}, {{"Host", "evil.example"}, auth}), initBody(), "application/json")->status == 403);
  CHECK(g.Post("/mcp", headers({}, {{"Origin", "http://evil.example"}, auth}), initBody(), "application/json")
            ->status == 403);
  CHECK(g.Post("/mcp", headers({}, {auth}), initBody(), "application/json")->status == 200);
}
