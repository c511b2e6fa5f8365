// The repair queue as it stands now, not as cascade_start saw it.
//
// cascade_start records each affected service's state once ("broken",
// "green", "blocked: needs a human"). Repairs change that: a service whose
// sandbox was committed is "repaired", a halted one needs a human, and once
// the cascade has landed (its whole gauntlet green) nothing is broken any more.
#pragma once

#include "mechanic/types.h"

namespace flywheel::mechanic {

/// Updates each queue entry of `st` from its sandboxes and the epoch's state:
/// committed sandbox -> "repaired"; halted -> "halted: needs a human";
/// epoch finished -> every other entry "green". Notes say what happened.
void applyRepairStates(CascadeStatus& st);

}  // namespace flywheel::mechanic
