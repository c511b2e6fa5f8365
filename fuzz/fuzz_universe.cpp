#include "fuzz/fuzz_universe.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/mcp_server.h"
#include "cli/services.h"
#include "tools/tool_groups.h"

namespace flywheel::fuzz {

namespace fs = std::filesystem;

namespace {

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "fuzz set-up failed: %s\n", command.c_str());
    std::abort();
  }
}

}  // namespace

const fs::path& fuzzUniverse() {
  static const fs::path root = [] {
    fs::path dir = fs::temp_directory_path() / ("flywheel-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy(fs::path(FLYWHEEL_SOURCE_DIR) / "examples" / "shop", dir, fs::copy_options::recursive);
    run("cd '" + dir.string() +
        "' && git init -q && git -c user.name=fuzz -c user.email=fuzz@localhost add -A >/dev/null"
        " && git -c user.name=fuzz -c user.email=fuzz@localhost commit -qm shop >/dev/null");
    // Leave nothing behind when the fuzzer exits normally.
    std::atexit([] { std::error_code ec; fs::remove_all(fuzzUniverse(), ec); });
    return dir;
  }();
  return root;
}

mcp::McpServer& fuzzServer() {
  static mcp::McpServer* server = [] {
    tools::AppConfig config;
    config.universeRoot = fs::canonical(fuzzUniverse());
    config.stateDir = config.universeRoot / ".flywheel";
    config.sourceDir = FLYWHEEL_SOURCE_DIR;
    auto* s = new mcp::McpServer({.schemaDir = config.sourceDir / "schemas"});
    static auto services = cli::buildServices(config);  // lives as long as the server
    if (auto r = tools::registerAllTools(*s, *services); !r) {
      std::fprintf(stderr, "fuzz set-up failed: %s\n", r.error().message.c_str());
      std::abort();
    }
    return s;
  }();
  return *server;
}

}  // namespace flywheel::fuzz
