// The board as a bounded Mermaid flowchart.
#include <unordered_set>

#include "kb/board/board.h"
#include "kb/board/board_sql.h"

namespace flywheel::board {
namespace {

constexpr int kMaxGraphNodes = 500;
constexpr size_t kGraphBudget = 20000;  // characters of Mermaid text

std::string label(const Task& t) {
  std::string title;
  for (char c : detail::clip(t.title, 60)) {
    switch (c) {
      case '"': title += "#quot;"; break;
      case '<': title += "#lt;"; break;
      case '>': title += "#gt;"; break;
      case '\n': case '\r': case '\t': title += ' '; break;
      default: title += c;
    }
  }
  std::string meta = std::string(toString(t.status)) + " · w" + std::to_string(t.wave) + " · p" +
                     std::to_string(t.priority);
  if (!t.assignee.empty() && t.status == TaskStatus::InProgress) meta += " · " + detail::clip(t.assignee, 30);
  return "  " + t.id + "[\"" + t.id + ": " + title + "<br/>" + meta + "\"]:::" +
         (t.status == TaskStatus::InProgress ? "in_progress" : std::string(toString(t.status))) + "\n";
}

std::string arrow(std::int64_t from, std::int64_t to, const std::string& type) {
  if (type == "blocks") return "  " + formatTaskId(from) + " --> " + formatTaskId(to) + "\n";
  return "  " + formatTaskId(from) + " -.->|" + type + "| " + formatTaskId(to) + "\n";
}

}  // namespace

Result<std::string> Board::mermaid(const GraphQuery& query) {
  if (query.maxNodes < 1 || query.maxNodes > kMaxGraphNodes)
    return fail(Error::invalidArgument("graph maxNodes must be 1..500 (got " + std::to_string(query.maxNodes) +
                                       "); filter by epoch to see a smaller graph"));
  std::string where = " WHERE (?1 IS NULL OR epoch=?1) AND (?2 OR status NOT IN ('done','cancelled'))";
  auto count = db_.prepare("SELECT count(*) FROM board_tasks" + where);
  auto q = db_.prepare(std::string("SELECT ") + detail::kTaskColumns + " FROM board_tasks" + where +
                       " ORDER BY wave, seq LIMIT ?3");
  if (!count) return fail(count.error());
  if (!q) return fail(q.error());
  count->bind(1, query.epoch).bind(2, query.includeClosed ? 1 : 0);
  q->bind(1, query.epoch).bind(2, query.includeClosed ? 1 : 0).bind(3, query.maxNodes);
  if (auto c = count->step(); !c) return fail(c.error());
  std::int64_t total = count->int64(0);

  std::string out = "flowchart TD\n";
  std::unordered_set<std::int64_t> shown;
  std::vector<std::int64_t> order;
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto line = label(detail::readTask(*q));
    if (out.size() + line.size() > kGraphBudget / 2) break;  // leave room for edges
    out += line;
    shown.insert(q->int64(0));
    order.push_back(q->int64(0));
  }
  auto edges = db_.prepare("SELECT to_seq, type FROM board_edges WHERE from_seq=? ORDER BY to_seq, type");
  if (!edges) return fail(edges.error());
  size_t edgesLeftOut = 0;
  for (auto from : order) {
    edges->reset();
    edges->bind(1, from);
    for (;;) {
      auto row = edges->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      if (!shown.count(edges->int64(0))) continue;
      auto line = arrow(from, edges->int64(0), edges->text(1));
      if (out.size() + line.size() > kGraphBudget - 600) {
        ++edgesLeftOut;
        continue;
      }
      out += line;
    }
  }
  out +=
      "  classDef open fill:#eef,stroke:#447\n  classDef in_progress fill:#ffd,stroke:#a80\n"
      "  classDef done fill:#dfd,stroke:#080\n  classDef blocked fill:#fdd,stroke:#a00\n"
      "  classDef cancelled fill:#eee,stroke:#888,color:#888\n";
  if (static_cast<std::int64_t>(shown.size()) < total)
    out += "%% " + std::to_string(total - static_cast<std::int64_t>(shown.size())) + " of " + std::to_string(total) +
           " tasks not shown; filter by epoch, hide closed tasks or raise maxNodes\n";
  if (edgesLeftOut > 0) out += "%% " + std::to_string(edgesLeftOut) + " edges not shown (size limit)\n";
  return out;
}

}  // namespace flywheel::board
