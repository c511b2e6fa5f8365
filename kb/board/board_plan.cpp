// Materialising a cascade plan as tasks, and epoch supersession.
#include <algorithm>
#include <map>
#include <set>

#include "kb/board/board.h"
#include "kb/board/board_sql.h"

namespace flywheel::board {
namespace {

constexpr size_t kMaxPlanServices = 10000;

Result<void> validatePlan(const PlanInput& plan) {
  if (plan.epoch < 1)
    return fail(Error::invalidArgument("plan epoch must be 1 or more (got " + std::to_string(plan.epoch) + ")"));
  if (plan.services.size() > kMaxPlanServices)
    return fail(Error::invalidArgument("plan has " + std::to_string(plan.services.size()) +
                                       " services, at most 10000; split the cascade"));
  std::map<std::string, int> waves;
  for (const auto& s : plan.services) {
    if (auto r = detail::checkText("plan service name", s.name, kMaxName, true); !r) return r;
    if (s.wave < 0) return fail(Error::invalidArgument("plan service " + s.name + " has a negative wave"));
    if (!waves.emplace(s.name, s.wave).second)
      return fail(Error::invalidArgument("plan names service " + s.name + " twice; each service appears once"));
  }
  for (const auto& s : plan.services)
    for (const auto& dep : s.dependsOn) {
      auto it = waves.find(dep);
      if (it == waves.end()) continue;  // outside the cascade: nothing to wait for
      if (it->second >= s.wave)
        return fail(Error::invalidArgument("plan service " + s.name + " (wave " + std::to_string(s.wave) +
                                           ") depends on " + dep + " (wave " + std::to_string(it->second) +
                                           "); a dependency must sit in an earlier wave"));
    }
  return {};
}

Result<std::vector<Task>> tasksOfEpoch(Db& db, std::int64_t epoch) {
  auto q = db.prepare(std::string("SELECT ") + detail::kTaskColumns +
                      " FROM board_tasks WHERE epoch=? AND origin='plan' ORDER BY seq");
  if (!q) return fail(q.error());
  q->bind(1, epoch);
  std::vector<Task> out;
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back(detail::readTask(*q));
  }
}

/// Cancels the open and blocked tasks of epochs older than `epoch`; tasks in
/// progress stay with their holders (their sandboxes are preempted elsewhere).
Result<std::vector<std::string>> cancelOlder(Db& db, std::int64_t epoch, std::int64_t now) {
  std::vector<std::string> ids;
  auto sel = db.prepare(
      "SELECT seq FROM board_tasks WHERE epoch > 0 AND epoch < ? AND status IN ('open','blocked') ORDER BY seq");
  if (!sel) return fail(sel.error());
  sel->bind(1, epoch);
  for (;;) {
    auto row = sel->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    ids.push_back(formatTaskId(sel->int64(0)));
  }
  auto up = db.prepare(
      "UPDATE board_tasks SET status='cancelled', note='superseded by epoch ' || ?1, updated_ms=?2 "
      "WHERE epoch > 0 AND epoch < ?1 AND status IN ('open','blocked')");
  if (!up) return fail(up.error());
  up->bind(1, epoch).bind(2, now);
  if (auto r = up->run(); !r) return fail(r.error());
  return ids;
}

Result<std::int64_t> newestEpoch(Db& db) {
  auto q = db.prepare("SELECT coalesce(max(epoch), 0) FROM board_tasks WHERE origin='plan'");
  if (!q) return fail(q.error());
  if (auto r = q->step(); !r) return fail(r.error());
  return q->int64(0);
}

}  // namespace

Result<PlanResult> Board::materialisePlan(const PlanInput& plan) {
  if (auto v = validatePlan(plan); !v) return fail(v.error());
  PlanResult result;
  result.epoch = plan.epoch;
  auto r = db_.transaction([&]() -> Result<void> {
    auto newest = newestEpoch(db_);
    if (!newest) return fail(newest.error());
    if (plan.epoch < *newest)
      return fail(Error::failedPrecondition("plan epoch " + std::to_string(plan.epoch) + " is older than the board's "
                                            "newest epoch " + std::to_string(*newest) +
                                            "; re-plan against the current intent"));
    if (plan.epoch == *newest) {
      auto existing = tasksOfEpoch(db_, plan.epoch);
      if (!existing) return fail(existing.error());
      result.tasks = std::move(*existing);
      result.alreadyMaterialised = true;
      return {};
    }
    auto t = now();
    auto cancelled = cancelOlder(db_, plan.epoch, t);
    if (!cancelled) return fail(cancelled.error());
    result.cancelled = std::move(*cancelled);
    auto ins = db_.prepare(
        "INSERT INTO board_tasks(title, body, status, priority, service, epoch, wave, origin, created_ms, updated_ms) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, 'plan', ?, ?)");
    auto block = db_.prepare("UPDATE board_tasks SET note=? WHERE seq=?");
    if (!block) return fail(block.error());
    if (!ins) return fail(ins.error());
    std::map<std::string, std::string> idOf;
    for (const auto& s : plan.services) {
      std::string title = s.title.empty() ? "repair " + s.name + " (epoch " + std::to_string(plan.epoch) + ")"
                                          : s.title;
      ins->reset();
      ins->bind(1, detail::clip(title, kMaxTitle)).bind(2, detail::clip(s.body, kMaxBody));
      ins->bind(3, s.blocked ? "blocked" : "open").bind(4, std::clamp(s.priority, 0, kMaxPriority)).bind(5, s.name);
      ins->bind(6, plan.epoch).bind(7, s.wave).bind(8, t).bind(9, t);
      if (auto run = ins->run(); !run) return run;
      auto seq = db_.lastInsertId();
      idOf[s.name] = formatTaskId(seq);
      if (s.blocked) {
        block->reset();
        block->bind(1, detail::clip(s.blockedReason.empty() ? "blocked: needs a human" : s.blockedReason, kMaxNote));
        block->bind(2, seq);
        if (auto run = block->run(); !run) return run;
      }
    }
    std::vector<Edge> edges;
    for (const auto& s : plan.services) {
      std::set<std::string> seen;
      for (const auto& dep : s.dependsOn)
        if (idOf.count(dep) && seen.insert(dep).second) edges.push_back({idOf[dep], idOf[s.name], EdgeType::Blocks});
    }
    if (auto l = detail::linkLocked(db_, edges, t); !l) return l;
    result.edges = static_cast<int>(edges.size());
    auto tasks = tasksOfEpoch(db_, plan.epoch);
    if (!tasks) return fail(tasks.error());
    result.tasks = std::move(*tasks);
    return {};
  });
  if (!r) return fail(r.error());
  return result;
}

}  // namespace flywheel::board
