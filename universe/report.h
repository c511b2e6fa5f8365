// Plain-text renderings of the universe's answers, shared by the CLI and the
// tools' text content: deterministic, one item per line, bounded by `limit`
// lines (a trailing "... N more" line says what was left out).
#pragma once

#include <string>
#include <vector>

#include "universe/blast.h"
#include "universe/diff.h"
#include "universe/graph.h"
#include "universe/plan.h"

namespace flywheel::universe {

std::string formatDiagnostics(const Diagnostics& diags, size_t limit = SIZE_MAX);
std::string formatChanges(const std::vector<IntentChange>& changes, size_t limit = SIZE_MAX);
std::string formatBlastRadius(const Graph& g, const BlastRadius& br, size_t limit = SIZE_MAX);
std::string formatPlan(const Graph& g, const CascadePlan& plan, size_t limit = SIZE_MAX);

/// The observed edges from service `s` (its code's undeclared references),
/// one per line: "  observed: services/a/src/custom.rs:4 -> b/T (2 references; a does not depend on b)".
std::string formatObserved(const Graph& g, ServiceId s, size_t limit = SIZE_MAX);

/// A Mermaid `graph LR` of the given services and the depends-on edges among
/// them (all services when `services` is empty), edges pointing from a
/// service to what it depends on; observed references between them are
/// dotted edges labelled `observed`.
std::string mermaidGraph(const Graph& g, const std::vector<ServiceId>& services = {});

}  // namespace flywheel::universe
