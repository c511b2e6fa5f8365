// The graph tool group: universe_overview, intent_diff, blast_radius,
// cascade_plan, graph_query, and the resources flywheel://intent/{service}
// and flywheel://graph, over universe/session.h.
//
// One UniverseSession per server holds the working tree's snapshot (checked
// again when older than a second) and cached revision snapshots. Its
// sentinel polls every sentinel-interval seconds and turns intent changes
// into notifications/resources/updated. A broken intent never fails start-up
// or a whole query: the snapshot carries diagnostics, and tools report them.
// Every list is paged (limit + opaque cursor) and pages stay under ~20k
// characters.
#include <algorithm>
#include <memory>
#include <span>

#include "server/params.h"
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

constexpr size_t kPageChars = 16000;

ToolResult failed(std::string_view tool, const Error& e) { return ToolResult::error(std::string(tool) + ": " + e.message); }

struct Page {
  std::optional<std::string> cursor;
  int limit = 100;
  size_t offset = 0;
};

/// Reads cursor/limit; the cursor is the decimal offset a previous page returned.
void readPage(ParamReader& r, Page& p) {
  r.optional("cursor", p.cursor).optional("limit", p.limit);
  if (p.limit < 1 || p.limit > 1000) r.invalid("limit", "must be 1..1000 (got " + std::to_string(p.limit) + ")");
  if (p.cursor) {
    bool digits = !p.cursor->empty() && p.cursor->size() < 12 &&
                  std::all_of(p.cursor->begin(), p.cursor->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) r.invalid("cursor", "is not a cursor returned by a previous call; omit it to start from the beginning");
    else p.offset = std::stoull(*p.cursor);
  }
}

/// Adds items [offset, ...) to `out[key]` until the limit or the page budget;
/// sets nextCursor when items remain.
template <class Fn>
void fillPage(json& out, const char* key, size_t total, const Page& p, Fn&& item) {
  json items = json::array();
  size_t chars = 0, i = p.offset;
  for (; i < total && items.size() < static_cast<size_t>(p.limit); ++i) {
    json j = item(i);
    chars += j.dump().size();
    if (chars > kPageChars && !items.empty()) break;
    items.push_back(std::move(j));
  }
  out[key] = std::move(items);
  if (i < total) out["nextCursor"] = std::to_string(i);
}

json diagnosticsJson(const u::Diagnostics& diags, size_t max) {
  json out = json::array();
  for (size_t k = 0; k < diags.size() && k < max; ++k)
    out.push_back({{"file", diags[k].file}, {"line", diags[k].pos.line}, {"column", diags[k].pos.col},
                   {"severity", diags[k].severity == u::Severity::Error ? "error" : "warning"},
                   {"message", diags[k].message}, {"text", diags[k].toString()}});
  return out;
}

/// One observed edge: a reference in a service's code its intent does not declare.
json observedJson(const u::Graph& g, uint32_t edge) {
  const auto& e = g.observed()[edge];
  return {{"service", g.serviceName(e.service)}, {"symbol", g.symbolName(e.symbol)}, {"at", u::observedWhere(e)},
          {"references", e.count}, {"undeclaredDependency", e.undeclaredDependency}};
}

json observedList(const u::Graph& g, std::span<const uint32_t> edges, size_t max = 20) {
  json out = json::array();
  for (size_t k = 0; k < edges.size() && k < max; ++k) out.push_back(observedJson(g, edges[k]));
  return out;
}

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
};

Result<Blast> computeBlast(u::UniverseSession& session, const ChangeParams& p) {
  Blast b;
  u::ChangeSet cs;
  if (!p.symbols.empty()) {
    auto s = session.snapshot(p.to);
    if (!s) return fail(s.error());
    b.snap = *s;
    cs.items = p.symbols;
  } else {
    auto d = session.diff(p.from ? p.from : std::optional<std::string>("HEAD"), p.to);
    if (!d) return fail(Error::failedPrecondition(d.error().message + "; or pass symbols explicitly"));
    b.snap = d->to;
    cs = u::changeSetOf(d->changes);
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
  auto d = session.diff(p.from ? p.from : std::optional<std::string>("HEAD"), p.to);
  if (!d) return failed("intent_diff", d.error());
  size_t breaking = std::count_if(d->changes.begin(), d->changes.end(), [](const auto& c) { return c.breaking; });
  json out = {{"from", d->fromLabel}, {"to", d->toLabel}, {"changeCount", d->changes.size()}, {"breakingCount", breaking},
              {"diagnostics", diagnosticsJson(d->to->loaded.diagnostics, 20)}};
  fillPage(out, "changes", d->changes.size(), p.page, [&](size_t i) {
    const auto& c = d->changes[i];
    return json{{"service", c.service}, {"entity", c.entity}, {"symbol", c.symbol}, {"kind", u::changeKindName(c.kind)},
                {"before", c.before}, {"after", c.after}, {"breaking", c.breaking}, {"reason", c.reason}};
  });
  std::string text = std::to_string(d->changes.size()) + " change(s), " + std::to_string(breaking) + " breaking, from " +
                     d->fromLabel + " to " + d->toLabel + "\n" + u::formatChanges(d->changes, 100);
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
              {"symbolCount", b->br.symbols.size()}, {"skipped", b->br.skipped}};
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
      return json{{"symbol", g.symbolName(s.id)}, {"kind", u::symbolKindName(g.symbolKind(s.id))}, {"distance", s.distance}};
    });
    out["symbols"] = std::move(sym["symbols"]);
    if (sym.contains("nextCursor") && !out.contains("nextCursor")) out["nextCursor"] = sym["nextCursor"];
  }
  return ToolResult::ok(std::move(out), u::formatBlastRadius(g, b->br, 100));
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
              {"blockedCount", plan->blockedCount}};
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
  return ToolResult::ok(std::move(out), u::formatPlan(g, *plan, 100));
}

// ---- graph_query ----

/// A node of either graph: a service (no '/') or a symbol.
struct Node {
  bool isService = true;
  uint32_t id = 0;
};

Result<Node> resolveNode(const u::Graph& g, const std::string& name, const char* field) {
  if (name.find('/') == std::string::npos) {
    if (auto s = g.findService(name)) return Node{true, *s};
    return fail(Error::notFound("graph_query: " + std::string(field) + " '" + name +
                                "' is not a service of the universe; call universe_overview to list them"));
  }
  if (auto s = g.findSymbol(name)) return Node{false, *s};
  return fail(Error::notFound("graph_query: " + std::string(field) + " '" + name +
                              "' is not a symbol (svc/Name, svc/Name.field, svc/rpc-name, svc/pattern-name)"));
}

std::span<const uint32_t> neighbours(const u::Graph& g, Node n, bool forward) {
  if (n.isService) return forward ? g.dependencies(n.id) : g.dependents(n.id);
  return forward ? g.uses(n.id) : g.usedBy(n.id);
}

/// BFS from `start`; returns (id, distance) in BFS order (excluding start) and parents.
std::vector<std::pair<uint32_t, uint32_t>> bfs(const u::Graph& g, Node start, bool forward, bool transitive,
                                               std::vector<uint32_t>& parent) {
  size_t n = start.isService ? g.serviceCount() : g.symbolCount();
  parent.assign(n, UINT32_MAX);
  std::vector<uint32_t> dist(n, UINT32_MAX);
  std::vector<std::pair<uint32_t, uint32_t>> out;
  std::vector<uint32_t> queue{start.id};
  dist[start.id] = 0;
  for (size_t head = 0; head < queue.size(); ++head) {
    uint32_t cur = queue[head];
    if (!transitive && cur != start.id) continue;
    for (uint32_t next : neighbours(g, Node{start.isService, cur}, forward)) {
      if (dist[next] != UINT32_MAX) continue;
      dist[next] = dist[cur] + 1;
      parent[next] = cur;
      queue.push_back(next);
      out.emplace_back(next, dist[next]);
    }
  }
  return out;
}

std::string nodeName(const u::Graph& g, bool isService, uint32_t id) {
  return isService ? g.serviceName(id) : g.symbolName(id);
}

std::string mermaidOf(const u::Graph& g, bool isService, std::vector<uint32_t> ids) {
  std::sort(ids.begin(), ids.end());
  if (isService) return u::mermaidGraph(g, ids);
  std::string out = "graph LR\n";
  for (uint32_t id : ids) out += "  n" + std::to_string(id) + "[\"" + g.symbolName(id) + "\"]\n";
  for (uint32_t id : ids)
    for (uint32_t to : g.uses(id))
      if (std::binary_search(ids.begin(), ids.end(), to))
        out += "  n" + std::to_string(id) + " --> n" + std::to_string(to) + "\n";
  return out;
}

/// Observed edges around a query's answer: what a service's code references
/// (dependencies), or whose code references the node or its dependents.
json observedFor(const u::Graph& g, Node start, bool forward, const std::vector<std::pair<uint32_t, uint32_t>>& found) {
  std::vector<uint32_t> edges;
  auto intoService = [&](uint32_t svc) {
    for (uint32_t sym : g.symbolsOf(svc))
      for (uint32_t e : g.observedInto(sym)) edges.push_back(e);
  };
  if (forward && start.isService) {
    for (uint32_t e : g.observedFrom(start.id)) edges.push_back(e);
  } else if (!forward) {
    auto add = [&](uint32_t id) {
      if (start.isService) intoService(id);
      else for (uint32_t e : g.observedInto(id)) edges.push_back(e);
    };
    add(start.id);
    for (size_t k = 0; k < found.size() && edges.size() < 100; ++k) add(found[k].first);
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return observedList(g, edges, 100);
}

ToolResult graphQueryTool(u::UniverseSession& session, const json& args) {
  std::string query, from;
  std::optional<std::string> to, at;
  bool transitive = false, mermaid = false;
  Page page;
  ParamReader r(args);
  r.required("query", query).required("from", from).optional("to", to).optional("at", at);
  r.optional("transitive", transitive).optional("mermaid", mermaid);
  readPage(r, page);
  if (query != "dependencies" && query != "dependents" && query != "path")
    r.invalid("query", "must be dependencies, dependents or path (got '" + query + "')");
  if (query == "path" && !to) r.invalid("to", "is required when query is path");
  if (auto e = r.finish(); !e) return failed("graph_query", e.error());
  auto snap = session.snapshot(at);
  if (!snap) return failed("graph_query", snap.error());
  const u::Graph& g = (*snap)->graph;
  auto start = resolveNode(g, from, "from");
  if (!start) return ToolResult::fromError(start.error());
  json out = {{"query", query}, {"from", from}};
  std::vector<uint32_t> parent;
  std::vector<std::pair<uint32_t, uint32_t>> found;
  if (query == "path") {
    auto goal = resolveNode(g, *to, "to");
    if (!goal) return ToolResult::fromError(goal.error());
    if (goal->isService != start->isService)
      return ToolResult::error("graph_query: from and to must both be services or both be symbols");
    out["to"] = *to;
    json path = json::array();
    for (bool forward : {true, false}) {
      bfs(g, *start, forward, true, parent);
      if (parent[goal->id] == UINT32_MAX && goal->id != start->id) continue;
      for (uint32_t cur = goal->id; cur != UINT32_MAX; cur = cur == start->id ? UINT32_MAX : parent[cur])
        path.insert(path.begin(), nodeName(g, start->isService, cur));
      out["direction"] = forward ? "from uses to" : "to uses from";
      break;
    }
    out["path"] = path;
    out["found"] = !path.empty();
    std::string text = path.empty() ? "no path between " + from + " and " + *to + " in either direction\n" : "";
    for (size_t k = 0; k < path.size(); ++k) text += (k ? " -> " : "") + path[k].get<std::string>();
    return ToolResult::ok(std::move(out), text);
  }
  found = bfs(g, *start, query == "dependencies", transitive, parent);
  out["transitive"] = transitive;
  out["total"] = found.size();
  fillPage(out, "results", found.size(), page, [&](size_t i) {
    auto [id, d] = found[i];
    std::string kind = start->isService ? "service" : std::string(u::symbolKindName(g.symbolKind(id)));
    std::string owner = start->isService ? g.serviceName(id) : g.serviceName(g.owner(id));
    return json{{"name", nodeName(g, start->isService, id)}, {"kind", kind}, {"service", owner}, {"distance", d}};
  });
  out["observed"] = observedFor(g, *start, query == "dependencies", found);
  if (mermaid) {
    std::vector<uint32_t> ids{start->id};
    for (size_t k = 0; k < found.size() && k < 200; ++k) ids.push_back(found[k].first);
    out["mermaid"] = mermaidOf(g, start->isService, ids);
  }
  std::string text = std::to_string(found.size()) + " " + query + " of " + from + (transitive ? " (transitive)" : "") + "\n";
  for (size_t k = 0; k < found.size() && k < 200; ++k)
    text += "  " + nodeName(g, start->isService, found[k].first) + " (distance " + std::to_string(found[k].second) + ")\n";
  for (const auto& o : out["observed"])
    text += "  observed: " + o["at"].get<std::string>() + " (" + o["service"].get<std::string>() + ") -> " +
            o["symbol"].get<std::string>() + "\n";
  if (mermaid) text += out["mermaid"].get<std::string>();
  return ToolResult::ok(std::move(out), std::move(text));
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

Result<void> registerGraphTools(mcp::Registry& registry, const AppConfig& config) {
  auto session = std::make_shared<u::UniverseSession>(config.universeRoot);
  auto add = [&](std::string name, std::string title, std::string description,
                 ToolResult (*fn)(u::UniverseSession&, const json&)) {
    return registry.addTool({.name = std::move(name), .title = std::move(title), .description = std::move(description),
                             .annotations = {.readOnly = true, .idempotent = true},
                             .handler = [session, fn](const json& args, mcp::ToolContext&) { return fn(*session, args); }});
  };
  Result<void> r = add("universe_overview", "Universe overview",
                       "The universe's settings, services (governance, dependencies, dependents, sizes, observed "
                       "references their code makes without declaring them) and intent diagnostics. Start here. Paged: pass nextCursor as cursor.", overview);
  if (r) r = add("intent_diff", "Intent diff",
                 "Typed change list between two revisions (default HEAD vs the working tree), each change marked "
                 "breaking or compatible for Rust.", intentDiff);
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
  if (auto res = addResources(registry, session); !res) return res;
  mcp::Registry* reg = &registry;
  session->sentinel().start([reg](const u::SentinelReport& report) {
    for (const auto& s : report.changedServices) reg->notifyResourceUpdated("flywheel://intent/" + s);
    reg->notifyResourceUpdated("flywheel://graph");
    if (report.servicesAddedOrRemoved) reg->notifyResourceListChanged();
  });
  return {};
}

}  // namespace flywheel::tools
