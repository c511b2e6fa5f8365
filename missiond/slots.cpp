// Dispatch: each slot thread claims a ready task of the current epoch,
// runs tier 0 and then the agent, and settles the task.
#include <spdlog/spdlog.h>

#include <cmath>

#include "core/process.h"
#include "missiond/daemon_impl.h"

namespace flywheel::missiond {
namespace {

std::string sandboxId(std::int64_t epoch, const std::string& service) {
  return "e" + std::to_string(epoch) + "-" + service;
}

/// The sandbox state of `service` in `epoch` ("" when it has none).
std::string sandboxState(mechanic::Mechanic& m, std::int64_t epoch, const std::string& service) {
  auto st = m.cascadeStatus(epoch);
  if (!st) return "";
  for (const auto& s : st->sandboxes)
    if (s.service == service) return s.state;
  return "";
}

}  // namespace

std::string Daemon::Impl::budgetStop() {
  int perEpoch = opt.maxRunsPerEpoch;
  if (perEpoch <= 0 && ledger) perEpoch = 3 * std::max<int>(1, static_cast<int>(ledger->services.size())) * maxCycles;
  if (ledger && perEpoch > 0 && ledger->runs >= perEpoch)
    return "the epoch's budget of " + std::to_string(perEpoch) + " agent runs is spent";
  if (ledger && opt.maxCostPerEpochUsd > 0 && ledger->costUsd >= opt.maxCostPerEpochUsd)
    return "the epoch's budget of $" + std::to_string(opt.maxCostPerEpochUsd) + " is spent";
  if (opt.maxRunsPerDay > 0 && day.runs >= opt.maxRunsPerDay)
    return "today's budget of " + std::to_string(opt.maxRunsPerDay) + " agent runs is spent";
  if (opt.maxCostPerDayUsd > 0 && day.costUsd >= opt.maxCostPerDayUsd)
    return "today's budget of $" + std::to_string(opt.maxCostPerDayUsd) + " is spent";
  return "";
}

void Daemon::Impl::stopRuns(std::int64_t upToEpoch) {
  std::lock_guard lock(mu);
  if (upToEpoch > preempted) preempted = upToEpoch;
  for (auto& [k, run] : running)
    if (run) run->stop();
}

void Daemon::Impl::slotLoop(int slot) {
  while (!stopping) {
    auto task = claimNext(slot);
    if (!task) {
      sleepFor(std::chrono::milliseconds(300));
      continue;
    }
    execute(slot, *task);
    std::lock_guard lock(mu);
    slots[slot - 1] = {.slot = slot, .phase = "idle"};
  }
}

std::optional<board::Task> Daemon::Impl::claimNext(int slot) {
  std::int64_t epoch = 0;
  std::map<std::string, std::int64_t> notBefore;
  {
    std::lock_guard lock(mu);
    if (!ledger || ledger->state != "running" || !budgetStop().empty()) return std::nullopt;
    epoch = ledger->epoch;
    for (const auto& [name, s] : ledger->services) notBefore[name] = s.notBeforeMs;
  }
  auto claimed = withBoard([&](board::Board& b) -> Result<std::optional<board::Task>> {
    auto page = b.ready({.epoch = epoch, .limit = 50});
    if (!page) return fail(page.error());
    for (const auto& t : page->tasks) {
      if (notBefore[t.service] > wallMs()) continue;
      auto c = b.claim({.agent = slotAgent(slot), .slot = board::SlotKind::Background, .taskId = t.id,
                        .leaseMs = opt.leaseSeconds * 1000LL});
      if (c) return std::optional<board::Task>(c->task);
    }
    return std::optional<board::Task>();
  });
  if (!claimed || !*claimed) return std::nullopt;
  std::lock_guard lock(mu);
  slots[slot - 1] = {.slot = slot, .task = (*claimed)->id, .service = (*claimed)->service, .phase = "starting",
                     .epoch = epoch, .since = wallSeconds()};
  return *claimed;
}

/// Renews a claim's lease every third of it until destroyed, so a long tier
/// 0 or agent run never lets the task fall back to the ready set (where
/// another slot could take it while this one still works on it).
class LeaseKeeper {
 public:
  LeaseKeeper(Daemon::Impl& d, int slot, std::string task) : d_(d) {
    thread_ = std::thread([this, slot, task = std::move(task)] {
      const auto every = std::chrono::seconds(std::max(1, d_.opt.leaseSeconds / 3));
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, every, [&] { return done_; }))
        (void)d_.withBoard(
            [&](board::Board& b) { return b.renew(task, slotAgent(slot), d_.opt.leaseSeconds * 1000LL); });
    });
  }
  ~LeaseKeeper() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  Daemon::Impl& d_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

void Daemon::Impl::execute(int slot, const board::Task& task) {
  LeaseKeeper lease(*this, slot, task.id);
  auto mech = hooks.mechanic();
  if (!mech) {
    (void)withBoard([&](board::Board& b) { return b.release(task.id, slotAgent(slot), mech.error().message); });
    sleepFor(std::chrono::seconds(2));
    return;
  }
  // Resumed after a crash: the repair may have landed on the cascade already.
  const std::string before = sandboxState(**mech, task.epoch, task.service);
  if (before == "committed") {
    (void)withBoard([&](board::Board& b) { return b.complete(task.id, slotAgent(slot), "committed to the cascade"); });
    std::lock_guard lock(mu);
    if (ledger && ledger->services[task.service].outcome.empty()) ledger->services[task.service].outcome = "agent";
    saveLocked();
    return;
  }
  if (before == "halted") {
    settleFailure(slot, task, "Hard Halt", true);
    return;
  }
  if (opt.tier0 && runTier0(slot, task, **mech)) return;
  runAgent(slot, task);
}

void Daemon::Impl::recordRun(int slot, const board::Task& task, const AgentOutcome& out) {
  {
    std::lock_guard lock(mu);
    running[slot] = nullptr;
    if (ledger && ledger->epoch == task.epoch) {
      auto& s = ledger->services[task.service];
      ledger->agentSeconds += out.seconds;
      ledger->busy.emplace_back(wallSeconds() - out.seconds, wallSeconds());
      if (!out.stopped()) {
        ledger->runs++;
        day.runs++;
      }
      if (out.costUsd) {
        ledger->costUsd += *out.costUsd;
        day.costUsd += *out.costUsd;
        s.costUsd += *out.costUsd;
      }
      char line[200];
      std::snprintf(line, sizeof line, "%s: %s after %.1fs", slotAgent(slot).c_str(),
                    out.failure.empty() ? "exit 0" : out.failure.c_str(), out.seconds);
      std::string entry = line;
      if (out.costUsd) {
        std::snprintf(line, sizeof line, ", $%.2f", *out.costUsd);
        entry += line;
      }
      s.runs.push_back(entry);
    }
    saveLocked();
  }
}

void Daemon::Impl::runAgent(int slot, const board::Task& task) {
  {
    std::lock_guard lock(mu);
    if (auto why = budgetStop(); !why.empty() || task.epoch <= preempted || stopping) {
      (void)withBoard([&](board::Board& b) { return b.release(task.id, slotAgent(slot), why); });
      return;
    }
  }
  const std::string prompt = agentPrompt(task.id, task.epoch, task.service);
  AgentSpec spec{.command = opt.agentCommand.empty() ? defaultAgentCommand(opt) : opt.agentCommand,
                 .cwd = root,
                 .env = {{"FLYWHEEL_TASK", task.id},
                         {"FLYWHEEL_EPOCH", std::to_string(task.epoch)},
                         {"FLYWHEEL_SERVICE", task.service},
                         {"FLYWHEEL_MCP_URL", opt.mcpUrl},
                         {"FLYWHEEL_MCP_CONFIG", (stateDir / "agents" / "mcp.json").string()},
                         {"FLYWHEEL_PROMPT", prompt}},
                 .logPath = stateDir / "agents" / (task.id + ".log"),
                 .deadline = std::chrono::seconds(opt.agentDeadlineSeconds),
                 .silence = std::chrono::seconds(opt.silenceSeconds)};
  auto run = AgentRun::start(spec);
  if (!run) {
    settleFailure(slot, task, run.error().message, false);
    return;
  }
  {
    std::lock_guard lock(mu);
    running[slot] = run->get();
    slots[slot - 1].phase = "agent";
    slots[slot - 1].pid = (*run)->pid();
    if (task.epoch <= preempted || stopping) (*run)->stop();
  }
  std::optional<AgentOutcome> out;
  while (!(out = (*run)->poll(std::chrono::milliseconds(500)))) {
  }
  recordRun(slot, task, *out);
  run->reset();
  if (out->stopped()) {  // preemption or shutdown: not the agent's fault
    (void)withBoard([&](board::Board& b) { return b.release(task.id, slotAgent(slot), "stopped by the daemon"); });
    return;
  }
  auto mech = hooks.mechanic();
  const std::string after = mech ? sandboxState(**mech, task.epoch, task.service) : "";
  if (after == "committed") {
    (void)withBoard([&](board::Board& b) {
      return b.complete(task.id, slotAgent(slot), "repaired by the agent (" + std::to_string(out->seconds) + "s)");
    });
    std::lock_guard lock(mu);
    if (ledger && ledger->epoch == task.epoch) ledger->services[task.service].outcome = "agent";
    saveLocked();
    return;
  }
  settleFailure(slot, task, out->failure.empty() ? "ended without committing a green repair" : out->failure,
                after == "halted");
}

void Daemon::Impl::settleFailure(int slot, const board::Task& task, const std::string& failure, bool haltedByMechanic) {
  if (auto mech = hooks.mechanic(); mech && !haltedByMechanic)
    (void)(*mech)->repairAbort(sandboxId(task.epoch, task.service));  // the next attempt starts clean
  std::lock_guard lock(mu);
  if (!ledger || ledger->epoch != task.epoch) {
    (void)withBoard([&](board::Board& b) { return b.release(task.id, slotAgent(slot), failure); });
    return;
  }
  auto& s = ledger->services[task.service];
  s.attempts++;
  std::string halt;
  if (haltedByMechanic) halt = "Hard Halt: max-repair-cycles used up (the sandbox is kept for a human)";
  else if (!s.lastFailure.empty() && s.lastFailure == failure) halt = "the same failure twice in a row: " + failure;
  else if (s.attempts >= maxCycles)
    halt = std::to_string(s.attempts) + " agent runs (max-repair-cycles " + std::to_string(maxCycles) + "), last: " + failure;
  s.lastFailure = failure;
  if (!halt.empty()) {
    s.outcome = "halted";
    s.haltReason = halt;
    spdlog::warn("missiond: {} halted: {}", task.service, halt);
    (void)withBoard([&](board::Board& b) { return b.setStatus(task.id, board::TaskStatus::Blocked, slotAgent(slot), halt); });
  } else {
    s.notBeforeMs = wallMs() + static_cast<std::int64_t>(opt.backoffSeconds * 1000.0 * std::pow(2.0, s.attempts - 1));
    (void)withBoard([&](board::Board& b) {
      return b.release(task.id, slotAgent(slot), "attempt " + std::to_string(s.attempts) + " failed: " + failure);
    });
  }
  saveLocked();
}

}  // namespace flywheel::missiond
