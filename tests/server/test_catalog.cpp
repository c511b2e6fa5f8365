// flywheel's real tool catalogue: every tool that registerAllTools registers
// (with a temporary universe) has a usable input and output schema, a
// description and annotations, and every example in its schema file passes
// its input schema; and the catalogue, served over real pipes (where stdio
// hands the cached page to the kernel with vmsplice), reaches a pipelining
// client intact.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/logging.h"
#include "server/mcp_server.h"
#include "server/schema_validator.h"
#include "server/transport.h"
#include "cli/services.h"
#include "tools/tool_groups.h"

using namespace flywheel;
using namespace flywheel::mcp;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path tempUniverse() {
  fs::path dir = fs::temp_directory_path() / ("flywheel-catalog-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path shop = fs::path(FLYWHEEL_SOURCE_DIR) / "examples" / "shop";
  if (fs::exists(shop)) fs::copy(shop, dir, fs::copy_options::recursive);
  return dir;
}

json readJson(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

}  // namespace

TEST_CASE("every registered tool has valid schemas and passing examples", "[catalog]") {
  useStderrLogging();
  fs::path universe = tempUniverse();
  auto services = cli::buildServices({.universeRoot = universe, .stateDir = universe / ".flywheel", .sourceDir = FLYWHEEL_SOURCE_DIR});
  McpServer server({.schemaDir = fs::path(FLYWHEEL_SOURCE_DIR) / "schemas"});
  auto registered = tools::registerAllTools(server, *services);
  INFO((registered ? std::string("registered") : registered.error().message));
  REQUIRE(registered);
  auto names = server.registry().toolNames();
  WARN("tools registered: " << names.size());
  for (const auto& name : names) {
    INFO("tool " << name);
    auto tool = server.registry().findTool(name);
    REQUIRE(tool);
    CHECK_FALSE(tool->spec.description.empty());
    CHECK(tool->inputSchema["type"] == "object");
    CHECK(tool->outputSchema.is_object());
    CHECK(tool->outputSchema.value("type", "") == "object");
    json file = readJson(fs::path(FLYWHEEL_SOURCE_DIR) / "schemas" / "tools" / (name + ".json"));
    REQUIRE(file.contains("examples"));
    REQUIRE(file["examples"].is_array());
    CHECK_FALSE(file["examples"].empty());
    for (const auto& example : file["examples"]) {
      INFO("example " << example.dump());
      REQUIRE(example.contains("arguments"));
      auto bad = tool->input.validate(example["arguments"], "arguments");
      CHECK_FALSE(bad);
      if (bad) WARN(*bad);
    }
  }
  fs::remove_all(universe);
}

TEST_CASE("the catalogue over a real stdio pipe: pipelined tools/list pages arrive whole and in order", "[catalog][stdio]") {
  useStderrLogging();
  fs::path universe = tempUniverse();
  auto services = cli::buildServices({.universeRoot = universe, .stateDir = universe / ".flywheel", .sourceDir = FLYWHEEL_SOURCE_DIR});
  McpServer server({.schemaDir = fs::path(FLYWHEEL_SOURCE_DIR) / "schemas"});
  REQUIRE(tools::registerAllTools(server, *services));
  int toServer[2], fromServer[2];
  REQUIRE(pipe(toServer) == 0);
  REQUIRE(pipe(fromServer) == 0);
  auto transport = makeStdioTransport(toServer[0], fromServer[1], 1u << 20);
  std::thread serving([&] { CHECK(transport->serve(server)); });

  // 60 tools/list with a ping between each: far more than a pipe holds, so the
  // server blocks mid-page while the client is not reading yet.
  std::string requests =
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
      "\n" R"({"jsonrpc":"2.0","method":"notifications/initialized"})" "\n";
  constexpr int kLists = 60;
  for (int i = 1; i <= kLists; ++i)
    requests += R"({"jsonrpc":"2.0","id":)" + std::to_string(2 * i) + R"(,"method":"tools/list"})" "\n" +
                R"({"jsonrpc":"2.0","id":)" + std::to_string(2 * i + 1) + R"(,"method":"ping"})" "\n";
  REQUIRE(::write(toServer[1], requests.data(), requests.size()) == static_cast<ssize_t>(requests.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  std::string buffer;
  std::vector<json> replies;
  while (replies.size() < 1 + 2 * kLists) {
    pollfd p{fromServer[0], POLLIN, 0};
    REQUIRE(poll(&p, 1, 10000) == 1);
    char chunk[7000];  // small reads: the client drains the pipe in pieces
    ssize_t n = ::read(fromServer[0], chunk, sizeof chunk);
    REQUIRE(n > 0);
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
      json reply = json::parse(buffer.substr(0, nl), nullptr, false);
      REQUIRE_FALSE(reply.is_discarded());
      replies.push_back(std::move(reply));
    }
  }
  const json& first = replies[1]["result"];
  CHECK(first["tools"].size() == server.registry().toolNames().size());
  CHECK(first.dump().size() > 16 * 1024);  // big enough to take the vmsplice path
  for (int i = 1; i <= kLists; ++i) {
    CHECK(replies[2 * i - 1]["id"] == 2 * i);
    CHECK(replies[2 * i - 1]["result"] == first);
    CHECK(replies[2 * i]["id"] == 2 * i + 1);
    CHECK(replies[2 * i]["result"] == json::object());
  }
  close(toServer[1]);
  serving.join();
  for (int fd : {toServer[0], fromServer[0], fromServer[1]}) close(fd);
  fs::remove_all(universe);
}

TEST_CASE("a tools/list page still in the pipe when flywheel exits reaches the client intact", "[catalog][stdio]") {
  // The client reads late: the server has answered, seen its input end, and
  // torn its transport down before a byte is read. The pipe still refers to
  // the page's memory (vmsplice), which must not have been freed and reused.
  useStderrLogging();
  fs::path universe = tempUniverse();
  auto services = cli::buildServices({.universeRoot = universe, .stateDir = universe / ".flywheel", .sourceDir = FLYWHEEL_SOURCE_DIR});
  int toServer[2], fromServer[2];
  REQUIRE(pipe(toServer) == 0);
  REQUIRE(pipe(fromServer) == 0);
  REQUIRE(fcntl(fromServer[1], F_SETPIPE_SZ, 1 << 20) > 0);  // the whole answer fits: serve never blocks
  {
    McpServer server({.schemaDir = fs::path(FLYWHEEL_SOURCE_DIR) / "schemas"});
    REQUIRE(tools::registerAllTools(server, *services));
    auto transport = makeStdioTransport(toServer[0], fromServer[1], 1u << 20);
    std::string requests =
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
        "\n" R"({"jsonrpc":"2.0","method":"notifications/initialized"})" "\n"
        R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})" "\n";
    REQUIRE(::write(toServer[1], requests.data(), requests.size()) == static_cast<ssize_t>(requests.size()));
    close(toServer[1]);
    CHECK(transport->serve(server));
    server.shutdown();
    // Churn the allocator the way a process's last moments do.
    std::vector<std::string> churn;
    for (int i = 0; i < 64; ++i) churn.emplace_back(64 * 1024, 'x');
  }
  close(fromServer[1]);
  std::string all;
  char chunk[65536];
  for (ssize_t n; (n = ::read(fromServer[0], chunk, sizeof chunk)) > 0;) all.append(chunk, static_cast<std::size_t>(n));
  std::vector<json> replies;
  std::stringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    INFO(line.substr(0, 120));
    json reply = json::parse(line, nullptr, false);
    REQUIRE_FALSE(reply.is_discarded());
    replies.push_back(std::move(reply));
  }
  REQUIRE(replies.size() == 2);
  CHECK(replies[1]["id"] == 1);
  CHECK(replies[1]["result"]["tools"].size() > 20);
  for (int fd : {toServer[0], fromServer[0]}) close(fd);
  fs::remove_all(universe);
}
