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

ToolResult repairOpen(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  std::int64_t epoch = 0;
  std::string service;
  ParamReader r(args);
  r.required("epoch", epoch).required("service", service);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    auto s = m.repairOpen(epoch, service, callContext(ctx));
    if (!s) return ToolResult::error("repair_open: " + s.error().message);
    auto d = s->diagnostics;
    if (d.size() > 10) d.resize(10);
    std::string text = "sandbox " + s->status.id + " (service " + s->status.service + ", mode " + s->mode + ", " +
                       s->status.phase + " phase" +
                       (s->status.phase == "research" ? ": read-only until repair_plan" : "") + "; " +
                       std::to_string(s->status.cycles) + " of " + std::to_string(s->status.maxCycles) +
                       " repair cycles used) at " + s->universeDir.string() + "\n";
    if (!s->note.empty()) text += s->note + "\n";
    text += std::to_string(d.size()) + " diagnostic(s) in " + s->serviceDir +
            (s->rechecked ? " (re-checked now)" : " (from cascade_start)") + ":\n" + diagnosticsText(d);
    return ToolResult::ok({{"sandbox", s->status.id}, {"status", toJson(s->status)}, {"epoch", s->epoch},
                           {"mode", s->mode}, {"branch", s->branch}, {"service_dir", s->serviceDir},
                           {"path", s->universeDir.string()}, {"build_dir", s->buildDir.string()},
                           {"diagnostics", toJson(d)}, {"rechecked", s->rechecked}, {"note", s->note},
                           {"seconds", s->seconds}},
                          text);
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
    return ToolResult::ok(toJson(*s), "strategy recorded; sandbox " + s->id + " is in its coding phase: repair_edit is "
                                      "allowed (" + std::to_string(s->cycles) + " of " +
                                      std::to_string(s->maxCycles) + " repair cycles used)");
  });
}

ToolResult repairEdit(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  EditSpec e;
  std::string sb, path;
  std::optional<std::string> newText;
  std::vector<std::string> deprecated;
  ParamReader r(args);
  r.required("sandbox", sb).required("path", path);
  optionalRenamed(r, args, "newText", "new_text", newText, deprecated);
  optionalRenamed(r, args, "startLine", "start_line", e.startLine, deprecated);
  optionalRenamed(r, args, "endLine", "end_line", e.endLine, deprecated);
  optionalRenamed(r, args, "oldText", "old_text", e.oldText, deprecated);
  if (!newText) r.invalid("newText", "is required: the replacement text");
  if (auto x = r.finish(); !x) return ToolResult::fromError(x.error());
  e.newText = std::move(*newText);
  return withMechanic(h, [&](Mechanic& m) {
    auto res = m.repairEdit(sb, path, e, callContext(ctx));
    if (!res) return ToolResult::error("repair_edit: " + res.error().message + deprecationNote(deprecated));
    if (res->newErrors.size() > 10) res->newErrors.resize(10);  // the window plus 10 errors stay under a page
    json out = {{"applied", res->applied},         {"path", res->path},
                {"window", toJson(res->window)},   {"errors_before", res->errorsBefore},
                {"errors_after", res->errorsAfter}, {"new_errors", toJson(res->newErrors)},
                {"remaining_errors", toJson(res->remaining)},
                {"cycles", res->cycles},           {"message", res->message}};
    std::string text = res->message + "\n" + diagnosticsText(res->newErrors, 4000);
    if (!res->remaining.empty())
      text += std::to_string(res->errorsAfter) + " error(s) left:\n" + diagnosticsText(res->remaining, 4000);
    text += res->window.text + deprecationNote(deprecated);
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
                          v->message + "\n" + v->gauntlet.summary() + v->gauntlet.details());
  });
}

ToolResult repairCommit(const Holder& h, const json& args) {
  return sandboxCall(h, args, [](Mechanic& m, const std::string& sb) {
    auto c = m.repairCommit(sb);
    if (!c) return ToolResult::error("repair_commit: " + c.error().message);
    std::string text = "sandbox " + sb + " committed to the cascade branch (now at " + c->cascadeCommit.substr(0, 12) +
                       "); " + std::to_string(c->files.size()) + " file(s) changed:";
    for (const auto& f : c->files) text += " " + f;
    text += "\nnext: repair_open the next broken service of the queue (cascade_status), or cascade_finish when none "
            "is left";
    return ToolResult::ok(
        {{"sandbox_commit", c->sandboxCommit}, {"cascade_commit", c->cascadeCommit}, {"files", c->files}}, text);
  });
}

ToolResult repairAbort(const Holder& h, const json& args) {
  return sandboxCall(h, args, [](Mechanic& m, const std::string& sb) {
    auto s = m.repairAbort(sb);
    if (!s) return ToolResult::error("repair_abort: " + s.error().message);
    return ToolResult::ok(toJson(*s), "sandbox " + s->id + " aborted: its worktree, build dir and branch are gone "
                                      "and nothing from it lands; repair_open " + s->service +
                                      " again to start over (its repair cycles still count)");
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
       "read-only research phase. Returns the sandbox id, its governance mode and the service's diagnostics (re-checked "
       "with cargo check, free of repair cycles, when repairs were committed to the cascade since cascade_start).",
       {.idempotent = true}, repairOpen},
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
       "Replaces a line range (startLine..endLine) or one exact unique snippet (oldText) in one file with "
       "newText. Governance decides first (mode, path, public signatures); the file must still parse; cargo check "
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
