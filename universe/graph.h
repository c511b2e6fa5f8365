// The universe graph: services and symbols with their edges (INTENT.md).
//
// Symbols are named `svc/Name` (type, enum, alias), `svc/Name.member` (field
// or enum variant), `svc/rpc-name`, `svc/pattern-name` and `svc/bootstrap`.
// Edges:
//   - depends-on, service -> service: Service::allDependencies (explicit
//     depends-on, use, qualified references, calls);
//   - uses, symbol -> symbol: a type uses its fields, an enum its variants,
//     a field / variant / alias / rpc / pattern uses every named type its
//     TYPEs mention, a crud-gateway uses its entity's key field, an
//     rpc-gateway the rpcs it calls.
//   - observed, service -> symbol: a reference found in a service's Rust
//     code (reality.h) that its intent does not declare; attached with
//     setObserved() before the graph is shared. Blast radius counts a
//     service whose code references an affected symbol as affected.
// Both directions are stored as compact adjacency arrays (CSR), sorted, so
// dependents queries cost what they return. A Graph is immutable once built
// and safe to read from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "universe/ir.h"

namespace flywheel::universe {

using ServiceId = uint32_t;
using SymbolId = uint32_t;

/// A reference in a service's code to another service's symbol that the
/// intent does not declare (see reality.h). `file` is relative to the
/// universe root; `line` is 1-based.
struct ObservedEdge {
  ServiceId service = 0;
  SymbolId symbol = 0;
  std::string file;
  uint32_t line = 0;
  bool undeclaredDependency = false;  // the service does not even depend on the symbol's owner
  uint32_t count = 1;                 // references to the symbol in the service's code
};

enum class SymbolKind { Type, Field, Enum, Variant, Alias, Rpc, Pattern };
std::string_view symbolKindName(SymbolKind k);  // "type", "field", ...

class Graph {
 public:
  /// Builds the graph of `u`. Unresolved references (invalid services) are
  /// left out; everything else is indexed.
  static Graph build(const Universe& u);
  Graph() = default;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;
  Graph(const Graph&) = delete;  // the indexes point into this object's strings
  Graph& operator=(const Graph&) = delete;

  size_t serviceCount() const { return serviceNames_.size(); }
  const std::string& serviceName(ServiceId s) const { return serviceNames_[s]; }
  std::optional<ServiceId> findService(std::string_view name) const;
  /// Direct dependencies / dependents of a service, sorted by id (= by name).
  std::span<const ServiceId> dependencies(ServiceId s) const { return span(depOff_, dep_, s); }
  std::span<const ServiceId> dependents(ServiceId s) const { return span(rdepOff_, rdep_, s); }

  size_t symbolCount() const { return symbolNames_.size(); }
  const std::string& symbolName(SymbolId s) const { return symbolNames_[s]; }
  SymbolKind symbolKind(SymbolId s) const { return symbolKinds_[s]; }
  ServiceId owner(SymbolId s) const { return owners_[s]; }
  std::optional<SymbolId> findSymbol(std::string_view name) const;
  /// Symbols owned by a service, in declaration order.
  std::span<const SymbolId> symbolsOf(ServiceId s) const { return span(ownOff_, own_, s); }
  /// What a symbol uses / what uses it (direct), sorted by id.
  std::span<const SymbolId> uses(SymbolId s) const { return span(useOff_, use_, s); }
  std::span<const SymbolId> usedBy(SymbolId s) const { return span(ruseOff_, ruse_, s); }

  /// Attaches observed edges (sorted here by service, then symbol). Call
  /// before the graph is shared; replaces earlier ones.
  void setObserved(std::vector<ObservedEdge> edges);
  std::span<const ObservedEdge> observed() const { return observed_; }
  /// Indices into observed() of the edges into `s` (sorted by service).
  std::span<const uint32_t> observedInto(SymbolId s) const {
    return obsOff_.empty() ? std::span<const uint32_t>() : span(obsOff_, obsInto_, s);
  }
  /// Indices into observed() of the edges from service `s`.
  std::span<const uint32_t> observedFrom(ServiceId s) const {
    return obsFromOff_.empty() ? std::span<const uint32_t>() : span(obsFromOff_, obsFrom_, s);
  }

  size_t useEdgeCount() const { return use_.size(); }
  size_t dependsOnEdgeCount() const { return dep_.size(); }

 private:
  static std::span<const uint32_t> span(const std::vector<uint32_t>& off, const std::vector<uint32_t>& v, uint32_t i) {
    return {v.data() + off[i], v.data() + off[i + 1]};
  }
  friend class GraphBuilder;

  std::vector<std::string> serviceNames_;
  std::unordered_map<std::string_view, ServiceId> serviceIndex_;
  std::vector<uint32_t> depOff_, dep_, rdepOff_, rdep_;

  std::vector<std::string> symbolNames_;
  std::vector<SymbolKind> symbolKinds_;
  std::vector<ServiceId> owners_;
  std::unordered_map<std::string_view, SymbolId> symbolIndex_;
  std::vector<uint32_t> ownOff_, own_;
  std::vector<uint32_t> useOff_, use_, ruseOff_, ruse_;
  std::vector<ObservedEdge> observed_;
  std::vector<uint32_t> obsOff_, obsInto_, obsFromOff_, obsFrom_;
};

}  // namespace flywheel::universe
