// The mechanic tool group: the cascade_* tools over mechanic/ (see
// mechanic/mechanic.h), the repair_* tools (tools/repair_tools.cpp) and the
// `cascade`, `researcher` and `coder` prompts.
//
// The process's one Mechanic (tools/services.h), opened at registration so
// crash leftovers are found and logged (stderr) at start-up; a universe outside git only makes the
// tools answer with the reason. Handlers decode typed params, call the domain,
// and encode; refusals and failures are isError results whose text names the
// rule, what is allowed and what to do. Long calls report progress and pass
// the request's cancel flag down to cargo.
#include <cmath>
#include <functional>
#include <iostream>

#include "forge/template_set.h"
#include "mechanic/intent_cascade.h"
#include "mechanic/prompts.h"
#include "tools/mechanic_support.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using mcp::ParamReader;
using mcp::ToolResult;
using namespace flywheel::mechanic;
using namespace flywheel::tools::mechanic_detail;

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
          {"gates", s.gates},
          {"e2e", s.e2eCommand.empty() ? json(nullptr)
                                       : json{{"command", s.e2eCommand},
                                              {"state", s.e2e.state},
                                              {"seconds", std::round(s.e2e.seconds * 100) / 100},
                                              {"note", s.e2e.note}}},
          {"preempted", s.preempted},
          {"leftovers", leftoversJson(m.leftovers())},
          {"seconds", s.seconds}};
}

/// The next call the queue asks for, as text.
std::string nextStep(const CascadeStatus& s) {
  const std::string epoch = std::to_string(s.epoch);
  if (s.state == "finished") return "landed: " + s.userRef + " is at " + s.headCommit.substr(0, 12);
  if (s.state != "open") return "epoch " + epoch + " is " + s.state + "; start a new cascade if work remains";
  for (const auto& q : s.queue) {
    if (q.status != "broken") continue;
    bool open = false;
    for (const auto& sb : s.sandboxes)
      if (sb.service == q.service && sb.state == "open") open = true;
    return open ? "continue in the open sandbox of " + q.service + " (repair_edit, repair_validate, repair_commit)"
                : "repair_open {\"epoch\": " + epoch + ", \"service\": \"" + q.service + "\"}";
  }
  return "nothing is broken: cascade_finish {\"epoch\": " + epoch + "}";
}

/// The epoch, its queue (with each broken service's first diagnostics) and
/// its sandboxes, compactly: what a client that shows only text needs.
std::string statusText(const CascadeStatus& s) {
  std::string out = "epoch " + std::to_string(s.epoch) + " (" + s.state + ") of " + s.userRef + " from " +
                    s.baseCommit.substr(0, 12) + "; cascade branch " + s.cascadeBranch + "\n";
  if (s.supersededBy) out += "superseded by epoch " + std::to_string(*s.supersededBy) + "\n";
  out += "queue, in wave order:\n";
  for (const auto& q : s.queue) {
    out += "  wave " + std::to_string(q.wave) + " " + q.service + ": " + q.status;
    if (!q.gate.empty() && q.status == "broken")
      out += " (gate " + q.gate + ", " + std::to_string(q.errors) + " error(s))";
    out += ", mode " + q.mode + (q.note.empty() ? "" : "; " + q.note) + "\n";
    if (q.status != "broken" || out.size() > 12000) continue;
    auto first = q.diagnostics;
    if (first.size() > 3) first.resize(3);
    out += diagnosticsText(first, 1500);
  }
  if (!s.e2eCommand.empty()) {
    out += "e2e gate `" + s.e2eCommand + "` (runs in cascade_finish once every crate is green): " + s.e2e.state + "\n";
    if (s.e2e.state != "passed" && !s.e2e.note.empty()) out += s.e2e.note.substr(0, 4500) + "\n";
  }
  for (const auto& sb : s.sandboxes)
    out += "sandbox " + sb.id + ": " + sb.state + " (" + sb.phase + ", " + std::to_string(sb.cycles) + " of " +
           std::to_string(sb.maxCycles) + " repair cycles used)\n";
  return out + "next: " + nextStep(s) + "\n";
}

ToolResult cascadeStart(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  std::optional<std::string> from, to;
  ParamReader r(args);
  r.optional("from", from).optional("to", to);
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    auto started = startIntentCascade(m, from, to, forge::TemplateSet::rustDir(h->config().sourceDir), callContext(ctx));
    if (!started) return ToolResult::error("cascade_start: " + started.error().message);
    json out = statusJson(started->status, m);
    out["changes"] = started->changes;
    out["comparing"] = started->comparing;
    std::string text = started->comparing + "\n" + std::to_string(started->changes.size()) + " intent change(s):\n";
    for (const auto& c : started->changes) text += "  " + c + "\n";
    return ToolResult::ok(out, text + statusText(started->status));
  });
}

/// Decodes {epoch} (required or optional) and runs `f`.
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

ToolResult cascadeStatus(const Holder& h, const json& args, mcp::ToolContext&) {
  return epochCall(h, args, false, [](Mechanic& m, std::optional<std::int64_t> e) {
    auto st = m.cascadeStatus(e);
    if (!st) return ToolResult::error("cascade_status: " + st.error().message);
    return ToolResult::ok(statusJson(*st, m), statusText(*st));
  });
}

ToolResult cascadeFinish(const Holder& h, const json& args, mcp::ToolContext& ctx) {
  return epochCall(h, args, true, [&ctx, &h](Mechanic& m, std::optional<std::int64_t> e) {
    auto f = m.cascadeFinish(*e, callContext(ctx));
    if (!f) return ToolResult::error("cascade_finish: " + f.error().message);
    std::string remembered;
    if (f->landed) {
      auto st = m.cascadeStatus(*e);
      // The mechanic's observer remembered it as it landed; only a mechanic
      // opened without that observer leaves it to this call.
      Result<void> r;
      if (auto done = h->memories().landedOutcome(*e)) {
        if (!done->empty()) r = fail(Error::io(*done));
      } else {
        r = st ? h->memories().rememberCascade(*st, *f) : Result<void>(fail(st.error()));
      }
      remembered = r ? "\n(the cascade is remembered in the knowledge base: kb_search finds it)"
                     : "\n(could not remember the cascade in the knowledge base: " + r.error().message + ")";
    }
    json out = {{"landed", f->landed},       {"user_ref", f->userRef}, {"old_commit", f->oldCommit},
                {"new_commit", f->newCommit}, {"message", f->message}, {"gauntlet", toJson(f->gauntlet)}};
    ToolResult tr = ToolResult::ok(out, f->message + (f->landed ? remembered : "\n" + f->gauntlet.details()));
    tr.isError = !f->landed;
    return tr;
  });
}

ToolResult cascadeAbort(const Holder& h, const json& args, mcp::ToolContext&) {
  std::optional<std::int64_t> epoch;
  bool clean = false;
  std::vector<std::string> deprecated;
  ParamReader r(args);
  r.optional("epoch", epoch);
  optionalRenamed(r, args, "cleanLeftovers", "clean_leftovers", clean, deprecated);
  if (!epoch && !clean) r.invalid("epoch", "is required unless cleanLeftovers is true");
  if (auto e = r.finish(); !e) return ToolResult::fromError(e.error());
  return withMechanic(h, [&](Mechanic& m) {
    json out = json::object();
    std::string text;
    if (clean) {
      auto c = m.cleanLeftovers();
      if (!c) return ToolResult::error("cascade_abort: " + c.error().message);
      out["cleaned"] = leftoversJson(*c);
      text += std::to_string(c->size()) + " crash leftover(s) removed\n";
      for (const auto& l : *c) text += "  [" + l.kind + "] " + l.what + "\n";
    }
    if (epoch) {
      auto st = m.cascadeAbort(*epoch);
      if (!st) return ToolResult::error("cascade_abort: " + st.error().message);
      out["status"] = statusJson(*st, m);
      text += "epoch " + std::to_string(*epoch) + " is " + st->state + ": its processes are stopped and its "
              "worktrees, build dirs and branches removed (halted sandboxes are kept for a human); your branch and "
              "working tree are untouched\n";
    }
    return ToolResult::ok(out, text + deprecationNote(deprecated));
  });
}

std::vector<MechanicTool> cascadeTools() {
  return {
      {"cascade_start", "Start a repair cascade",
       "Opens a new epoch for an intent change (by default the same revisions as intent_diff: uncommitted "
       "intent changes if any, else the commits since the last landed cascade, else HEAD~1..HEAD; stated in "
       "`comparing`; compatible changes cascade too): a cascade branch and worktree, Forge stamps the universe "
       "there, the gauntlet runs on every affected or changed crate, and the repair queue comes back in wave "
       "order with compact diagnostics (a missing item carries the `required` declaration from generated.rs and "
       "the `intent` form that asked for it). An empty queue means cascade_finish can land it with no repair. "
       "Preempts older epochs touching the same services. Never touches your branch or working tree.",
       {.destructive = false}, cascadeStart},
      {"cascade_status", "Show a cascade",
       "The epoch's state, repair queue, sandboxes, gates (with the e2e gate's last verdict) and crash leftovers "
       "(newest epoch when none is given).",
       {.readOnly = true, .idempotent = true}, cascadeStatus},
      {"cascade_finish", "Land a cascade (two-phase commit)",
       "Re-runs the gauntlet on the whole cascade, then the universe's e2e gate (its black-box command) when it "
       "declares one; only if green and the epoch is still current, moves your branch to the cascade in one "
       "atomic ref update and updates the working tree. Anything else (red gate, failed e2e, stale epoch, your "
       "branch moved) changes nothing.",
       {.destructive = false}, cascadeFinish},
      {"cascade_abort", "Abort a cascade",
       "Discards an epoch: stops its cargo runs, removes its worktrees, build dirs and branches (halted sandboxes "
       "are kept for a human). With cleanLeftovers, also removes crash leftovers. Your branch and working tree are "
       "never touched.",
       {.destructive = true, .idempotent = true}, cascadeAbort},
  };
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

/// Logs crash leftovers found at start-up to stderr (stdout is the protocol
/// channel in stdio mode), or why the mechanic cannot run on this universe.
void logStartup(MechanicHolder& holder) {
  auto m = holder.get();
  if (!m) {
    std::cerr << "flywheel: mechanic: the cascade_* and repair_* tools cannot run on universe "
              << holder.config().universeRoot.string() << ": " << m.error().message << "\n";
    return;
  }
  auto leftovers = (*m)->leftovers();
  if (leftovers.empty()) return;
  std::cerr << "flywheel: mechanic: " << leftovers.size()
            << " crash leftover(s) found; cascade_status lists them, cascade_abort {cleanLeftovers: true} cleans "
               "them:\n";
  for (const auto& l : leftovers)
    std::cerr << "flywheel: mechanic:   [" << l.kind << "] " << l.what << " (" << l.path.string() << ")\n";
}

}  // namespace

Result<void> registerMechanicTools(mcp::Registry& registry, const Services& services) {
  if (!services.mechanic || !services.memories)
    return fail(Error::internal("the mechanic tools need the mechanic and repair-memory handles"));
  auto h = std::make_shared<MechanicHolder>(services);
  logStartup(*h);
  if (auto r = registerMechanicToolList(registry, h, cascadeTools()); !r) return r;
  if (auto r = registerMechanicToolList(registry, h, repairTools()); !r) return r;
  return registerMechanicPrompts(registry);
}

}  // namespace flywheel::tools
