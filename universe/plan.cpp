// Waves by Kahn's algorithm over the affected subgraph (see plan.h).
#include "universe/plan.h"

#include <algorithm>
#include <span>

namespace flywheel::universe {

namespace {

/// Finds one cycle among `remaining` services (all of which have an
/// unprocessed dependency inside the set) and names it.
std::string nameCycle(const Graph& g, const std::vector<char>& inSet, const std::vector<uint32_t>& pending) {
  ServiceId start = UINT32_MAX;
  for (ServiceId s = 0; s < g.serviceCount(); ++s)
    if (inSet[s] && pending[s] > 0) { start = s; break; }
  if (start == UINT32_MAX) return "cycle: (unknown)";
  // Walk dependencies that are still pending until a service repeats.
  std::vector<uint32_t> seenAt(g.serviceCount(), UINT32_MAX);
  std::vector<ServiceId> path;
  ServiceId cur = start;
  while (seenAt[cur] == UINT32_MAX) {
    seenAt[cur] = static_cast<uint32_t>(path.size());
    path.push_back(cur);
    ServiceId nextDep = cur;
    for (ServiceId d : g.dependencies(cur))
      if (inSet[d] && pending[d] > 0) { nextDep = d; break; }
    if (nextDep == cur) break;
    cur = nextDep;
  }
  std::string out = "cycle: ";
  for (size_t k = seenAt[cur]; k < path.size(); ++k) out += g.serviceName(path[k]) + " -> ";
  return out + g.serviceName(cur);
}

/// A service affected only through its code (an observed reference) is
/// repaired after the owner of the symbol it references: (owner, observer), sorted.
std::vector<std::pair<ServiceId, ServiceId>> observedOrder(const Graph& g, const BlastRadius& br, const std::vector<char>& inSet) {
  std::vector<std::pair<ServiceId, ServiceId>> out;
  for (const auto& s : br.services)
    if (s.observed != kNoObserved && s.via != kNoSymbol && inSet[g.owner(s.via)] && g.owner(s.via) != s.id)
      out.emplace_back(g.owner(s.via), s.id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string blockedReason(Governance g) {
  return "blocked: needs a human (governance " + std::string(governanceName(g)) +
         " forbids repair; a human repairs it, or sets a repair mode such as (governance survival-patching) in its intent)";
}

Result<CascadePlan> cascadePlan(const Universe& u, const Graph& g, const BlastRadius& br) {
  std::vector<char> inSet(g.serviceCount(), 0);
  std::vector<uint32_t> distance(g.serviceCount(), 0);
  for (const auto& s : br.services) { inSet[s.id] = 1; distance[s.id] = s.distance; }
  // pending[s] = affected dependencies not yet placed.
  std::vector<uint32_t> pending(g.serviceCount(), 0), wave(g.serviceCount(), 0);
  std::vector<ServiceId> ready;
  auto observedAfter = observedOrder(g, br, inSet);
  auto observersOf = [&](ServiceId owner) {
    auto lo = std::lower_bound(observedAfter.begin(), observedAfter.end(), std::pair<ServiceId, ServiceId>(owner, 0));
    auto hi = lo;
    while (hi != observedAfter.end() && hi->first == owner) ++hi;
    return std::span(lo, hi);
  };
  for (const auto& [owner, observer] : observedAfter) ++pending[observer];
  for (const auto& s : br.services) {
    for (ServiceId d : g.dependencies(s.id)) pending[s.id] += inSet[d];
    if (pending[s.id] == 0) { ready.push_back(s.id); wave[s.id] = 1; }
  }
  size_t placed = 0;
  for (size_t head = 0; head < ready.size(); ++head, ++placed) {
    ServiceId s = ready[head];
    for (ServiceId d : g.dependents(s)) {
      if (!inSet[d]) continue;
      wave[d] = std::max(wave[d], wave[s] + 1);
      if (--pending[d] == 0) ready.push_back(d);
    }
    for (const auto& [owner, observer] : observersOf(s)) {
      wave[observer] = std::max(wave[observer], wave[s] + 1);
      if (--pending[observer] == 0) ready.push_back(observer);
    }
  }
  if (placed != br.services.size())
    return fail(Error::failedPrecondition(nameCycle(g, inSet, pending) +
                                          "; services in a dependency cycle cannot be ordered: break the cycle in their (depends-on ...) or use clauses"));
  CascadePlan plan;
  plan.steps.reserve(ready.size());
  for (ServiceId s : ready) {
    PlanStep step{s, wave[s], distance[s]};
    if (const Service* svc = u.findService(g.serviceName(s))) {
      step.governance = svc->governance;
      step.blocked = !governanceAllowsRepair(svc->governance);
    }
    for (ServiceId d : g.dependencies(s))
      if (inSet[d]) step.after.push_back(d);
    for (const auto& [owner, observer] : observedAfter)
      if (observer == s && std::find(step.after.begin(), step.after.end(), owner) == step.after.end()) step.after.push_back(owner);
    std::sort(step.after.begin(), step.after.end());
    plan.blockedCount += step.blocked;
    plan.waveCount = std::max(plan.waveCount, step.wave);
    plan.steps.push_back(std::move(step));
  }
  std::sort(plan.steps.begin(), plan.steps.end(), [](const PlanStep& a, const PlanStep& b) {
    return a.wave != b.wave ? a.wave < b.wave : a.service < b.service;
  });
  return plan;
}

}  // namespace flywheel::universe
