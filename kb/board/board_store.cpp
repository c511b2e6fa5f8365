// Opening the board, its schema, and the read side: get, show, list, ready.
#include <chrono>
#include <charconv>

#include "kb/board/board.h"
#include "kb/board/board_sql.h"

namespace flywheel::board {
namespace {

// pending_blockers is the maintained blocked set: the number of `blocks`
// edges into the task whose source is not done. The partial index
// board_tasks_ready holds exactly the ready tasks in answer order.
const std::vector<Migration> kMigrations = {
    {1, R"sql(
CREATE TABLE board_tasks(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK(status IN ('open','in_progress','done','blocked','cancelled')),
  priority INTEGER NOT NULL DEFAULT 2,
  service TEXT NOT NULL DEFAULT '',
  epoch INTEGER NOT NULL DEFAULT 0,
  wave INTEGER NOT NULL DEFAULT 0,
  assignee TEXT,
  slot TEXT CHECK(slot IS NULL OR slot IN ('foreground','background')),
  lease_expires_ms INTEGER,
  pending_blockers INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT 'manual',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX board_tasks_ready ON board_tasks(priority, wave, created_ms, seq)
  WHERE status = 'open' AND pending_blockers = 0;
CREATE INDEX board_tasks_lease ON board_tasks(lease_expires_ms) WHERE status = 'in_progress';
CREATE INDEX board_tasks_epoch ON board_tasks(epoch, status);
CREATE TABLE board_edges(
  from_seq INTEGER NOT NULL REFERENCES board_tasks(seq),
  to_seq INTEGER NOT NULL REFERENCES board_tasks(seq),
  type TEXT NOT NULL CHECK(type IN ('blocks','related','discovered-from')),
  created_ms INTEGER NOT NULL,
  PRIMARY KEY(from_seq, to_seq, type)) WITHOUT ROWID;
CREATE INDEX board_edges_to ON board_edges(to_seq, type);
CREATE TABLE board_settings(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql"},
};

std::int64_t systemNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Result<std::int64_t> parseCursor(std::string_view c, std::string_view what) {
  if (c.empty()) return 0;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), v);
  if (ec != std::errc() || end != c.data() + c.size() || v < 0)
    return fail(Error::invalidArgument(std::string(what) + ": malformed cursor '" + detail::clip(c, 30) +
                                       "'; pass the nextCursor of the previous page, or none to start over"));
  return v;
}

Result<void> checkLimit(int limit, std::string_view what) {
  if (limit < 1 || limit > kMaxPageLimit)
    return fail(Error::invalidArgument(std::string(what) + ": limit must be 1.." + std::to_string(kMaxPageLimit) +
                                       " (got " + std::to_string(limit) + "); lower it and page with the cursor"));
  return {};
}

}  // namespace

namespace detail {

std::string clip(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

Result<void> checkText(std::string_view what, const std::string& value, size_t max, bool required) {
  if (required && value.empty()) return fail(Error::invalidArgument(std::string(what) + " must not be empty"));
  if (value.size() > max)
    return fail(Error::invalidArgument(std::string(what) + " is too long (" + std::to_string(value.size()) +
                                       " bytes, at most " + std::to_string(max) + "); shorten it"));
  return {};
}

Task readTask(const Stmt& s) {
  Task t;
  t.id = formatTaskId(s.int64(0));
  t.title = s.text(1);
  t.body = s.text(2);
  t.status = parseStatus(s.text(3)).value_or(TaskStatus::Open);
  t.priority = static_cast<int>(s.int64(4));
  t.service = s.text(5);
  t.epoch = s.int64(6);
  t.wave = static_cast<int>(s.int64(7));
  t.assignee = s.isNull(8) ? "" : s.text(8);
  if (!s.isNull(9)) t.slot = parseSlotKind(s.text(9)).value_or(SlotKind::Background);
  if (!s.isNull(10)) t.leaseExpiresMs = s.int64(10);
  t.unfinishedBlockers = static_cast<int>(s.int64(11));
  t.note = s.text(12);
  t.createdMs = s.int64(13);
  t.updatedMs = s.int64(14);
  return t;
}

Result<Task> loadTask(Db& db, std::int64_t seq) {
  auto q = db.prepare(std::string("SELECT ") + kTaskColumns + " FROM board_tasks WHERE seq=?");
  if (!q) return fail(q.error());
  q->bind(1, seq);
  auto row = q->step();
  if (!row) return fail(row.error());
  if (!*row)
    return fail(Error::notFound("no task " + formatTaskId(seq) + " on the board; list tasks with task_ready or "
                                "`flywheel board list`"));
  return readTask(*q);
}

}  // namespace detail

Result<Board> Board::open(const std::filesystem::path& dbPath, BoardOptions options) {
  auto db = Db::open(dbPath, options.busyTimeoutMs);
  if (!db) return fail(db.error());
  if (auto m = db->migrate("board", kMigrations); !m) return fail(m.error());
  Clock clock = options.clock ? std::move(options.clock) : Clock(systemNowMs);
  return Board(std::move(*db), std::move(clock));
}

Result<Task> Board::get(const std::string& id) {
  auto seq = parseTaskId(id);
  if (!seq) return fail(seq.error());
  return detail::loadTask(db_, *seq);
}

Result<TaskDetail> Board::show(const std::string& id) {
  auto task = get(id);
  if (!task) return fail(task.error());
  TaskDetail d{*task, {}, {}};
  auto seq = *parseTaskId(id);
  auto q = db_.prepare(
      "SELECT from_seq, to_seq, type FROM board_edges WHERE to_seq=?1 OR from_seq=?1 ORDER BY from_seq, to_seq, type");
  if (!q) return fail(q.error());
  q->bind(1, seq);
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    Edge e{formatTaskId(q->int64(0)), formatTaskId(q->int64(1)), parseEdgeType(q->text(2)).value_or(EdgeType::Blocks)};
    (q->int64(1) == seq ? d.incoming : d.outgoing).push_back(std::move(e));
  }
  return d;
}

Result<TaskPage> Board::list(const ListQuery& query) {
  if (auto l = checkLimit(query.limit, "board list"); !l) return fail(l.error());
  auto after = parseCursor(query.cursor, "board list");
  if (!after) return fail(after.error());
  std::string where = " WHERE (?1 IS NULL OR status=?1) AND (?2 IS NULL OR epoch=?2) AND (?3='' OR service=?3)";
  auto count = db_.prepare("SELECT count(*) FROM board_tasks" + where);
  auto q = db_.prepare(std::string("SELECT ") + detail::kTaskColumns + " FROM board_tasks" + where +
                       " AND seq > ?4 ORDER BY seq LIMIT ?5");
  if (!count) return fail(count.error());
  if (!q) return fail(q.error());
  for (Stmt* s : {&*count, &*q}) {
    if (query.status) s->bind(1, toString(*query.status)); else s->bindNull(1);
    s->bind(2, query.epoch).bind(3, query.service);
  }
  q->bind(4, *after).bind(5, query.limit + 1);
  TaskPage page;
  if (auto c = count->step(); !c) return fail(c.error());
  page.total = count->int64(0);
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    page.tasks.push_back(detail::readTask(*q));
  }
  if (page.tasks.size() > static_cast<size_t>(query.limit)) {
    page.tasks.pop_back();
    page.nextCursor = std::to_string(*parseTaskId(page.tasks.back().id));
  }
  return page;
}

Result<TaskPage> Board::ready(const ReadyQuery& query) {
  if (auto l = checkLimit(query.limit, "board ready"); !l) return fail(l.error());
  auto offset = parseCursor(query.cursor, "board ready");
  if (!offset) return fail(offset.error());
  // Expired leases go back to the ready set first; the probe is one index
  // lookup, the write only happens when something actually expired.
  auto probe = db_.prepare("SELECT 1 FROM board_tasks WHERE status='in_progress' AND lease_expires_ms < ? LIMIT 1");
  if (!probe) return fail(probe.error());
  probe->bind(1, now());
  auto expired = probe->step();
  if (!expired) return fail(expired.error());
  probe->reset();
  if (*expired)
    if (auto s = db_.transaction([&] { return sweepExpiredLocked(); }); !s) return fail(s.error());

  std::string where = " WHERE status='open' AND pending_blockers=0 AND (?1 IS NULL OR epoch=?1)";
  auto count = db_.prepare("SELECT count(*) FROM board_tasks INDEXED BY board_tasks_ready" + where);
  auto q = db_.prepare(std::string("SELECT ") + detail::kTaskColumns + " FROM board_tasks INDEXED BY board_tasks_ready" +
                       where + " ORDER BY priority, wave, created_ms, seq LIMIT ?2 OFFSET ?3");
  if (!count) return fail(count.error());
  if (!q) return fail(q.error());
  count->bind(1, query.epoch);
  q->bind(1, query.epoch).bind(2, query.limit + 1).bind(3, *offset);
  TaskPage page;
  if (auto c = count->step(); !c) return fail(c.error());
  page.total = count->int64(0);
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    page.tasks.push_back(detail::readTask(*q));
  }
  if (page.tasks.size() > static_cast<size_t>(query.limit)) {
    page.tasks.pop_back();
    page.nextCursor = std::to_string(*offset + query.limit);
  }
  return page;
}

Result<void> Board::checkConsistency() {
  auto q = db_.prepare(
      "SELECT t.seq, t.pending_blockers, "
      "(SELECT count(*) FROM board_edges e JOIN board_tasks b ON b.seq=e.from_seq "
      " WHERE e.to_seq=t.seq AND e.type='blocks' AND b.status<>'done') "
      "FROM board_tasks t ORDER BY t.seq");
  if (!q) return fail(q.error());
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) return {};
    if (q->int64(1) != q->int64(2))
      return fail(Error::internal("board inconsistent: task " + formatTaskId(q->int64(0)) + " records " +
                                  std::to_string(q->int64(1)) + " unfinished blockers but its edges say " +
                                  std::to_string(q->int64(2))));
  }
}

}  // namespace flywheel::board
