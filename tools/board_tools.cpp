// The board tool group: task_create, task_link, task_ready, task_claim,
// task_update, task_graph over kb/board (see kb/board/board.h).
//
// The group uses the process's one Board (tools/services.h), opened on
// <universe>/.flywheel/kb.sqlite the first time a tool needs it, and
// serialises calls on it with the shared board mutex (a Board is one SQLite connection;
// board operations take milliseconds). Cross-process safety comes from the
// board itself (BEGIN IMMEDIATE), not from this lock.
#include <memory>
#include <mutex>

#include "kb/board/board.h"
#include "server/params.h"
#include "tools/tool_groups.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using namespace flywheel::board;
using mcp::ParamReader;
using mcp::ToolResult;

constexpr int kMaxReadyPage = 30;  // 30 summaries of at most ~600 characters stay under a 20k page

/// The process's one board (tools/services.h): Board is not thread-safe, so
/// every use holds the shared board mutex.
class SharedBoard {
 public:
  explicit SharedBoard(const Services& s) : board_(s.board), mu_(s.boardMutex), where_(s.config.stateDir / "kb.sqlite") {}
  /// Runs `fn` with the board, opening it on first use.
  ToolResult with(const std::function<ToolResult(Board&)>& fn) {
    std::lock_guard lock(*mu_);
    auto b = board_->get();
    if (!b) return ToolResult::error("cannot open the task board at " + where_.string() + ": " + b.error().message);
    return fn(**b);
  }

 private:
  std::shared_ptr<tools::Lazy<Board>> board_;
  std::shared_ptr<std::mutex> mu_;
  std::filesystem::path where_;
};

json summary(const Task& t) {
  json j = {{"id", t.id},       {"title", t.title}, {"status", toString(t.status)},
            {"priority", t.priority}, {"service", t.service}, {"epoch", t.epoch},
            {"wave", t.wave},   {"unfinishedBlockers", t.unfinishedBlockers}};
  if (!t.assignee.empty()) j["assignee"] = t.assignee;
  if (t.slot) j["slot"] = toString(*t.slot);
  if (t.leaseExpiresMs) j["leaseExpiresMs"] = *t.leaseExpiresMs;
  return j;
}

json full(const Task& t) {
  json j = summary(t);
  j["body"] = t.body;
  j["note"] = t.note;
  j["createdMs"] = t.createdMs;
  j["updatedMs"] = t.updatedMs;
  return j;
}

ToolResult failed(std::string_view tool, const Error& e) { return ToolResult::error(std::string(tool) + ": " + e.message); }

// ---- task_create ----

/// The plan argument takes cascade_plan's `steps` as they come (service, wave,
/// after, blocked, reason; other fields are ignored), so an agent can pass
/// that tool's output straight through, with the epoch of cascade_start.
Result<PlanInput> readPlan(const json& plan) {
  PlanInput p;
  ParamReader r(plan, "arguments.plan");
  std::vector<json> steps;
  r.required("epoch", p.epoch).required("steps", steps);
  for (size_t i = 0; i < steps.size() && r.ok(); ++i) {
    PlanService s;
    ParamReader sr(steps[i], "arguments.plan.steps[" + std::to_string(i) + "]");
    sr.required("service", s.name).optional("wave", s.wave).optional("after", s.dependsOn);
    sr.optional("blocked", s.blocked).optional("reason", s.blockedReason);
    sr.optional("title", s.title).optional("body", s.body).optional("priority", s.priority);
    if (auto e = sr.finish(); !e) return fail(e.error());
    p.services.push_back(std::move(s));
  }
  if (auto e = r.finish(); !e) return fail(e.error());
  return p;
}

ToolResult createTask(Board& board, const json& args) {
  NewTask t;
  std::vector<std::string> blockedBy;
  std::string discoveredFrom;
  json plan;
  ParamReader r(args);
  r.optional("title", t.title).optional("body", t.body).optional("priority", t.priority);
  r.optional("service", t.service).optional("epoch", t.epoch).optional("wave", t.wave);
  r.optional("blockedBy", blockedBy).optional("discoveredFrom", discoveredFrom).optional("plan", plan);
  if (plan.is_null() == t.title.empty()) r.invalid("title", "or plan: pass exactly one of them");
  if (blockedBy.size() > 100) r.invalid("blockedBy", "lists more than 100 tasks; link the rest with task_link");
  if (auto e = r.finish(); !e) return failed("task_create", e.error());
  if (!plan.is_null()) {
    auto input = readPlan(plan);
    if (!input) return failed("task_create", input.error());
    auto res = board.materialisePlan(*input);
    if (!res) return failed("task_create", res.error());
    json tasks = json::array();
    for (auto& task : res->tasks) tasks.push_back({{"id", task.id}, {"service", task.service}, {"wave", task.wave}});
    return ToolResult::ok({{"epoch", res->epoch}, {"tasks", tasks}, {"edges", res->edges},
                           {"cancelled", res->cancelled}, {"alreadyMaterialised", res->alreadyMaterialised}});
  }
  std::vector<std::string> linked = blockedBy;
  if (!discoveredFrom.empty()) linked.push_back(discoveredFrom);
  for (auto& id : linked)
    if (auto g = board.get(id); !g) return failed("task_create", g.error());
  auto created = board.create(t);
  if (!created) return failed("task_create", created.error());
  std::vector<Edge> edges;
  for (auto& id : blockedBy) edges.push_back({id, created->id, EdgeType::Blocks});
  if (!discoveredFrom.empty()) edges.push_back({created->id, discoveredFrom, EdgeType::DiscoveredFrom});
  if (auto l = board.linkMany(edges); !l)
    return failed("task_create", Error{l.error().code, "created " + created->id + " but could not link it: " +
                                                           l.error().message});
  auto task = board.get(created->id);
  if (!task) return failed("task_create", task.error());
  return ToolResult::ok({{"task", full(*task)}});
}

// ---- task_link, task_ready, task_claim ----

ToolResult linkTasks(Board& board, const json& args) {
  std::string from, to, type = "blocks";
  ParamReader r(args);
  r.required("from", from).required("to", to).optional("type", type);
  if (auto e = r.finish(); !e) return failed("task_link", e.error());
  auto edgeType = parseEdgeType(type);
  if (!edgeType) return failed("task_link", edgeType.error());
  if (auto l = board.link(from, to, *edgeType); !l) return failed("task_link", l.error());
  auto target = board.get(to);
  if (!target) return failed("task_link", target.error());
  return ToolResult::ok({{"from", from}, {"to", to}, {"type", type}, {"toTask", summary(*target)}});
}

json slotsJson(Board& board) {
  json slots = {{"foreground", {{"total", 1}, {"holders", json::array()}}},
                {"background", {{"total", board.backgroundSlots().value_or(0)}, {"holders", json::array()}}}};
  if (auto holders = board.holders())
    for (auto& h : *holders)
      slots[std::string(toString(h.slot.value_or(SlotKind::Background)))]["holders"].push_back(
          {{"agent", h.assignee}, {"task", h.id}, {"leaseExpiresMs", h.leaseExpiresMs.value_or(0)}});
  return slots;
}

ToolResult readyTasks(Board& board, const json& args) {
  ReadyQuery q;
  ParamReader r(args);
  r.optional("epoch", q.epoch).optional("cursor", q.cursor).optional("limit", q.limit);
  if (q.limit < 1 || q.limit > kMaxReadyPage)
    r.invalid("limit", "must be 1..30 (got " + std::to_string(q.limit) + "); page with the cursor");
  if (auto e = r.finish(); !e) return failed("task_ready", e.error());
  auto page = board.ready(q);
  if (!page) return failed("task_ready", page.error());
  json tasks = json::array();
  for (auto& t : page->tasks) tasks.push_back(summary(t));
  json out = {{"tasks", tasks}, {"total", page->total}, {"slots", slotsJson(board)}};
  if (!page->nextCursor.empty()) out["nextCursor"] = page->nextCursor;
  return ToolResult::ok(std::move(out));
}

ToolResult claimTask(Board& board, const json& args) {
  ClaimRequest req;
  std::string slot = "background";
  std::int64_t leaseSeconds = 600;
  ParamReader r(args);
  r.required("agent", req.agent).optional("slot", slot).optional("taskId", req.taskId);
  r.optional("leaseSeconds", leaseSeconds);
  if (leaseSeconds < 1 || leaseSeconds > 86400) r.invalid("leaseSeconds", "must be 1..86400");
  if (auto e = r.finish(); !e) return failed("task_claim", e.error());
  auto kind = parseSlotKind(slot);
  if (!kind) return failed("task_claim", kind.error());
  req.slot = *kind;
  req.leaseMs = leaseSeconds * 1000;
  auto claim = board.claim(req);
  if (!claim) {
    const auto& m = claim.error().message;  // slot and readiness refusals already name the tool
    return m.rfind("task_claim", 0) == 0 ? ToolResult::error(m) : failed("task_claim", claim.error());
  }
  return ToolResult::ok({{"task", full(claim->task)},
                         {"slot", {{"kind", slot}, {"inUse", claim->slotsInUse}, {"total", claim->slotsTotal}}},
                         {"leaseSeconds", leaseSeconds}});
}

// ---- task_update, task_graph ----

ToolResult updateTask(Board& board, const json& args) {
  std::string id, agent, action, status, note;
  std::int64_t leaseSeconds = 600;
  ParamReader r(args);
  r.required("id", id).required("agent", agent).required("action", action);
  r.optional("status", status).optional("note", note).optional("leaseSeconds", leaseSeconds);
  if (leaseSeconds < 1 || leaseSeconds > 86400) r.invalid("leaseSeconds", "must be 1..86400");
  if (action == "status" && status.empty()) r.invalid("status", "is required when action is status");
  if (auto e = r.finish(); !e) return failed("task_update", e.error());
  Result<Task> task = fail(Error::invalidArgument(
      "unknown action '" + action + "'; use status, renew, release, complete or reopen"));
  if (action == "renew") {
    task = board.renew(id, agent, leaseSeconds * 1000);
  } else if (action == "release") {
    task = board.release(id, agent, note);
  } else if (action == "complete") {
    task = board.complete(id, agent, note);
  } else if (action == "reopen") {
    task = board.reopen(id, agent, note);
  } else if (action == "status") {
    auto s = parseStatus(status);
    task = s ? board.setStatus(id, *s, agent, note) : fail(s.error());
  }
  if (!task) return failed("task_update", task.error());
  return ToolResult::ok({{"task", full(*task)}, {"action", action}});
}

ToolResult graphTasks(Board& board, const json& args) {
  GraphQuery q;
  ParamReader r(args);
  r.optional("epoch", q.epoch).optional("includeClosed", q.includeClosed).optional("maxNodes", q.maxNodes);
  if (auto e = r.finish(); !e) return failed("task_graph", e.error());
  auto text = board.mermaid(q);
  if (!text) return failed("task_graph", text.error());
  return ToolResult::ok({{"mermaid", *text}}, *text);
}

}  // namespace

Result<void> registerBoardTools(mcp::Registry& registry, const Services& services) {
  if (!services.board || !services.boardMutex) return fail(Error::internal("the board tools need the board handle"));
  auto shared = std::make_shared<SharedBoard>(services);
  auto bind = [shared](ToolResult (*fn)(Board&, const json&)) {
    return [shared, fn](const json& args, mcp::ToolContext&) {
      return shared->with([&](Board& b) { return fn(b, args); });
    };
  };
  std::vector<mcp::ToolSpec> specs = {
      {"task_create", "Create a task or materialise a cascade plan",
       "Creates one open task on the shared task board (title, optional body, priority 0 most urgent..4, service, "
       "epoch, wave, blockedBy task ids, discoveredFrom task id), or, given `plan` ({epoch, steps: the steps of "
       "cascade_plan}) instead of `title`, one task per step with `blocks` edges from the services it comes after, "
       "tagged with the epoch (steps marked blocked become blocked tasks for a human); a newer epoch cancels the "
       "older epoch's open tasks. Returns the task (or the plan's task ids).",
       {.destructive = false}, bind(createTask)},
      {"task_link", "Link two tasks",
       "Adds an edge `from <type> to`: `blocks` (to waits until from is done), `related` or `discovered-from` "
       "(informational). An edge that would close a cycle of blocks edges is refused, naming the cycle.",
       {.idempotent = true}, bind(linkTasks)},
      {"task_ready", "List ready tasks",
       "Open tasks whose blockers are all done, by priority, then wave, then age (a page of at most 30; pass "
       "nextCursor for more), plus who holds the foreground and background slots.",
       {.readOnly = true, .idempotent = true}, bind(readyTasks)},
      {"task_claim", "Claim a task",
       "Atomically claims the first ready task (or `taskId`) for `agent` in a foreground or background slot, with a "
       "lease (default 600 s) to renew with task_update; exactly one of several concurrent claimers wins. Refused, "
       "naming the holders, when the slots are full.",
       {}, bind(claimTask)},
      {"task_update", "Update a claimed task",
       "action `complete` (done, with a note: unblocks its dependents), `release` (back to ready), `renew` (extend "
       "the lease by leaseSeconds) or `status` (open, blocked, done, cancelled). A held task changes only by its "
       "holder.",
       {}, bind(updateTask)},
      {"task_graph", "Show the task graph",
       "A Mermaid flowchart of the board (or one epoch): tasks with status, wave and priority, and their edges; "
       "bounded to maxNodes tasks (default 150) and about 20k characters, saying what was left out.",
       {.readOnly = true, .idempotent = true}, bind(graphTasks)},
  };
  for (auto& spec : specs)
    if (auto r = registry.addTool(std::move(spec)); !r) return r;
  return {};
}

}  // namespace flywheel::tools
