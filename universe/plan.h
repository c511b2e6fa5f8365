// Cascade plan: the order in which affected services are repaired.
//
// The affected services of a blast radius, in topological order of their
// dependencies (Service::allDependencies restricted to the affected set;
// a service affected only through an observed reference in its code also
// comes after the owner of the symbol it references), grouped in waves: a service's wave is one more than the largest wave of
// the affected services it depends on (wave 1 depends on none of them), so
// same-wave services can be repaired in parallel. A dependency cycle among
// them is an error naming the cycle ("cycle: a -> b -> a"). A service whose
// governance forbids repair (newborn, cartography) stays in its wave but is
// marked `blocked: needs a human`.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "universe/blast.h"
#include "universe/graph.h"
#include "universe/ir.h"

namespace flywheel::universe {

struct PlanStep {
  ServiceId service;
  uint32_t wave;                   // 1-based
  uint32_t distance;               // from the blast radius
  bool blocked = false;            // governance forbids repair
  Governance governance = Governance::Newborn;
  std::vector<ServiceId> after;    // affected services it depends on (earlier waves), sorted
};

struct CascadePlan {
  std::vector<PlanStep> steps;  // sorted by wave, then service name
  uint32_t waveCount = 0;
  size_t blockedCount = 0;
};

/// Plans the repair of `br`'s affected services. `u` must be the universe `g`
/// was built from. Fails with Error::failedPrecondition naming a cycle.
[[nodiscard]] Result<CascadePlan> cascadePlan(const Universe& u, const Graph& g, const BlastRadius& br);

/// "blocked: needs a human (governance newborn forbids repair; set
/// (governance survival-patching) or another repair mode in the intent)".
std::string blockedReason(Governance g);

}  // namespace flywheel::universe
