// Cascade lifecycle: start (epoch, worktree, stamp, queue), status, finish
// (the two-phase commit's second phase) and abort.
#include <chrono>
#include <regex>

#include "core/atomic_file.h"
#include "mechanic/git.h"
#include "mechanic/governance.h"
#include "mechanic/intent_hints.h"
#include "mechanic/mechanic.h"
#include "mechanic/paths.h"
#include "mechanic/queue_state.h"
#include "mechanic/worktrees.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

Result<void> validateServices(const std::vector<ServicePlan>& services, bool stamps) {
  static const std::regex kName("^[a-z][a-z0-9-]{0,62}$");
  static const std::regex kPackage("^[A-Za-z_][A-Za-z0-9_-]{0,62}$");
  // With a stamp, a change that affects no crate (a removed leaf service)
  // still lands: the stamp rewrites the workspace, cascade_finish checks it.
  if (services.empty() && !stamps)
    return fail(Error::invalidArgument("no affected services; blast_radius found nothing to repair"));
  for (const auto& s : services) {
    if (!std::regex_match(s.name, kName))
      return fail(Error::invalidArgument("service name '" + s.name.substr(0, 80) +
                                         "' is not lowercase kebab-case"));
    if (!std::regex_match(s.package, kPackage))
      return fail(Error::invalidArgument("package '" + s.package.substr(0, 80) + "' of service " +
                                         s.name + " is not a cargo package name"));
    if (s.dir.empty() || s.dir[0] == '/' || s.dir[0] == '-' || s.dir.find("..") != std::string::npos)
      return fail(Error::invalidArgument("directory '" + s.dir + "' of service " + s.name +
                                         " must be relative to the universe root"));
    if (!parseMode(s.mode))
      return fail(Error::invalidArgument("unknown governance mode '" + s.mode + "' of service " +
                                         s.name));
  }
  return {};
}

/// Adds to broken services' diagnostics what the intent asks them to
/// implement (intent_hints.h); the cascade's universe is read once, and
/// only when a diagnostic asks for a stamped item.
void explainQueue(const fs::path& universeDir, std::vector<QueueEntry>& queue) {
  std::optional<universe::LoadedUniverse> loaded;
  for (auto& q : queue) {
    bool asks = false;
    for (const auto& d : q.diagnostics) asks = asks || !requestedNames(d).empty();
    if (!asks) continue;
    if (!loaded) {
      auto l = universe::loadUniverse(universeDir);
      if (!l) return;
      loaded = std::move(*l);
    }
    if (const universe::Service* svc = loaded->universe.findService(q.service))
      explainFromIntent(universeDir, *svc, q.diagnostics);
  }
}

/// The black-box veto gate, once, after every crate is green: appends its
/// result to `g` (green only when it passed) and keeps its verdict in `e`.
Result<void> runEpochE2e(EpochRow& e, const fs::path& universeDir, const fs::path& targetDir,
                         std::vector<const std::atomic<bool>*> cancelFlags, GauntletResult& g) {
  auto e2e = runE2eGate({.command = e.config.e2eCommand, .universeDir = universeDir, .targetDir = targetDir,
                         .epoch = e.id, .deadline = e.config.gateDeadline(), .cancelFlags = cancelFlags});
  if (!e2e) return fail(e2e.error());
  // Past its deadline it failed (a hanging e2e is a veto); cancelled or
  // preempted, it says nothing about the code.
  bool cancelled = false;
  for (const auto* f : cancelFlags) cancelled = cancelled || (e2e->stopped && f && f->load());
  e.e2e = {e2e->passed ? "passed" : cancelled ? "stopped" : "failed", e2e->seconds, e2e->note};
  g.seconds += e2e->seconds;
  g.green = e2e->passed;
  g.cancelled = cancelled;
  g.gates.push_back(std::move(*e2e));
  return {};
}

/// Why a finish whose gauntlet is not green changed nothing.
std::string refusal(const GauntletResult& g, const std::string& userRef) {
  const GateResult* red = g.gates.empty() ? nullptr : &g.gates.back();
  const std::string why = g.cancelled ? "cascade_finish was cancelled"
                          : red && red->gate == "e2e"
                              ? "the e2e gate failed (" + red->note.substr(0, red->note.find('\n')) + ")"
                              : "the cascade is red";
  return why + "; nothing changed on " + userRef + " or in the working tree.\n" + g.summary();
}

bool isWorkspace(const fs::path& universeDir) {
  auto t = readFile(universeDir / "Cargo.toml");
  return t && t->find("[workspace]") != std::string::npos;
}

}  // namespace

Result<void> Mechanic::carryWorkingTreeIntent(const fs::path& wt) {
  auto repo = GitRepo::open(repoRoot_);
  if (!repo) return fail(repo.error());
  auto dirty = repo->dirtyPaths();
  if (!dirty) return fail(dirty.error());
  for (const auto& p : *dirty) {
    if (p.size() < 5 || p.compare(p.size() - 5, 5, ".lisp") != 0) continue;
    if (!prefix_.empty() && p.rfind(prefix_ + "/", 0) != 0) continue;
    if (p.find(".flywheel/") != std::string::npos) continue;
    std::error_code ec;
    if (fs::exists(repoRoot_ / p)) {
      fs::create_directories((wt / p).parent_path(), ec);
      fs::copy_file(repoRoot_ / p, wt / p, fs::copy_options::overwrite_existing, ec);
    } else {
      fs::remove(wt / p, ec);
    }
    if (ec) return fail(Error::io("copying the working tree's " + p + " into the cascade: " + ec.message()));
  }
  return {};
}

Result<QueueEntry> Mechanic::checkService(const fs::path& universeDir, const fs::path& target, const ServicePlan& svc,
                                          const EpochRow& epoch, const CallContext& ctx) {
  auto flag = epochFlag(epoch.id);
  GauntletSpec spec{.workspaceDir = universeDir,
                    .packages = {svc.package},
                    .targetDir = target,
                    .gates = epoch.config.gates,
                    .gateDeadline = epoch.config.gateDeadline(),
                    .cancelFlags = {ctx.cancel, flag.get()}};
  auto g = runGauntlet(spec);
  if (!g) return fail(g.error());
  if (g->cancelled) return fail(Error::cancelled("cascade_start was cancelled while checking " + svc.name));
  QueueEntry q{svc.name, svc.wave, svc.mode, "green", "", 0, {}, ""};
  if (g->green) return q;
  const auto& red = g->gates.back();
  Mode mode = parseMode(svc.mode).value_or(Mode::Newborn);
  q.status = (mode == Mode::Newborn || mode == Mode::Cartography) ? "blocked: needs a human" : "broken";
  q.gate = red.gate;
  q.errors = red.errors + static_cast<int>(red.failedTests.size());
  for (const auto& d : red.diagnostics)
    if (q.diagnostics.size() < 10 && isWithin("/" + svc.dir, "/" + d.file)) q.diagnostics.push_back(d);
  if (q.diagnostics.empty() && red.errors > 0)
    q.note = "fails because a dependency does not compile; repair the services of earlier waves first";
  else if (!red.failedTests.empty())
    q.note = "failing tests: " +
             (red.failures.empty() ? red.failedTests.front() : red.failures.front().oneLine().substr(0, 1500)) +
             (red.failedTests.size() > 1 ? " ..." : "");
  else if (q.diagnostics.empty())
    q.note = red.note.substr(0, 1000);
  return q;
}

Result<CascadeStatus> Mechanic::cascadeStart(const CascadeStartSpec& spec, const CallContext& ctx) {
  const auto t0 = Clock::now();
  if (auto r = validateServices(spec.services, static_cast<bool>(spec.stamp)); !r) return fail(r.error());
  EpochRow row;
  {
    auto repo = GitRepo::open(repoRoot_);
    if (!repo) return fail(repo.error());
    auto ref = repo->headBranchRef();
    if (!ref) return fail(ref.error());
    auto base = repo->resolve("HEAD");
    if (!base) return fail(base.error());
    row = EpochRow{.state = "starting", .userRef = *ref, .baseCommit = *base, .services = spec.services,
                   .config = spec.config, .intentChange = spec.intentChange, .intentFrom = spec.intentFrom,
                   .intentTo = spec.intentTo, .templatesFingerprint = spec.templatesFingerprint};
  }
  auto id = store_->insertEpoch(row);
  if (!id) return fail(id.error());
  row.id = *id;
  row.cascadeBranch = "flywheel/e" + std::to_string(row.id) + "/cascade";
  auto preempted = store_->supersedeOverlapping(row.id, spec.services);
  if (!preempted) return fail(preempted.error());
  for (auto p : *preempted) epochFlag(p)->store(true);  // kills their cargo runs
  for (auto p : *preempted) notify([&](MechanicObserver& o) { o.epochSuperseded(p, row.id); });
  const CallContext octx{ctx.cancel, observedProgress(row.id, "", ctx.progress)};

  const std::string name = cascadeWorktreeName(row.id);
  // Best effort: the start already failed with `e`, which is what the caller
  // needs; a clean-up that fails too leaves leftovers the next open() finds.
  auto abandon = [&](Error e) -> Result<CascadeStatus> {
    row.state = "aborted";
    (void)store_->updateEpoch(row);
    (void)removeSandboxFiles(name);
    if (auto repo = GitRepo::open(repoRoot_)) (void)repo->deleteBranch(row.cascadeBranch);
    notify([&](MechanicObserver& o) { o.epochAborted(row.id); });
    return fail(std::move(e));
  };
  if (auto r = store_->updateEpoch(row); !r) return abandon(r.error());
  Result<void> created = [&]() -> Result<void> {
    std::lock_guard lock(gitMu_);  // released before abandon(), which takes it again
    auto wt = Worktrees(repoRoot_, stateDir(), prefix_).open(
        {.name = name, .kind = "cascade", .owner = epochOwner(row.id), .commit = row.baseCommit,
         .branch = row.cascadeBranch});
    return wt ? Result<void>() : fail(wt.error());
  }();
  if (!created) return abandon(created.error());
  const fs::path cu = worktreeUniverse(name);
  auto wt = GitRepo::open(worktreePath(name));
  if (!wt) return abandon(wt.error());
  if (spec.includeWorkingTree) {
    if (auto r = carryWorkingTreeIntent(worktreePath(name)); !r) return abandon(r.error());
    if (auto c = wt->commitAll("flywheel e" + std::to_string(row.id) + ": intent change from the working tree", "");
        !c)
      return abandon(c.error());
  }
  if (spec.stamp) {
    octx.progress(0, 1, "stamping");
    auto files = spec.stamp(cu);
    if (!files) return abandon(files.error());
    row.stampedFiles = *files;
    if (auto c = wt->commitAll("flywheel e" + std::to_string(row.id) + ": stamp", ""); !c) return abandon(c.error());
  }
  for (size_t i = 0; i < spec.services.size(); ++i) {
    octx.progress(static_cast<double>(i), static_cast<double>(spec.services.size()),
                  "checking " + spec.services[i].name);
    auto q = checkService(cu, buildDir(name), spec.services[i], row, octx);
    if (!q) return abandon(q.error());
    row.queue.push_back(std::move(*q));
  }
  explainQueue(cu, row.queue);
  auto cur = store_->epoch(row.id);
  if (cur && cur->state == "superseded")
    return fail(Error::superseded("epoch " + std::to_string(row.id) + " was superseded by epoch " +
                                          std::to_string(cur->supersededBy.value_or(0)) + " while it started"));
  row.state = "open";
  if (auto r = store_->updateEpoch(row); !r) return fail(r.error());
  startPrewarm(row.id);
  auto st = cascadeStatus(row.id);
  if (!st) return st;
  st->preempted = *preempted;
  st->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  notify([&](MechanicObserver& o) { o.epochOpened(*st); });
  return st;
}

Result<CascadeStatus> Mechanic::cascadeStatus(std::optional<std::int64_t> epoch) {
  if (!epoch) {
    auto all = store_->epochs();
    if (!all) return fail(all.error());
    if (all->empty()) return fail(Error::notFound("no cascade has been started in this universe; use cascade_start"));
    epoch = all->back().id;
  }
  auto e = store_->epoch(*epoch);
  if (!e) return fail(e.error());
  CascadeStatus st{.epoch = e->id, .state = e->state, .userRef = e->userRef, .cascadeBranch = e->cascadeBranch,
                   .baseCommit = e->baseCommit, .supersededBy = e->supersededBy, .queue = e->queue,
                   .stampedFiles = e->stampedFiles, .gates = e->config.gates, .e2eCommand = e->config.e2eCommand,
                   .e2e = e->e2e, .intentChange = e->intentChange};
  if (!st.e2eCommand.empty()) st.gates.push_back("e2e");
  if (auto repo = GitRepo::open(repoRoot_))
    if (auto h = repo->resolve("refs/heads/" + e->cascadeBranch)) st.headCommit = *h;
  if (st.headCommit.empty()) st.headCommit = e->targetCommit;
  if (auto sbs = store_->sandboxesOf(e->id))
    for (const auto& s : *sbs) st.sandboxes.push_back(statusOf(s, *e));
  applyRepairStates(st);
  return st;
}

Result<CascadeStatus> Mechanic::cascadeAbort(std::int64_t epoch) {
  auto e = store_->epoch(epoch);
  if (!e) return fail(e.error());
  if (e->state == "finished")
    return fail(Error::failedPrecondition("epoch " + std::to_string(epoch) + " already landed on " + e->userRef +
                                          "; use git revert to undo it"));
  if (e->state == "committing")
    return fail(Error::failedPrecondition("epoch " + std::to_string(epoch) +
                                          " was interrupted while landing; run the leftovers clean-up first"));
  epochFlag(epoch)->store(true);
  stopPrewarm(epoch, false);
  auto sbs = store_->sandboxesOf(epoch);
  if (!sbs) return fail(sbs.error());
  auto repo = GitRepo::open(repoRoot_);
  // Each piece is removed even when another fails; the first failure is
  // reported after the epoch is marked aborted (what is left, the next
  // leftovers scan finds).
  std::optional<Error> firstFailure;
  auto keep = [&](Result<void> r) {
    if (!r && !firstFailure) firstFailure = r.error();
  };
  for (auto& s : *sbs) {
    if (s.state == "halted") continue;  // preserved for a human
    std::lock_guard lock(*sandboxLock(s.id));
    if (s.state == "open") keep(finishRepair(s, *e, "aborted", ""));
    keep(removeSandboxFiles(s.id));
    if (repo) keep(repo->deleteBranch("flywheel/e" + std::to_string(epoch) + "/" + s.service));
  }
  keep(removeSandboxFiles(cascadeWorktreeName(epoch)));
  if (repo) keep(repo->deleteBranch(e->cascadeBranch));
  if (e->state != "superseded") e->state = "aborted";
  if (auto r = store_->updateEpoch(*e); !r) return fail(r.error());
  notify([&](MechanicObserver& o) { o.epochAborted(epoch); });
  if (firstFailure)
    return fail(Error::io("epoch " + std::to_string(epoch) + " is aborted, but removing its files failed: " +
                          firstFailure->message + "; cascade_abort {cleanLeftovers: true} removes what is left"));
  return cascadeStatus(epoch);
}

Result<FinishResult> Mechanic::cascadeFinish(std::int64_t epoch, const CallContext& ctx) {
  auto e = liveEpoch(epoch);
  if (!e) return fail(e.error());
  if (e->state != "open")
    return fail(Error::failedPrecondition("epoch " + std::to_string(epoch) + " is " + e->state + ", not open"));
  auto sbs = store_->sandboxesOf(epoch);
  if (!sbs) return fail(sbs.error());
  for (const auto& s : *sbs) {
    if (s.state == "halted")
      return fail(Error::failedPrecondition(
          "refused: service " + s.service + " is halted (Hard Halt: " +
          cyclesText(s.cycles, e->config.maxRepairCycles) + "); nothing from it lands, so the cascade cannot be green. Abort it (cascade_abort) and let "
          "a human repair " + s.service + " in " + worktreeUniverse(s.id).string()));
    if (s.state == "open")
      return fail(Error::failedPrecondition("refused: sandbox " + s.id +
                                            " is still open; repair_commit or repair_abort it first"));
  }
  // What a prewarm is compiling is what the gates below need next.
  stopPrewarm(epoch, true, ctx.cancel);
  e->state = "finishing";
  if (auto r = store_->updateEpoch(*e); !r) return fail(r.error());
  auto restoreOpen = [&] {  // best effort: the caller gets the reason finishing stopped
    if (auto cur = store_->epoch(epoch); cur && cur->state == "finishing") {
      cur->state = "open";
      cur->e2e = e->e2e;
      (void)store_->updateEpoch(*cur);
    }
  };
  FinishResult res{.userRef = e->userRef, .oldCommit = e->baseCommit};
  std::string head;
  {
    auto repo = GitRepo::open(repoRoot_);
    if (!repo) return restoreOpen(), fail(repo.error());
    auto h = repo->resolve("refs/heads/" + e->cascadeBranch);
    if (!h) return restoreOpen(), fail(h.error());
    head = *h;
  }
  const std::string name = cascadeWorktreeName(epoch);
  const fs::path cu = worktreeUniverse(name);
  std::vector<std::string> packages;
  if (!isWorkspace(cu))
    for (const auto& s : e->services) packages.push_back(s.package);
  auto flag = epochFlag(epoch);
  auto g = runGauntlet({.workspaceDir = cu, .packages = packages, .targetDir = buildDir(name),
                        .gates = e->config.gates, .gateDeadline = e->config.gateDeadline(),
                        .cancelFlags = {ctx.cancel, flag.get()},
                        .progress = observedProgress(epoch, "", ctx.progress), .clippyCoversCheck = true});
  if (!g) return restoreOpen(), fail(g.error());
  res.gauntlet = *g;
  if (g->green && !e->config.e2eCommand.empty()) {
    observedProgress(epoch, "", ctx.progress)(static_cast<double>(e->config.gates.size()),
                                              static_cast<double>(e->config.gates.size() + 1), "running e2e");
    if (auto r = runEpochE2e(*e, cu, buildDir(name), {ctx.cancel, flag.get()}, res.gauntlet); !r)
      return restoreOpen(), fail(r.error());
  }
  if (!res.gauntlet.green) {
    restoreOpen();
    res.message = refusal(res.gauntlet, e->userRef);
    return res;
  }
  auto landed = landCascade(*e, head, std::move(res));
  if (landed && landed->landed)
    if (auto st = cascadeStatus(epoch)) notify([&](MechanicObserver& o) { o.epochLanded(*st, *landed); });
  return landed;
}

}  // namespace flywheel::mechanic
