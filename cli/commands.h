// The `flywheel` command line: one file per command group
// (cli/<group>_commands.cpp), each adding its subcommands to the CLI11 app.
// cli/commands.def lists the groups; main() calls them in that order.
//
// A group's subcommand callbacks set the process exit code through
// `CliState::exitCode`, print results to stdout and errors to stderr
// ("flywheel: <what failed>; <what to do>").
#pragma once

#include <csignal>
#include <filesystem>
#include <functional>
#include <string>

namespace CLI {
class App;
}
namespace flywheel::mcp {
class McpServer;
class Transport;
}

namespace flywheel::cli {

struct CliState {
  std::string universe;  // --universe, shared by every subcommand; empty: default
  int exitCode = 0;
};

/// The universe root: --universe, else $CLAUDE_PROJECT_DIR, else the current
/// directory; made absolute and canonical.
std::filesystem::path resolveUniverse(const CliState& state);

/// Prints "<prefix>: <message>" to stderr and returns 2, the exit code of a
/// command that could not do what it was asked.
int failWith(const std::string& message, const char* prefix = "flywheel");

/// Where flywheel's schemas/ and forge/templates/ come from: $FLYWHEEL_HOME
/// (a tree on disk, for people editing them), else empty: the copies compiled
/// into the binary (core/assets.h).
std::filesystem::path sourceDir();

/// Blocks SIGINT and SIGTERM in the calling thread (and in every thread it
/// starts afterwards) and ignores SIGPIPE; call it before starting threads.
/// Returns the set for serveUntilStopped.
sigset_t blockStopSignals();

/// Serves `server` over `transport` until serving ends or a stop signal
/// arrives (taken by one sigwait thread, so stop() runs outside a signal
/// handler); then runs `beforeShutdown` and shuts the server down. Returns
/// the exit code: 0, or 1 with the error printed. (`flywheel serve` and
/// `flywheel daemon`.)
int serveUntilStopped(mcp::Transport& transport, mcp::McpServer& server, const sigset_t& stopSignals,
                      const std::function<void()>& beforeShutdown = {});

#define FLYWHEEL_CLI_GROUP(Name) void add##Name##Commands(CLI::App& app, CliState& state);
#include "cli/commands.def"
#undef FLYWHEEL_CLI_GROUP

}  // namespace flywheel::cli
