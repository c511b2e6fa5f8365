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
};

}  // namespace flywheel::universe
