// `flywheel serve`: the MCP server over stdio (default) or Streamable HTTP.
#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/services.h"
#include "core/process.h"
#include "server/http_guard.h"
#include "server/instructions.h"
#include "server/limits.h"
#include "server/logging.h"
#include "server/mcp_server.h"
#include "server/transport.h"
#include "tools/tool_groups.h"

namespace flywheel::cli {

namespace {

struct ServeOptions {
  bool stdio = false;
  std::string http;  // HOST:PORT
  std::string token;
  std::vector<std::string> allowHosts;
  bool insecureNoAuth = false;
  int idleMinutes = 30;
  double headerTimeoutS = 0;  // 0: the default of server/limits.h
  std::size_t maxSessions = mcp::limits::kMaxSessions;
};

Result<mcp::HttpOptions> parseHttp(const ServeOptions& o) {
  mcp::HttpOptions h;
  auto colon = o.http.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return fail(Error::invalidArgument("--http expects HOST:PORT, e.g. 127.0.0.1:8765 (got \"" + o.http + "\")"));
  h.host = o.http.substr(0, colon);
  if (h.host.size() > 2 && h.host.front() == '[' && h.host.back() == ']') h.host = h.host.substr(1, h.host.size() - 2);
  try {
    std::size_t used = 0;
    h.port = std::stoi(o.http.substr(colon + 1), &used);
    if (used != o.http.size() - colon - 1 || h.port < 0 || h.port > 65535) throw std::out_of_range("port");
  } catch (...) {
    return fail(Error::invalidArgument("--http port must be 0..65535 (got \"" + o.http.substr(colon + 1) + "\")"));
  }
  h.token = o.token;
  if (!mcp::isLoopbackHost(h.host) && h.token.empty() && !o.insecureNoAuth)
    return fail(Error::invalidArgument(
        "--http " + o.http + " serves beyond this machine, so it needs a token: pass --token T (or set "
        "$FLYWHEEL_TOKEN), bind 127.0.0.1 instead, or pass --insecure-no-auth on a trusted network"));
  h.allowedHosts = o.allowHosts;
  h.insecureNoAuth = o.insecureNoAuth;
  h.maxSessions = o.maxSessions;
  if (o.headerTimeoutS > 0) h.headerTimeout = std::chrono::milliseconds(static_cast<long>(o.headerTimeoutS * 1000));
  if (h.token.empty())
    if (const char* env = std::getenv("FLYWHEEL_TOKEN"); env) h.token = env;
  return h;
}

int runServe(const CliState& state, const ServeOptions& o) {
  mcp::useStderrLogging();
  // Before any thread starts (the sentinel, the server's workers), so that a
  // stop signal reaches only the sigwait thread and stops serving cleanly.
  const sigset_t stopSignals = blockStopSignals();
  // Children a SIGKILLed flywheel left behind (cargo, rustc) die now, not at
  // this server's first build.
  if (int swept = sweepOrphanedChildren(); swept > 0)
    spdlog::warn("stopped {} process group(s) left running by a flywheel that was killed", swept);
  tools::AppConfig config;
  config.universeRoot = resolveUniverse(state);
  config.stateDir = config.universeRoot / ".flywheel";
  config.sourceDir = sourceDir();
  // Built once here and shared by every tool group (and by any loop that
  // runs beside them); declared before the server, so it outlives it.
  auto services = buildServices(config);
  mcp::McpServer server({.name = "flywheel",
                         .title = "flywheel",
                         .version = FLYWHEEL_VERSION,
                         .instructions = mcp::flywheelInstructions(),
                         .schemaDir = config.sourceDir.empty() ? config.sourceDir : config.sourceDir / "schemas",
                         .sessionIdleTimeout = std::chrono::minutes(o.idleMinutes)});
  if (auto r = tools::registerAllTools(server, *services); !r) {
    std::cerr << "flywheel: cannot start: " << r.error().message << "\n";
    return 1;
  }
  startWatching(*services);
  std::unique_ptr<mcp::Transport> transport;
  if (!o.http.empty()) {
    auto h = parseHttp(o);
    if (!h) {
      std::cerr << "flywheel: " << h.error().message << "\n";
      return 2;
    }
    std::cerr << "flywheel: serving MCP (Streamable HTTP) on http://" << h->host << ":" << h->port << "/mcp"
              << " for universe " << config.universeRoot.string() << "\n";
    transport = mcp::makeHttpTransport(*h);
  } else {
    transport = mcp::makeStdioTransport();
  }
  return serveUntilStopped(*transport, server, stopSignals);
}

}  // namespace

sigset_t blockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return set;
}

int serveUntilStopped(mcp::Transport& transport, mcp::McpServer& server, const sigset_t& stopSignals,
                      const std::function<void()>& beforeShutdown) {
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stopSignals, &sig);
    if (sig != 0) transport.stop();
  });
  auto r = transport.serve(server);
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  if (beforeShutdown) beforeShutdown();
  server.shutdown();
  if (!r) {
    std::cerr << "flywheel: serve failed: " << r.error().message << "\n";
    return 1;
  }
  return 0;
}

void addServeCommands(CLI::App& app, CliState& state) {
  auto opts = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand("serve", "Serve flywheel's MCP tools (stdio by default, or Streamable HTTP)");
  auto* stdio = serve->add_flag("--stdio", opts->stdio, "Serve over stdin/stdout (the default)");
  serve->add_option("--http", opts->http, "Serve Streamable HTTP on HOST:PORT (endpoint /mcp), e.g. 127.0.0.1:8765")
      ->excludes(stdio);
  serve->add_option("--token", opts->token, "Require this bearer token over HTTP (default: $FLYWHEEL_TOKEN)");
  serve->add_option("--allow-host", opts->allowHosts,
                    "Also accept this name in the Host and Origin headers (repeatable; DNS-rebinding protection "
                    "admits only localhost, 127.0.0.1, ::1 and a specific bound address otherwise)");
  serve->add_flag("--insecure-no-auth", opts->insecureNoAuth,
                  "Serve beyond loopback without --token (anyone who reaches the port can run every tool)");
  serve->add_option("--max-sessions", opts->maxSessions,
                    "HTTP sessions open at once; further initialize calls get 503 with Retry-After (default 256)")
      ->check(CLI::PositiveNumber);
  serve->add_option("--header-timeout", opts->headerTimeoutS,
                    "Seconds an HTTP request's headers may take from its first byte (default 10)")
      ->check(CLI::PositiveNumber);
  serve->add_option("--session-idle-minutes", opts->idleMinutes,
                    "End an HTTP session unused this many minutes; its client re-initializes (0: never; default 30)")
      ->check(CLI::NonNegativeNumber);
  serve->callback([&state, opts] { state.exitCode = runServe(state, *opts); });
}

}  // namespace flywheel::cli
