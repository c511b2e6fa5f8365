// The graph tool group: universe_overview, intent_diff, blast_radius,
// cascade_plan, graph_query (graph_query_tool.cpp), and the resources
// flywheel://intent/{service} and flywheel://graph, over universe/session.h.
//
// The process's one UniverseSession (tools/services.h) holds the working
// tree's snapshot (checked again when older than a second) and cached
// revision snapshots. Its sentinel polls every sentinel-interval seconds (the
// composition root starts it); this group subscribes and turns intent changes
// into notifications/resources/updated. A broken intent never fails start-up
// or a whole query: the snapshot carries diagnostics, and tools report them.
// Every list is paged (limit + opaque cursor) and pages stay under ~20k
// characters.
#include <algorithm>
#include <memory>
#include <span>

#include "mechanic/revisions.h"
#include "server/params.h"
#include "tools/graph_support.h"
#include "tools/tool_groups.h"
#include "universe/blast.h"
#include "universe/plan.h"
#include "universe/report.h"
#include "universe/session.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using mcp::ParamReader;
using mcp::ToolResult;
namespace u = flywheel::universe;
using SnapshotPtr = std::shared_ptr<const u::Snapshot>;
using namespace graph;  // paging, failures, diagnostics and observed-edge JSON

// ---- universe_overview ----

json serviceJson(const u::Snapshot& s, const u::Service& svc) {
  const u::Graph& g = s.graph;
  json deps = svc.allDependencies, dependents = json::array();
  size_t symbols = 0;
  json observed = json::array();
  size_t observedCount = 0;
  if (auto id = g.findService(svc.name)) {
    for (auto d : g.dependents(*id)) dependents.push_back(g.serviceName(d));
    symbols = g.symbolsOf(*id).size();
    observed = observedList(g, g.observedFrom(*id));
    observedCount = g.observedFrom(*id).size();
  }
  size_t patterns = svc.crudGateways.size() + svc.eventListeners.size() + svc.cronWorkers.size() + svc.mcpTools.size() +
                    svc.stateMachines.size() + (svc.bootstrap ? 1 : 0) + svc.pureUtilities.size() +
                    svc.rpcGateways.size() + svc.domainEngines.size();
  return {{"name", svc.name}, {"crate", svc.crateName}, {"dir", svc.dir}, {"intent", svc.intentPath},
          {"uri", "flywheel://intent/" + svc.name}, {"governance", u::governanceName(svc.governance)},
          {"status", u::statusName(svc.status)}, {"valid", svc.valid}, {"dependsOn", deps},
          {"dependents", dependents}, {"symbols", symbols}, {"types", svc.types.size() + svc.enums.size() + svc.aliases.size()},
          {"rpcs", svc.rpcs.size()}, {"patterns", patterns}, {"observedCount", observedCount}, {"observed", observed}};
}

ToolResult overview(u::UniverseSession& session, const json& args) {
  Page page;
  std::optional<std::string> service;
  ParamReader r(args);
  r.optional("service", service);
  readPage(r, page);
  if (auto e = r.finish(); !e) return failed("universe_overview", e.error());
  auto snap = session.snapshot(std::nullopt, std::chrono::milliseconds(0));
  if (!snap) return failed("universe_overview", snap.error());
  const u::Snapshot& s = **snap;
  const u::Universe& un = s.loaded.universe;
  std::vector<const u::Service*> list;
  for (const auto& svc : un.services)
    if (!service || svc.name == *service) list.push_back(&svc);
  if (service && list.empty())
    return ToolResult::error("universe_overview: no service '" + *service + "' in universe '" + un.name +
                             "'; call universe_overview without service to list them");
  json gates = json::array();
  for (auto g : un.settings.gates) gates.push_back(u::gateName(g));
  json out = {{"universe", un.name}, {"root", un.root.string()}, {"serviceCount", un.services.size()},
              {"symbolCount", s.graph.symbolCount()}, {"diagnosticCount", s.loaded.diagnostics.size()},
              {"diagnostics", diagnosticsJson(s.loaded.diagnostics, 20)},
              {"settings", {{"gates", gates}, {"maxRepairCycles", un.settings.maxRepairCycles},
                            {"sentinelInterval", un.settings.sentinelIntervalSeconds},
                            {"serviceGlobs", un.settings.serviceGlobs},
                            {"macrosFile", un.settings.macrosFile.value_or("")}}},
              {"observedEdgeCount", s.graph.observed().size()},
              {"codeScan", {{"rustFiles", s.codeFiles}, {"parsed", s.codeFilesParsed}, {"millis", s.codeScanMillis}}}};
  fillPage(out, "services", list.size(), page, [&](size_t i) { return serviceJson(s, *list[i]); });
  std::string text = "universe '" + un.name + "': " + std::to_string(un.services.size()) + " services, " +
                     std::to_string(s.graph.symbolCount()) + " symbols, " + std::to_string(s.graph.observed().size()) +
                     " observed references, " + std::to_string(s.loaded.diagnostics.size()) + " diagnostics\n" + u::formatDiagnostics(s.loaded.diagnostics, 20) + out.dump(1);
  return ToolResult::ok(std::move(out), std::move(text));
}

// ---- intent_diff / blast_radius / cascade_plan ----

struct ChangeParams {
  std::vector<std::string> symbols;
  std::optional<std::string> from;
  std::optional<std::string> to;
  Page page;
};

void readChangeParams(ParamReader& r, ChangeParams& p) {
  r.optional("symbols", p.symbols).optional("from", p.from).optional("to", p.to);
  readPage(r, p.page);
  if (p.symbols.size() > 10000) r.invalid("symbols", "holds more than 10000 items; pass fewer or use from/to");
}

struct Blast {
  SnapshotPtr snap;
  u::BlastRadius br;
  std::vector<std::string> changeItems;
  std::string comparing;  ///< which revisions, and why (empty for explicit symbols)
};

/// The intent diff between the revisions the one rule chooses
/// (mechanic/revisions.h) for what the caller left out.
Result<std::pair<u::RevisionDiff, std::string>> ruledDiff(u::UniverseSession& session, const ChangeParams& p) {
  auto rr = mechanic::defaultRevisions(session.root(), p.from, p.to);
  if (!rr) return fail(rr.error());
  auto d = session.diff(rr->from, rr->to);
  if (!d) return fail(d.error());
  return std::pair{std::move(*d), rr->text()};
}

Result<Blast> computeBlast(u::UniverseSession& session, const ChangeParams& p) {
  Blast b;
  u::ChangeSet cs;
  if (!p.symbols.empty()) {
    auto s = session.snapshot(p.to);
    if (!s) return fail(s.error());
    b.snap = *s;
    cs.items = p.symbols;
  } else {
    auto d = ruledDiff(session, p);
    if (!d) return fail(Error::failedPrecondition(d.error().message + "; or pass symbols explicitly"));
    b.snap = d->first.to;
    cs = u::changeSetOf(d->first.changes);
    b.comparing = d->second;
  }
  auto br = u::blastRadius(b.snap->graph, cs);
  if (!br) return fail(br.error());
  b.br = std::move(*br);
  b.changeItems = cs.items;
  return b;
}

ToolResult intentDiff(u::UniverseSession& session, const json& args) {
  ChangeParams p;
  ParamReader r(args);
  readChangeParams(r, p);
  if (auto e = r.finish(); !e) return failed("intent_diff", e.error());
  auto rd = ruledDiff(session, p);
  if (!rd) return failed("intent_diff", rd.error());
  const auto& d = &rd->first;
  size_t breaking = std::count_if(d->changes.begin(), d->changes.end(), [](const auto& c) { return c.breaking; });
  json out = {{"from", d->fromLabel}, {"to", d->toLabel}, {"comparing", rd->second},
              {"changeCount", d->changes.size()}, {"breakingCount", breaking},
              {"diagnostics", diagnosticsJson(d->to->loaded.diagnostics, 20)}};
  fillPage(out, "changes", d->changes.size(), p.page, [&](size_t i) {
    const auto& c = d->changes[i];
    return json{{"service", c.service}, {"entity", c.entity}, {"symbol", c.symbol}, {"kind", u::changeKindName(c.kind)},
                {"before", c.before}, {"after", c.after}, {"breaking", c.breaking}, {"reason", c.reason},
                {"summary", c.what()}};
  });
  std::string text = rd->second + "\n" + std::to_string(d->changes.size()) + " change(s), " +
                     std::to_string(breaking) + " breaking, from " + d->fromLabel + " to " + d->toLabel + "\n" +
                     u::formatChanges(d->changes, 100);
  return ToolResult::ok(std::move(out), std::move(text));
}

ToolResult blastRadiusTool(u::UniverseSession& session, const json& args) {
  ChangeParams p;
  bool includeSymbols = false;
  ParamReader r(args);
  readChangeParams(r, p);
  r.optional("includeSymbols", includeSymbols);
  if (auto e = r.finish(); !e) return failed("blast_radius", e.error());
  auto b = computeBlast(session, p);
  if (!b) return failed("blast_radius", b.error());
  const u::Graph& g = b->snap->graph;
  json out = {{"changeSet", b->changeItems}, {"serviceCount", b->br.services.size()},
              {"symbolCount", b->br.symbols.size()}, {"skipped", b->br.skipped}, {"comparing", b->comparing}};
  fillPage(out, "services", b->br.services.size(), p.page, [&](size_t i) {
    const auto& s = b->br.services[i];
    json j = {{"service", g.serviceName(s.id)}, {"distance", s.distance}, {"reason", u::serviceReasonChain(g, b->br, s)}};
    if (s.observed != u::kNoObserved) j["observedAt"] = u::observedWhere(g.observed()[s.observed]);
    return j;
  });
  if (includeSymbols) {
    json sym;
    fillPage(sym, "symbols", b->br.symbols.size(), p.page, [&](size_t i) {
      const auto& s = b->br.symbols[i];
      return json{{"symbol", g.symbolName(s.id)}, {"kind", u::symbolKindName(g.symbolKind(s.id))}, {"distance", s.distance},
                  {"reason", u::reasonChain(g, b->br, s.id)}};
    });
    out["symbols"] = std::move(sym["symbols"]);
    if (sym.contains("nextCursor") && !out.contains("nextCursor")) out["nextCursor"] = sym["nextCursor"];
  }
  return ToolResult::ok(std::move(out), (b->comparing.empty() ? "" : b->comparing + "\n") +
                                            u::formatBlastRadius(g, b->br, 100));
}

ToolResult cascadePlanTool(u::UniverseSession& session, const json& args) {
  ChangeParams p;
  ParamReader r(args);
  readChangeParams(r, p);
  if (auto e = r.finish(); !e) return failed("cascade_plan", e.error());
  auto b = computeBlast(session, p);
  if (!b) return failed("cascade_plan", b.error());
  const u::Graph& g = b->snap->graph;
  auto plan = u::cascadePlan(b->snap->loaded.universe, g, b->br);
  if (!plan) return failed("cascade_plan", plan.error());
  json out = {{"changeSet", b->changeItems}, {"serviceCount", plan->steps.size()}, {"waveCount", plan->waveCount},
              {"blockedCount", plan->blockedCount}, {"comparing", b->comparing}};
  fillPage(out, "steps", plan->steps.size(), p.page, [&](size_t i) {
    const auto& st = plan->steps[i];
    json after = json::array();
    for (auto d : st.after) after.push_back(g.serviceName(d));
    json j = {{"service", g.serviceName(st.service)}, {"wave", st.wave}, {"distance", st.distance}, {"after", after},
              {"governance", u::governanceName(st.governance)}, {"blocked", st.blocked},
              {"status", st.blocked ? "blocked: needs a human" : "ready"}};
    if (st.blocked) j["reason"] = u::blockedReason(st.governance);
    return j;
  });
  return ToolResult::ok(std::move(out), (b->comparing.empty() ? "" : b->comparing + "\n") +
                                            u::formatPlan(g, *plan, 100));
}

Result<void> addResources(mcp::Registry& registry, std::shared_ptr<u::UniverseSession> session) {
  mcp::ResourceTemplateSpec intent;
  intent.uriTemplate = "flywheel://intent/{service}";
  intent.name = "intent";
  intent.title = "Service intent";
  intent.description = "The intent.lisp of one service, as in the working tree";
  intent.mimeType = "text/x-lisp";
  intent.read = [session](const std::string& uri, const std::map<std::string, std::string>& vars)
      -> Result<std::vector<mcp::ResourceContents>> {
    auto snap = session->snapshot(std::nullopt);
    if (!snap) return fail(snap.error());
    auto it = vars.find("service");
    const u::Service* s = it == vars.end() ? nullptr : (*snap)->loaded.universe.findService(it->second);
    if (!s) return fail(Error::notFound("no service named in " + uri + "; list flywheel://intent/ resources to see them"));
    return std::vector<mcp::ResourceContents>{{uri, "text/x-lisp", s->sourceText}};
  };
  intent.list = [session]() {
    std::vector<mcp::ResourceSpec> out;
    auto snap = session->snapshot(std::nullopt);
    if (!snap) return out;
    for (const auto& s : (*snap)->loaded.universe.services)
      out.push_back({"flywheel://intent/" + s.name, s.name, s.name + " intent", s.intentPath, "text/x-lisp", {}});
    return out;
  };
  intent.complete = [session](const std::string& variable, const std::string& partial) {
    std::vector<std::string> out;
    auto snap = session->snapshot(std::nullopt);
    if (!snap || variable != "service") return out;
    for (const auto& s : (*snap)->loaded.universe.services)
      if (s.name.starts_with(partial) && out.size() < 100) out.push_back(s.name);
    return out;
  };
  if (auto r = registry.addResourceTemplate(std::move(intent)); !r) return r;

  mcp::ResourceSpec graph;
  graph.uri = "flywheel://graph";
  graph.name = "graph";
  graph.title = "Universe graph";
  graph.description = "Every service with its dependencies (JSON), and the diagnostics of the working tree";
  graph.mimeType = "application/json";
  graph.read = [session](const std::string& uri) -> Result<std::vector<mcp::ResourceContents>> {
    auto snap = session->snapshot(std::nullopt);
    if (!snap) return fail(snap.error());
    const u::Graph& g = (*snap)->graph;
    json services = json::array();
    for (u::ServiceId s = 0; s < g.serviceCount(); ++s) {
      json deps = json::array();
      for (auto d : g.dependencies(s)) deps.push_back(g.serviceName(d));
      services.push_back({{"name", g.serviceName(s)}, {"dependsOn", deps}, {"symbols", g.symbolsOf(s).size()},
                          {"observed", observedList(g, g.observedFrom(s), 100)}});
    }
    json out = {{"universe", (*snap)->loaded.universe.name}, {"services", services},
                {"diagnostics", diagnosticsJson((*snap)->loaded.diagnostics, 100)}};
    return std::vector<mcp::ResourceContents>{{uri, "application/json", out.dump()}};
  };
  return registry.addResource(std::move(graph));
}

}  // namespace

Result<void> registerGraphTools(mcp::Registry& registry, const Services& services) {
  if (!services.session) return fail(Error::internal("the graph tools need the universe session"));
  std::shared_ptr<u::UniverseSession> session = services.session;
  // The composition root starts the sentinel's polling; this group listens
  // for as long as the registry holds its tools (the session may outlive
  // this server): the handlers own the subscription.
  mcp::Registry* reg = &registry;
  const auto id = session->sentinel().subscribe([reg](const u::SentinelReport& report) {
    for (const auto& s : report.changedServices) reg->notifyResourceUpdated("flywheel://intent/" + s);
    reg->notifyResourceUpdated("flywheel://graph");
    if (report.servicesAddedOrRemoved) reg->notifyResourceListChanged();
  });
  std::shared_ptr<void> listening(nullptr, [session, id](void*) { session->sentinel().unsubscribe(id); });
  auto add = [&](std::string name, std::string title, std::string description,
                 ToolResult (*fn)(u::UniverseSession&, const json&)) {
    return registry.addTool({.name = std::move(name), .title = std::move(title), .description = std::move(description),
                             .annotations = {.readOnly = true, .idempotent = true},
                             .handler = [session, listening, fn](const json& args, mcp::ToolContext&) {
                               return fn(*session, args);
                             }});
  };
  Result<void> r = add("universe_overview", "Universe overview",
                       "The universe's settings, services (governance, dependencies, dependents, sizes, observed "
                       "references their code makes without declaring them) and intent diagnostics. Start here. Paged: pass nextCursor as cursor.", overview);
  if (r) r = add("intent_diff", "Intent diff",
                 "Typed change list between two revisions, each change marked breaking or compatible for Rust. "
                 "Defaults (shared with blast_radius, cascade_plan and cascade_start): uncommitted intent changes "
                 "(HEAD..worktree) if any, else the commits since the last landed cascade, else HEAD~1..HEAD; the "
                 "answer states which (`comparing`).", intentDiff);
  if (r) r = add("blast_radius", "Blast radius",
                 "Services (and optionally symbols) affected by a change: explicit symbols (svc/Name.field or a "
                 "service) or the intent diff between from and to. Each service has its distance and the shortest "
                 "reason chain.", blastRadiusTool);
  if (r) r = add("cascade_plan", "Cascade plan",
                 "Affected services in repair waves (topological order; same wave = parallel). Services whose "
                 "governance forbids repair are 'blocked: needs a human'; a dependency cycle is an error naming it.",
                 cascadePlanTool);
  if (r) r = add("graph_query", "Graph query",
                 "Dependencies or dependents of a service or symbol (direct or transitive), or the shortest path "
                 "between two; a Mermaid diagram on request. `observed` lists references found in service code "
                 "that the intents do not declare.", graphQueryTool);
  if (!r) return r;
  return addResources(registry, session);
}

}  // namespace flywheel::tools
