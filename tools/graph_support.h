// Shared pieces of the graph tool group (graph_tools.cpp, graph_query_tool.cpp):
// paging by cursor under a character budget, failures named after the tool,
// and the JSON of diagnostics and observed edges. Included only by those files.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "server/params.h"
#include "server/tool_api.h"
#include "universe/graph.h"
#include "universe/report.h"
#include "universe/session.h"

namespace flywheel::tools::graph {

using nlohmann::json;
using mcp::ParamReader;
using mcp::ToolResult;
namespace u = flywheel::universe;

constexpr size_t kPageChars = 16000;

inline ToolResult failed(std::string_view tool, const Error& e) { return ToolResult::error(std::string(tool) + ": " + e.message); }

struct Page {
  std::optional<std::string> cursor;
  int limit = 100;
  size_t offset = 0;
};

/// Reads cursor/limit; the cursor is the decimal offset a previous page returned.
inline void readPage(ParamReader& r, Page& p) {
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

inline json diagnosticsJson(const u::Diagnostics& diags, size_t max) {
  json out = json::array();
  for (size_t k = 0; k < diags.size() && k < max; ++k)
    out.push_back({{"file", diags[k].file}, {"line", diags[k].pos.line}, {"column", diags[k].pos.col},
                   {"severity", diags[k].severity == u::Severity::Error ? "error" : "warning"},
                   {"message", diags[k].message}, {"text", diags[k].toString()}});
  return out;
}

/// One observed edge: a reference in a service's code its intent does not declare.
inline json observedJson(const u::Graph& g, uint32_t edge) {
  const auto& e = g.observed()[edge];
  return {{"service", g.serviceName(e.service)}, {"symbol", g.symbolName(e.symbol)}, {"at", u::observedWhere(e)},
          {"references", e.count}, {"undeclaredDependency", e.undeclaredDependency}};
}

inline json observedList(const u::Graph& g, std::span<const uint32_t> edges, size_t max = 20) {
  json out = json::array();
  for (size_t k = 0; k < edges.size() && k < max; ++k) out.push_back(observedJson(g, edges[k]));
  return out;
}

/// graph_query: dependencies, dependents or the path between two nodes.
ToolResult graphQueryTool(u::UniverseSession& session, const json& args);

}  // namespace flywheel::tools::graph
