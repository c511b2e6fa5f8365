// Breadth-first blast radius over the reverse uses / depends-on edges.
#include "universe/blast.h"

#include <algorithm>
#include <span>

#include "universe/reality.h"
#include "universe/suggest.h"

namespace flywheel::universe {

namespace {

struct Seeds {
  std::vector<SymbolId> symbols;
  std::vector<ServiceId> services;
};

Result<Seeds> resolveSeeds(const Graph& g, const ChangeSet& cs, BlastRadius& br) {
  Seeds seeds;
  for (const auto& item : cs.items) {
    std::string name = item;
    std::string note = cs.notes.count(item) ? cs.notes.at(item) : "";
    while (true) {
      if (auto s = g.findSymbol(name)) {
        seeds.symbols.push_back(*s);
        std::string n = name == item ? note : item + (note.empty() ? " (removed)" : " (" + note + ")");
        // Several items may land on one symbol (a removed member falls back to
        // its owner): keep every note.
        std::string& kept = br.changeNotes[*s];
        if (kept.empty()) kept = n;
        else if (!n.empty() && kept.find(n) == std::string::npos) kept += "; " + n;
        break;
      }
      if (name.find('/') == std::string::npos) {
        if (auto svc = g.findService(name)) {
          seeds.services.push_back(*svc);
          br.serviceNotes[*svc] = name == item ? (note.empty() ? "changed" : note) : item + " (" + (note.empty() ? "removed" : note) + ")";
          break;
        }
        if (cs.skipUnknown) {
          br.skipped.push_back(item);
          break;
        }
        std::vector<std::string> names;
        for (ServiceId i = 0; i < g.serviceCount(); ++i) names.push_back(g.serviceName(i));
        return fail(Error::notFound("changed symbol '" + item + "' names no symbol or service of the universe" +
                                    didYouMean(item.substr(0, item.find('/')), names) +
                                    "; use svc/Name, svc/Name.field, svc/rpc-name or a service name"));
      }
      auto dot = name.rfind('.');
      auto slash = name.find('/');
      name = dot != std::string::npos && dot > slash ? name.substr(0, dot) : name.substr(0, slash);
    }
  }
  return seeds;
}

/// Per-service results of a query: distance, the symbol and next service
/// explaining it, the observed edge when only code explains it.
struct ServiceMarks {
  /// `withObserved`: the graph has observed edges (otherwise `observed` and `byIntent` stay empty).
  ServiceMarks(size_t n, bool withObserved)
      : dist(n, UINT32_MAX), via(n, kNoSymbol), next(n, 0), observed(withObserved ? n : 0, kNoObserved),
        byIntent(withObserved ? n : 0, 0) {}
  std::vector<uint32_t> dist;
  std::vector<SymbolId> via;
  std::vector<ServiceId> next;
  std::vector<uint32_t> observed;
  std::vector<char> byIntent;  // reached through the intent's uses edges (observed edges do not override)

  void clearObserved(ServiceId s) {
    if (!observed.empty()) observed[s] = kNoObserved;
  }
  uint32_t observedOf(ServiceId s) const { return observed.empty() ? kNoObserved : observed[s]; }

  /// Services whose code references `sym` (edges into it), at `distance`.
  void observe(const Graph& g, std::span<const uint32_t> edges, SymbolId sym, ServiceId toward, uint32_t distance) {
    for (uint32_t e : edges) {
      ServiceId o = g.observed()[e].service;
      if (byIntent[o] || distance >= dist[o]) continue;
      dist[o] = distance; via[o] = sym; next[o] = toward; observed[o] = e;
    }
  }

  /// Changed services affect their transitive dependents, and the services
  /// whose code references one of their symbols.
  void serviceBfs(const Graph& g, const std::vector<ServiceId>& seeds) {
    std::vector<ServiceId> queue;
    for (ServiceId s : seeds)
      if (dist[s] != 0) { dist[s] = 0; via[s] = kNoSymbol; next[s] = s; clearObserved(s); queue.push_back(s); }
    for (size_t head = 0; head < queue.size(); ++head) {
      ServiceId s = queue[head];
      for (ServiceId d : g.dependents(s)) {
        if (dist[d] <= dist[s] + 1) continue;
        dist[d] = dist[s] + 1; via[d] = kNoSymbol; next[d] = s; clearObserved(d);
        queue.push_back(d);
      }
      if (g.observed().empty()) continue;
      for (SymbolId sym : g.symbolsOf(s)) observe(g, g.observedInto(sym), sym, s, dist[s] + 1);
    }
  }
};

}  // namespace

Result<BlastRadius> blastRadius(const Graph& g, const ChangeSet& changes) {
  BlastRadius br;
  auto seeds = resolveSeeds(g, changes, br);
  if (!seeds) return fail(seeds.error());

  // Symbols: BFS from every changed symbol over usedBy. Per-thread scratch
  // arrays with a generation stamp keep a query O(affected), not O(symbols).
  struct Scratch {
    std::vector<uint32_t> stamp, dist, hops, next;
    uint32_t generation = 0;
  };
  thread_local Scratch sc;
  if (sc.stamp.size() < g.symbolCount() || ++sc.generation == 0) {
    sc.stamp.assign(std::max(sc.stamp.size(), g.symbolCount()), 0);
    sc.dist.resize(sc.stamp.size());
    sc.hops.resize(sc.stamp.size());
    sc.next.resize(sc.stamp.size());
    sc.generation = 1;
  }
  const uint32_t gen = sc.generation;
  std::vector<SymbolId> queue;
  std::sort(seeds->symbols.begin(), seeds->symbols.end());
  for (SymbolId s : seeds->symbols) {
    if (sc.stamp[s] == gen) continue;
    sc.stamp[s] = gen;
    sc.dist[s] = 0;
    sc.hops[s] = 0;
    sc.next[s] = kNoSymbol;
    queue.push_back(s);
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    SymbolId s = queue[head];
    for (SymbolId user : g.usedBy(s)) {
      if (sc.stamp[user] == gen) continue;
      sc.stamp[user] = gen;
      sc.dist[user] = sc.dist[s] + 1;
      sc.next[user] = s;
      sc.hops[user] = sc.hops[s] + (g.owner(user) != g.owner(s) ? 1 : 0);
      queue.push_back(user);
    }
  }
  // BFS order is already by distance, and deterministic (sorted seeds and adjacency).
  br.symbols.reserve(queue.size());
  ServiceMarks m(g.serviceCount(), !g.observed().empty());
  for (SymbolId s : queue) {
    br.symbols.push_back({s, sc.dist[s], sc.next[s]});
    ServiceId o = g.owner(s);
    if (sc.hops[s] < m.dist[o]) { m.dist[o] = sc.hops[s]; m.via[o] = s; m.next[o] = o; }
  }
  if (!g.observed().empty()) {
    // Observed: services whose code references an affected symbol.
    for (ServiceId s = 0; s < g.serviceCount(); ++s) m.byIntent[s] = m.dist[s] != UINT32_MAX;
    for (SymbolId s : queue) m.observe(g, g.observedInto(s), s, g.owner(s), sc.hops[s] + 1);
  }
  std::sort(seeds->services.begin(), seeds->services.end());
  m.serviceBfs(g, seeds->services);
  for (ServiceId s = 0; s < g.serviceCount(); ++s)
    if (m.dist[s] != UINT32_MAX) br.services.push_back({s, m.dist[s], m.via[s], m.next[s], m.observedOf(s)});
  std::stable_sort(br.services.begin(), br.services.end(),
                   [](const AffectedService& a, const AffectedService& b) { return a.distance < b.distance; });
  br.nextById.reserve(queue.size());
  for (SymbolId s : queue) br.nextById.emplace_back(s, sc.next[s]);
  std::sort(br.nextById.begin(), br.nextById.end());
  for (const auto& s : br.services) br.nextServiceById.emplace_back(s.id, s.viaService);
  std::sort(br.nextServiceById.begin(), br.nextServiceById.end());
  return br;
}

template <class Pairs>
static const typename Pairs::value_type* lookup(const Pairs& pairs, uint32_t id) {
  auto it = std::lower_bound(pairs.begin(), pairs.end(), std::pair<uint32_t, uint32_t>(id, 0));
  return it != pairs.end() && it->first == id ? &*it : nullptr;
}

std::string reasonChain(const Graph& g, const BlastRadius& br, SymbolId from) {
  std::string out;
  const auto* cur = lookup(br.nextById, from);
  for (size_t guard = 0; cur && guard < 10000; ++guard) {
    if (!out.empty()) out += " -> ";
    out += g.symbolName(cur->first);
    if (cur->second == kNoSymbol) {
      auto note = br.changeNotes.find(cur->first);
      if (note != br.changeNotes.end() && !note->second.empty()) out += " (" + note->second + ")";
      break;
    }
    cur = lookup(br.nextById, cur->second);
  }
  return out;
}

std::string serviceReasonChain(const Graph& g, const BlastRadius& br, const AffectedService& s) {
  if (s.observed != kNoObserved) {
    std::string head = g.serviceName(s.id) + " (observed in " + observedWhere(g.observed()[s.observed]) + ") -> ";
    if (lookup(br.nextById, s.via)) return head + reasonChain(g, br, s.via);
    // A symbol of a changed service: continue with that service's chain.
    AffectedService owner{s.viaService, 0, kNoSymbol, s.viaService};
    if (const auto* it = lookup(br.nextServiceById, s.viaService)) owner.viaService = it->second;
    return head + g.symbolName(s.via) + " -> " + serviceReasonChain(g, br, owner);
  }
  if (s.via != kNoSymbol) return reasonChain(g, br, s.via);
  std::string out = g.serviceName(s.id);
  ServiceId cur = s.id;
  for (size_t guard = 0; guard <= g.serviceCount(); ++guard) {
    const auto* it = lookup(br.nextServiceById, cur);
    if (!it || it->second == cur) {
      auto note = br.serviceNotes.find(cur);
      if (note != br.serviceNotes.end()) out += " (" + note->second + ")";
      break;
    }
    cur = it->second;
    out += " -> " + g.serviceName(cur);
  }
  return out;
}

}  // namespace flywheel::universe
