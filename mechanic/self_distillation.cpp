// Self-distillation's commit rule: a green variant lands on the cascade
// branch only when `cargo bench` improves on the cascade's current code.
#include <nlohmann/json.hpp>

#include "mechanic/bench_gate.h"
#include "mechanic/governance.h"
#include "mechanic/mechanic.h"

namespace flywheel::mechanic {
using nlohmann::json;

Result<void> Mechanic::requireBenchGain(SandboxRow& row, const EpochRow& e, const ServicePlan& plan,
                                        const CallContext& ctx) {
  const std::string intentPath = plan.dir + "/intent.lisp";
  const std::string cascade = cascadeWorktreeName(e.id);
  auto flag = epochFlag(row.epoch);
  GauntletSpec base{.workspaceDir = worktreeUniverse(cascade), .packages = {plan.package},
                    .targetDir = buildDir(cascade), .gateDeadline = e.config.gateDeadline(),
                    .cancelFlags = {ctx.cancel, flag.get()}};
  GauntletSpec variant = base;
  variant.workspaceDir = worktreeUniverse(row.id);
  variant.targetDir = buildDir(row.id);
  auto before = runBenches(base);
  if (!before) return fail(before.error());
  auto after = runBenches(variant);
  if (!after) return fail(after.error());
  if (before->stopped || after->stopped)
    return fail(Error::cancelled("stopped while benchmarking; nothing landed, commit again"));
  auto refuse = [&](const std::string& why) {
    return fail(governanceRefusal(Mode::SelfDistillation, row.service,
                                  "keeping this variant (" + why + "); the sandbox stays open for another variant",
                                  intentPath));
  };
  if (!after->built) return refuse("cargo bench fails on the variant: " + after->note);
  if (!before->built)
    return refuse("the baseline on the cascade branch does not build under cargo bench, so no gain can be shown: " +
                  before->note);
  if (before->nsPerIter.empty())
    return refuse("package " + plan.package + " has no benchmarks: cargo bench printed no `test NAME ... bench: N "
                  "ns/iter` line; add a bench target first");
  auto verdict = compareBenches(before->nsPerIter, after->nsPerIter);
  json rec = json::parse(row.record, nullptr, false);
  if (!rec.is_object()) rec = json::object();
  rec["benchmarks"] = {{"baseline_ns", before->nsPerIter}, {"variant_ns", after->nsPerIter},
                       {"ratio", verdict.ratio}, {"improved", verdict.improved}};
  row.record = rec.dump();
  if (auto r = store_->upsertSandbox(row); !r) return fail(r.error());
  if (!verdict.improved) return refuse("cargo bench did not improve:\n" + verdict.summary + "\n");
  return {};
}

}  // namespace flywheel::mechanic
