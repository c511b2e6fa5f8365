// The task board: a dependency-aware DAG of work shared by one foreground and
// N background agents.
//
// A task is a unit of work (usually one service repair of a cascade) with a
// short stable id ("t42"), a status, a priority (0 most urgent .. 4 least), the
// service, epoch and wave it belongs to, and, while someone works on it, an
// assignee holding a lease. Edges between tasks are typed: `blocks` (A blocks
// B: B cannot start before A is done) counts for readiness; `related` and
// `discovered-from` are informational. An edge that would close a cycle of
// `blocks` edges is refused, naming the cycle.
//
// Readiness is maintained, not recomputed: every task keeps the number of its
// blockers that are not done, updated in the same transaction as any status
// change or new edge. `ready` is then one indexed range scan: open tasks with
// no unfinished blocker, ordered by priority, then wave, then age.
//
// Claims are atomic across processes: a claim runs inside BEGIN IMMEDIATE, so
// exactly one of several concurrent claimers wins a task. A claim occupies a
// slot (one foreground, N background; N is stored in the board so every
// process agrees) and carries a lease the holder renews; a lease that expires
// returns the task to the ready set. Completion and renewal check the
// current claim (agent and live lease) inside the same transaction; a done
// task is final until someone reopens it explicitly.
//
//   auto board = Board::open(stateDir / "kb.sqlite");
//   auto t = board->create({.title = "repair orders", .service = "orders"});
//   auto claim = board->claim({.agent = "bg-1", .slot = SlotKind::Background});
//   board->complete(claim->task.id, "bg-1", "fixed the Money type");
//
// Threads: a Board is one SQLite connection; use it from one thread at a time
// (give each thread or process its own Board). All state lives in the file,
// so any number of Boards in any number of processes may share it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/sqlite_db.h"
#include "kb/board/board_types.h"

namespace flywheel::board {

/// Milliseconds since the Unix epoch. Injectable so tests can move time.
using Clock = std::function<std::int64_t()>;

struct BoardOptions {
  Clock clock;                      // empty: the system clock
  int busyTimeoutMs = 10000;        // how long a writer waits for the lock
};

class Board {
 public:
  /// Opens (creating when missing) the board tables in the SQLite file at
  /// `dbPath` (normally <universe>/.flywheel/kb.sqlite) under migration
  /// module "board".
  [[nodiscard]] static Result<Board> open(const std::filesystem::path& dbPath, BoardOptions options = {});

  // ---- tasks ----
  /// Creates one open task. Errors: invalid_argument (empty or huge title,
  /// priority outside 0..4, negative wave or epoch).
  [[nodiscard]] Result<Task> create(const NewTask& task);
  /// Creates many tasks in one transaction (all or none), in order.
  [[nodiscard]] Result<std::vector<Task>> createMany(const std::vector<NewTask>& tasks);
  /// Errors: invalid_argument (malformed id), not_found.
  [[nodiscard]] Result<Task> get(const std::string& id);
  /// A task with its incoming and outgoing edges.
  [[nodiscard]] Result<TaskDetail> show(const std::string& id);
  /// A page of tasks in id order, filtered; `nextCursor` continues it.
  [[nodiscard]] Result<TaskPage> list(const ListQuery& query);
  /// A page of ready tasks (open, every blocker done, including tasks whose
  /// lease expired), ordered by priority, wave, age.
  [[nodiscard]] Result<TaskPage> ready(const ReadyQuery& query);

  // ---- edges ----
  /// Adds `from <type> to`. Refuses self-edges, unknown tasks and a `blocks`
  /// edge that would close a cycle (failed_precondition naming the cycle).
  /// Adding an existing edge is a no-op.
  [[nodiscard]] Result<void> link(const std::string& from, const std::string& to, EdgeType type);
  /// Adds many edges in one transaction (all or none), checking cycles once.
  [[nodiscard]] Result<void> linkMany(const std::vector<Edge>& edges);

  // ---- claims and status ----
  /// Claims `request.taskId` (or the first ready task) for `request.agent`.
  /// Refusals (failed_precondition / conflict) name the holders when the
  /// slots are full, or say that nothing is ready.
  [[nodiscard]] Result<Claim> claim(const ClaimRequest& request);
  /// Extends the holder's lease to now + leaseMs. Refused when `agent` does
  /// not hold the task (the message names the holder) or the lease expired
  /// and the task went back to the ready set.
  [[nodiscard]] Result<Task> renew(const std::string& id, const std::string& agent, std::int64_t leaseMs);
  /// Gives the task back to the ready set (holder only).
  [[nodiscard]] Result<Task> release(const std::string& id, const std::string& agent, const std::string& note = {});
  /// Marks the task done with a note; tasks it blocks lose one unfinished
  /// blocker. Only the current holder with a live lease completes, checked
  /// in the same transaction as the write: a holder whose lease expired, any
  /// other agent, and a second completion of a done task are refused
  /// (permission_denied when another agent holds it, failed_precondition
  /// otherwise, naming the status and what to do).
  [[nodiscard]] Result<Task> complete(const std::string& id, const std::string& agent, const std::string& note);
  /// Sets status open, done, blocked or cancelled (in_progress only by claim):
  /// a deliberate override, e.g. a person marking a blocked task done. A held
  /// task can only be changed by its holder; a done task is refused (it
  /// changes only through reopen).
  [[nodiscard]] Result<Task> setStatus(const std::string& id, TaskStatus status, const std::string& agent,
                         const std::string& note = {});
  /// The explicit way back from done: sets a done task open again (its
  /// dependents wait on it again). Refused for a task that is not done.
  [[nodiscard]] Result<Task> reopen(const std::string& id, const std::string& agent, const std::string& note = {});

  // ---- slots ----
  /// Number of background slots (default 3); stored in the board file.
  [[nodiscard]] Result<int> backgroundSlots();
  /// Errors: invalid_argument unless 0..64.
  [[nodiscard]] Result<void> setBackgroundSlots(int n);
  /// Live claims (in progress, lease not expired), foreground first.
  [[nodiscard]] Result<std::vector<Task>> holders();

  // ---- plans and epochs ----
  /// Materialises a cascade plan as tasks (one per service, `blocks` edges
  /// from each dependency in the plan) tagged with the plan's epoch, and
  /// cancels the open and blocked tasks of older epochs. Idempotent for an
  /// epoch already materialised. Refuses an epoch older than the newest.
  [[nodiscard]] Result<PlanResult> materialisePlan(const PlanInput& plan);

  // ---- views and checks ----
  /// A Mermaid flowchart of at most `maxNodes` tasks (filtered by epoch when
  /// given), edges among them, and a comment naming what was left out.
  [[nodiscard]] Result<std::string> mermaid(const GraphQuery& query);
  /// Recomputes every task's unfinished-blocker count from the edges and
  /// reports the first mismatch (for tests and `flywheel board` checks).
  [[nodiscard]] Result<void> checkConsistency();

  Db& db() { return db_; }
  std::int64_t now() const { return clock_(); }

 private:
  Board(Db db, Clock clock) : db_(std::move(db)), clock_(std::move(clock)) {}
  [[nodiscard]] Result<Task> transitionLocked(std::int64_t seq, TaskStatus to, const std::string& agent, const std::string& note,
                                const char* verb);
  [[nodiscard]] Result<void> sweepExpiredLocked();
  [[nodiscard]] Result<Task> changeStatus(const std::string& id, TaskStatus status, const std::string& agent,
                            const std::string& note, bool reopening);

  Db db_;
  Clock clock_;
};

}  // namespace flywheel::board
