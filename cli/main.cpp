// flywheel's entry point: parses the command line and runs one subcommand.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

namespace flywheel::cli {

int failWith(const std::string& message, const char* prefix) {
  std::cerr << prefix << ": " << message << "\n";
  return 2;
}

std::filesystem::path resolveUniverse(const CliState& state) {
  std::filesystem::path root;
  if (!state.universe.empty()) {
    root = state.universe;
  } else if (const char* env = std::getenv("CLAUDE_PROJECT_DIR"); env && *env) {
    root = env;
  } else {
    root = std::filesystem::current_path();
  }
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(std::filesystem::absolute(root), ec);
  return ec ? std::filesystem::absolute(root) : canonical;
}

std::filesystem::path sourceDir() {
  if (const char* env = std::getenv("FLYWHEEL_HOME"); env && *env) return env;
  return {};  // the templates and schemas compiled into the binary
}

}  // namespace flywheel::cli

int main(int argc, char** argv) {
  using namespace flywheel::cli;
  CLI::App app{"flywheel: an MCP tool server that repairs a universe of services after an intent change"};
  app.set_version_flag("--version", std::string("flywheel ") + FLYWHEEL_VERSION);
  app.require_subcommand(0, 1);
  // Subcommands inherit this: `flywheel serve --stdio --universe DIR` works as
  // well as `flywheel --universe DIR serve --stdio`.
  app.fallthrough();
  CliState state;
  app.add_option("--universe", state.universe, "Universe root (default: $CLAUDE_PROJECT_DIR or the current directory)");

  auto* help = app.add_subcommand("help", "Show this help");
  help->callback([&]() { std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal); });

#define FLYWHEEL_CLI_GROUP(Name) add##Name##Commands(app, state);
#include "cli/commands.def"
#undef FLYWHEEL_CLI_GROUP

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.get_subcommands().empty()) std::cout << app.help();
  return state.exitCode;
}
