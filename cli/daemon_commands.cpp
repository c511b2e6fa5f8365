// `flywheel daemon`: MissionD (missiond/daemon.h) and the MCP server over
// Streamable HTTP in one process, on the same services, so the agents it
// starts and a person's own client talk to the one process that owns the
// state. `flywheel status` shows a running daemon's slots, tasks and epochs.
#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/services.h"
#include "core/process.h"
#include "kb/board/board.h"
#include "kb/knowledge_base.h"
#include "mechanic/mechanic.h"
#include "missiond/daemon.h"
#include "missiond/daemon_lock.h"
#include "missiond/status.h"
#include "server/http_guard.h"
#include "server/instructions.h"
#include "server/logging.h"
#include "server/mcp_server.h"
#include "server/transport.h"
#include "tools/tool_groups.h"
#include "universe/ir.h"

namespace flywheel::cli {
namespace {

struct DaemonFlags {
  std::string http = "127.0.0.1:8765";
  std::optional<int> slots;
  std::optional<std::string> agent;
  std::optional<int> agentDeadline;
  missiond::DaemonOptions opt;
  std::optional<int> poll;
  bool noTier0 = false;
};

Result<mcp::HttpOptions> parseAddress(const std::string& a) {
  auto colon = a.rfind(':');
  mcp::HttpOptions h;
  if (colon == std::string::npos || colon == 0)
    return fail(Error::invalidArgument("--http expects HOST:PORT, e.g. 127.0.0.1:8765 (got \"" + a + "\")"));
  h.host = a.substr(0, colon);
  try {
    h.port = std::stoi(a.substr(colon + 1));
  } catch (...) {
    h.port = -1;
  }
  if (h.port <= 0 || h.port > 65535)
    return fail(Error::invalidArgument("--http port must be 1..65535 (got \"" + a.substr(colon + 1) +
                                       "\"): the agents the daemon starts need to know it"));
  if (!mcp::isLoopbackHost(h.host))
    return fail(Error::invalidArgument("--http " + a + ": the daemon serves loopback only (its agents run here); "
                                       "bind 127.0.0.1"));
  return h;
}

/// The universe's settings, overridden by the flags that were given.
missiond::DaemonOptions settle(const DaemonFlags& f, const universe::UniverseSettings& s, const std::string& url) {
  missiond::DaemonOptions o = f.opt;
  o.slots = f.slots.value_or(s.slots);
  o.agentCommand = f.agent.value_or(s.agentCommand.value_or(""));
  o.agentDeadlineSeconds = f.agentDeadline.value_or(s.agentDeadlineSeconds);
  o.pollSeconds = f.poll.value_or(s.sentinelIntervalSeconds);
  o.mcpUrl = url;
  o.tier0 = !f.noTier0;
  return o;
}

missiond::DaemonHooks hooksFor(const std::shared_ptr<tools::Services>& services, mcp::McpServer& server) {
  missiond::DaemonHooks h;
  h.mechanic = [m = services->mechanic]() { return m->get(); };
  h.board = [b = services->board]() { return b->get(); };
  h.boardMutex = services->boardMutex;
  h.remember = [kb = services->knowledge](const std::string& title, const std::string& body) {
    auto k = kb->get();
    if (!k) return;
    if (auto r = (*k)->remember({.kind = "report", .title = title, .body = body.substr(0, 7000),
                                 .tags = {"daemon", "report"}, .cite = "flywheel daemon"});
        !r)
      spdlog::warn("missiond: the report is not in the knowledge base: {}", r.error().message);
  };
  h.announce = [&server](const std::string& text) {
    server.logToClients(mcp::LogLevel::Notice, "flywheel.daemon", nlohmann::json(text));
  };
  return h;
}

/// Blocked before any thread starts, so every thread inherits the mask and
/// SIGINT/SIGTERM reach only runDaemon's sigwait (a clean stop: agents
/// killed, their tasks released).
int runDaemon(const CliState& state, const DaemonFlags& f) {
  mcp::useStderrLogging();
  sigset_t set = blockStopSignals();
  auto http = parseAddress(f.http);
  if (!http) {
    std::cerr << "flywheel: " << http.error().message << "\n";
    return 2;
  }
  const std::string url = "http://" + http->host + ":" + std::to_string(http->port) + "/mcp";
  tools::AppConfig config;
  config.universeRoot = resolveUniverse(state);
  config.stateDir = config.universeRoot / ".flywheel";
  config.sourceDir = sourceDir();
  auto lock = missiond::DaemonLock::acquire(config.stateDir, url);
  if (!lock) {
    std::cerr << "flywheel: cannot start the daemon: " << lock.error().message << "\n";
    return 3;
  }
  if (int swept = sweepOrphanedChildren(); swept > 0)
    spdlog::warn("stopped {} process group(s) left running by a flywheel that was killed", swept);
  auto loaded = universe::loadUniverse(config.universeRoot);
  if (!loaded) {
    std::cerr << "flywheel: cannot read the universe at " << config.universeRoot.string() << ": "
              << loaded.error().message << "\n";
    return 1;
  }
  auto services = buildServices(config);
  mcp::McpServer server({.name = "flywheel", .title = "flywheel", .version = FLYWHEEL_VERSION,
                         .instructions = mcp::flywheelInstructions(),
                         .schemaDir = config.sourceDir.empty() ? config.sourceDir : config.sourceDir / "schemas"});
  if (auto r = tools::registerAllTools(server, *services); !r) {
    std::cerr << "flywheel: cannot start: " << r.error().message << "\n";
    return 1;
  }
  startWatching(*services);
  auto opts = settle(f, loaded->universe.settings, url);
  if (!config.sourceDir.empty()) opts.templatesDir = config.sourceDir / "forge/templates/rust";
  missiond::Daemon daemon(config.universeRoot, opts, hooksFor(services, server));
  auto transport = mcp::makeHttpTransport(*http);
  if (auto r = daemon.start(); !r) {
    std::cerr << "flywheel: cannot start the daemon: " << r.error().message << "\n";
    return 1;
  }
  std::cerr << "flywheel: daemon on " << config.universeRoot.string() << ": " << opts.slots << " slot(s), MCP at "
            << url << ", agent: " << (opts.agentCommand.empty() ? "claude (default)" : opts.agentCommand) << "\n";
  return serveUntilStopped(*transport, server, set, [&] {
    // Every child of this process stops now (agents, tier 0's and the tools'
    // cargo runs), so the daemon's slots settle at once.
    requestProcessShutdown();
    daemon.stop();
  });
}

}  // namespace

void addDaemonCommands(CLI::App& app, CliState& state) {
  auto f = std::make_shared<DaemonFlags>();
  auto* d = app.add_subcommand("daemon", "Repair breaking intent changes unattended: sentinel, board, agent slots, "
                                         "finish, report (and serve MCP over Streamable HTTP)");
  d->add_option("--http", f->http, "Serve MCP on HOST:PORT (loopback; endpoint /mcp; default 127.0.0.1:8765)");
  d->add_option("--slots", f->slots, "Background agent slots (default: the universe's (slots N), else 2)")
      ->check(CLI::Range(1, 64));
  d->add_option("--agent", f->agent, "The command a slot runs (sh -c; default: the universe's (agent \"...\"), "
                                     "else Claude Code headless, see docs/missiond.md)");
  d->add_option("--agent-deadline", f->agentDeadline, "Seconds before an agent run is killed (default: "
                                                      "(agent-deadline S), else 1800)")
      ->check(CLI::PositiveNumber);
  d->add_option("--silence", f->opt.silenceSeconds, "Watchdog: kill a run silent this many seconds (default 300)")
      ->check(CLI::PositiveNumber);
  d->add_option("--poll", f->poll, "Seconds between looks at the user's branch (default: sentinel-interval)")
      ->check(CLI::PositiveNumber);
  d->add_option("--backoff", f->opt.backoffSeconds, "First retry delay in seconds, doubled per attempt (default 5)")
      ->check(CLI::NonNegativeNumber);
  d->add_option("--lease", f->opt.leaseSeconds, "A claim's lease in seconds, renewed while the run lasts (default 120)")
      ->check(CLI::Range(3, 86400));
  d->add_option("--max-runs-per-epoch", f->opt.maxRunsPerEpoch, "Agent runs per epoch (0: 3 x tasks x max-repair-cycles)");
  d->add_option("--max-runs-per-day", f->opt.maxRunsPerDay, "Agent runs per UTC day (default 200)");
  d->add_option("--max-cost-per-epoch", f->opt.maxCostPerEpochUsd, "USD per epoch (default 20)");
  d->add_option("--max-cost-per-day", f->opt.maxCostPerDayUsd, "USD per UTC day (default 50)");
  d->add_option("--agent-max-turns", f->opt.agentMaxTurns, "--max-turns of the default agent (default 60)");
  d->add_option("--agent-budget", f->opt.agentBudgetUsd, "--max-budget-usd of the default agent (default 3)");
  d->add_flag("--watch-worktree", f->opt.watchWorktree,
              "Also start cascades for uncommitted breaking intent changes in the working tree");
  d->add_flag("--no-tier0", f->noTier0, "Hand every red service to an agent (skip the compiler's own suggestions)");
  d->callback([&state, f] { state.exitCode = runDaemon(state, *f); });

  auto* s = app.add_subcommand("status", "Show the daemon's slots, tasks and epochs");
  s->callback([&state] {
    auto st = missiond::readDaemonStatus(resolveUniverse(state) / ".flywheel");
    if (!st) {
      std::cerr << "flywheel: " << st.error().message << "\n";
      state.exitCode = 1;
      return;
    }
    std::cout << st->text;
  });
}

}  // namespace flywheel::cli
