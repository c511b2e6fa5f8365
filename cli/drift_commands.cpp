// `flywheel reality SERVICE | drift | draft SERVICE`: the reality mirror of a
// service's code, the drift between intents and code, and an intent drafted
// from code (cartography), on the command line over drift/.
#include <CLI/CLI.hpp>

#include <iostream>
#include <algorithm>
#include <memory>

#include "cli/commands.h"
#include "drift/audit.h"
#include "drift/cartography.h"
#include "drift/mirror.h"
#include "universe/report.h"
#include "universe/suggest.h"

namespace flywheel::cli {

namespace {

namespace u = flywheel::universe;
namespace d = flywheel::drift;


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

struct DriftCliOptions {
  std::vector<std::string> services;
  std::string kind;
  size_t limit = 50;
  size_t offset = 0;
};

int runDrift(CliState& state, const DriftCliOptions& o) {
  auto root = resolveUniverse(state);
  auto loaded = u::loadUniverse(root);
  if (!loaded) return failWith(loaded.error().message);
  const auto& un = loaded->universe;
  d::DriftOptions opts;
  for (const auto& s : o.services) {
    if (!un.findService(s))
      return failWith("no service '" + s + "' in universe '" + un.name + "'" + u::didYouMean(s, serviceNames(un)));
    opts.services.push_back(s);
  }
  if (!o.kind.empty()) {
    opts.kind = d::parseDriftKind(o.kind);
    if (!opts.kind)
      return failWith("unknown drift kind '" + o.kind +
                      "'; use ImplementationGap, ArchitecturalDrift, StructuralGap or LocationMismatch");
  }
  auto graph = u::Graph::build(un);
  auto report = d::auditDrift(root, un, graph, nullptr, opts);
  std::cerr << u::formatDiagnostics(report.warnings);
  for (const auto& s : report.skipped) std::cerr << "skipped " << s << "\n";
  size_t end = std::min(report.findings.size(), o.offset + o.limit);
  for (size_t i = o.offset; i < end; ++i) std::cout << d::formatFinding(report.findings[i]);
  std::cout << report.findings.size() << " finding(s) in " << report.services << " service(s), " << report.files
            << " Rust file(s)";
  if (end < report.findings.size()) std::cout << "; showing " << o.offset + 1 << ".." << end << " (next: --offset " << end << ")";
  std::cout << "\n";
  return report.findings.empty() ? 0 : 1;
}

struct DraftCliOptions {
  std::string service;
  std::string dir;
  bool write = false;
};

int runDraft(CliState& state, const DraftCliOptions& o) {
  auto root = resolveUniverse(state);
  auto loaded = u::loadUniverse(root);
  if (!loaded) return failWith(loaded.error().message);
  const auto& un = loaded->universe;
  const u::Service* existing = un.findService(o.service);
  std::string dir = !o.dir.empty() ? o.dir : existing ? existing->dir : "services/" + o.service;
  if (!std::filesystem::is_directory(root / dir / "src"))
    return failWith("no Rust crate at " + dir + "/src for service '" + o.service + "'" +
                    (existing ? "" : u::didYouMean(o.service, serviceNames(un))) + "; pass --dir DIR (the crate's directory)");
  u::Diagnostics warnings;
  auto crate = d::mirrorCrate(root, o.service, dir, nullptr, warnings);
  std::cerr << u::formatDiagnostics(warnings);
  auto draft = d::draftIntent(crate, d::crateNamesOf(un), existing);
  if (!o.write) {
    std::cout << draft.text;
    return 0;
  }
  auto path = d::writeDraft(root, dir, draft);
  if (!path) return failWith(path.error().message);
  std::cout << "wrote " << *path << " (" << draft.forms << " form(s))\n";
  return 0;
}

}  // namespace

void addDriftCommands(CLI::App& app, CliState& state) {
  auto service = std::make_shared<std::string>();
  auto* reality = app.add_subcommand("reality", "Print the public API a service's Rust code really has, as an S-expression in the intent's shape");
  reality->add_option("service", *service, "The service")->required();
  reality->callback([&state, service] { state.exitCode = runReality(state, *service); });

  auto o = std::make_shared<DriftCliOptions>();
  auto* drift = app.add_subcommand("drift", "Drift between intents and code (exit 1 when there are findings)");
  drift->add_option("--service", o->services, "Only these services");
  drift->add_option("--kind", o->kind, "Only ImplementationGap, ArchitecturalDrift, StructuralGap or LocationMismatch");
  drift->add_option("--limit", o->limit, "Findings to print (default 50)");
  drift->add_option("--offset", o->offset, "Findings to skip (paging)");
  drift->callback([&state, o] { state.exitCode = runDrift(state, *o); });

  auto dr = std::make_shared<DraftCliOptions>();
  auto* draft = app.add_subcommand("draft", "Draft an intent from a crate's Rust code (cartography); prints it, or writes intent.draft.lisp");
  draft->add_option("service", dr->service, "The service (it may have no intent yet)")->required();
  draft->add_option("--dir", dr->dir, "The crate's directory (default: the service's, or services/SERVICE)");
  draft->add_flag("--write", dr->write, "Write DIR/intent.draft.lisp (never intent.lisp)");
  draft->callback([&state, dr] { state.exitCode = runDraft(state, *dr); });
}

}  // namespace flywheel::cli
