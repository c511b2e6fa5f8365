// The guarded edit and validation of a sandbox: governance before, syntax and
// a compiler comparison after, rollback when an edit only adds errors.
#include <algorithm>
#include <chrono>
#include <set>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "mechanic/codec.h"
#include "mechanic/governance.h"
#include "mechanic/mechanic.h"
#include "mechanic/paths.h"
#include "universe/rust_syntax.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Multiset difference of diagnostics by key (line numbers shift with edits).
std::vector<CargoDiagnostic> minus(const std::vector<CargoDiagnostic>& a, const std::vector<CargoDiagnostic>& b) {
  std::multiset<std::string> keys;
  for (const auto& d : b) keys.insert(d.key());
  std::vector<CargoDiagnostic> out;
  for (const auto& d : a) {
    auto it = keys.find(d.key());
    if (it != keys.end()) keys.erase(it);
    else out.push_back(d);
  }
  return out;
}

void recordEdit(SandboxRow& row, const std::string& path, const EditSpec& edit, const EditResult& res) {
  json rec = json::parse(row.record, nullptr, false);
  if (!rec.is_object()) rec = json::object();
  json e = {{"at", wallNow()},           {"path", path},
            {"applied", res.applied},    {"errors_before", res.errorsBefore},
            {"errors_after", res.errorsAfter}, {"new_text", edit.newText.substr(0, 4000)},
            {"message", res.message}};
  if (edit.oldText) e["old_text"] = edit.oldText->substr(0, 4000);
  if (edit.startLine) e["start_line"] = *edit.startLine;
  if (edit.endLine) e["end_line"] = *edit.endLine;
  rec["edits"].push_back(e);
  row.record = rec.dump();
}

// Appended to every refusal of an edit: refusals are decided before any
// check runs, so they cost no repair cycle, and the agent should know that.
std::string freeRefusal(const SandboxRow& row, const EpochRow& e) {
  return " This refusal is free: " + cyclesText(row.cycles, e.config.maxRepairCycles) + ".";
}

Error refused(const Error& why, const SandboxRow& row, const EpochRow& e) {
  Error out = why;
  out.message += freeRefusal(row, e);
  return out;
}

}  // namespace

Result<std::vector<CargoDiagnostic>> Mechanic::fastCheck(const SandboxRow& row, const ServicePlan& plan,
                                                         const CallContext& ctx, bool* cancelled) {
  Mode mode = parseMode(plan.mode).value_or(Mode::Newborn);
  auto flag = epochFlag(row.epoch);
  auto epoch = store_->epoch(row.epoch);
  if (!epoch) return fail(epoch.error());
  GauntletSpec spec{.workspaceDir = worktreeUniverse(row.id),
                    .packages = {plan.package},
                    .targetDir = buildDir(row.id),
                    .gateDeadline = epoch->config.gateDeadline(),
                    .cancelFlags = {ctx.cancel, flag.get()},
                    .maxDiagnostics = 100000};
  auto g = runGate(spec, mode == Mode::Polisher ? "clippy" : "check");
  if (!g) return fail(g.error());
  *cancelled = g->stopped;
  std::vector<CargoDiagnostic> out;
  for (auto& d : g->diagnostics)
    if (d.level == "error" || mode == Mode::Polisher) out.push_back(std::move(d));
  return out;
}

Result<EditResult> Mechanic::repairEdit(const std::string& id, const std::string& path, const EditSpec& edit,
                                        const CallContext& ctx) {
  std::lock_guard guard(*sandboxLock(id));
  SandboxRow row;
  EpochRow e;
  ServicePlan plan;
  if (auto r = usableSandbox(id, row, e, plan); !r) return fail(r.error());
  const std::string intentPath = plan.dir + "/intent.lisp";
  if (row.phase != "coding")
    return fail(refused(Error::failedPrecondition(
                            "refused: sandbox " + id + " is in its research phase, which is read-only. Record your "
                            "strategy with repair_plan first (it becomes part of the repair record); then edits are "
                            "allowed."),
                        row, e));
  Mode mode = parseMode(plan.mode).value_or(Mode::Newborn);
  auto cp = confinePath(worktreeUniverse(id), path);
  if (!cp) return fail(refused(cp.error(), row, e));
  if (auto r = mayEditPath(mode, row.service, plan.dir, cp->relative, intentPath); !r)
    return fail(refused(r.error(), row, e));
  std::string before;
  if (fs::exists(cp->absolute)) {
    auto c = readFile(cp->absolute);
    if (!c) return fail(c.error());
    before = std::move(*c);
  }
  auto out = applyEdit(cp->relative, before, edit);
  if (!out) return fail(refused(out.error(), row, e));  // a snippet that does not match
  const bool rust = endsWith(cp->relative, ".rs");
  if (rust) {
    if (auto r = universe::checkRustSyntax(cp->relative, out->content); !r) {
      EditResult res{.path = cp->relative, .cycles = row.cycles};
      res.window = renderWindow(cp->relative, out->content, windowStartFor(out->firstChangedLine));
      res.message = "edit not applied: " + r.error().message + ". The file is unchanged." + freeRefusal(row, e);
      recordEdit(row, cp->relative, edit, res);
      if (auto w = store_->upsertSandbox(row); !w) return fail(w.error());
      return res;
    }
    if (auto r = maySignaturesChange(mode, row.service, cp->relative, universe::publicSignatures(before),
                                     universe::publicSignatures(out->content), intentPath);
        !r)
      return fail(refused(r.error(), row, e));
  }
  if (auto r = haltIfExhausted(row, e); !r) return fail(r.error());
  EditResult res{.path = cp->relative, .cycles = row.cycles};
  res.window = renderWindow(cp->relative, out->content, windowStartFor(out->firstChangedLine));
  bool cancelled = false;
  if (!row.baseline) {
    auto base = fastCheck(row, plan, ctx, &cancelled);
    if (!base) return fail(base.error());
    if (cancelled) return fail(Error::cancelled("cancelled before the edit; nothing changed"));
    row.baseline = std::move(*base);
  }
  if (auto r = writeFileAtomic(cp->absolute, out->content); !r) return fail(r.error());
  auto after = fastCheck(row, plan, ctx, &cancelled);
  if (!after || cancelled) {
    if (auto rb = writeFileAtomic(cp->absolute, before); !rb)
      return fail(Error::io("the edit could not be rolled back (" + rb.error().message + "); " + cp->relative +
                            " may still hold it: repair_view it before anything else"));
    if (!after) return fail(after.error());
    return fail(Error::cancelled("cancelled while checking; the edit was rolled back"));
  }
  res.errorsBefore = static_cast<int>(row.baseline->size());
  res.errorsAfter = static_cast<int>(after->size());
  res.newErrors = minus(*after, *row.baseline);
  auto fixed = minus(*row.baseline, *after);
  // Polisher keeps an edit only when clippy reports fewer findings than before
  // (a count: rewording code can change a finding's key without clearing it).
  const bool polisherRefuses = mode == Mode::Polisher && res.errorsAfter >= res.errorsBefore;
  if ((!res.newErrors.empty() && fixed.empty()) || polisherRefuses) {
    if (auto r = writeFileAtomic(cp->absolute, before); !r) return fail(r.error());
    res.message = polisherRefuses
                      ? "edit not applied: clippy findings " + std::to_string(res.errorsBefore) + " -> " +
                            std::to_string(res.errorsAfter) + " (polisher mode: an edit must clear a warning)"
                      : "edit not applied: it introduced " + std::to_string(res.newErrors.size()) +
                            " new error(s) and fixed none";
    res.message += "; the file is unchanged (" + cyclesText(row.cycles, e.config.maxRepairCycles) +
                   "). The window shows the file as it would have been.";
  } else {
    res.applied = true;
    row.baseline = std::move(*after);
    res.remaining.assign(row.baseline->begin(), row.baseline->begin() + std::min<size_t>(row.baseline->size(), 10));
    row.editSeq += 1;
    res.message = "edit applied to " + cp->relative + "; errors " + std::to_string(res.errorsBefore) + " -> " +
                  std::to_string(res.errorsAfter) + " (" + cyclesText(row.cycles, e.config.maxRepairCycles) + ")";
    res.newErrors.clear();
  }
  recordEdit(row, cp->relative, edit, res);
  if (auto r = store_->upsertSandbox(row); !r) return fail(r.error());
  views_.set(id, cp->relative, res.window.firstLine);
  return res;
}

Result<ValidateResult> Mechanic::repairValidate(const std::string& id, const CallContext& ctx) {
  std::lock_guard guard(*sandboxLock(id));
  SandboxRow row;
  EpochRow e;
  ServicePlan plan;
  if (auto r = usableSandbox(id, row, e, plan); !r) return fail(r.error());
  if (auto r = haltIfExhausted(row, e); !r) return fail(r.error());
  auto flag = epochFlag(row.epoch);
  auto g = runGauntlet({.workspaceDir = worktreeUniverse(id), .packages = {plan.package}, .targetDir = buildDir(id),
                        .gates = e.config.gates, .gateDeadline = e.config.gateDeadline(),
                        .cancelFlags = {ctx.cancel, flag.get()}, .progress = observedProgress(e.id, id, ctx.progress)});
  if (!g) return fail(g.error());
  ValidateResult res{.gauntlet = *g, .cycles = row.cycles};
  if (g->cancelled) {
    res.message = "repair_validate was cancelled; run it again";
    return res;
  }
  row.validatedSeq = row.editSeq;
  row.validatedGreen = g->green;
  json rec = json::parse(row.record, nullptr, false);
  if (!rec.is_object()) rec = json::object();
  rec["validations"].push_back({{"at", wallNow()}, {"green", g->green}, {"summary", g->summary()}});
  rec["last_gates"] = toJson(*g)["gates"];
  row.record = rec.dump();
  if (auto r = store_->upsertSandbox(row); !r) return fail(r.error());
  const std::string used = cyclesText(row.cycles, e.config.maxRepairCycles);
  const int left = e.config.maxRepairCycles - row.cycles;
  const std::string gate = g->green ? std::string() : g->gates.back().gate;
  if (g->green)
    res.message = "all gates passed; repair_commit lands this sandbox on the cascade branch (" + used + ")";
  else if (left > 0)
    res.message = "gate " + gate + " is red; fix it with repair_edit and validate again (" + std::to_string(left) +
                  " repair cycle(s) left: " + used + ")";
  else
    res.message = "gate " + gate + " is red and no repair cycles are left (" + used + "): the next edit or "
                  "validation halts service " + row.service + " and keeps its sandbox for a human. Nothing from it "
                  "can land in this epoch: cascade_abort it, or leave the fix to a human (who can also raise "
                  "(max-repair-cycles N) in universe.lisp and start a new cascade)";
  return res;
}

}  // namespace flywheel::mechanic
