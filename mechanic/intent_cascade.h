// From an intent change to a cascade: the bridge between the universe
// (diff, blast radius, cascade plan), Forge (stamping) and the mechanic.
//
// planIntentCascade loads the universe at two revisions (the working tree is
// std::nullopt or "worktree"), diffs the intents, computes the blast radius
// of the breaking changes and its cascade plan, and returns a
// CascadeStartSpec: the affected services in wave order with their
// governance, the universe's gates and max-repair-cycles, a summary of the
// change, and a stamp function that runs Forge on the cascade worktree.
//
// Every intent change goes through a cascade, compatible ones too: the
// services checked are those the breaking changes reach (blast radius) and
// every service whose intent changed at all. When they are all green the
// repair queue has nothing broken and cascade_finish lands the change with
// no agent involved.
//
// The stamp covers the whole universe, as `flywheel stamp` does: Forge's
// input hash of a service covers its dependencies' intents (a dependent's
// generated.rs header changes when an upstream intent does), so stamping
// only the affected services would leave headers that the next `flywheel
// stamp` rewrites. Services whose files changed only in that header are
// not checked at start; cascade_finish's whole-workspace gauntlet checks
// them before anything lands.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "mechanic/types.h"

namespace flywheel::mechanic {

struct IntentCascade {
  CascadeStartSpec spec;
  std::vector<std::string> changes;  ///< one summary line per intent change
  std::string from, to;              ///< labels of the two revisions
};

/// `templatesDir` is Forge's Rust template directory. Fails when a revision
/// does not resolve, when the target revision's intents have errors, or when
/// the intents did not change at all (nothing to cascade).
[[nodiscard]] Result<IntentCascade> planIntentCascade(const std::filesystem::path& universeRoot,
                                        const std::optional<std::string>& from,
                                        const std::optional<std::string>& to,
                                        const std::filesystem::path& templatesDir);

class Mechanic;

/// What cascade_start (and the daemon's sentinel) gets back.
struct IntentCascadeStart {
  CascadeStatus status;
  std::vector<std::string> changes;  ///< one summary line per intent change
  std::string comparing;             ///< "comparing HEAD~1..HEAD (the last commit)"
};

/// The cascade-start policy, one for every caller: the default revisions
/// (revisions.h) when `from`/`to` are absent, the plan above with the
/// templates in `templatesDir` (empty: built in), then Mechanic::cascadeStart.
/// Errors name the step that failed and the revisions compared.
[[nodiscard]] Result<IntentCascadeStart> startIntentCascade(Mechanic& mechanic, std::optional<std::string> from,
                                                            std::optional<std::string> to,
                                                            const std::filesystem::path& templatesDir,
                                                            const CallContext& ctx);

}  // namespace flywheel::mechanic
