// `flywheel reality SERVICE | drift | draft SERVICE`: the reality mirror of a
// service's code, the drift between intents and code, and an intent drafted
// from code (cartography), on the command line over drift/.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "drift/mirror.h"
#include "universe/report.h"
#include "universe/suggest.h"

namespace flywheel::cli {

namespace {

namespace u = flywheel::universe;
namespace d = flywheel::drift;

int failWith(const std::string& msg) {
  std::cerr << "flywheel: " << msg << "\n";
  return 2;
}

std::vector<std::string> serviceNames(const u::Universe& un) {
  std::vector<std::string> out;
  for (const auto& s : un.services) out.push_back(s.name);
  return out;
}

int runReality(CliState& state, const std::string& service) {
  auto root = resolveUniverse(state);
  auto loaded = u::loadUniverse(root);
  if (!loaded) return failWith(loaded.error().message);
  const auto& un = loaded->universe;
  if (!un.findService(service))
    return failWith("no service '" + service + "' in universe '" + un.name + "'" +
                    u::didYouMean(service, serviceNames(un)) + "; `flywheel graph` lists them");
  auto mirror = d::buildMirror(root, un, nullptr, {service});
  std::cerr << u::formatDiagnostics(mirror.warnings);
  std::cout << d::realitySexp(mirror.crates.at(0), d::crateNamesOf(un));
  return 0;
}

}  // namespace

void addDriftCommands(CLI::App& app, CliState& state) {
  auto service = std::make_shared<std::string>();
  auto* reality = app.add_subcommand("reality", "Print the public API a service's Rust code really has, as an S-expression in the intent's shape");
  reality->add_option("service", *service, "The service")->required();
  reality->callback([&state, service] { state.exitCode = runReality(state, *service); });
}

}  // namespace flywheel::cli
