// graph_query: dependencies or dependents of a service or symbol (direct or
// transitive), or the shortest path between two, with observed references
// and an optional Mermaid diagram.
#include "tools/graph_support.h"

namespace flywheel::tools::graph {
namespace {

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

}  // namespace

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

}  // namespace flywheel::tools::graph
