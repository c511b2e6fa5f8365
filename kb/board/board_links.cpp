// Creating tasks and edges; refusing an edge that would close a cycle.
#include <unordered_map>
#include <unordered_set>

#include "kb/board/board.h"
#include "kb/board/board_sql.h"

namespace flywheel::board {
namespace {

using Adjacency = std::unordered_map<std::int64_t, std::vector<std::int64_t>>;

Result<void> validate(const NewTask& t) {
  if (auto r = detail::checkText("task title", t.title, kMaxTitle, true); !r) return r;
  if (auto r = detail::checkText("task body", t.body, kMaxBody, false); !r) return r;
  if (auto r = detail::checkText("task service", t.service, kMaxName, false); !r) return r;
  if (t.priority < 0 || t.priority > kMaxPriority)
    return fail(Error::invalidArgument("task priority must be 0 (most urgent) .. 4 (got " +
                                       std::to_string(t.priority) + ")"));
  if (t.wave < 0 || t.epoch < 0)
    return fail(Error::invalidArgument("task wave and epoch must not be negative (got wave " +
                                       std::to_string(t.wave) + ", epoch " + std::to_string(t.epoch) + ")"));
  return {};
}

/// Inserts one open task with `insert` (prepared from kInsertTask).
Result<std::int64_t> insertTask(Db& db, Stmt& insert, const NewTask& t, std::int64_t now) {
  insert.reset();
  insert.bind(1, t.title).bind(2, t.body).bind(3, t.priority).bind(4, t.service).bind(5, t.epoch).bind(6, t.wave);
  insert.bind(7, now).bind(8, now);
  if (auto r = insert.run(); !r) return fail(r.error());
  return db.lastInsertId();
}

constexpr const char* kInsertTask =
    "INSERT INTO board_tasks(title, body, status, priority, service, epoch, wave, origin, created_ms, updated_ms) "
    "VALUES(?, ?, 'open', ?, ?, ?, ?, 'manual', ?, ?)";

Result<Adjacency> loadBlocks(Db& db) {
  Adjacency adj;
  auto q = db.prepare("SELECT from_seq, to_seq FROM board_edges WHERE type='blocks'");
  if (!q) return fail(q.error());
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) return adj;
    adj[q->int64(0)].push_back(q->int64(1));
  }
}

std::string describeCycle(const std::vector<std::int64_t>& cycle) {
  std::string s;
  size_t shown = 0;
  for (auto seq : cycle) {
    if (shown++ == 20) {
      s += " -> ... (" + std::to_string(cycle.size() - 20) + " more)";
      break;
    }
    if (!s.empty()) s += " -> ";
    s += formatTaskId(seq);
  }
  return s + " -> " + formatTaskId(cycle.front());
}

/// Iterative DFS from each start; returns a cycle (first node repeated
/// implicitly) when one is reachable, empty otherwise.
std::vector<std::int64_t> findCycle(const Adjacency& adj, const std::vector<std::int64_t>& starts) {
  enum Color : char { White, Gray, Black };
  std::unordered_map<std::int64_t, Color> color;
  std::vector<std::pair<std::int64_t, size_t>> stack;
  static const std::vector<std::int64_t> kNone;
  auto next = [&](std::int64_t n) -> const std::vector<std::int64_t>& {
    auto it = adj.find(n);
    return it == adj.end() ? kNone : it->second;
  };
  for (auto start : starts) {
    if (color[start] != White) continue;
    color[start] = Gray;
    stack.push_back({start, 0});
    while (!stack.empty()) {
      auto& [node, i] = stack.back();
      const auto& out = next(node);
      if (i == out.size()) {
        color[node] = Black;
        stack.pop_back();
        continue;
      }
      auto child = out[i++];
      auto c = color[child];
      if (c == Gray) {
        std::vector<std::int64_t> cycle;
        size_t k = 0;
        while (stack[k].first != child) ++k;
        for (; k < stack.size(); ++k) cycle.push_back(stack[k].first);
        return cycle;
      }
      if (c == White) {
        color[child] = Gray;
        stack.push_back({child, 0});
      }
    }
  }
  return {};
}

struct ParsedEdge {
  std::int64_t from, to;
  EdgeType type;
};

Result<std::vector<ParsedEdge>> parseEdges(Db& db, const std::vector<Edge>& edges) {
  auto exists = db.prepare("SELECT 1 FROM board_tasks WHERE seq=?");
  if (!exists) return fail(exists.error());
  std::vector<ParsedEdge> out;
  for (const auto& e : edges) {
    auto from = parseTaskId(e.from);
    if (!from) return fail(from.error());
    auto to = parseTaskId(e.to);
    if (!to) return fail(to.error());
    if (*from == *to)
      return fail(Error::invalidArgument("cannot link " + e.from + " to itself; an edge joins two different tasks"));
    for (auto seq : {*from, *to}) {
      exists->reset();
      exists->bind(1, seq);
      auto row = exists->step();
      if (!row) return fail(row.error());
      if (!*row)
        return fail(Error::notFound("cannot link " + e.from + " to " + e.to + ": no task " + formatTaskId(seq) +
                                    " on the board; create it first (task_create)"));
    }
    out.push_back({*from, *to, e.type});
  }
  return out;
}

/// One new edge from -> to closes a cycle iff `to` already reaches `from`: a
/// breadth-first search from `to` that stops as soon as it finds `from`
/// touches only what lies downstream of `to`, not the whole board.
Result<void> refuseOneCycle(Db& db, const ParsedEdge& edge) {
  auto out = db.prepare("SELECT to_seq FROM board_edges WHERE from_seq=? AND type='blocks'");
  if (!out) return fail(out.error());
  std::unordered_map<std::int64_t, std::int64_t> parent{{edge.to, 0}};
  std::vector<std::int64_t> frontier{edge.to};
  for (size_t i = 0; i < frontier.size(); ++i) {
    auto node = frontier[i];
    if (node == edge.from) {
      std::vector<std::int64_t> path;
      for (auto n = node; n != 0; n = parent[n]) path.push_back(n);
      std::vector<std::int64_t> cycle(path.rbegin(), path.rend());  // to ... from
      cycle.insert(cycle.begin(), edge.from);
      cycle.pop_back();  // from -> to -> ... -> (back to from)
      return fail(Error::failedPrecondition("refusing the blocks edge(s): they would close the cycle " +
                                            describeCycle(cycle) +
                                            "; a task cannot wait for itself, so drop one of these edges"));
    }
    out->reset();
    out->bind(1, node);
    for (;;) {
      auto row = out->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      if (parent.emplace(out->int64(0), node).second) frontier.push_back(out->int64(0));
    }
  }
  return {};
}

/// Any new cycle must pass through a new edge, so a DFS from the new edges'
/// sources over all `blocks` edges finds it.
Result<void> refuseCycles(Db& db, const std::vector<ParsedEdge>& edges) {
  std::vector<std::int64_t> starts;
  for (const auto& e : edges)
    if (e.type == EdgeType::Blocks) starts.push_back(e.from);
  if (starts.empty()) return {};
  if (starts.size() == 1) {
    for (const auto& e : edges)
      if (e.type == EdgeType::Blocks) return refuseOneCycle(db, e);
  }
  auto adj = loadBlocks(db);
  if (!adj) return fail(adj.error());
  for (const auto& e : edges)
    if (e.type == EdgeType::Blocks) (*adj)[e.from].push_back(e.to);
  if (auto cycle = findCycle(*adj, starts); !cycle.empty())
    return fail(Error::failedPrecondition("refusing the blocks edge(s): they would close the cycle " +
                                          describeCycle(cycle) +
                                          "; a task cannot wait for itself, so drop one of these edges"));
  return {};
}

}  // namespace

namespace detail {

Result<void> adjustDependents(Db& db, std::int64_t seq, int delta, std::int64_t now) {
  auto q = db.prepare(
      "UPDATE board_tasks SET pending_blockers = pending_blockers + ?1, updated_ms = ?2 "
      "WHERE seq IN (SELECT to_seq FROM board_edges WHERE from_seq=?3 AND type='blocks')");
  if (!q) return fail(q.error());
  q->bind(1, delta).bind(2, now).bind(3, seq);
  return q->run();
}

}  // namespace detail

Result<Task> Board::create(const NewTask& task) {
  auto many = createMany({task});
  if (!many) return fail(many.error());
  return std::move(many->front());
}

Result<std::vector<Task>> Board::createMany(const std::vector<NewTask>& tasks) {
  for (size_t i = 0; i < tasks.size(); ++i)
    if (auto v = validate(tasks[i]); !v) {
      if (tasks.size() > 1) v.error().message = "task " + std::to_string(i) + ": " + v.error().message;
      return fail(v.error());
    }
  std::vector<std::int64_t> seqs;
  auto r = db_.transaction([&]() -> Result<void> {
    auto t = now();
    auto insert = db_.prepare(kInsertTask);
    if (!insert) return fail(insert.error());
    for (const auto& task : tasks) {
      auto seq = insertTask(db_, *insert, task, t);
      if (!seq) return fail(seq.error());
      seqs.push_back(*seq);
    }
    return {};
  });
  if (!r) return fail(r.error());
  std::vector<Task> out;
  if (seqs.empty()) return out;
  auto q = db_.prepare(std::string("SELECT ") + detail::kTaskColumns +
                       " FROM board_tasks WHERE seq BETWEEN ? AND ? ORDER BY seq");
  if (!q) return fail(q.error());
  q->bind(1, seqs.front()).bind(2, seqs.back());
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(detail::readTask(*q));
  }
  return out;
}

Result<void> Board::link(const std::string& from, const std::string& to, EdgeType type) {
  return linkMany({Edge{from, to, type}});
}

Result<void> Board::linkMany(const std::vector<Edge>& edges) {
  return db_.transaction([&]() -> Result<void> { return detail::linkLocked(db_, edges, now()); });
}

namespace detail {

Result<void> linkLocked(Db& db, const std::vector<Edge>& edges, std::int64_t now) {
  auto parsed = parseEdges(db, edges);
  if (!parsed) return fail(parsed.error());
  if (auto c = refuseCycles(db, *parsed); !c) return c;
  auto ins = db.prepare("INSERT OR IGNORE INTO board_edges(from_seq, to_seq, type, created_ms) VALUES(?, ?, ?, ?)");
  auto bump = db.prepare(
      "UPDATE board_tasks SET pending_blockers = pending_blockers + 1, updated_ms = ?1 "
      "WHERE seq = ?2 AND (SELECT status FROM board_tasks WHERE seq = ?3) <> 'done'");
  if (!ins) return fail(ins.error());
  if (!bump) return fail(bump.error());
  for (const auto& e : *parsed) {
    ins->reset();
    ins->bind(1, e.from).bind(2, e.to).bind(3, toString(e.type)).bind(4, now);
    if (auto r = ins->run(); !r) return r;
    if (db.changes() == 0 || e.type != EdgeType::Blocks) continue;
    bump->reset();
    bump->bind(1, now).bind(2, e.to).bind(3, e.from);
    if (auto r = bump->run(); !r) return r;
  }
  return {};
}

}  // namespace detail
}  // namespace flywheel::board
