// The daemon shares its epochs with people: a person's own client on the
// same endpoint may cascade_start a newer epoch, cascade_finish the daemon's
// epoch, or cascade_abort it. The loop follows what the mechanic says: a
// superseded epoch's agents are killed and the newer epoch is adopted (its
// red services become tasks like any other); a finish or abort from outside
// ends the daemon's epoch with a report that says so.
#include <spdlog/spdlog.h>

#include "missiond/daemon_impl.h"

namespace flywheel::missiond {

void Daemon::Impl::adopt(const mechanic::CascadeStatus& next) {
  {
    std::lock_guard lock(mu);
    ledger = EpochLedger{.epoch = next.epoch, .from = state.pendingFrom, .to = "adopted", .change = next.intentChange,
                         .startedAt = wallSeconds()};
    state.epoch = next.epoch;
    saveLocked();
  }
  spdlog::info("missiond: adopted epoch {} (started outside the daemon)", next.epoch);
  if (auto r = planTasks(next, "worktree"); !r) {
    std::lock_guard lock(mu);
    lastError = "cannot plan the adopted epoch " + std::to_string(next.epoch) + ": " + r.error().message;
  }
}

void Daemon::Impl::followMechanic() {
  auto mech = hooks.mechanic();
  if (!mech) return;
  if (adoptPending > 0) {  // the newer epoch was still starting
    auto n = (*mech)->cascadeStatus(adoptPending);
    if (n && n->state == "starting") return;
    if (n && n->state == "open") adopt(*n);
    adoptPending = 0;
    return;
  }
  std::int64_t epoch = 0;
  {
    std::lock_guard lock(mu);
    if (!ledger || ledger->state != "running") return;
    epoch = ledger->epoch;
  }
  auto st = (*mech)->cascadeStatus(epoch);
  if (!st || st->state == "open" || st->state == "finishing" || st->state == "committing" || st->state == "starting")
    return;
  stopRuns(epoch);
  std::lock_guard lock(mu);
  ledger->seconds = wallSeconds() - ledger->startedAt;
  if (st->state == "superseded" && st->supersededBy) {
    ledger->state = "superseded";
    ledger->stopReason = "superseded by epoch " + std::to_string(*st->supersededBy) +
                         ", started outside the daemon (cascade_start)";
    adoptPending = *st->supersededBy;
  } else if (st->state == "finished") {
    ledger->state = "landed";
    ledger->stopReason = "landed by a cascade_finish outside the daemon";
    ledger->newCommit = st->headCommit;
    state.pendingFrom.clear();
  } else {
    ledger->state = st->state;
    ledger->stopReason = "the epoch was " + st->state + " outside the daemon";
  }
  reportLocked();
  saveLocked();
}

}  // namespace flywheel::missiond
