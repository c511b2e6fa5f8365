// A real MCP server with one tool group, reached by an in-memory client, for
// tests of a group's tools: call() checks every successful result against the
// tool's outputSchema; ok() and error() also require success or isError.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "server/mcp_server.h"
#include "server/memory_transport.h"
#include "cli/services.h"

namespace flywheel::testing {

struct ToolTestServer {
  using json = nlohmann::json;

  /// The composition root's services (declared first: they outlive the server).
  std::shared_ptr<tools::Services> services;
  mcp::McpServer server{{.schemaDir = std::filesystem::path(FLYWHEEL_SOURCE_DIR) / "schemas"}};

  /// Builds the services of the universe at `root`, as `flywheel serve` does.
  const tools::Services& servicesOf(const std::filesystem::path& root) {
    services = cli::buildServices({root, root / ".flywheel", FLYWHEEL_SOURCE_DIR});
    return *services;
  }
  std::unique_ptr<mcp::InMemoryClient> client;

  /// Takes the group's registration result and connects the client.
  void start(const Result<void>& registered) {
    INFO((registered ? std::string() : registered.error().message));
    REQUIRE(registered.has_value());
    if (services) cli::startWatching(*services);  // as `flywheel serve` does after registration
    client = std::make_unique<mcp::InMemoryClient>(server);
    client->initialize();
  }
  /// Disconnects and shuts the server down; a derived fixture calls it
  /// before it removes the files the tools use. Idempotent.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    client.reset();
    server.shutdown();
  }
  ~ToolTestServer() { stop(); }

  /// tools/call, waiting up to `timeout` (cargo-sized work wants minutes).
  json call(const std::string& name, const json& args,
            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto response = client->call("tools/call", {{"name", name}, {"arguments", args}}, timeout);
    REQUIRE(response.has_value());
    INFO(response->dump());
    REQUIRE(response->contains("result"));
    json result = (*response)["result"];
    if (!result.value("isError", false)) {
      auto tool = server.registry().findTool(name);
      REQUIRE(tool);
      REQUIRE(tool->output.has_value());
      auto bad = tool->output->validate(result["structuredContent"], "structuredContent");
      INFO((bad ? *bad : std::string()));
      CHECK(!bad);
    }
    return result;
  }
  json ok(const std::string& name, const json& args,
          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto r = call(name, args, timeout);
    INFO(r.dump());
    REQUIRE(!r.value("isError", false));
    return r["structuredContent"];
  }
  std::string error(const std::string& name, const json& args) {
    auto r = call(name, args);
    INFO(r.dump());
    REQUIRE(r.value("isError", false));
    return r["content"][0]["text"].get<std::string>();
  }

 private:
  bool stopped_ = false;
};

}  // namespace flywheel::testing
