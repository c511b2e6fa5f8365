// Tier 0 in a slot: the compiler's machine-applicable suggestions, before
// any agent (mechanic/tier0.h).
#include "missiond/daemon_impl.h"

namespace flywheel::missiond {

bool Daemon::Impl::runTier0(int slot, const board::Task& task, mechanic::Mechanic& mech) {
  (void)slot, (void)task, (void)mech;
  return false;
}

}  // namespace flywheel::missiond
