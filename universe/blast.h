// Blast radius: what a change set affects.
//
// A change set names changed symbols (`user/UserProfile.id`) or whole
// services (`user`), each with an optional note ("type i32 -> String"). The
// blast radius is every symbol that transitively uses a changed symbol (a
// breadth-first search over Graph::usedBy), and every service owning one; a
// changed service affects its transitive dependents over depends-on edges.
// Each affected symbol has its distance (uses edges to the nearest change);
// each affected service its distance in service hops and the shortest reason
// chain from one of its symbols to the change:
//
//   billing/Invoice.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)
//
// Observed edges (graph.h, reality.h) add the services whose code
// references an affected symbol (or a symbol of a changed service) without
// their intent declaring it. The intent's reasons come first: a service is
// reported as observed only when no intent chain reaches it, at one hop past
// the referenced symbol, with the chain
//
//   auth (observed in services/auth/src/custom.rs:12) -> user/UserProfile -> user/UserProfile.id (...)
//
// Observed services do not propagate further: their intent did not change.
//
// The result holds ids, not strings, so a query over thousands of affected
// symbols stays cheap; reasonChain() formats one chain on demand. Ordering
// is deterministic: by distance, then in breadth-first order (symbol ids
// follow service names, then declaration order); services by distance,
// then name.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "universe/graph.h"

namespace flywheel::universe {

struct ChangeSet {
  std::vector<std::string> items;             // `svc/Name[.member]` or `svc`
  std::map<std::string, std::string> notes;   // item -> "type i32 -> String"
  bool skipUnknown = false;  // true: items naming nothing (e.g. removed services) are listed in BlastRadius::skipped
};

inline constexpr uint32_t kNoSymbol = UINT32_MAX;
inline constexpr uint32_t kNoObserved = UINT32_MAX;

struct AffectedSymbol {
  SymbolId id;
  uint32_t distance;  // 0: changed itself
  SymbolId next;      // one step closer to the change (kNoSymbol when changed)
};

struct AffectedService {
  ServiceId id;
  uint32_t distance;   // service hops from the change (0: owns a changed symbol / is changed)
  SymbolId via;        // the symbol whose chain explains it (kNoSymbol: service-level change)
  ServiceId viaService;// for service-level changes: the next service toward the change (itself when changed)
  uint32_t observed = kNoObserved;  // index into Graph::observed(): affected only because its code references `via`
};

struct BlastRadius {
  std::vector<AffectedSymbol> symbols;    // sorted by distance (breadth-first order)
  std::vector<AffectedService> services;  // sorted by distance, then name
  std::map<SymbolId, std::string> changeNotes;
  std::map<ServiceId, std::string> serviceNotes;  // service-level changes
  std::vector<std::string> skipped;  // change-set items naming nothing (with ChangeSet::skipUnknown)
  std::vector<std::pair<SymbolId, SymbolId>> nextById;    // (symbol, next), sorted: chain lookups
  std::vector<std::pair<ServiceId, ServiceId>> nextServiceById;  // (service, viaService), sorted
};

/// Computes the blast radius of `changes` over `g`. An item that names no
/// symbol and no service is an error listing close names; an item
/// `svc/Name.member` whose member no longer exists falls back to `svc/Name`,
/// and `svc/Name` to the service `svc` (so removed symbols still propagate).
[[nodiscard]] Result<BlastRadius> blastRadius(const Graph& g, const ChangeSet& changes);

/// "billing/Invoice.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)"
std::string reasonChain(const Graph& g, const BlastRadius& br, SymbolId from);
/// The chain of an affected service (its `via` symbol's chain, or the
/// service-level chain "billing -> user (changed)").
std::string serviceReasonChain(const Graph& g, const BlastRadius& br, const AffectedService& s);

}  // namespace flywheel::universe
