// `flywheel check | graph | diff | blast-radius | plan | expand`: the
// universe's Sense and Plan strokes on the command line. Each prints what a
// compiler would: results on stdout, errors on stderr, non-zero exit on
// failure.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "universe/intent_file.h"
#include "universe/report.h"
#include "universe/session.h"

namespace flywheel::cli {

namespace {

namespace u = flywheel::universe;

struct GraphOptions {
  std::vector<std::string> symbols;
  std::string from = "HEAD";
  std::string to;  // empty: working tree
  std::string service;
  bool mermaid = false;
  size_t limit = 200;
};


std::optional<std::string> rev(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

/// The blast radius of explicit symbols (on the `to` snapshot) or of the diff.
Result<std::pair<std::shared_ptr<const u::Snapshot>, u::BlastRadius>> computeBlast(u::UniverseSession& session,
                                                                                  const GraphOptions& o) {
  std::shared_ptr<const u::Snapshot> snap;
  u::ChangeSet cs;
  if (!o.symbols.empty()) {
    auto s = session.snapshot(rev(o.to));
    if (!s) return fail(s.error());
    snap = *s;
    cs.items = o.symbols;
  } else {
    auto d = session.diff(rev(o.from), rev(o.to));
    if (!d) return fail(d.error());
    snap = d->to;
    cs = u::changeSetOf(d->changes);
  }
  auto br = u::blastRadius(snap->graph, cs);
  if (!br) return fail(br.error());
  return std::pair(snap, std::move(*br));
}

int runCheck(CliState& state) {
  auto loaded = u::loadUniverse(resolveUniverse(state));
  if (!loaded) return failWith(loaded.error().message);
  std::cerr << u::formatDiagnostics(loaded->diagnostics);
  size_t errors = 0;
  for (const auto& d : loaded->diagnostics) errors += d.severity == u::Severity::Error;
  if (errors) {
    std::cerr << errors << " error(s) in universe '" << loaded->universe.name << "'\n";
    return 1;
  }
  std::cout << "universe '" << loaded->universe.name << "': " << loaded->universe.services.size()
            << " service(s), no errors\n";
  return 0;
}

int runGraph(CliState& state, const GraphOptions& o) {
  u::UniverseSession session(resolveUniverse(state));
  auto snap = session.snapshot(rev(o.to));
  if (!snap) return failWith(snap.error().message);
  const u::Graph& g = (*snap)->graph;
  if (o.mermaid) {
    std::cout << u::mermaidGraph(g);
    return 0;
  }
  for (u::ServiceId s = 0; s < g.serviceCount(); ++s) {
    if (!o.service.empty() && g.serviceName(s) != o.service) continue;
    std::cout << g.serviceName(s) << " ->";
    for (auto d : g.dependencies(s)) std::cout << " " << g.serviceName(d);
    std::cout << "   (" << g.symbolsOf(s).size() << " symbols, " << g.dependents(s).size() << " direct dependents)\n";
    std::cout << u::formatObserved(g, s, 20);
  }
  if ((*snap)->codeScanned)
    std::cout << g.observed().size() << " observed reference(s) not declared by the intents (" << (*snap)->codeFiles
              << " Rust files scanned)\n";
  if (!(*snap)->loaded.diagnostics.empty()) std::cerr << u::formatDiagnostics((*snap)->loaded.diagnostics, 20);
  return 0;
}

int runDiff(CliState& state, const GraphOptions& o) {
  u::UniverseSession session(resolveUniverse(state));
  auto d = session.diff(rev(o.from), rev(o.to));
  if (!d) return failWith(d.error().message);
  std::cout << d->changes.size() << " change(s) from " << d->fromLabel << " to " << d->toLabel << "\n"
            << u::formatChanges(d->changes, o.limit);
  return 0;
}

int runBlast(CliState& state, const GraphOptions& o, bool plan) {
  u::UniverseSession session(resolveUniverse(state));
  auto r = computeBlast(session, o);
  if (!r) return failWith(r.error().message);
  const auto& [snap, br] = *r;
  if (!plan) {
    std::cout << u::formatBlastRadius(snap->graph, br, o.limit);
    return 0;
  }
  auto p = u::cascadePlan(snap->loaded.universe, snap->graph, br);
  if (!p) return failWith(p.error().message);
  std::cout << u::formatPlan(snap->graph, *p, o.limit);
  return 0;
}

int runExpand(CliState& state, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return failWith("cannot read " + file + "; pass the path of an intent.lisp");
  std::stringstream buf;
  buf << in.rdbuf();
  // Universe-wide macros come from the universe the file belongs to.
  u::MacroTable macros;
  u::Diagnostics diags;
  auto root = resolveUniverse(state);
  if (auto loaded = u::loadUniverse(root); loaded && loaded->universe.settings.macrosFile) {
    std::ifstream m(root / *loaded->universe.settings.macrosFile, std::ios::binary);
    std::stringstream mb;
    mb << m.rdbuf();
    u::loadMacroFile(mb.str(), *loaded->universe.settings.macrosFile, macros, diags);
  }
  u::IntentFile f = u::parseIntentFile(buf.str(), file, macros);
  diags.insert(diags.end(), f.diagnostics.begin(), f.diagnostics.end());
  if (f.expanded) std::cout << u::prettySexp(*f.expanded) << "\n";
  std::cerr << u::formatDiagnostics(diags);
  return u::hasErrors(diags) ? 1 : 0;
}

void addRevisionOptions(CLI::App* cmd, GraphOptions& o, bool withFrom) {
  if (withFrom) cmd->add_option("--from", o.from, "Old revision (default HEAD)");
  cmd->add_option("--to", o.to, "New revision (default: the working tree)");
  cmd->add_option("--limit", o.limit, "Lines of output at most (default 200)");
}

}  // namespace

void addGraphCommands(CLI::App& app, CliState& state) {
  auto o = std::make_shared<GraphOptions>();
  auto* check = app.add_subcommand("check", "Parse and validate every intent; print errors like a compiler");
  check->callback([&state] { state.exitCode = runCheck(state); });

  auto* graph = app.add_subcommand("graph", "Print the service graph (or a Mermaid diagram)");
  graph->add_option("--service", o->service, "Only this service");
  graph->add_flag("--mermaid", o->mermaid, "Print a Mermaid diagram");
  graph->add_option("--at", o->to, "Revision (default: the working tree)");
  graph->callback([&state, o] { state.exitCode = runGraph(state, *o); });

  auto* diff = app.add_subcommand("diff", "Typed intent diff between two revisions (default HEAD vs working tree)");
  addRevisionOptions(diff, *o, true);
  diff->callback([&state, o] { state.exitCode = runDiff(state, *o); });

  auto* blast = app.add_subcommand("blast-radius", "What a change affects: SYMBOL... or the intent diff");
  blast->add_option("symbols", o->symbols, "Changed symbols (svc/Name.field) or services; default: the intent diff");
  addRevisionOptions(blast, *o, true);
  blast->callback([&state, o] { state.exitCode = runBlast(state, *o, false); });

  auto* plan = app.add_subcommand("plan", "Cascade plan: affected services in repair waves");
  plan->add_option("symbols", o->symbols, "Changed symbols or services; default: the intent diff");
  addRevisionOptions(plan, *o, true);
  plan->callback([&state, o] { state.exitCode = runBlast(state, *o, true); });

  auto* expand = app.add_subcommand("expand", "Print an intent file after macro expansion");
  expand->add_option("file", o->service, "The intent.lisp to expand")->required();
  expand->callback([&state, o] { state.exitCode = runExpand(state, o->service); });
}

}  // namespace flywheel::cli
