// Building the universe graph (see graph.h).
#include "universe/graph.h"

#include <algorithm>

namespace flywheel::universe {

std::string_view symbolKindName(SymbolKind k) {
  switch (k) {
    case SymbolKind::Type: return "type";
    case SymbolKind::Field: return "field";
    case SymbolKind::Enum: return "enum";
    case SymbolKind::Variant: return "variant";
    case SymbolKind::Alias: return "alias";
    case SymbolKind::Rpc: return "rpc";
    case SymbolKind::Pattern: return "pattern";
  }
  return "?";
}

namespace {

using Edges = std::vector<std::pair<uint32_t, uint32_t>>;

/// Sorted, unique edges -> CSR offsets and targets over `n` nodes.
void toCsr(Edges& edges, size_t n, std::vector<uint32_t>& off, std::vector<uint32_t>& out) {
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  off.assign(n + 1, 0);
  for (const auto& e : edges) ++off[e.first + 1];
  for (size_t i = 0; i < n; ++i) off[i + 1] += off[i];
  out.resize(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) out[i] = edges[i].second;
}

void reverse(Edges& edges) {
  for (auto& e : edges) std::swap(e.first, e.second);
}

}  // namespace

class GraphBuilder {
 public:
  explicit GraphBuilder(Graph& g) : g_(g) {}

  void build(const Universe& u) {
    for (const auto& s : u.services) g_.serviceNames_.push_back(s.name);
    for (ServiceId i = 0; i < g_.serviceNames_.size(); ++i) g_.serviceIndex_.emplace(g_.serviceNames_[i], i);
    size_t approx = 0;
    for (const auto& s : u.services) approx += s.types.size() * 4 + s.enums.size() * 3 + s.declOrder.size();
    g_.symbolNames_.reserve(approx);
    // Pass 1: declare every symbol (so references resolve in any order).
    for (ServiceId i = 0; i < u.services.size(); ++i) declare(u.services[i], i);
    g_.symbolIndex_.reserve(g_.symbolNames_.size());
    for (SymbolId i = 0; i < g_.symbolNames_.size(); ++i) g_.symbolIndex_.emplace(g_.symbolNames_[i], i);
    // Pass 2: edges.
    Edges deps;
    for (ServiceId i = 0; i < u.services.size(); ++i) {
      for (const auto& d : u.services[i].allDependencies)
        if (auto t = g_.findService(d)) deps.emplace_back(i, *t);
      connect(u.services[i]);
    }
    toCsr(deps, g_.serviceCount(), g_.depOff_, g_.dep_);
    reverse(deps);
    toCsr(deps, g_.serviceCount(), g_.rdepOff_, g_.rdep_);
    toCsr(uses_, g_.symbolCount(), g_.useOff_, g_.use_);
    reverse(uses_);
    toCsr(uses_, g_.symbolCount(), g_.ruseOff_, g_.ruse_);
    Edges own;
    own.reserve(g_.symbolCount());
    for (SymbolId i = 0; i < g_.symbolCount(); ++i) own.emplace_back(g_.owners_[i], i);
    toCsr(own, g_.serviceCount(), g_.ownOff_, g_.own_);
  }

 private:
  void add(std::string name, SymbolKind k, ServiceId owner) {
    g_.symbolNames_.push_back(std::move(name));
    g_.symbolKinds_.push_back(k);
    g_.owners_.push_back(owner);
  }

  void declare(const Service& s, ServiceId id) {
    std::string prefix = s.name + "/";
    for (const auto& d : s.declOrder) {
      switch (d.kind) {
        case DeclKind::Type: {
          const auto& t = s.types[d.index];
          add(prefix + t.name, SymbolKind::Type, id);
          for (const auto& f : t.fields) add(prefix + t.name + "." + f.name, SymbolKind::Field, id);
          break;
        }
        case DeclKind::Enum: {
          const auto& e = s.enums[d.index];
          add(prefix + e.name, SymbolKind::Enum, id);
          for (const auto& v : e.variants) add(prefix + e.name + "." + v.name, SymbolKind::Variant, id);
          break;
        }
        case DeclKind::Alias: add(prefix + s.aliases[d.index].name, SymbolKind::Alias, id); break;
        case DeclKind::Rpc: add(prefix + s.rpcs[d.index].name, SymbolKind::Rpc, id); break;
        case DeclKind::Bootstrap: add(prefix + "bootstrap", SymbolKind::Pattern, id); break;
        case DeclKind::CrudGateway: add(prefix + s.crudGateways[d.index].name, SymbolKind::Pattern, id); break;
        case DeclKind::EventListener: add(prefix + s.eventListeners[d.index].name, SymbolKind::Pattern, id); break;
        case DeclKind::CronWorker: add(prefix + s.cronWorkers[d.index].name, SymbolKind::Pattern, id); break;
        case DeclKind::McpTool: add(prefix + s.mcpTools[d.index].name, SymbolKind::Pattern, id); break;
        case DeclKind::StateMachine: add(prefix + s.stateMachines[d.index].name, SymbolKind::Pattern, id); break;
        case DeclKind::PureUtility: add(prefix + s.pureUtilities[d.index].name, SymbolKind::Pattern, id); break;
        case DeclKind::RpcGateway: add(prefix + s.rpcGateways[d.index].name, SymbolKind::Pattern, id); break;
        case DeclKind::DomainEngine: add(prefix + s.domainEngines[d.index].name, SymbolKind::Pattern, id); break;
      }
    }
  }

  std::optional<SymbolId> sym(const std::string& name) const { return g_.findSymbol(name); }

  void edge(std::optional<SymbolId> from, std::optional<SymbolId> to) {
    if (from && to && *from != *to) uses_.emplace_back(*from, *to);
  }

  void typeEdges(std::optional<SymbolId> from, const TypeRef& t) {
    if ((t.kind == TypeRef::Kind::Local || t.kind == TypeRef::Kind::Qualified) && !t.resolvedService.empty())
      edge(from, sym(t.resolvedService + "/" + t.name));
    for (const auto& a : t.args) typeEdges(from, a);
  }

  void connect(const Service& s) {
    std::string p = s.name + "/";
    for (const auto& t : s.types) {
      auto self = sym(p + t.name);
      for (const auto& f : t.fields) {
        auto field = sym(p + t.name + "." + f.name);
        edge(self, field);
        typeEdges(field, f.type);
      }
    }
    for (const auto& e : s.enums) {
      auto self = sym(p + e.name);
      for (const auto& v : e.variants) {
        auto variant = sym(p + e.name + "." + v.name);
        edge(self, variant);
        if (v.payload) typeEdges(variant, *v.payload);
      }
    }
    for (const auto& a : s.aliases) typeEdges(sym(p + a.name), a.target);
    for (const auto& r : s.rpcs) { auto x = sym(p + r.name); typeEdges(x, r.input); typeEdges(x, r.output); }
    for (const auto& g : s.crudGateways) {
      auto x = sym(p + g.name);
      typeEdges(x, g.entity);
      if (!g.entity.resolvedService.empty()) edge(x, sym(g.entity.resolvedService + "/" + g.entity.name + "." + g.key.name));
    }
    for (const auto& e : s.eventListeners) typeEdges(sym(p + e.name), e.payload);
    for (const auto& t : s.mcpTools) { auto x = sym(p + t.name); typeEdges(x, t.input); typeEdges(x, t.output); }
    for (const auto& u : s.pureUtilities) {
      auto x = sym(p + u.name);
      for (const auto& a : u.args) typeEdges(x, a.type);
      typeEdges(x, u.returns);
    }
    for (const auto& g : s.rpcGateways) {
      auto x = sym(p + g.name);
      for (const auto& c : g.calls) edge(x, sym(c.service + "/" + c.rpc));
    }
    for (const auto& d : s.domainEngines) { auto x = sym(p + d.name); typeEdges(x, d.input); typeEdges(x, d.output); }
  }

  Graph& g_;
  Edges uses_;
};

Graph Graph::build(const Universe& u) {
  Graph g;
  GraphBuilder(g).build(u);
  return g;
}

void Graph::setObserved(std::vector<ObservedEdge> edges) {
  std::sort(edges.begin(), edges.end(), [](const ObservedEdge& a, const ObservedEdge& b) {
    return a.service != b.service ? a.service < b.service : a.symbol < b.symbol;
  });
  observed_ = std::move(edges);
  obsOff_.clear(), obsInto_.clear(), obsFromOff_.clear(), obsFrom_.clear();
  if (observed_.empty()) return;
  Edges into, from;
  for (uint32_t i = 0; i < observed_.size(); ++i) {
    into.emplace_back(observed_[i].symbol, i);
    from.emplace_back(observed_[i].service, i);
  }
  toCsr(into, symbolCount(), obsOff_, obsInto_);
  toCsr(from, serviceCount(), obsFromOff_, obsFrom_);
}

std::optional<ServiceId> Graph::findService(std::string_view name) const {
  auto it = serviceIndex_.find(name);
  return it == serviceIndex_.end() ? std::nullopt : std::optional(it->second);
}

std::optional<SymbolId> Graph::findSymbol(std::string_view name) const {
  auto it = symbolIndex_.find(name);
  return it == symbolIndex_.end() ? std::nullopt : std::optional(it->second);
}

}  // namespace flywheel::universe
