// Text renderings (see report.h).
#include "universe/report.h"

#include "universe/reality.h"

#include <algorithm>
#include <cctype>

namespace flywheel::universe {

namespace {
std::string more(size_t left) { return "... " + std::to_string(left) + " more\n"; }

std::string mermaidId(const std::string& name) {
  std::string out = "s_";
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}
}  // namespace

std::string formatDiagnostics(const Diagnostics& diags, size_t limit) {
  std::string out;
  for (size_t k = 0; k < diags.size(); ++k) {
    if (k == limit) return out + more(diags.size() - k);
    out += diags[k].toString() + "\n";
  }
  return out;
}

std::string formatChanges(const std::vector<IntentChange>& changes, size_t limit) {
  std::string out;
  for (size_t k = 0; k < changes.size(); ++k) {
    if (k == limit) return out + more(changes.size() - k);
    out += changes[k].summary() + "\n";
  }
  return out;
}

std::string formatBlastRadius(const Graph& g, const BlastRadius& br, size_t limit) {
  std::string out = std::to_string(br.services.size()) + " affected service(s), " + std::to_string(br.symbols.size()) +
                    " affected symbol(s)\n";
  for (size_t k = 0; k < br.services.size(); ++k) {
    if (k == limit) return out + more(br.services.size() - k);
    const auto& s = br.services[k];
    out += "  " + g.serviceName(s.id) + " (distance " + std::to_string(s.distance) + "): " + serviceReasonChain(g, br, s) + "\n";
  }
  for (const auto& s : br.skipped) out += "  (skipped: " + s + " names nothing in this revision)\n";
  // Every affected symbol with its own reason: what changed, or the chain to it.
  if (!br.symbols.empty()) out += "symbols:\n";
  for (size_t k = 0; k < br.symbols.size(); ++k) {
    if (k == limit) return out + more(br.symbols.size() - k);
    out += "  " + reasonChain(g, br, br.symbols[k].id) + "\n";
  }
  return out;
}

std::string formatPlan(const Graph& g, const CascadePlan& plan, size_t limit) {
  std::string out = std::to_string(plan.steps.size()) + " service(s) in " + std::to_string(plan.waveCount) + " wave(s)" +
                    (plan.blockedCount ? ", " + std::to_string(plan.blockedCount) + " blocked" : std::string()) + "\n";
  uint32_t wave = 0;
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    if (k == limit) return out + more(plan.steps.size() - k);
    const auto& st = plan.steps[k];
    if (st.wave != wave) {
      wave = st.wave;
      out += "wave " + std::to_string(wave) + ":\n";
    }
    out += "  " + g.serviceName(st.service);
    if (!st.after.empty()) {
      out += " (after";
      for (ServiceId d : st.after) out += " " + g.serviceName(d);
      out += ")";
    }
    if (st.blocked) out += " -- " + blockedReason(st.governance);
    out += "\n";
  }
  return out;
}

std::string formatObserved(const Graph& g, ServiceId s, size_t limit) {
  std::string out;
  auto edges = g.observedFrom(s);
  for (size_t k = 0; k < edges.size(); ++k) {
    if (k == limit) return out + more(edges.size() - k);
    const auto& e = g.observed()[edges[k]];
    out += "  observed: " + observedWhere(e) + " -> " + g.symbolName(e.symbol);
    std::string notes = e.count > 1 ? std::to_string(e.count) + " references" : "";
    if (e.undeclaredDependency)
      notes += (notes.empty() ? "" : "; ") + g.serviceName(s) + " does not depend on " + g.serviceName(g.owner(e.symbol));
    out += notes.empty() ? "\n" : " (" + notes + ")\n";
  }
  return out;
}

std::string mermaidGraph(const Graph& g, const std::vector<ServiceId>& services) {
  std::vector<ServiceId> ids = services;
  if (ids.empty())
    for (ServiceId s = 0; s < g.serviceCount(); ++s) ids.push_back(s);
  std::sort(ids.begin(), ids.end());
  std::string out = "graph LR\n";
  for (ServiceId s : ids) out += "  " + mermaidId(g.serviceName(s)) + "[\"" + g.serviceName(s) + "\"]\n";
  for (ServiceId s : ids)
    for (ServiceId d : g.dependencies(s))
      if (std::binary_search(ids.begin(), ids.end(), d))
        out += "  " + mermaidId(g.serviceName(s)) + " --> " + mermaidId(g.serviceName(d)) + "\n";
  std::vector<std::pair<ServiceId, ServiceId>> observed;
  for (const auto& e : g.observed()) observed.emplace_back(e.service, g.owner(e.symbol));
  std::sort(observed.begin(), observed.end());
  observed.erase(std::unique(observed.begin(), observed.end()), observed.end());
  for (const auto& [from, to] : observed)
    if (std::binary_search(ids.begin(), ids.end(), from) && std::binary_search(ids.begin(), ids.end(), to))
      out += "  " + mermaidId(g.serviceName(from)) + " -.->|observed| " + mermaidId(g.serviceName(to)) + "\n";
  return out;
}

}  // namespace flywheel::universe
