// The stdio transport through real pipes: framing, malformed JSON, a 50 MB
// line, and the session keeps serving afterwards.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <thread>

#include "server/mcp_server.h"
#include "server/transport.h"
#include "test_fixture.h"

using namespace flywheel::mcp;
using nlohmann::json;

namespace {

struct Pipes {
  int toServer[2];
  int fromServer[2];
  Pipes() {
    REQUIRE(pipe(toServer) == 0);
    REQUIRE(pipe(fromServer) == 0);
  }
  ~Pipes() {
    for (int fd : {toServer[1], fromServer[0]}) close(fd);
  }
  void write(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::write(toServer[1], s.data() + off, s.size() - off);
      REQUIRE(n > 0);
      off += static_cast<std::size_t>(n);
    }
  }
  std::string buffer;
  // The next line from the server, or "" after 5 s.
  std::string readLine() {
    for (;;) {
      if (auto nl = buffer.find('\n'); nl != std::string::npos) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        return line;
      }
      pollfd p{fromServer[0], POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0) return "";
      char buf[4096];
      ssize_t n = read(fromServer[0], buf, sizeof buf);
      if (n <= 0) return "";
      buffer.append(buf, static_cast<std::size_t>(n));
    }
  }
};

}  // namespace

TEST_CASE("stdio: newline-delimited JSON, bad lines answered, serving continues", "[stdio]") {
  auto server = test::makeTestServer();
  Pipes pipes;
  auto transport = makeStdioTransport(pipes.toServer[0], pipes.fromServer[1], 32u << 20);
  std::thread t([&] { REQUIRE(transport->serve(*server)); });

  pipes.write(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
              "\n");
  json init = json::parse(pipes.readLine());
  CHECK(init["result"]["protocolVersion"] == "2025-11-25");

  pipes.write("{not json\n");
  json parseError = json::parse(pipes.readLine());
  CHECK(parseError["error"]["code"] == -32700);
  CHECK(parseError["id"].is_null());

  std::string huge(50u << 20, 'a');
  huge.push_back('\n');
  std::thread writer([&] { pipes.write(huge); });
  json tooBig = json::parse(pipes.readLine());
  writer.join();
  CHECK(tooBig["error"]["code"] == -32700);
  CHECK(tooBig["error"]["message"].get<std::string>().find("exceeds the limit") != std::string::npos);

  pipes.write("\n" R"({"jsonrpc":"2.0","id":2,"method":"ping"})" "\r\n");
  json pong = json::parse(pipes.readLine());
  CHECK(pong["id"] == 2);
  CHECK(pong["result"] == json::object());

  close(pipes.toServer[1]);  // end of input ends serve()
  pipes.toServer[1] = open("/dev/null", O_WRONLY);
  t.join();
  close(pipes.toServer[0]);
  close(pipes.fromServer[1]);
}

TEST_CASE("stdio 2026-07-28: requests without initialize carry _meta and run input-required rounds", "[stdio][stateless]") {
  auto server = test::makeTestServer();
  Pipes pipes;
  auto transport = makeStdioTransport(pipes.toServer[0], pipes.fromServer[1], 32u << 20);
  std::thread t([&] { REQUIRE(transport->serve(*server)); });
  json meta{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
            {"io.modelcontextprotocol/clientCapabilities", {{"elicitation", json::object()}}}};
  auto send = [&](int id, const std::string& method, json params) {
    params["_meta"] = meta;
    pipes.write(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump() + "\n");
    return json::parse(pipes.readLine());
  };
  json discover = send(1, "server/discover", json::object());
  CHECK(discover["result"]["supportedVersions"][0] == "2026-07-28");
  json first = send(2, "tools/call", {{"name", "ask"}, {"arguments", json::object()}});
  REQUIRE(first["result"]["resultType"] == "input_required");
  json done = send(3, "tools/call", {{"name", "ask"}, {"arguments", json::object()},
                                     {"inputResponses", {{"input-1", {{"action", "accept"}, {"content", {{"name", "Lin"}}}}}}},
                                     {"requestState", first["result"]["requestState"]}});
  CHECK(done["result"]["structuredContent"]["content"]["name"] == "Lin");
  CHECK(send(4, "logging/setLevel", {{"level", "info"}})["error"]["code"] == -32601);

  close(pipes.toServer[1]);
  pipes.toServer[1] = open("/dev/null", O_WRONLY);
  t.join();
  close(pipes.toServer[0]);
  close(pipes.fromServer[1]);
}
