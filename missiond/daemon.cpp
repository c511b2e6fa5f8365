#include "missiond/daemon.h"

#include <spdlog/spdlog.h>

#include <set>

#include "core/atomic_file.h"
#include "core/process.h"
#include "mechanic/intent_cascade.h"
#include "mechanic/revisions.h"
#include "missiond/daemon_impl.h"
#include "universe/diff.h"
#include "universe/ir.h"

namespace flywheel::missiond {
namespace {

Result<std::string> gitRev(const std::filesystem::path& root, const std::string& rev) {
  auto r = runProcess({.argv = {"git", "rev-parse", "--verify", "-q", rev + "^{commit}"}, .cwd = root,
                       .deadline = std::chrono::seconds(30)});
  if (!r) return fail(r.error());
  if (r->exitCode != 0) return fail(Error::notFound("git cannot resolve " + rev + " in " + root.string()));
  std::string out = r->out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

/// Every service `name` depends on, transitively.
void closure(const universe::Universe& u, const std::string& name, std::set<std::string>& out) {
  const auto* s = u.findService(name);
  if (!s) return;
  for (const auto& d : s->allDependencies)
    if (out.insert(d).second) closure(u, d, out);
}

}  // namespace

std::int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
double wallSeconds() { return static_cast<double>(wallMs()) / 1000.0; }
std::string slotAgent(int slot) { return "missiond-slot-" + std::to_string(slot); }

Daemon::Daemon(std::filesystem::path universeRoot, DaemonOptions options, DaemonHooks hooks)
    : impl_(std::make_unique<Impl>()) {
  impl_->root = std::move(universeRoot);
  impl_->stateDir = impl_->root / ".flywheel";
  impl_->opt = std::move(options);
  impl_->hooks = std::move(hooks);
}

Daemon::~Daemon() { stop(); }

Result<void> Daemon::start() {
  auto& d = *impl_;
  auto st = loadState(d.stateDir);
  if (!st) return fail(st.error());
  auto today = loadToday(d.stateDir);
  if (!today) return fail(today.error());
  if (auto u = universe::loadUniverse(d.root)) d.maxCycles = std::max(1, u->universe.settings.maxRepairCycles);
  {
    std::lock_guard lock(d.mu);
    d.state = *st;
    d.day = *today;
    for (int k = 1; k <= d.opt.slots; ++k) d.slots.push_back({.slot = k, .phase = "idle"});
  }
  if (auto r = d.withBoard([&](board::Board& b) { return b.setBackgroundSlots(d.opt.slots); }); !r)
    return fail(Error{r.error().code, "cannot set the board's background slots: " + r.error().message});
  // What the default agent (Claude Code) reads to reach this daemon.
  const std::string mcp = "{\"mcpServers\": {\"flywheel\": {\"type\": \"http\", \"url\": \"" + d.opt.mcpUrl + "\"}}}\n";
  if (auto r = writeFileAtomic(d.stateDir / "agents" / "mcp.json", mcp); !r) return fail(r.error());
  d.resume();
  d.loopThread = std::thread([&d] { d.loop(); });
  for (int k = 1; k <= d.opt.slots; ++k) d.slotThreads.emplace_back([&d, k] { d.slotLoop(k); });
  return {};
}

void Daemon::stop() {
  auto& d = *impl_;
  if (d.stopping.exchange(true)) return;
  d.waitCv.notify_all();
  d.stopRuns(INT64_MAX);
  if (d.loopThread.joinable()) d.loopThread.join();
  for (auto& t : d.slotThreads)
    if (t.joinable()) t.join();
  d.writeStatus();
}

void Daemon::Impl::sleepFor(std::chrono::milliseconds dur) {
  std::unique_lock lock(waitMu);
  waitCv.wait_for(lock, dur, [&] { return stopping.load(); });
}

void Daemon::Impl::saveLocked() {
  if (auto r = saveState(stateDir, state); !r) spdlog::error("missiond: {}", r.error().message);
  if (ledger)
    if (auto r = saveLedger(stateDir, *ledger); !r) spdlog::error("missiond: {}", r.error().message);
  if (auto r = saveDay(stateDir, day); !r) spdlog::error("missiond: {}", r.error().message);
}

void Daemon::Impl::loop() {
  auto nextSense = std::chrono::steady_clock::now();
  auto nextFollow = nextSense;
  while (!stopping) {
    if (std::chrono::steady_clock::now() >= nextSense) {
      sense();
      nextSense = std::chrono::steady_clock::now() + std::chrono::seconds(std::max(1, opt.pollSeconds));
    }
    if (std::chrono::steady_clock::now() >= nextFollow) {
      followMechanic();
      nextFollow = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    }
    maybeFinish();
    writeStatus();
    sleepFor(std::chrono::milliseconds(250));
  }
}

void Daemon::Impl::sense() {
  auto head = gitRev(root, "HEAD");
  if (!head) {
    std::lock_guard lock(mu);
    lastError = head.error().message;
    return;
  }
  if (opt.watchWorktree && senseWorktree(*head)) return;
  std::string from;
  {
    std::lock_guard lock(mu);
    if (*head == state.lastHead) return;
    from = state.pendingFrom;
  }
  if (from.empty()) {
    auto range = mechanic::defaultRevisions(root, std::nullopt, std::string("HEAD"));
    if (!range) return;
    auto f = gitRev(root, range->from);
    if (!f) return;
    from = *f;
  }
  bool breaking = false;
  if (from != *head) {
    auto a = universe::loadUniverse(root, from);
    auto b = universe::loadUniverse(root, *head);
    if (a && b)
      for (const auto& c : universe::diffUniverses(a->universe, b->universe)) breaking = breaking || c.breaking;
  }
  if (!breaking) {
    std::lock_guard lock(mu);
    state.lastHead = *head;
    saveLocked();
    return;
  }
  spdlog::info("missiond: breaking intent change {}..{}: starting a cascade", from.substr(0, 8), head->substr(0, 8));
  if (auto r = openEpoch(from, *head, *head); !r) {
    spdlog::error("missiond: cannot start the cascade for {}: {}", head->substr(0, 8), r.error().message);
    std::lock_guard lock(mu);
    lastError = "cascade for " + head->substr(0, 12) + ": " + r.error().message;
    state.lastHead = *head;  // not retried in a loop: the next commit tries again
    saveLocked();
  }
}

bool Daemon::Impl::senseWorktree(const std::string& head) {
  auto mech = hooks.mechanic();
  if (!mech || !(*mech)->hasUncommittedIntent().value_or(false)) return false;
  auto diff = runProcess({.argv = {"git", "diff", "HEAD", "--", "*.lisp"}, .cwd = root, .deadline = std::chrono::seconds(30)});
  if (!diff || diff->exitCode != 0) return false;
  const std::string key = "worktree:" + head + ":" + std::to_string(std::hash<std::string>{}(diff->out));
  {
    std::lock_guard lock(mu);
    if (key == state.lastHead) return true;
  }
  bool breaking = false;
  auto a = universe::loadUniverse(root, head);
  auto b = universe::loadUniverse(root);
  if (a && b)
    for (const auto& c : universe::diffUniverses(a->universe, b->universe)) breaking = breaking || c.breaking;
  if (breaking) {
    spdlog::info("missiond: breaking intent change in the working tree: starting a cascade");
    if (auto r = openEpoch(head, "worktree", key); r) return true;
    else spdlog::error("missiond: cannot start the cascade for the working tree: {}", r.error().message);
  }
  std::lock_guard lock(mu);
  state.lastHead = key;
  saveLocked();
  return true;
}

Result<void> Daemon::Impl::openEpoch(const std::string& from, const std::string& head, const std::string& key) {
  // The older epoch's agents die before the newer cascade starts.
  std::int64_t old = 0;
  {
    std::lock_guard lock(mu);
    old = state.epoch;
  }
  const std::int64_t wasPreempted = preempted;
  adoptPending = 0;  // the daemon's own epoch supersedes whatever was pending
  if (old > 0) stopRuns(old);
  auto mech = hooks.mechanic();
  if (!mech) return fail(mech.error());
  const double t0 = wallSeconds();
  mechanic::CallContext ctx{.cancel = &processShutdownFlag()};
  auto started = mechanic::startIntentCascade(**mech, from, head, opt.templatesDir, ctx);
  if (!started) {
    // The older epoch is still current: its tasks go on (the stopped runs
    // were not counted against them).
    preempted = wasPreempted;
    return fail(started.error());
  }
  {
    std::lock_guard lock(mu);
    if (ledger && ledger->state == "running" && ledger->epoch != started->status.epoch) {
      ledger->state = "superseded";
      ledger->stopReason = "superseded by epoch " + std::to_string(started->status.epoch) + " (commit " +
                           head.substr(0, 12) + ")";
      reportLocked();
    }
    EpochLedger l{.epoch = started->status.epoch, .from = from, .to = head, .startedAt = t0};
    for (const auto& c : started->changes) l.change += (l.change.empty() ? "" : "\n") + c;
    l.cascadeSeconds = wallSeconds() - t0;
    l.busy.emplace_back(t0, wallSeconds());
    ledger = std::move(l);
    state.epoch = started->status.epoch;
    state.pendingFrom = from;
    state.lastHead = key;
    saveLocked();
  }
  return planTasks(started->status, head);
}

Result<void> Daemon::Impl::planTasks(const mechanic::CascadeStatus& st, const std::string& head) {
  auto u = head == "worktree" ? universe::loadUniverse(root) : universe::loadUniverse(root, head);
  if (!u) return fail(u.error());
  board::PlanInput plan{.epoch = st.epoch};
  std::set<std::string> inPlan;
  for (const auto& q : st.queue)
    if (q.status != "green") inPlan.insert(q.service);
  std::lock_guard lock(mu);
  for (const auto& q : st.queue) {
    auto& s = ledger->services[q.service];
    s.wave = q.wave;
    if (q.status == "green") {
      s.outcome = "green";
      continue;
    }
    std::set<std::string> deps;
    closure(u->universe, q.service, deps);
    board::PlanService ps{.name = q.service, .wave = q.wave,
                          .title = "repair " + q.service + " (epoch " + std::to_string(st.epoch) + ")",
                          .body = "first red gate: " + q.gate + ", " + std::to_string(q.errors) + " error(s). " + q.note};
    for (const auto& dep : deps)
      if (inPlan.count(dep)) ps.dependsOn.push_back(dep);
    if (q.status.rfind("blocked", 0) == 0) {
      ps.blocked = true;
      ps.blockedReason = q.note.empty() ? q.status : q.note;
      s.outcome = "blocked";
      s.haltReason = ps.blockedReason;
    }
    plan.services.push_back(std::move(ps));
  }
  auto made = withBoard([&](board::Board& b) { return b.materialisePlan(plan); });
  if (!made) return fail(made.error());
  for (const auto& t : made->tasks) ledger->services[t.service].taskId = t.id;
  saveLocked();
  return {};
}

void Daemon::Impl::resume() {
  std::int64_t epoch = 0;
  {
    std::lock_guard lock(mu);
    epoch = state.epoch;
  }
  if (epoch <= 0) return;
  auto l = loadLedger(stateDir, epoch);
  if (!l || !*l) return;
  {
    std::lock_guard lock(mu);
    ledger = std::move(**l);
  }
  // The dead daemon's claims go back to the ready set (its agents died with
  // it: each ran under a supervisor tied to the daemon's life).
  (void)withBoard([&](board::Board& b) -> Result<void> {
    auto page = b.list({.status = board::TaskStatus::InProgress, .epoch = epoch, .limit = board::kMaxPageLimit});
    if (!page) return fail(page.error());
    for (const auto& t : page->tasks)
      if (t.assignee.rfind("missiond-", 0) == 0) {
        (void)b.release(t.id, t.assignee, "the daemon restarted; back to the ready set");
        spdlog::info("missiond: resumed epoch {}: {} ({}) is ready again", epoch, t.id, t.service);
      }
    return {};
  });
}

Result<Daemon::Impl::TaskCounts> Daemon::Impl::countTasks(std::int64_t epoch) {
  return withBoard([&](board::Board& b) -> Result<TaskCounts> {
    TaskCounts c;
    auto page = b.list({.epoch = epoch, .limit = board::kMaxPageLimit});
    if (!page) return fail(page.error());
    for (const auto& t : page->tasks) {
      if (t.status == board::TaskStatus::InProgress) c.inProgress++;
      if (t.status == board::TaskStatus::Blocked) c.blocked++;
      if (t.status == board::TaskStatus::Open) (t.unfinishedBlockers > 0 ? c.waiting : c.startable)++;
    }
    return c;
  });
}

void Daemon::Impl::maybeFinish() {
  std::int64_t epoch = 0;
  {
    std::lock_guard lock(mu);
    if (!ledger || ledger->state != "running") return;
    epoch = ledger->epoch;
    for (const auto& [k, run] : running)
      if (run) return;  // wait for runs to settle
  }
  auto counts = countTasks(epoch);
  if (!counts) return;
  std::lock_guard lock(mu);
  if (counts->inProgress + counts->startable > 0) {
    if (auto why = budgetStop(); !why.empty() && !ledger->reported && counts->inProgress == 0) {
      ledger->state = "budget";
      ledger->stopReason = why;
      ledger->seconds = wallSeconds() - ledger->startedAt;
      reportLocked();
      saveLocked();
    }
    return;
  }
  if (counts->blocked > 0) {  // what is left waits on a halted service
    std::string names;
    for (const auto& [n, s] : ledger->services)
      if (s.outcome == "halted" || s.outcome == "blocked") names += (names.empty() ? "" : ", ") + n + " (" + s.haltReason + ")";
    ledger->state = "halted";
    ledger->stopReason = "halted for a human: " + names + "; " + std::to_string(counts->waiting) +
                         " task(s) wait on them; nothing landed";
    ledger->seconds = wallSeconds() - ledger->startedAt;
    reportLocked();
    saveLocked();
    return;
  }
  if (counts->waiting > 0) return;
  auto mech = hooks.mechanic();
  if (!mech) return;
  const double t0 = wallSeconds();
  mechanic::CallContext ctx{.cancel = &processShutdownFlag()};
  auto fin = (*mech)->cascadeFinish(epoch, ctx);
  ledger->finishSeconds += wallSeconds() - t0;
  ledger->busy.emplace_back(t0, wallSeconds());
  ledger->seconds = wallSeconds() - ledger->startedAt;
  if (!fin) {
    ledger->state = "not-landed";
    ledger->stopReason = "cascade_finish failed: " + fin.error().message;
  } else {
    ledger->gates = fin->gauntlet.summary();
    if (fin->landed) {
      ledger->state = "landed";
      ledger->oldCommit = fin->oldCommit;
      ledger->newCommit = fin->newCommit;
      state.pendingFrom.clear();
    } else {
      ledger->state = "not-landed";
      ledger->stopReason = fin->message;
    }
  }
  reportLocked();
  saveLocked();
}

}  // namespace flywheel::missiond
