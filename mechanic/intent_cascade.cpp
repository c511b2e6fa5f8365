#include "mechanic/intent_cascade.h"

#include <algorithm>

#include "forge/stamper.h"
#include "mechanic/mechanic.h"
#include "mechanic/revisions.h"
#include "forge/template_set.h"
#include "mechanic/git.h"
#include "universe/blast.h"
#include "universe/diff.h"
#include "universe/graph.h"
#include "universe/ir.h"
#include "universe/plan.h"
#include "universe/reality.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;

namespace {

bool isWorktree(const std::optional<std::string>& rev) { return !rev || rev->empty() || *rev == "worktree"; }

std::string firstErrors(const universe::Diagnostics& diags) {
  std::string out;
  int n = 0;
  for (const auto& d : diags)
    if (d.severity == universe::Severity::Error && n++ < 5) out += "\n  " + d.toString();
  return out;
}

/// Stamps the whole universe, exactly as `flywheel stamp` does: every
/// service whose forge input changed is rewritten (a dependent's generated.rs
/// records its dependencies' input hashes, so its header changes too), and
/// the rest is verified unchanged. So after the cascade lands, `flywheel
/// stamp` writes nothing.
StampFn makeStamp(const fs::path& templatesDir) {
  return [templatesDir](const fs::path& root) -> Result<std::vector<std::string>> {
    auto stamper = forge::Stamper::create(templatesDir);
    if (!stamper) return fail(stamper.error());
    auto loaded = universe::loadUniverse(root);
    if (!loaded) return fail(loaded.error());
    auto report = stamper->stamp(*loaded, {});
    if (!report) return fail(report.error());
    std::vector<std::string> written;
    for (const auto& f : report->files) {
      if (f.status == forge::FileStatus::Refused)
        return fail(Error::failedPrecondition("forge refused to stamp " + f.path + ": " + f.reason));
      if (f.status != forge::FileStatus::Unchanged) written.push_back(f.path);
    }
    if (!report->problems.empty() && universe::hasErrors(report->problems))
      return fail(Error::failedPrecondition("forge could not stamp:" + firstErrors(report->problems)));
    return written;
  };
}

}  // namespace

Result<IntentCascade> planIntentCascade(const fs::path& root, const std::optional<std::string>& from,
                                        const std::optional<std::string>& to, const fs::path& templatesDir) {
  auto before = universe::loadUniverse(root, isWorktree(from) ? std::nullopt : from);
  if (!before) return fail(before.error());
  auto after = universe::loadUniverse(root, isWorktree(to) ? std::nullopt : to);
  if (!after) return fail(after.error());
  if (!after->ok())
    return fail(Error::failedPrecondition("the intents at " + (isWorktree(to) ? std::string("the working tree") : *to) +
                                          " have errors; fix them before starting a cascade:" +
                                          firstErrors(after->diagnostics)));
  IntentCascade out;
  out.from = isWorktree(from) ? "working tree" : *from;
  out.to = isWorktree(to) ? "working tree" : *to;
  auto changes = universe::diffUniverses(before->universe, after->universe);
  if (changes.empty())
    return fail(Error::failedPrecondition("no intent change between " + out.from + " and " + out.to +
                                          "; nothing to cascade (intent_diff shows the changes)"));
  for (const auto& c : changes) out.changes.push_back(c.summary());
  auto graph = universe::Graph::build(after->universe);
  // Code that references a changed symbol without declaring it (observed edges) is affected too.
  universe::RealityCache codeCache;
  graph.setObserved(universe::scanReality(after->universe.root, after->universe, graph, &codeCache).edges);
  auto cs = universe::changeSetOf(changes);
  cs.skipUnknown = true;
  auto br = universe::blastRadius(graph, cs);
  if (!br) return fail(br.error());
  // Every service whose intent changed is stamped and checked, compatible
  // changes too: a new type or a governance change lands the same way.
  for (const auto& c : changes) {
    auto id = graph.findService(c.service);
    if (!id || std::any_of(br->services.begin(), br->services.end(), [&](const auto& s) { return s.id == *id; }))
      continue;
    br->services.push_back({*id, 0, universe::kNoSymbol, *id});
  }
  auto plan = universe::cascadePlan(after->universe, graph, *br);
  if (!plan) return fail(plan.error());
  for (const auto& step : plan->steps) {
    const auto* svc = after->universe.findService(graph.serviceName(step.service));
    if (!svc) continue;
    out.spec.services.push_back({svc->name, svc->dir, svc->crateName,
                                 std::string(universe::governanceName(svc->governance)),
                                 static_cast<int>(step.wave)});
  }
  const auto& settings = after->universe.settings;
  out.spec.config.gates.clear();
  // The per-crate gates; e2e is the cascade's (cascade_finish runs it once,
  // after every crate is green), so it travels as its command.
  for (auto g : settings.gates) {
    if (g != universe::Gate::E2e) out.spec.config.gates.emplace_back(universe::gateName(g));
    else out.spec.config.e2eCommand = settings.e2eCommand.value_or("");
  }
  out.spec.config.maxRepairCycles = settings.maxRepairCycles;
  for (const auto& line : out.changes) out.spec.intentChange += (out.spec.intentChange.empty() ? "" : "\n") + line;
  out.spec.includeWorkingTree = isWorktree(to);
  out.spec.stamp = makeStamp(templatesDir);
  // For the repair log: the revisions as commit ids, the templates' fingerprint.
  auto commitOf = [&](const std::optional<std::string>& rev) -> std::string {
    if (isWorktree(rev)) return "worktree";
    auto repo = GitRepo::discover(root);
    auto id = repo ? repo->resolve(*rev) : Result<std::string>(fail(repo.error()));
    return id ? *id : *rev;
  };
  out.spec.intentFrom = commitOf(from);
  out.spec.intentTo = commitOf(to);
  // The templates that stamp this universe: the base set and its own folder.
  if (auto stamper = forge::Stamper::create(templatesDir))
    if (auto templates = stamper->templatesFor(after->universe)) out.spec.templatesFingerprint = templates->fingerprint();
  return out;
}

Result<IntentCascadeStart> startIntentCascade(Mechanic& m, std::optional<std::string> from,
                                              std::optional<std::string> to, const fs::path& templatesDir,
                                              const CallContext& ctx) {
  auto range = defaultRevisions(m.universeRoot(), std::move(from), std::move(to));
  if (!range) return fail(range.error());
  auto plan = planIntentCascade(m.universeRoot(), range->from, range->to, templatesDir);
  if (!plan) return fail(Error{plan.error().code, range->text() + ": " + plan.error().message});
  auto st = m.cascadeStart(plan->spec, ctx);
  if (!st) return fail(st.error());
  return IntentCascadeStart{std::move(*st), std::move(plan->changes), range->text()};
}

}  // namespace flywheel::mechanic
