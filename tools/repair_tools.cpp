// The repair_* tools of the mechanic group: one sandbox per broken service,
// the agent-computer interface (view, search, guarded edit), the plan that
// ends the research phase, the gauntlet, and the prepare phase of the
// two-phase commit. Registered from registerMechanicTools
// (tools/mechanic_tools.cpp). Handlers decode typed params, call the domain
// and encode; refusals are isError results naming the rule.
#include <functional>

#include "tools/mechanic_support.h"

namespace flywheel::tools::mechanic_detail {
namespace {

using nlohmann::json;
using mcp::ParamReader;
using mcp::ToolResult;
using namespace flywheel::mechanic;

ToolResult repairOpen(const Holder& h, const json& args) {
  std::int64_t epoch = 0;
  std::string service;
  ParamReader r(args);
  r.required("epoch", epoch).required("service", service);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    auto s = m.repairOpen(epoch, service);
    if (!s) return ToolResult::error("repair_open: " + s.error().message);
    auto d = s->diagnostics;
    if (d.size() > 10) d.resize(10);
    return ToolResult::ok({{"sandbox", s->status.id}, {"status", toJson(s->status)}, {"epoch", s->epoch},
                           {"mode", s->mode}, {"branch", s->branch}, {"service_dir", s->serviceDir},
                           {"path", s->universeDir.string()}, {"build_dir", s->buildDir.string()},
                           {"diagnostics", toJson(d)}, {"seconds", s->seconds}});
  });
}

ToolResult repairView(const Holder& h, const json& args) {
  ViewSpec v;
  std::string sb;
  ParamReader r(args);
  r.required("sandbox", sb).required("path", v.path).optional("line", v.line).optional("scroll", v.scroll);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    auto w = m.repairView(sb, v);
    if (!w) return ToolResult::error("repair_view: " + w.error().message);
    std::string head = w->path + " (lines " + std::to_string(w->firstLine) + "-" + std::to_string(w->lastLine) +
                       " of " + std::to_string(w->totalLines) + ")\n";
    return ToolResult::ok(toJson(*w), head + w->text);
  });
}

ToolResult repairSearch(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  SearchQuery q;
  q.cancel = &ctx.cancelFlag();
  std::string sb;
  ParamReader r(args);
  r.required("sandbox", sb).required("pattern", q.pattern).optional("regex", q.regex).optional("path", q.path);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    auto res = m.repairSearch(sb, q);
    if (!res) return ToolResult::error("repair_search: " + res.error().message);
    json hits = json::array(), per = json::array();
    std::string text = res->note.empty() ? std::to_string(res->total) + " match(es)\n" : res->note + "\n";
    for (const auto& x : res->hits) {
      hits.push_back({{"path", x.path}, {"line", x.line}, {"text", x.text}});
      text += x.path + ":" + std::to_string(x.line) + ": " + x.text + "\n";
    }
    for (const auto& [p, n] : res->perFile) {
      per.push_back({{"path", p}, {"count", n}});
      text += "  " + p + ": " + std::to_string(n) + "\n";
    }
    return ToolResult::ok({{"total", res->total}, {"hits", hits}, {"per_file", per}, {"note", res->note}}, text);
  });
}

ToolResult repairPlan(const Holder& h, const json& args) {
  std::string sb, strategy;
  ParamReader r(args);
  r.required("sandbox", sb).required("strategy", strategy);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    auto s = m.repairPlan(sb, strategy);
    if (!s) return ToolResult::error("repair_plan: " + s.error().message);
    return ToolResult::ok(toJson(*s));
  });
}

ToolResult repairEdit(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  EditSpec e;
  std::string sb, path;
  ParamReader r(args);
  r.required("sandbox", sb).required("path", path).required("new_text", e.newText);
  r.optional("start_line", e.startLine).optional("end_line", e.endLine).optional("old_text", e.oldText);
  if (auto x = r.finish(); !x) return ToolResult::fromError(x.error());
  return withMechanic(h, [&](Mechanic& m) {
    auto res = m.repairEdit(sb, path, e, callContext(ctx));
    if (!res) return ToolResult::error("repair_edit: " + res.error().message);
    if (res->newErrors.size() > 10) res->newErrors.resize(10);  // the window plus 10 errors stay under a page
    json out = {{"applied", res->applied},         {"path", res->path},
                {"window", toJson(res->window)},   {"errors_before", res->errorsBefore},
                {"errors_after", res->errorsAfter}, {"new_errors", toJson(res->newErrors)},
                {"cycles", res->cycles},           {"message", res->message}};
    std::string text = res->message + "\n";
    for (const auto& d : res->newErrors) text += d.oneLine() + "\n";
    text += res->window.text;
    ToolResult tr = ToolResult::ok(out, text);
    tr.isError = !res->applied;  // "the edit was not applied" must not read as success
    return tr;
  });
}

/// Decodes {sandbox} and runs `f` on it.
ToolResult sandboxCall(const Holder& h, const json& args,
                       const std::function<ToolResult(Mechanic&, const std::string&)>& f) {
  std::string sb;
  ParamReader r(args);
  r.required("sandbox", sb);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) { return f(m, sb); });
}

ToolResult repairValidate(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  return sandboxCall(h, args, [&ctx](Mechanic& m, const std::string& sb) {
    auto v = m.repairValidate(sb, callContext(ctx));
    if (!v) return ToolResult::error("repair_validate: " + v.error().message);
    return ToolResult::ok({{"gauntlet", toJson(v->gauntlet)}, {"cycles", v->cycles}, {"message", v->message}},
                          v->message + "\n" + v->gauntlet.summary());
  });
}

ToolResult repairCommit(const Holder& h, const json& args) {
  return sandboxCall(h, args, [](Mechanic& m, const std::string& sb) {
    auto c = m.repairCommit(sb);
    if (!c) return ToolResult::error("repair_commit: " + c.error().message);
    return ToolResult::ok(
        {{"sandbox_commit", c->sandboxCommit}, {"cascade_commit", c->cascadeCommit}, {"files", c->files}});
  });
}

ToolResult repairAbort(const Holder& h, const json& args) {
  return sandboxCall(h, args, [](Mechanic& m, const std::string& sb) {
    auto s = m.repairAbort(sb);
    if (!s) return ToolResult::error("repair_abort: " + s.error().message);
    return ToolResult::ok(toJson(*s));
  });
}

using Handler = decltype(MechanicTool::handler);

/// A handler that does not need the request context.
Handler plain(ToolResult (*f)(const Holder&, const json&)) {
  return [f](const Holder& h, const json& a, mcp::ToolContext&) { return f(h, a); };
}

}  // namespace

std::vector<MechanicTool> repairTools() {
  return {
      {"repair_open", "Open a repair sandbox",
       "A git worktree for one queued service on a branch of the cascade, with its own cargo target dir, in the "
       "read-only research phase. Returns the sandbox id, its governance mode and the service's diagnostics.",
       {.idempotent = true}, plain(repairOpen)},
      {"repair_view", "View a file in a sandbox",
       "A 100-line window with line numbers. `line` jumps there; `scroll` up/down moves the window remembered for "
       "this sandbox and file.",
       {.readOnly = true, .idempotent = true}, plain(repairView)},
      {"repair_search", "Search a sandbox",
       "Literal (or regex) search over the sandbox's files: at most 50 hits; past that, per-file counts and a "
       "request to narrow the search.",
       {.readOnly = true, .idempotent = true}, repairSearch},
      {"repair_plan", "Record the repair strategy",
       "Records the strategy (free text) in the repair record and ends the read-only research phase: edits are "
       "allowed afterwards.",
       {}, plain(repairPlan)},
      {"repair_edit", "Edit a file under the guardrails",
       "Replaces a line range (start_line..end_line) or one exact unique snippet (old_text) in one file with "
       "new_text. Governance decides first (mode, path, public signatures); the file must still parse; cargo check "
       "compares errors before and after, and an edit that adds errors and fixes none is rolled back. Counts as a "
       "repair cycle.",
       {}, repairEdit},
      {"repair_validate", "Run the gauntlet in a sandbox",
       "Runs the universe's gates in order (cargo check -> clippy -D warnings -> cargo test), stops at the first "
       "red gate, reports progress, honours cancellation. Counts as a repair cycle.",
       {.idempotent = true}, repairValidate},
      {"repair_commit", "Commit a green sandbox to the cascade",
       "Prepare phase of the two-phase commit: commits the sandbox (validated green, no edits since) and applies it "
       "on the cascade branch.",
       {}, plain(repairCommit)},
      {"repair_abort", "Abort a repair",
       "Discards the sandbox (worktree, build dir, branch) and logs the repair as aborted.",
       {.destructive = true}, plain(repairAbort)},
  };
}

}  // namespace flywheel::tools::mechanic_detail
