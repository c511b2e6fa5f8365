// The `flywheel` command line: one file per command group
// (cli/<group>_commands.cpp), each adding its subcommands to the CLI11 app.
// cli/commands.def lists the groups; main() calls them in that order.
//
// A group's subcommand callbacks set the process exit code through
// `CliState::exitCode`, print results to stdout and errors to stderr
// ("flywheel: <what failed>; <what to do>").
#pragma once

#include <filesystem>
#include <string>

namespace CLI {
class App;
}

namespace flywheel::cli {

struct CliState {
  std::string universe;  // --universe, shared by every subcommand; empty: default
  int exitCode = 0;
};

/// The universe root: --universe, else $CLAUDE_PROJECT_DIR, else the current
/// directory; made absolute and canonical.
std::filesystem::path resolveUniverse(const CliState& state);

/// Where flywheel's schemas/ and forge/templates/ come from: $FLYWHEEL_HOME
/// (a tree on disk, for people editing them), else empty: the copies compiled
/// into the binary (core/assets.h).
std::filesystem::path sourceDir();

#define FLYWHEEL_CLI_GROUP(Name) void add##Name##Commands(CLI::App& app, CliState& state);
#include "cli/commands.def"
#undef FLYWHEEL_CLI_GROUP

}  // namespace flywheel::cli
