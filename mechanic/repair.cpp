// Sandboxes: open, the read-only research tools, plan, commit (the two-phase
// commit's prepare) and abort.
#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "mechanic/codec.h"
#include "mechanic/git.h"
#include "mechanic/governance.h"
#include "mechanic/mechanic.h"
#include "mechanic/paths.h"
#include "mechanic/worktrees.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const ServicePlan* findService(const EpochRow& e, const std::string& name) {
  for (const auto& s : e.services)
    if (s.name == name) return &s;
  return nullptr;
}

std::string haltMessage(const SandboxRow& row, const EpochRow& e, const fs::path& where) {
  return "service " + row.service + " is halted in epoch " + std::to_string(e.id) + " (Hard Halt: " +
         cyclesText(row.cycles, e.config.maxRepairCycles) + "). Nothing from it lands; its sandbox is preserved for a human at " +
         where.string() + ". A human can repair it there, or raise (max-repair-cycles N) in universe.lisp and start "
         "a new cascade.";
}

// The diagnostics inside the service's directory, at most 10.
std::vector<CargoDiagnostic> ownDiagnostics(const std::vector<CargoDiagnostic>& all, const std::string& serviceDir) {
  std::vector<CargoDiagnostic> out;
  for (const auto& d : all)
    if (out.size() < 10 && isWithin("/" + serviceDir, "/" + d.file)) out.push_back(d);
  return out;
}

}  // namespace

Result<void> Mechanic::usableSandbox(const std::string& id, SandboxRow& row, EpochRow& epoch, ServicePlan& plan) {
  auto r = store_->sandbox(id);
  if (!r) return fail(r.error());
  row = std::move(*r);
  auto e = store_->epoch(row.epoch);
  if (!e) return fail(e.error());
  epoch = std::move(*e);
  if (row.state == "halted") return fail(Error::halted(haltMessage(row, epoch, worktreeUniverse(id))));
  auto live = liveEpoch(row.epoch);
  if (!live) return fail(live.error());
  if (row.state != "open")
    return fail(Error::failedPrecondition("sandbox " + id + " is " + row.state +
                                          "; open a new one with repair_open if the service still needs work"));
  const ServicePlan* p = findService(epoch, row.service);
  if (!p) return fail(Error::internal("sandbox " + id + " names service " + row.service + " unknown to its epoch"));
  plan = *p;
  return {};
}

Result<void> Mechanic::haltIfExhausted(SandboxRow& row, const EpochRow& epoch) {
  if (row.cycles < epoch.config.maxRepairCycles) {
    row.cycles += 1;
    return store_->upsertSandbox(row);
  }
  // The attempt past the limit does not run, so it is not counted either.
  if (auto r = finishRepair(row, epoch, "halted", ""); !r) return r;  // state = halted, logged; the worktree stays
  notify([&](MechanicObserver& o) { o.sandboxHalted(statusOf(row, epoch), epoch.id); });
  return fail(Error::halted(haltMessage(row, epoch, worktreeUniverse(row.id))));
}

Result<void> Mechanic::recheckOnOpen(SandboxRow& row, const EpochRow& e, const ServicePlan& plan, SandboxHandle& h,
                                     const CallContext& ctx) {
  // Only repair_commit moves the cascade branch after cascade_start: a
  // committed sandbox means the queue's diagnostics may be stale.
  auto sbs = store_->sandboxesOf(e.id);
  if (!sbs) return fail(sbs.error());
  if (std::none_of(sbs->begin(), sbs->end(), [](const SandboxRow& s) { return s.state == "committed"; })) return {};
  bool cancelled = false;
  auto diags = fastCheck(row, plan, ctx, &cancelled);
  if (!diags) return fail(diags.error());
  if (cancelled) return {};  // cascade_start's diagnostics stay
  h.rechecked = true;
  h.diagnostics = ownDiagnostics(*diags, plan.dir);
  const int errors = countLevel(*diags, "error");
  if (errors == 0)
    h.note = "cargo check is green after the repairs committed since cascade_start; repair_validate runs the "
             "remaining gates";
  else if (h.diagnostics.empty())
    h.note = "still fails only because a dependency does not compile (" + std::to_string(errors) +
             " error(s) outside " + plan.dir + "); repair the services of earlier waves first";
  else
    h.note = "re-checked after the repairs committed since cascade_start: " + std::to_string(errors) + " error(s)";
  row.baseline = std::move(*diags);  // the first edit compares against this check
  json rec = json::parse(row.record, nullptr, false);
  if (!rec.is_object()) rec = json::object();
  rec["diagnostics_before"] = toJson(h.diagnostics);  // what this repair starts from, for the log and the kb
  row.record = rec.dump();
  return store_->upsertSandbox(row);
}

Result<SandboxHandle> Mechanic::repairOpen(std::int64_t epoch, const std::string& service, const CallContext& ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  auto e = liveEpoch(epoch);
  if (!e) return fail(e.error());
  if (e->state != "open")
    return fail(Error::failedPrecondition("epoch " + std::to_string(epoch) + " is " + e->state + "; wait for it"));
  const ServicePlan* plan = findService(*e, service);
  if (!plan) {
    std::string names;
    for (const auto& s : e->services) names += (names.empty() ? "" : ", ") + s.name;
    return fail(Error::notFound("service '" + service.substr(0, 80) + "' is not part of epoch " +
                                std::to_string(epoch) + " (its services: " + names + ")"));
  }
  Mode mode = parseMode(plan->mode).value_or(Mode::Newborn);
  if (auto r = mayOpenSandbox(mode, service, plan->dir + "/intent.lisp"); !r) return fail(r.error());
  const std::string id = "e" + std::to_string(epoch) + "-" + service;
  std::lock_guard sandboxGuard(*sandboxLock(id));
  SandboxRow row{.id = id, .epoch = epoch, .service = service};
  bool fresh = false;
  if (auto old = store_->sandbox(id)) {
    if (old->state == "open" || old->state == "halted" || old->state == "committed") {
      if (old->state == "halted") return fail(Error::halted(haltMessage(*old, *e, worktreeUniverse(id))));
      if (old->state == "committed")
        return fail(Error::failedPrecondition("service " + service + " is already committed to the cascade of epoch " +
                                              std::to_string(epoch) + "; run cascade_finish"));
      row = *old;  // re-opening an open sandbox returns it as it is
    } else {
      row.cycles = old->cycles;  // Hard Halt counts per service per cascade, across re-opens
    }
  }
  if (row.startCommit.empty()) {
    std::lock_guard lock(gitMu_);
    auto repo = GitRepo::open(repoRoot_);
    if (!repo) return fail(repo.error());
    auto head = repo->resolve("refs/heads/" + e->cascadeBranch);
    if (!head) return fail(head.error());
    const std::string branch = "flywheel/e" + std::to_string(epoch) + "/" + service;
    // Its own target dir starts as a copy of the cascade's warm one, copied
    // while no prewarm writes to it.
    stopPrewarm(epoch, false);
    auto wt = Worktrees(repoRoot_, stateDir(), prefix_)
                  .open({.name = id, .kind = "sandbox", .owner = epochOwner(epoch), .commit = *head,
                         .branch = branch, .seedBuildFrom = buildDir(cascadeWorktreeName(epoch))});
    startPrewarm(epoch);
    if (!wt) return fail(wt.error());
    row.startCommit = *head;
    json diags = json::array();
    for (const auto& q : e->queue)
      if (q.service == service) diags = toJson(q.diagnostics);
    row.record = json{{"opened_at", wallNow()}, {"diagnostics_before", diags}}.dump();
    row.state = "open";
    row.phase = "research";
    if (auto r = store_->upsertSandbox(row); !r) return fail(r.error());
    fresh = true;
  }
  SandboxHandle h{.epoch = epoch, .mode = plan->mode, .branch = "flywheel/e" + std::to_string(epoch) + "/" + service,
                  .serviceDir = plan->dir, .universeDir = worktreeUniverse(id), .buildDir = buildDir(id)};
  for (const auto& q : e->queue)
    if (q.service == service) h.diagnostics = q.diagnostics, h.note = q.note;
  if (!fresh && row.baseline) {  // re-opened: the errors of its last check
    h.diagnostics = ownDiagnostics(*row.baseline, plan->dir);
    h.note = "re-opened as it is: the errors of its last check";
  }
  if (fresh)
    if (auto r = recheckOnOpen(row, *e, *plan, h, ctx); !r) return fail(r.error());
  h.status = statusOf(row, *e);
  h.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return h;
}

Result<Window> Mechanic::repairView(const std::string& id, const ViewSpec& spec) {
  SandboxRow row;
  EpochRow e;
  ServicePlan plan;
  if (auto r = usableSandbox(id, row, e, plan); !r) return fail(r.error());
  auto cp = confinePath(worktreeUniverse(id), spec.path, true);
  if (!cp) return fail(cp.error());
  if (!fs::is_regular_file(cp->absolute))
    return fail(Error::invalidArgument(cp->relative + " is not a file; use repair_search to list files"));
  auto content = readFile(cp->absolute);
  if (!content) return fail(content.error());
  int first = views_.get(id, cp->relative).value_or(1);
  if (spec.line) first = windowStartFor(*spec.line);
  else if (spec.scroll == "down") first += kWindowLines;
  else if (spec.scroll == "up") first -= kWindowLines;
  else if (spec.scroll)
    return fail(Error::invalidArgument("scroll must be \"up\" or \"down\" (got '" + spec.scroll->substr(0, 20) + "')"));
  Window w = renderWindow(cp->relative, *content, first);
  views_.set(id, cp->relative, w.firstLine);
  return w;
}

Result<SearchResult> Mechanic::repairSearch(const std::string& id, const SearchQuery& query) {
  SandboxRow row;
  EpochRow e;
  ServicePlan plan;
  if (auto r = usableSandbox(id, row, e, plan); !r) return fail(r.error());
  return searchTree(worktreeUniverse(id), query);
}

Result<SandboxStatus> Mechanic::repairPlan(const std::string& id, const std::string& strategy) {
  std::lock_guard guard(*sandboxLock(id));
  SandboxRow row;
  EpochRow e;
  ServicePlan plan;
  if (auto r = usableSandbox(id, row, e, plan); !r) return fail(r.error());
  if (strategy.find_first_not_of(" \t\n") == std::string::npos)
    return fail(Error::invalidArgument("the strategy is empty; describe the fix you intend"));
  if (strategy.size() > 20000)
    return fail(Error::invalidArgument("the strategy is over 20000 characters; summarise it"));
  row.plan = strategy;
  row.phase = "coding";
  json rec = json::parse(row.record, nullptr, false);
  if (!rec.is_object()) rec = json::object();
  rec["plans"].push_back({{"at", wallNow()}, {"strategy", strategy}});
  row.record = rec.dump();
  if (auto r = store_->upsertSandbox(row); !r) return fail(r.error());
  return statusOf(row, e);
}

Result<CommitResult> Mechanic::repairCommit(const std::string& id) {
  std::lock_guard guard(*sandboxLock(id));
  SandboxRow row;
  EpochRow e;
  ServicePlan plan;
  if (auto r = usableSandbox(id, row, e, plan); !r) return fail(r.error());
  if (!row.validatedGreen || row.validatedSeq != row.editSeq)
    return fail(Error::failedPrecondition(
        "refused: sandbox " + id + (row.validatedSeq != row.editSeq ? " has edits since its last "
                                                                                     "repair_validate"
                                                                                   : " is not validated green") +
        "; run repair_validate and commit once every gate passes"));
  if (parseMode(plan.mode) == Mode::SelfDistillation)
    if (auto r = requireBenchGain(row, e, plan, {}); !r) return fail(r.error());
  auto wt = GitRepo::open(worktreePath(id));
  if (!wt) return fail(wt.error());
  const std::string spec = prefix_.empty() ? plan.dir : prefix_ + "/" + plan.dir;
  bool changed = false;
  auto commit = wt->commitAll("flywheel e" + std::to_string(e.id) + ": repair " + row.service + "\n\n" +
                                  row.plan.substr(0, 2000) + "\n",
                              spec, &changed);
  if (!commit) return fail(commit.error());
  CommitResult res{.sandboxCommit = *commit};
  {
    std::lock_guard lock(gitMu_);
    auto repo = GitRepo::open(repoRoot_);
    if (!repo) return fail(repo.error());
    auto before = repo->resolve("refs/heads/" + e.cascadeBranch);
    if (!before) return fail(before.error());
    res.cascadeCommit = *before;
    if (changed) {
      auto picked = repo->cherryPickOnto(*commit, e.cascadeBranch);
      if (!picked) return fail(picked.error());
      res.cascadeCommit = *picked;
      auto cw = GitRepo::open(worktreePath(cascadeWorktreeName(e.id)));
      if (!cw) return fail(cw.error());
      if (auto r = cw->checkoutTree(*before, *picked, true); !r) return fail(r.error());
      if (auto files = repo->changedPaths(row.startCommit, *commit)) res.files = *files;
    }
  }
  if (changed) startPrewarm(e.id);  // the cascade moved: compile it for cascade_finish
  if (auto r = finishRepair(row, e, "committed", *commit); !r) return fail(r.error());
  (void)removeSandboxFiles(id);  // committed either way; a leftover worktree is found by the next scan
  views_.forget(id);
  notify([&](MechanicObserver& o) { o.sandboxCommitted(statusOf(row, e), e.id, res); });
  return res;
}

Result<SandboxStatus> Mechanic::repairAbort(const std::string& id) {
  std::lock_guard guard(*sandboxLock(id));
  auto row = store_->sandbox(id);
  if (!row) return fail(row.error());
  auto e = store_->epoch(row->epoch);
  if (!e) return fail(e.error());
  if (row->state != "open")
    return fail(Error::failedPrecondition("sandbox " + id + " is " + row->state + "; nothing to abort"));
  if (auto r = finishRepair(*row, *e, "aborted", ""); !r) return fail(r.error());
  (void)removeSandboxFiles(id);  // aborted either way; what is left, the next leftovers scan finds
  if (auto repo = GitRepo::open(repoRoot_))
    (void)repo->deleteBranch("flywheel/e" + std::to_string(e->id) + "/" + row->service);  // a stale branch is harmless
  views_.forget(id);
  return statusOf(*row, *e);
}

}  // namespace flywheel::mechanic
