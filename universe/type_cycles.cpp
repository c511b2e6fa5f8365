// Recursive types: alias cycles, records and enums that contain themselves
// (see validate.h, checkTypeCycles).
//
// Two graphs over the universe's declarations. Aliases: an edge from an alias
// to every alias its target names, at any depth (Rust type aliases may not
// refer to themselves even through Option, Vec or BTreeMap). Records and
// enums ("nominal" types): an edge from a record to every record or enum a
// field holds by value (directly, through aliases, or inside an `option`),
// and likewise from an enum through its variants' payloads; `list` and `map`
// hold their elements on the heap and stop the walk. A cycle of by-value
// edges is an infinite-size type: an error. A cycle through at least one
// `option` is fine once boxed: every `option` edge inside a strongly
// connected component is marked TypeRef::boxed, and Forge renders it
// Option<Box<T>>.
#include <algorithm>
#include <deque>
#include <map>

#include "universe/validate.h"

namespace flywheel::universe {
namespace {

using Adjacency = std::vector<std::vector<int>>;

/// Strongly connected components (Tarjan, iterative: intent files may hold
/// long chains). Returns the component of every node.
std::vector<int> components(const Adjacency& adj) {
  const int n = static_cast<int>(adj.size());
  std::vector<int> index(n, -1), low(n, 0), comp(n, -1), stack;
  std::vector<char> onStack(n, 0);
  std::vector<std::pair<int, size_t>> calls;
  int counter = 0, comps = 0;
  auto visit = [&](int v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    onStack[v] = 1;
    calls.emplace_back(v, 0);
  };
  for (int s = 0; s < n; ++s) {
    if (index[s] != -1) continue;
    visit(s);
    while (!calls.empty()) {
      const int v = calls.back().first;
      if (size_t& i = calls.back().second; i < adj[v].size()) {
        const int w = adj[v][i++];
        if (index[w] == -1) visit(w);
        else if (onStack[w]) low[v] = std::min(low[v], index[w]);
        continue;
      }
      if (low[v] == index[v]) {
        for (int w = -1; w != v;) {
          w = stack.back();
          stack.pop_back();
          onStack[w] = 0;
          comp[w] = comps;
        }
        ++comps;
      }
      calls.pop_back();
      if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[v]);
    }
  }
  return comp;
}

/// The nodes of a shortest cycle through `start` inside its component
/// (start first, start not repeated), or empty when there is none.
std::vector<int> cycleThrough(int start, const Adjacency& adj, const std::vector<int>& comp) {
  std::vector<int> parent(adj.size(), -2);
  std::deque<int> queue{start};
  parent[start] = -1;
  while (!queue.empty()) {
    int v = queue.front();
    queue.pop_front();
    for (int w : adj[v]) {
      if (comp[w] != comp[start]) continue;
      if (w == start) {
        std::vector<int> path;
        for (int x = v; x != -1; x = parent[x]) path.push_back(x);
        std::reverse(path.begin(), path.end());
        return path;
      }
      if (parent[w] == -2) {
        parent[w] = v;
        queue.push_back(w);
      }
    }
  }
  return {};
}

struct Decl {
  Service* service = nullptr;
  std::string name;
  SourcePos pos;
};

/// A by-value edge between nominal types.
struct ValueEdge {
  int to = 0;
  TypeRef* option = nullptr;  ///< the outermost `option` on the way, if any
  std::string label;          ///< "Node.next" or "Expr.Neg"
};

class CycleChecker {
 public:
  CycleChecker(Universe& u, Diagnostics& d) : u_(u), diags_(d) {
    for (auto& s : u_.services) {
      for (auto& a : s.aliases) add(aliasIds_, aliases_, s, a.name, a.pos);
      for (auto& t : s.types) add(nominalIds_, nominals_, s, t.name, t.pos);
      for (auto& e : s.enums) add(nominalIds_, nominals_, s, e.name, e.pos);
    }
  }

  void run() {
    checkAliases();
    checkValues();
  }

 private:
  using Ids = std::map<std::pair<std::string, std::string>, int>;

  static void add(Ids& ids, std::vector<Decl>& decls, Service& s, const std::string& name, SourcePos pos) {
    if (ids.emplace(std::pair(s.name, name), static_cast<int>(decls.size())).second) decls.push_back({&s, name, pos});
  }

  static int idOf(const Ids& ids, const TypeRef& t) {
    if (t.resolvedService.empty()) return -1;
    auto it = ids.find({t.resolvedService, t.name});
    return it == ids.end() ? -1 : it->second;
  }

  AliasDecl* aliasDecl(int id) {
    const Decl& d = aliases_[id];
    for (auto& a : d.service->aliases)
      if (a.name == d.name) return &a;
    return nullptr;
  }

  /// "Name" when the cycle stays in one service, else "svc/Name".
  static std::string names(const std::vector<std::string>& parts, const std::vector<const Decl*>& decls) {
    bool oneService = std::all_of(decls.begin(), decls.end(), [&](const Decl* d) { return d->service == decls[0]->service; });
    std::string out;
    for (size_t k = 0; k < parts.size(); ++k)
      out += (k ? " -> " : "") + (oneService ? parts[k] : decls[k]->service->name + "/" + parts[k]);
    return out;
  }

  void error(const Decl& at, std::string message, const std::vector<const Decl*>& involved) {
    diags_.push_back({Severity::Error, at.service->intentPath, at.pos, std::move(message)});
    for (const Decl* d : involved) d->service->valid = false;
  }

  void checkAliases() {
    Adjacency adj(aliases_.size());
    for (size_t id = 0; id < aliases_.size(); ++id) {
      std::vector<const TypeRef*> todo{&aliasDecl(static_cast<int>(id))->target};
      while (!todo.empty()) {
        const TypeRef* t = todo.back();
        todo.pop_back();
        if (t->resolvedTarget == TypeRef::Target::Alias)
          if (int to = idOf(aliasIds_, *t); to >= 0) adj[id].push_back(to);
        for (const auto& a : t->args) todo.push_back(&a);
      }
    }
    reportCycles(adj, aliases_, [&](const std::vector<int>& cycle) {
      std::vector<std::string> parts;
      std::vector<const Decl*> decls;
      for (int v : cycle) {
        parts.push_back(aliases_[v].name);
        decls.push_back(&aliases_[v]);
      }
      parts.push_back(aliases_[cycle[0]].name);
      decls.push_back(&aliases_[cycle[0]]);
      error(aliases_[cycle[0]], "alias cycle: " + names(parts, decls) +
                                    "; a Rust type alias cannot refer to itself, not even through option, list or "
                                    "map: make one of them a (type ...) record or break the cycle",
            decls);
    });
  }

  /// Reports one cycle per strongly connected component that has one, from
  /// its first declared node.
  template <class Report>
  static void reportCycles(const Adjacency& adj, const std::vector<Decl>& decls, Report&& report) {
    auto comp = components(adj);
    std::vector<char> reported(decls.size(), 0);
    for (size_t v = 0; v < decls.size(); ++v) {
      if (reported[comp[v]]) continue;
      auto cycle = cycleThrough(static_cast<int>(v), adj, comp);
      if (cycle.empty()) continue;
      reported[comp[v]] = 1;
      report(cycle);
    }
  }

  /// Collects the by-value edges of one field or payload type.
  void walk(TypeRef& t, TypeRef* option, const std::string& label, std::vector<ValueEdge>& out, int aliasDepth) {
    using K = TypeRef::Kind;
    if (t.kind == K::List || t.kind == K::Map || t.kind == K::Primitive) return;
    if (t.kind == K::Option) {
      if (!t.args.empty()) walk(t.args[0], option ? option : &t, label, out, aliasDepth);
      return;
    }
    if (t.resolvedTarget == TypeRef::Target::Alias) {
      int id = idOf(aliasIds_, t);
      if (id >= 0 && aliasDepth < 64)  // alias cycles are reported on their own
        if (AliasDecl* a = aliasDecl(id)) walk(a->target, option, label, out, aliasDepth + 1);
      return;
    }
    if (int to = idOf(nominalIds_, t); to >= 0) out.push_back({to, option, label});
  }

  std::vector<std::vector<ValueEdge>> valueEdges() {
    std::vector<std::vector<ValueEdge>> edges(nominals_.size());
    for (auto& s : u_.services) {
      for (auto& t : s.types)
        for (auto& f : t.fields) walk(f.type, nullptr, t.name + "." + f.name, edges[nominalIds_.at({s.name, t.name})], 0);
      for (auto& e : s.enums)
        for (auto& v : e.variants)
          if (v.payload) walk(*v.payload, nullptr, e.name + "." + v.name, edges[nominalIds_.at({s.name, e.name})], 0);
    }
    return edges;
  }

  void checkValues() {
    auto edges = valueEdges();
    Adjacency all(edges.size()), direct(edges.size());
    for (size_t v = 0; v < edges.size(); ++v)
      for (const auto& e : edges[v]) {
        all[v].push_back(e.to);
        if (!e.option) direct[v].push_back(e.to);
      }
    // Boxing: an `option` edge that stays inside its component closes a cycle.
    auto comp = components(all);
    for (size_t v = 0; v < edges.size(); ++v)
      for (const auto& e : edges[v])
        if (e.option && comp[v] == comp[e.to]) e.option->boxed = true;
    reportCycles(direct, nominals_, [&](const std::vector<int>& cycle) {
      std::vector<std::string> parts;
      std::vector<const Decl*> decls;
      for (size_t k = 0; k < cycle.size(); ++k) {
        int next = k + 1 < cycle.size() ? cycle[k + 1] : cycle[0];
        for (const auto& e : edges[cycle[k]])
          if (!e.option && e.to == next) {
            parts.push_back(e.label);
            break;
          }
        decls.push_back(&nominals_[cycle[k]]);
      }
      parts.push_back(nominals_[cycle[0]].name);
      decls.push_back(&nominals_[cycle[0]]);
      const Decl& at = nominals_[cycle[0]];
      error(at, "'" + at.name + "' contains itself by value: " + names(parts, decls) +
                    " (a Rust type of infinite size); hold it through (option ...), (list ...) or (map ...) on the "
                    "way, which Forge boxes where Rust needs it",
            decls);
    });
  }

  Universe& u_;
  Diagnostics& diags_;
  Ids aliasIds_, nominalIds_;
  std::vector<Decl> aliases_, nominals_;
};

}  // namespace

void checkTypeCycles(Universe& u, Diagnostics& diags) { CycleChecker(u, diags).run(); }

}  // namespace flywheel::universe
