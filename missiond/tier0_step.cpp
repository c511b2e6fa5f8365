// Tier 0 in a slot: the compiler's machine-applicable suggestions, before
// any agent (mechanic/tier0.h). What tier 0 repairs never reaches an agent.
#include <spdlog/spdlog.h>

#include "core/process.h"
#include "missiond/daemon_impl.h"

namespace flywheel::missiond {

bool Daemon::Impl::runTier0(int slot, const board::Task& task, mechanic::Mechanic& mech) {
  {
    std::lock_guard lock(mu);
    slots[slot - 1].phase = "tier 0";
  }
  // Preemption cancels tier 0's cargo runs through the epoch's own flag (the
  // mechanic supersedes the epoch); shutdown through the process flag.
  mechanic::CallContext ctx{.cancel = &processShutdownFlag()};
  const double t0 = wallSeconds();
  auto r = mech.tier0Repair(task.epoch, task.service, ctx);
  std::lock_guard lock(mu);
  if (ledger && ledger->epoch == task.epoch) {
    ledger->tier0Seconds += wallSeconds() - t0;
    ledger->busy.emplace_back(t0, wallSeconds());
    auto& s = ledger->services[task.service];
    if (!r) {
      s.runs.push_back("tier 0: " + r.error().message.substr(0, 200));
    } else {
      s.tier0Fixes += r->applied;
      if (r->suggestions > 0 || r->committed)
        s.runs.push_back("tier 0: " + std::to_string(r->applied) + " of " + std::to_string(r->suggestions) +
                         " machine-applicable fix(es)" + (r->committed ? ", green, committed" : ", still red"));
      if (r->committed) s.outcome = "tier 0";
    }
    saveLocked();
  }
  if (!r || !r->committed) return false;
  spdlog::info("missiond: tier 0 repaired {} ({} fix(es)); no agent needed", task.service, r->applied);
  (void)withBoard([&](board::Board& b) {
    return b.complete(task.id, slotAgent(slot), "repaired by tier 0 (" + std::to_string(r->applied) +
                                                    " machine-applicable fix(es))");
  });
  return true;
}

}  // namespace flywheel::missiond
