// The two-phase commit's commit point, and the end of a repair (its log line).
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "mechanic/codec.h"
#include "mechanic/git.h"
#include "mechanic/mechanic.h"
#include "mechanic/repair_record_json.h"
#include "mechanic/worktrees.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
}  // namespace

Result<FinishResult> Mechanic::landCascade(EpochRow& e, const std::string& head, FinishResult res) {
  std::lock_guard lock(gitMu_);
  auto back = [&](std::string why) -> Result<FinishResult> {
    if (auto cur = store_->epoch(e.id); cur && (cur->state == "finishing" || cur->state == "committing")) {
      cur->state = "open";
      cur->targetCommit.clear();
      (void)store_->updateEpoch(*cur);  // best effort: the caller gets `why`; a stale state is a leftover
    }
    res.message = why + "; nothing changed on " + e.userRef + " or in the working tree";
    return res;
  };
  auto cur = store_->epoch(e.id);
  if (!cur) return fail(cur.error());
  if (cur->state != "finishing")
    return back("epoch " + std::to_string(e.id) + " is no longer current (" + cur->state +
                (cur->supersededBy ? " by epoch " + std::to_string(*cur->supersededBy) : "") + ")");
  auto repo = GitRepo::open(repoRoot_);
  if (!repo) return fail(repo.error());
  auto now = repo->resolve(e.userRef);
  if (!now) return fail(now.error());
  if (*now != e.baseCommit)
    return back(e.userRef + " moved since the cascade started (it was " + e.baseCommit.substr(0, 12) + ", now " +
                now->substr(0, 12) + "); start a new cascade from the new head");
  auto headRef = repo->headBranchRef();
  const bool checkedOut = headRef && *headRef == e.userRef;
  if (checkedOut)
    if (auto dry = repo->checkoutTree(e.baseCommit, head, false, true); !dry) return back(dry.error().message);

  e.state = "committing";
  e.targetCommit = head;
  if (auto r = store_->updateEpoch(e); !r) return fail(r.error());
  failpoint("finish-before-ref");
  if (auto r = repo->compareAndSwapRef(e.userRef, e.baseCommit, head,
                                       "flywheel: cascade epoch " + std::to_string(e.id));
      !r)
    return back(r.error().message);
  failpoint("finish-after-ref");
  if (checkedOut)
    if (auto r = repo->checkoutTree(e.baseCommit, head); !r)
      return fail(Error::io(e.userRef + " now points at " + head.substr(0, 12) +
                            " but updating the working tree failed: " + r.error().message +
                            "; run `git checkout -- .` or flywheel's leftovers clean-up to finish it"));
  failpoint("finish-after-checkout");
  e.state = "finished";
  if (auto r = store_->updateEpoch(e); !r) return fail(r.error());
  res.landed = true;
  res.newCommit = head;
  res.message = e.userRef + " moved " + e.baseCommit.substr(0, 12) + " -> " + head.substr(0, 12) +
                " in one ref update; the working tree follows";
  // Clean up the epoch's worktrees and branches (halted sandboxes cannot exist here).
  auto sbs = store_->sandboxesOf(e.id);
  std::vector<std::string> names = {cascadeWorktreeName(e.id)};
  if (sbs)
    for (const auto& s : *sbs) names.push_back(s.id);
  // The cascade has landed: a piece that cannot be removed now is a leftover
  // the next scan reports (and cascade_abort {cleanLeftovers} removes).
  const Worktrees wts(repoRoot_, stateDir(), prefix_);
  for (const auto& n : names) (void)wts.remove(n);
  if (sbs)
    for (const auto& s : *sbs) (void)repo->deleteBranch("flywheel/e" + std::to_string(e.id) + "/" + s.service);
  (void)repo->deleteBranch(e.cascadeBranch);
  return res;
}

Result<void> Mechanic::finishRepair(SandboxRow& row, const EpochRow& epoch, const std::string& outcome,
                                    const std::string& endCommit) {
  json rec = json::parse(row.record, nullptr, false);
  if (!rec.is_object()) rec = json::object();
  RepairRecord line{.epoch = epoch.id,
                    .sandbox = row.id,
                    .service = row.service,
                    .outcome = outcome,
                    .cycles = row.cycles,
                    .intentChange = epoch.intentChange,
                    .baseCommit = epoch.baseCommit,
                    .intentFrom = epoch.intentFrom,
                    .intentTo = epoch.intentTo,
                    .templatesFingerprint = epoch.templatesFingerprint,
                    .startCommit = row.startCommit,
                    .endCommit = endCommit,
                    .plan = row.plan,
                    .diagnosticsBefore = loggedDiagnostics(rec.value("diagnostics_before", json::array())),
                    .edits = loggedEdits(rec.value("edits", json::array())),
                    .validations = loggedValidations(rec.value("validations", json::array())),
                    .gatesJson = rec.value("last_gates", json::array()).dump()};
  for (const auto& s : epoch.services)
    if (s.name == row.service) line.mode = s.mode;
  if (rec.contains("benchmarks")) line.benchmarksJson = rec["benchmarks"].dump();  // self-distillation's verdict
  if (auto repo = GitRepo::open(repoRoot_)) {
    if (!endCommit.empty() && endCommit != row.startCommit)
      if (auto d = repo->diffFiles(row.startCommit, endCommit)) line.diff = *d;
    // The sandbox branch goes when the cascade lands or aborts; these refs
    // keep the repair's commits, so its start state can be rebuilt.
    for (const auto& [which, commit] : {std::pair{"start", row.startCommit}, std::pair{"end", endCommit}}) {
      if (commit.empty()) continue;
      const std::string ref = repairLogRef(epoch.id, row.service, which, commit);
      if (auto r = repo->setRef(ref, commit, "flywheel: repair log of " + row.id); !r) return r;
      line.logRefs.push_back(ref);
    }
  }
  const double opened = rec.value("opened_at", row.createdAt), finished = wallNow();
  line.timings = {opened, finished, finished - opened};
  if (auto r = appendRepairRecord(stateDir() / "repairs.jsonl", line); !r) return r;
  row.state = outcome;
  return store_->upsertSandbox(row);
}

}  // namespace flywheel::mechanic
