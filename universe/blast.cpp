// Breadth-first blast radius over the reverse uses / depends-on edges.
#include "universe/blast.h"

#include <algorithm>

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
        br.changeNotes[*s] = br.changeNotes.count(*s) && n.empty() ? br.changeNotes[*s] : n;
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
  std::vector<uint32_t> svcDist(g.serviceCount(), UINT32_MAX);
  std::vector<SymbolId> svcVia(g.serviceCount(), kNoSymbol);
  std::vector<ServiceId> svcNext(g.serviceCount(), 0);
  for (SymbolId s : queue) {
    br.symbols.push_back({s, sc.dist[s], sc.next[s]});
    ServiceId o = g.owner(s);
    if (sc.hops[s] < svcDist[o]) { svcDist[o] = sc.hops[s]; svcVia[o] = s; svcNext[o] = o; }
  }
  // Services: BFS from changed services over dependents.
  std::vector<ServiceId> squeue;
  std::sort(seeds->services.begin(), seeds->services.end());
  for (ServiceId s : seeds->services)
    if (svcDist[s] != 0) { svcDist[s] = 0; svcVia[s] = kNoSymbol; svcNext[s] = s; squeue.push_back(s); }
  for (size_t head = 0; head < squeue.size(); ++head) {
    ServiceId s = squeue[head];
    for (ServiceId d : g.dependents(s)) {
      if (svcDist[d] <= svcDist[s] + 1) continue;
      svcDist[d] = svcDist[s] + 1;
      svcVia[d] = kNoSymbol;
      svcNext[d] = s;
      squeue.push_back(d);
    }
  }
  for (ServiceId s = 0; s < g.serviceCount(); ++s)
    if (svcDist[s] != UINT32_MAX) br.services.push_back({s, svcDist[s], svcVia[s], svcNext[s]});
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
