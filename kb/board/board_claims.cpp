// Claims, leases, slots and status changes. Every write here runs inside
// BEGIN IMMEDIATE (Db::transaction), so the read-check-write of a claim is one
// atomic step across processes: exactly one claimer wins a task.
#include <optional>

#include "kb/board/board.h"
#include "kb/board/board_sql.h"

namespace flywheel::board {
namespace {

constexpr int kDefaultBackgroundSlots = 3;
constexpr int kMaxBackgroundSlots = 64;
constexpr std::int64_t kMinLeaseMs = 1000;
constexpr std::int64_t kMaxLeaseMs = 24LL * 3600 * 1000;

Result<void> checkAgent(const std::string& agent) {
  if (auto r = detail::checkText("agent name", agent, kMaxName, true); !r) return r;
  for (unsigned char c : agent)
    if (c < 0x20 || c == 0x7f)
      return fail(Error::invalidArgument("agent name contains a control character; use a plain name like bg-1"));
  return {};
}

Result<void> checkLease(std::int64_t leaseMs) {
  if (leaseMs < kMinLeaseMs || leaseMs > kMaxLeaseMs)
    return fail(Error::invalidArgument("lease must be 1000..86400000 ms (got " + std::to_string(leaseMs) + ")"));
  return {};
}

Result<int> readBackgroundSlots(Db& db) {
  auto q = db.prepare("SELECT value FROM board_settings WHERE key='background_slots'");
  if (!q) return fail(q.error());
  auto row = q->step();
  if (!row) return fail(row.error());
  return *row ? static_cast<int>(q->int64(0)) : kDefaultBackgroundSlots;
}

Result<std::vector<Task>> liveHolders(Db& db, std::int64_t now) {
  auto q = db.prepare(std::string("SELECT ") + detail::kTaskColumns +
                      " FROM board_tasks WHERE status='in_progress' AND lease_expires_ms >= ? "
                      "ORDER BY slot DESC, assignee, seq");
  if (!q) return fail(q.error());
  q->bind(1, now);
  std::vector<Task> out;
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back(detail::readTask(*q));
  }
}

std::string describeHolders(const std::vector<Task>& held, std::int64_t now) {
  std::string s;
  for (const auto& t : held) {
    if (!s.empty()) s += ", ";
    auto left = (t.leaseExpiresMs.value_or(now) - now) / 1000;
    s += t.assignee + " on " + t.id + " (lease " + std::to_string(left) + "s left)";
  }
  return s;
}

/// Why a specific task cannot be claimed, or empty when it can.
std::string whyNotClaimable(const Task& t) {
  if (t.status == TaskStatus::InProgress) return t.id + " is already held by " + t.assignee;
  if (t.status != TaskStatus::Open) return t.id + " is " + std::string(toString(t.status)) + ", not open";
  if (t.unfinishedBlockers > 0)
    return t.id + " waits on " + std::to_string(t.unfinishedBlockers) + " unfinished blocker(s) (see task_graph)";
  return {};
}

Result<std::optional<std::int64_t>> firstReady(Db& db) {
  auto q = db.prepare(
      "SELECT seq FROM board_tasks INDEXED BY board_tasks_ready WHERE status='open' AND pending_blockers=0 "
      "ORDER BY priority, wave, created_ms, seq LIMIT 1");
  if (!q) return fail(q.error());
  auto row = q->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(q->int64(0));
}

struct SlotState {
  std::vector<Task> holders;  // live claims of the requested kind
  int total = 0;
};

Result<SlotState> slotState(Db& db, SlotKind kind, std::int64_t now) {
  auto held = liveHolders(db, now);
  if (!held) return fail(held.error());
  SlotState s;
  for (auto& h : *held)
    if (h.slot == kind) s.holders.push_back(std::move(h));
  s.total = 1;
  if (kind == SlotKind::Background) {
    auto n = readBackgroundSlots(db);
    if (!n) return fail(n.error());
    s.total = *n;
  }
  return s;
}

/// The task a claim takes: `wanted` when it is claimable, else the first ready.
Result<std::int64_t> pickTask(Db& db, std::optional<std::int64_t> wanted) {
  if (wanted) {
    auto task = detail::loadTask(db, *wanted);
    if (!task) return fail(task.error());
    if (auto why = whyNotClaimable(*task); !why.empty())
      return fail(Error::failedPrecondition("task_claim: " + why + "; pick a task from task_ready"));
    return *wanted;
  }
  auto first = firstReady(db);
  if (!first) return fail(first.error());
  if (!*first)
    return fail(Error::failedPrecondition(
        "task_claim: no task is ready (every open task waits on an unfinished blocker, or none is open); "
        "check task_graph, or wait for in-progress tasks to complete"));
  return **first;
}

}  // namespace

Result<void> Board::sweepExpiredLocked() {
  auto q = db_.prepare(
      "UPDATE board_tasks SET status='open', note='lease of ' || assignee || ' expired', assignee=NULL, slot=NULL, "
      "lease_expires_ms=NULL, updated_ms=?1 WHERE status='in_progress' AND lease_expires_ms < ?1");
  if (!q) return fail(q.error());
  q->bind(1, now());
  return q->run();
}

Result<int> Board::backgroundSlots() { return readBackgroundSlots(db_); }

Result<void> Board::setBackgroundSlots(int n) {
  if (n < 0 || n > kMaxBackgroundSlots)
    return fail(Error::invalidArgument("background slots must be 0..64 (got " + std::to_string(n) + ")"));
  auto q = db_.prepare(
      "INSERT INTO board_settings(key, value) VALUES('background_slots', ?) "
      "ON CONFLICT(key) DO UPDATE SET value=excluded.value");
  if (!q) return fail(q.error());
  q->bind(1, n);
  return q->run();
}

Result<std::vector<Task>> Board::holders() { return liveHolders(db_, now()); }

Result<Claim> Board::claim(const ClaimRequest& request) {
  if (auto r = checkAgent(request.agent); !r) return fail(r.error());
  if (auto r = checkLease(request.leaseMs); !r) return fail(r.error());
  std::optional<std::int64_t> wanted;
  if (!request.taskId.empty()) {
    auto seq = parseTaskId(request.taskId);
    if (!seq) return fail(seq.error());
    wanted = *seq;
  }
  Claim result;
  auto r = db_.transaction([&]() -> Result<void> {
    if (auto s = sweepExpiredLocked(); !s) return s;
    auto t = now();
    auto slots = slotState(db_, request.slot, t);
    if (!slots) return fail(slots.error());
    result.slotsTotal = slots->total;
    result.slotsInUse = static_cast<int>(slots->holders.size());
    bool alreadyOurs = false;  // claiming a task we hold again just renews it
    for (auto& h : slots->holders)
      alreadyOurs |= wanted && h.id == formatTaskId(*wanted) && h.assignee == request.agent;
    if (!alreadyOurs && result.slotsInUse >= slots->total)
      return fail(Error::conflict(
          "task_claim: all " + std::to_string(slots->total) + " " + std::string(toString(request.slot)) +
          " slot(s) are held" + (slots->holders.empty() ? "" : ": " + describeHolders(slots->holders, t)) +
          "; wait for a holder to complete or release its task, or raise the background slots"));
    auto seq = alreadyOurs ? Result<std::int64_t>(*wanted) : pickTask(db_, wanted);
    if (!seq) return fail(seq.error());
    if (!alreadyOurs) ++result.slotsInUse;
    auto up = db_.prepare(
        "UPDATE board_tasks SET status='in_progress', assignee=?1, slot=?2, lease_expires_ms=?3, updated_ms=?4 "
        "WHERE seq=?5 AND ((status='open' AND pending_blockers=0) OR (status='in_progress' AND assignee=?1))");
    if (!up) return fail(up.error());
    up->bind(1, request.agent).bind(2, toString(request.slot)).bind(3, t + request.leaseMs).bind(4, t).bind(5, *seq);
    if (auto run = up->run(); !run) return run;
    if (db_.changes() != 1)
      return fail(Error::conflict("task_claim: " + formatTaskId(*seq) + " changed while claiming; claim again"));
    auto task = detail::loadTask(db_, *seq);
    if (!task) return fail(task.error());
    result.task = std::move(*task);
    return {};
  });
  if (!r) return fail(r.error());
  return result;
}

Result<Task> Board::renew(const std::string& id, const std::string& agent, std::int64_t leaseMs) {
  if (auto r = checkAgent(agent); !r) return fail(r.error());
  if (auto r = checkLease(leaseMs); !r) return fail(r.error());
  auto seq = parseTaskId(id);
  if (!seq) return fail(seq.error());
  Task out;
  auto r = db_.transaction([&]() -> Result<void> {
    if (auto s = sweepExpiredLocked(); !s) return s;
    auto task = detail::loadTask(db_, *seq);
    if (!task) return fail(task.error());
    if (task->status != TaskStatus::InProgress || task->assignee != agent) {
      std::string why = task->status == TaskStatus::InProgress ? "it is held by " + task->assignee
                                                                : "it is " + std::string(toString(task->status)) +
                                                                      (task->note.empty() ? "" : " (" + detail::clip(task->note, 200) + ")");
      return fail(Error::failedPrecondition("cannot renew the lease on " + id + " for " + agent + ": " + why +
                                            "; claim a task again with task_claim"));
    }
    auto up = db_.prepare("UPDATE board_tasks SET lease_expires_ms=?, updated_ms=? WHERE seq=?");
    if (!up) return fail(up.error());
    up->bind(1, now() + leaseMs).bind(2, now()).bind(3, *seq);
    if (auto run = up->run(); !run) return run;
    auto reread = detail::loadTask(db_, *seq);
    if (!reread) return fail(reread.error());
    out = std::move(*reread);
    return {};
  });
  if (!r) return fail(r.error());
  return out;
}

Result<Task> Board::release(const std::string& id, const std::string& agent, const std::string& note) {
  auto seq = parseTaskId(id);
  if (!seq) return fail(seq.error());
  if (auto r = checkAgent(agent); !r) return fail(r.error());
  Task out;
  auto r = db_.transaction([&]() -> Result<void> {
    if (auto s = sweepExpiredLocked(); !s) return s;
    auto task = detail::loadTask(db_, *seq);
    if (!task) return fail(task.error());
    if (task->status != TaskStatus::InProgress || task->assignee != agent)
      return fail(Error::failedPrecondition("cannot release " + id + " for " + agent + ": " +
                                            (task->status == TaskStatus::InProgress ? "it is held by " + task->assignee
                                                                                    : "nobody holds it") +
                                            "; only the holder releases a task"));
    auto t = transitionLocked(*seq, TaskStatus::Open, agent, note, "release");
    if (!t) return fail(t.error());
    out = std::move(*t);
    return {};
  });
  if (!r) return fail(r.error());
  return out;
}

namespace {

std::string statusWithNote(const Task& t) {
  return std::string(toString(t.status)) + (t.note.empty() ? "" : " (" + detail::clip(t.note, 200) + ")");
}

/// Why `agent` may not complete `t`, or empty when it holds a live claim (the
/// caller swept expired leases in the same transaction, so in_progress means
/// the lease is live).
std::optional<Error> whyNotCompletable(const Task& t, const std::string& agent) {
  if (t.status == TaskStatus::InProgress && t.assignee == agent) return std::nullopt;
  std::string head = "cannot complete " + t.id + " for " + agent + ": ";
  if (t.status == TaskStatus::InProgress)
    return Error::permissionDenied(head + "it is held by " + t.assignee + "; only the holder completes a task");
  if (t.status == TaskStatus::Done)
    return Error::failedPrecondition(head + "it is already done" + (t.assignee.empty() ? "" : " by " + t.assignee) +
                                     "; nothing to do (to redo it, reopen it explicitly: task_update action reopen)");
  return Error::failedPrecondition(head + agent + " holds no claim on it (it is " + statusWithNote(t) +
                                   "); claim it with task_claim first, or set status done as a deliberate override");
}

}  // namespace

Result<Task> Board::complete(const std::string& id, const std::string& agent, const std::string& note) {
  auto seq = parseTaskId(id);
  if (!seq) return fail(seq.error());
  if (auto r = checkAgent(agent); !r) return fail(r.error());
  if (auto r = detail::checkText("note", note, kMaxNote, false); !r) return fail(r.error());
  Task out;
  auto r = db_.transaction([&]() -> Result<void> {
    if (auto s = sweepExpiredLocked(); !s) return s;
    auto task = detail::loadTask(db_, *seq);
    if (!task) return fail(task.error());
    if (auto why = whyNotCompletable(*task, agent)) return fail(*why);
    auto t = transitionLocked(*seq, TaskStatus::Done, agent, note, "complete");
    if (!t) return fail(t.error());
    out = std::move(*t);
    return {};
  });
  if (!r) return fail(r.error());
  return out;
}

Result<Task> Board::setStatus(const std::string& id, TaskStatus status, const std::string& agent,
                              const std::string& note) {
  return changeStatus(id, status, agent, note, false);
}

Result<Task> Board::reopen(const std::string& id, const std::string& agent, const std::string& note) {
  return changeStatus(id, TaskStatus::Open, agent, note, true);
}

Result<Task> Board::changeStatus(const std::string& id, TaskStatus status, const std::string& agent,
                                 const std::string& note, bool reopening) {
  auto seq = parseTaskId(id);
  if (!seq) return fail(seq.error());
  if (auto r = checkAgent(agent); !r) return fail(r.error());
  if (auto r = detail::checkText("note", note, kMaxNote, false); !r) return fail(r.error());
  if (status == TaskStatus::InProgress)
    return fail(Error::invalidArgument("a task becomes in_progress only by task_claim; claim " + id + " instead"));
  Task out;
  auto r = db_.transaction([&]() -> Result<void> {
    if (auto s = sweepExpiredLocked(); !s) return s;
    auto task = detail::loadTask(db_, *seq);
    if (!task) return fail(task.error());
    bool done = task->status == TaskStatus::Done;
    if (reopening && !done)
      return fail(Error::failedPrecondition("cannot reopen " + id + ": it is " + statusWithNote(*task) +
                                            ", not done; reopen applies to done tasks (use status open otherwise)"));
    if (!reopening && done)
      return fail(Error::failedPrecondition(
          "cannot set " + id + " to " + std::string(toString(status)) + ": it is already done" +
          (task->assignee.empty() ? "" : " by " + task->assignee) +
          "; a done task changes only by an explicit reopen (task_update action reopen), then as any open task"));
    auto t = transitionLocked(*seq, status, agent, note, reopening ? "reopen" : "change");
    if (!t) return fail(t.error());
    out = std::move(*t);
    return {};
  });
  if (!r) return fail(r.error());
  return out;
}

Result<Task> Board::transitionLocked(std::int64_t seq, TaskStatus to, const std::string& agent,
                                     const std::string& note, const char* verb) {
  auto task = detail::loadTask(db_, seq);
  if (!task) return fail(task.error());
  if (task->status == TaskStatus::InProgress && task->assignee != agent) {
    auto slot = std::string(toString(task->slot.value_or(SlotKind::Background)));
    return fail(Error::permissionDenied("cannot " + std::string(verb) + " " + task->id + ": it is held by " +
                                        task->assignee + " (slot " + slot +
                                        "); only the holder may, or wait for its lease to expire"));
  }
  auto t = now();
  auto up = db_.prepare(
      "UPDATE board_tasks SET status=?1, assignee=?2, slot=NULL, lease_expires_ms=NULL, "
      "note=CASE WHEN ?3='' THEN note ELSE ?3 END, updated_ms=?4 WHERE seq=?5");
  if (!up) return fail(up.error());
  up->bind(1, toString(to)).bind(3, note).bind(4, t).bind(5, seq);
  if (to == TaskStatus::Done) up->bind(2, agent); else up->bindNull(2);
  if (auto r = up->run(); !r) return fail(r.error());
  bool wasDone = task->status == TaskStatus::Done, isDone = to == TaskStatus::Done;
  if (wasDone != isDone)
    if (auto r = detail::adjustDependents(db_, seq, isDone ? -1 : +1, t); !r) return fail(r.error());
  return detail::loadTask(db_, seq);
}

}  // namespace flywheel::board
