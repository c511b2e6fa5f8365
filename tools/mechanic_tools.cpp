// The mechanic tool group: cascade_* and repair_* over mechanic/ (see
// mechanic/mechanic.h), plus the `cascade`, `researcher` and `coder` prompts.
//
// One Mechanic per server, opened on first use (a universe that is not in a
// git repository must not stop the server from starting; the tools then say
// why they cannot run). Handlers decode typed params, call the domain, and
// encode; refusals and failures are isError results whose text names the
// rule, what is allowed and what to do. Long calls report progress and pass
// the request's cancel flag down to cargo.
#include <memory>
#include <mutex>

#include "mechanic/codec.h"
#include "mechanic/intent_cascade.h"
#include "mechanic/mechanic.h"
#include "mechanic/prompts.h"
#include "server/params.h"
#include "tools/tool_groups.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using mcp::ParamReader;
using mcp::ToolResult;
using namespace flywheel::mechanic;

class MechanicHolder {
 public:
  explicit MechanicHolder(AppConfig c) : config_(std::move(c)) {}
  Result<Mechanic*> get() {
    std::lock_guard lock(mu_);
    if (!m_) {
      auto m = Mechanic::open(config_.universeRoot);
      if (!m) return fail(m.error());
      m_ = std::move(*m);
    }
    return m_.get();
  }
  const AppConfig& config() const { return config_; }

 private:
  AppConfig config_;
  std::mutex mu_;
  std::unique_ptr<Mechanic> m_;
};
using Holder = std::shared_ptr<MechanicHolder>;

CallContext callContext(mcp::ToolContext& ctx) {
  return {&ctx.cancelFlag(), [&ctx](double done, double total, const std::string& msg) {
            ctx.progress(done, total, msg);
          }};
}

json leftoversJson(const std::vector<Leftover>& ls) {
  json a = json::array();
  for (const auto& l : ls) a.push_back({{"kind", l.kind}, {"what", l.what}, {"path", l.path.string()}});
  return a;
}

json statusJson(const CascadeStatus& s, Mechanic& m) {
  json queue = json::array(), sbs = json::array();
  for (auto q : s.queue) {
    if (q.diagnostics.size() > 5) q.diagnostics.resize(5);  // keeps a page under ~20k characters
    queue.push_back(toJson(q));
  }
  for (const auto& x : s.sandboxes) sbs.push_back(toJson(x));
  return {{"epoch", s.epoch},
          {"state", s.state},
          {"user_ref", s.userRef},
          {"cascade_branch", s.cascadeBranch},
          {"base_commit", s.baseCommit},
          {"head_commit", s.headCommit},
          {"superseded_by", s.supersededBy ? json(*s.supersededBy) : json(nullptr)},
          {"queue", queue},
          {"sandboxes", sbs},
          {"stamped_files", s.stampedFiles},
          {"preempted", s.preempted},
          {"leftovers", leftoversJson(m.leftovers())},
          {"seconds", s.seconds}};
}

template <class F>
ToolResult withMechanic(const Holder& h, F&& f) {
  auto m = h->get();
  if (!m)
    return ToolResult::error("the mechanic cannot run on universe " + h->config().universeRoot.string() + ": " +
                             m.error().message);
  return f(**m);
}

ToolResult cascadeStart(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  std::optional<std::string> from, to;
  ParamReader r(args);
  r.optional("from", from).optional("to", to);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    if (!to) {
      auto dirty = m.hasUncommittedIntent();
      if (!dirty) return ToolResult::fromError(dirty.error());
      to = *dirty ? "worktree" : "HEAD";
    }
    if (!from) from = *to == "worktree" ? "HEAD" : "HEAD~1";
    auto plan = planIntentCascade(m.universeRoot(), from, to, h->config().sourceDir / "forge/templates/rust");
    if (!plan) return ToolResult::error("cascade_start: " + plan.error().message);
    auto st = m.cascadeStart(plan->spec, callContext(ctx));
    if (!st) return ToolResult::error("cascade_start: " + st.error().message);
    json out = statusJson(*st, m);
    out["changes"] = plan->changes;
    return ToolResult::ok(out);
  });
}

ToolResult epochCall(const Holder& h, const json& args, bool required,
                     const std::function<ToolResult(Mechanic&, std::optional<std::int64_t>)>& f) {
  std::optional<std::int64_t> epoch;
  ParamReader r(args);
  if (required) {
    std::int64_t e = 0;
    r.required("epoch", e);
    epoch = e;
  } else {
    r.optional("epoch", epoch);
  }
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) { return f(m, epoch); });
}

std::string sandboxArg(const json& args, ParamReader& r) {
  std::string sb;
  r.required("sandbox", sb);
  (void)args;
  return sb;
}

ToolResult repairView(const Holder& h, const json& args) {
  ViewSpec v;
  ParamReader r(args);
  std::string sb = sandboxArg(args, r);
  r.required("path", v.path).optional("line", v.line).optional("scroll", v.scroll);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    auto w = m.repairView(sb, v);
    if (!w) return ToolResult::error("repair_view: " + w.error().message);
    std::string head = w->path + " (lines " + std::to_string(w->firstLine) + "-" + std::to_string(w->lastLine) +
                       " of " + std::to_string(w->totalLines) + ")\n";
    return ToolResult::ok(toJson(*w), head + w->text);
  });
}

ToolResult repairSearch(const Holder& h, const json& args) {
  SearchQuery q;
  ParamReader r(args);
  std::string sb = sandboxArg(args, r);
  r.required("pattern", q.pattern).optional("regex", q.regex).optional("path", q.path);
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

ToolResult repairEdit(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  EditSpec e;
  std::string path;
  ParamReader r(args);
  std::string sb = sandboxArg(args, r);
  r.required("path", path).required("new_text", e.newText);
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

ToolResult sandboxCall(const Holder& h, const json& args, const std::string& tool,
                       const std::function<ToolResult(Mechanic&, const std::string&)>& f) {
  ParamReader r(args);
  std::string sb = sandboxArg(args, r);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) { return f(m, sb); });
  (void)tool;
}

}  // namespace

Result<void> registerMechanicPrompts(mcp::Registry& registry);
Result<void> registerMechanicRepairTools(mcp::Registry& registry, const Holder& h);

Result<void> registerMechanicTools(mcp::Registry& registry, const AppConfig& config) {
  auto h = std::make_shared<MechanicHolder>(config);
  // Open now so crash leftovers are found at start-up (cascade_status reports
  // them); a universe outside git only makes the tools answer with the reason.
  (void)h->get();
  auto add = [&](mcp::ToolSpec s) { return registry.addTool(std::move(s)); };
  if (auto r = add({.name = "cascade_start",
                    .title = "Start a repair cascade",
                    .description =
                        "Opens a new epoch for an intent change (committed: from HEAD~1 to HEAD; or uncommitted: "
                        "to=\"worktree\"; detected by default): a cascade branch and worktree, Forge stamps the "
                        "changed services there, the gauntlet runs on every affected crate, and the repair queue "
                        "comes back in wave order with compact diagnostics. Preempts older epochs touching the same "
                        "services. Never touches your branch or working tree.",
                    .annotations = {.destructive = false},
                    .handler = [h](const json& a, mcp::ToolContext& c) { return cascadeStart(h, a, c); }});
      !r)
    return r;
  if (auto r = add({.name = "cascade_status",
                    .title = "Show a cascade",
                    .description = "The epoch's state, repair queue, sandboxes and crash leftovers (newest epoch "
                                   "when none is given).",
                    .annotations = {.readOnly = true, .idempotent = true},
                    .handler = [h](const json& a, mcp::ToolContext&) {
                      return epochCall(h, a, false, [](Mechanic& m, std::optional<std::int64_t> e) {
                        auto st = m.cascadeStatus(e);
                        if (!st) return ToolResult::error("cascade_status: " + st.error().message);
                        return ToolResult::ok(statusJson(*st, m));
                      });
                    }});
      !r)
    return r;
  if (auto r = add({.name = "cascade_finish",
                    .title = "Land a cascade (two-phase commit)",
                    .description =
                        "Re-runs the gauntlet on the whole cascade; only if green and the epoch is still current, "
                        "moves your branch to the cascade in one atomic ref update and updates the working tree. "
                        "Anything else (red gate, stale epoch, your branch moved) changes nothing.",
                    .annotations = {.destructive = false},
                    .handler = [h](const json& a, mcp::ToolContext& c) {
                      return epochCall(h, a, true, [&c](Mechanic& m, std::optional<std::int64_t> e) {
                        auto f = m.cascadeFinish(*e, callContext(c));
                        if (!f) return ToolResult::error("cascade_finish: " + f.error().message);
                        json out = {{"landed", f->landed},       {"user_ref", f->userRef},
                                    {"old_commit", f->oldCommit}, {"new_commit", f->newCommit},
                                    {"message", f->message},      {"gauntlet", toJson(f->gauntlet)}};
                        ToolResult tr = ToolResult::ok(out, f->message);
                        tr.isError = !f->landed;
                        return tr;
                      });
                    }});
      !r)
    return r;
  if (auto r = add({.name = "cascade_abort",
                    .title = "Abort a cascade",
                    .description = "Discards an epoch: stops its cargo runs, removes its worktrees, build dirs and "
                                   "branches (halted sandboxes are kept for a human). With clean_leftovers, also "
                                   "removes crash leftovers. Your branch and working tree are never touched.",
                    .annotations = {.destructive = true, .idempotent = true},
                    .handler = [h](const json& a, mcp::ToolContext&) {
                      std::optional<std::int64_t> epoch;
                      bool clean = false;
                      ParamReader r(a);
                      r.optional("epoch", epoch).optional("clean_leftovers", clean);
                      if (!epoch && !clean) r.invalid("epoch", "is required unless clean_leftovers is true");
                      if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
                      return withMechanic(h, [&](Mechanic& m) {
                        json out = json::object();
                        if (clean) {
                          auto c = m.cleanLeftovers();
                          if (!c) return ToolResult::error("cascade_abort: " + c.error().message);
                          out["cleaned"] = leftoversJson(*c);
                        }
                        if (epoch) {
                          auto st = m.cascadeAbort(*epoch);
                          if (!st) return ToolResult::error("cascade_abort: " + st.error().message);
                          out["status"] = statusJson(*st, m);
                        }
                        return ToolResult::ok(out);
                      });
                    }});
      !r)
    return r;
  if (auto r = registerMechanicRepairTools(registry, h); !r) return r;
  return registerMechanicPrompts(registry);
}

Result<void> registerMechanicRepairTools(mcp::Registry& registry, const Holder& h) {
  auto add = [&](mcp::ToolSpec s) { return registry.addTool(std::move(s)); };
  if (auto r = add({.name = "repair_open",
                    .title = "Open a repair sandbox",
                    .description = "A git worktree for one queued service on a branch of the cascade, with its own "
                                   "cargo target dir, in the read-only research phase. Returns the sandbox id, its "
                                   "governance mode and the service's diagnostics.",
                    .annotations = {.idempotent = true},
                    .handler = [h](const json& a, mcp::ToolContext&) {
                      std::int64_t epoch = 0;
                      std::string service;
                      ParamReader r(a);
                      r.required("epoch", epoch).required("service", service);
                      if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
                      return withMechanic(h, [&](Mechanic& m) {
                        auto s = m.repairOpen(epoch, service);
                        if (!s) return ToolResult::error("repair_open: " + s.error().message);
                        auto d = s->diagnostics;
                        if (d.size() > 10) d.resize(10);
                        return ToolResult::ok({{"sandbox", s->status.id}, {"status", toJson(s->status)},
                                               {"epoch", s->epoch}, {"mode", s->mode}, {"branch", s->branch},
                                               {"service_dir", s->serviceDir}, {"path", s->universeDir.string()},
                                               {"build_dir", s->buildDir.string()}, {"diagnostics", toJson(d)},
                                               {"seconds", s->seconds}});
                      });
                    }});
      !r)
    return r;
  if (auto r = add({.name = "repair_view",
                    .title = "View a file in a sandbox",
                    .description = "A 100-line window with line numbers. `line` jumps there; `scroll` up/down moves "
                                   "the window remembered for this sandbox and file.",
                    .annotations = {.readOnly = true, .idempotent = true},
                    .handler = [h](const json& a, mcp::ToolContext&) { return repairView(h, a); }});
      !r)
    return r;
  if (auto r = add({.name = "repair_search",
                    .title = "Search a sandbox",
                    .description = "Literal (or regex) search over the sandbox's files: at most 50 hits; past that, "
                                   "per-file counts and a request to narrow the search.",
                    .annotations = {.readOnly = true, .idempotent = true},
                    .handler = [h](const json& a, mcp::ToolContext&) { return repairSearch(h, a); }});
      !r)
    return r;
  if (auto r = add({.name = "repair_plan",
                    .title = "Record the repair strategy",
                    .description = "Records the strategy (free text) in the repair record and ends the read-only "
                                   "research phase: edits are allowed afterwards.",
                    .handler = [h](const json& a, mcp::ToolContext&) {
                      std::string sb, strategy;
                      ParamReader r(a);
                      r.required("sandbox", sb).required("strategy", strategy);
                      if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
                      return withMechanic(h, [&](Mechanic& m) {
                        auto s = m.repairPlan(sb, strategy);
                        if (!s) return ToolResult::error("repair_plan: " + s.error().message);
                        return ToolResult::ok(toJson(*s));
                      });
                    }});
      !r)
    return r;
  if (auto r = add({.name = "repair_edit",
                    .title = "Edit a file under the guardrails",
                    .description =
                        "Replaces a line range (start_line..end_line) or one exact unique snippet (old_text) in one "
                        "file with new_text. Governance decides first (mode, path, public signatures); the file must "
                        "still parse; cargo check compares errors before and after, and an edit that adds errors "
                        "and fixes none is rolled back. Counts as a repair cycle.",
                    .handler = [h](const json& a, mcp::ToolContext& c) { return repairEdit(h, a, c); }});
      !r)
    return r;
  if (auto r = add({.name = "repair_validate",
                    .title = "Run the gauntlet in a sandbox",
                    .description = "Runs the universe's gates in order (cargo check -> clippy -D warnings -> cargo "
                                   "test), stops at the first red gate, reports progress, honours cancellation. "
                                   "Counts as a repair cycle.",
                    .annotations = {.idempotent = true},
                    .handler = [h](const json& a, mcp::ToolContext& c) {
                      return sandboxCall(h, a, "repair_validate", [&c](Mechanic& m, const std::string& sb) {
                        auto v = m.repairValidate(sb, callContext(c));
                        if (!v) return ToolResult::error("repair_validate: " + v.error().message);
                        return ToolResult::ok({{"gauntlet", toJson(v->gauntlet)}, {"cycles", v->cycles},
                                               {"message", v->message}},
                                              v->message + "\n" + v->gauntlet.summary());
                      });
                    }});
      !r)
    return r;
  if (auto r = add({.name = "repair_commit",
                    .title = "Commit a green sandbox to the cascade",
                    .description = "Prepare phase of the two-phase commit: commits the sandbox (validated green, no "
                                   "edits since) and applies it on the cascade branch.",
                    .handler = [h](const json& a, mcp::ToolContext&) {
                      return sandboxCall(h, a, "repair_commit", [](Mechanic& m, const std::string& sb) {
                        auto c = m.repairCommit(sb);
                        if (!c) return ToolResult::error("repair_commit: " + c.error().message);
                        return ToolResult::ok({{"sandbox_commit", c->sandboxCommit},
                                               {"cascade_commit", c->cascadeCommit}, {"files", c->files}});
                      });
                    }});
      !r)
    return r;
  return add({.name = "repair_abort",
              .title = "Abort a repair",
              .description = "Discards the sandbox (worktree, build dir, branch) and logs the repair as aborted.",
              .annotations = {.destructive = true},
              .handler = [h](const json& a, mcp::ToolContext&) {
                return sandboxCall(h, a, "repair_abort", [](Mechanic& m, const std::string& sb) {
                  auto s = m.repairAbort(sb);
                  if (!s) return ToolResult::error("repair_abort: " + s.error().message);
                  return ToolResult::ok(toJson(*s));
                });
              }});
}

Result<void> registerMechanicPrompts(mcp::Registry& registry) {
  auto one = [](std::string text) -> Result<std::vector<mcp::PromptMessage>> {
    return std::vector<mcp::PromptMessage>{{"user", std::move(text)}};
  };
  auto arg = [](const std::map<std::string, std::string>& a, const char* k) {
    auto it = a.find(k);
    return it == a.end() ? std::string() : it->second;
  };
  if (auto r = registry.addPrompt({.name = "cascade",
                                   .title = "Repair a universe after an intent change",
                                   .description = "The whole workflow: plan, cascade, repair each service, finish.",
                                   .arguments = {{"change", "the intent change, in words (optional)", false}},
                                   .get = [=](const auto& a) { return one(cascadePrompt(arg(a, "change"))); }});
      !r)
    return r;
  if (auto r = registry.addPrompt({.name = "researcher",
                                   .title = "Research a repair (read-only)",
                                   .description = "Investigate one sandbox and record a strategy with repair_plan.",
                                   .arguments = {{"sandbox", "the sandbox id (optional)", false}},
                                   .get = [=](const auto& a) { return one(researcherPrompt(arg(a, "sandbox"))); }});
      !r)
    return r;
  return registry.addPrompt({.name = "coder",
                             .title = "Carry out a repair under the guardrails",
                             .description = "Edit, validate and commit one sandbox after its plan is recorded.",
                             .arguments = {{"sandbox", "the sandbox id (optional)", false}},
                             .get = [=](const auto& a) { return one(coderPrompt(arg(a, "sandbox"))); }});
}

}  // namespace flywheel::tools
