// The stdio transport against hostile input (issue 14), through real pipes:
// deep nesting before initialize and inside a call, oversized batches; the
// session keeps serving after each refusal.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <thread>

#include "server/incoming.h"
#include "server/mcp_server.h"
#include "server/memory_transport.h"
#include "server/transport.h"
#include "test_fixture.h"
#include "transport_limits.h"

using namespace flywheel::mcp;
using nlohmann::json;

namespace {

// A stdio transport serving a test server on two pipes, for the object's life.
struct StdioServer {
  std::unique_ptr<McpServer> server = test::makeTestServer();
  int toServer[2];
  int fromServer[2];
  std::unique_ptr<Transport> transport;
  std::thread thread;
  std::string buffer;

  StdioServer() {
    REQUIRE(pipe(toServer) == 0);
    REQUIRE(pipe(fromServer) == 0);
    transport = makeStdioTransport(toServer[0], fromServer[1]);
    thread = std::thread([this] { REQUIRE(transport->serve(*server)); });
  }
  ~StdioServer() {
    close(toServer[1]);  // end of input ends serve()
    thread.join();
    for (int fd : {toServer[0], fromServer[0], fromServer[1]}) close(fd);
  }
  void send(const std::string& line) {
    std::string s = line + "\n";
    std::thread writer([this, s] {  // a big line fills the pipe before the server reads it
      std::size_t off = 0;
      while (off < s.size()) {
        ssize_t n = ::write(toServer[1], s.data() + off, s.size() - off);
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
      }
    });
    writer.detach();
  }
  // The next message from the server (null after 10 s).
  json next() {
    for (;;) {
      if (auto nl = buffer.find('\n'); nl != std::string::npos) {
        json m = json::parse(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
        return m;
      }
      pollfd p{fromServer[0], POLLIN, 0};
      if (poll(&p, 1, 10000) <= 0) return nullptr;
      char buf[65536];
      ssize_t n = read(fromServer[0], buf, sizeof buf);
      if (n <= 0) return nullptr;
      buffer.append(buf, static_cast<std::size_t>(n));
    }
  }
};

const std::string kStdioPing = R"({"jsonrpc":"2.0","id":99,"method":"ping"})";

}  // namespace

TEST_CASE("stdio limits: a message nested 60,000 levels deep gets -32700 naming the limit", "[stdio][limits]") {
  StdioServer s;
  // A notification before initialize: it used to kill the server (SIGSEGV).
  s.send(R"({"jsonrpc":"2.0","method":"notifications/x","params":)" + flywheel::test::nestedArrays(60000) + "}");
  json err = s.next();
  CHECK(err["id"].is_null());
  CHECK(err["error"]["code"] == -32700);
  CHECK(err["error"]["message"].get<std::string>().find("more than 128 levels deep (the limit)") != std::string::npos);
  // Strings holding brackets do not count.
  s.send(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":")" + std::string(1000, '[') + R"(\""}})");
  CHECK(s.next()["result"] == json::object());
  s.send(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  CHECK(s.next()["result"]["protocolVersion"] == "2025-11-25");
  s.send(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"x":)" + flywheel::test::nestedArrays(129) +
         "}}}");
  CHECK(s.next()["error"]["code"] == -32700);
  s.send(kStdioPing);
  CHECK(s.next()["id"] == 99);
}

TEST_CASE("stdio limits: a batch of 100,000 calls is refused unparsed; 100 are answered", "[stdio][limits]") {
  StdioServer s;
  s.send(R"({"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  CHECK(s.next()["result"]["protocolVersion"] == "2025-03-26");
  auto batch = [](int n) {
    std::string b = "[";
    for (int i = 0; i < n; ++i) b += (i ? "," : "") + std::string(R"({"jsonrpc":"2.0","id":)") + std::to_string(i + 1) +
                                     R"(,"method":"ping"})";
    return b + "]";
  };
  auto t0 = std::chrono::steady_clock::now();
  s.send(batch(100000));  // 4.3 MB: over the message size limit
  json err = s.next();
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(err["error"]["code"] == -32700);
  CHECK(took < std::chrono::seconds(2));  // it took 11 s and 364 MB
  s.send(batch(5000));
  err = s.next();
  CHECK(err["error"]["code"] == -32600);
  CHECK(err["error"]["message"].get<std::string>().find("a batch of 5000 messages exceeds the limit of 100") !=
        std::string::npos);
  s.send(batch(100));
  json answers = s.next();
  REQUIRE(answers.is_array());
  CHECK(answers.size() == 100);
  s.send(kStdioPing);
  CHECK(s.next()["id"] == 99);
}

TEST_CASE("stdio limits: 100,001 values or 5 MiB in one message are refused", "[stdio][limits]") {
  StdioServer s;
  std::string many = "[0";
  for (int i = 0; i < 100000; ++i) many += ",0";
  s.send(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":)" + many + "]}}");
  json err = s.next();
  CHECK(err["error"]["code"] == -32600);
  CHECK(err["error"]["message"].get<std::string>().find("more than 100000 JSON values (the limit)") !=
        std::string::npos);
  s.send(R"({"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":")" + std::string(5u << 20, 'a') + "\"}}");
  json big = s.next();
  CHECK(big["error"]["code"] == -32700);
  CHECK(big["error"]["message"].get<std::string>().find("exceeds the limit of 4194304 bytes") != std::string::npos);
  s.send(R"({"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":")" + std::string(3u << 20, 'a') + "\"}}");
  CHECK(s.next()["id"] == 3);
}

TEST_CASE("receiveText: raw message text through a real session, as stdio hands it over", "[stdio][limits]") {
  auto server = test::makeTestServer();
  InMemoryClient client(*server);
  receiveText(client.session(), R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  receiveText(client.session(), "{\"jsonrpc\":" + flywheel::test::nestedArrays(5000));
  receiveText(client.session(), "   ");
  auto pong = client.waitFor([](const json& m) { return m.contains("id") && m["id"] == 7; });
  REQUIRE(pong);
  auto err = client.waitFor([](const json& m) { return m.contains("error"); });
  REQUIRE(err);
  CHECK((*err)["error"]["code"] == -32700);
}
