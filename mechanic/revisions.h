// Which two revisions an intent comparison uses when the caller names
// neither (or only one): one rule for intent_diff, blast_radius,
// cascade_plan and cascade_start, so they never disagree.
//
//   1. uncommitted intent changes (*.lisp) in the working tree: HEAD..worktree;
//   2. else, when a cascade has landed and its commit is an ancestor of HEAD:
//      the commits since it (<landed>..HEAD; empty when nothing came since);
//   3. else the last commit: HEAD~1..HEAD (HEAD..HEAD when HEAD has no parent).
//
// A missing `to` is "worktree" under rule 1 and "HEAD" otherwise; a missing
// `from` follows the rule for that `to` (a commit other than HEAD: its
// parent). Every answer states the choice: "comparing HEAD~1..HEAD (the last
// commit)".
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/error.h"

namespace flywheel::mechanic {

struct RevisionRange {
  std::string from;  ///< a revision git resolves ("HEAD", "HEAD~1", a commit id)
  std::string to;    ///< the same, or "worktree"
  std::string why;   ///< the rule that chose them, in words
  /// "comparing HEAD..worktree (uncommitted intent changes in the working tree)"
  std::string text() const;
};

/// The rule above. `lastLanded` is the commit the newest landed cascade moved
/// the user's branch to (lastLandedCascade), if any. Explicit `from`/`to`
/// are kept as given. Fails when the universe is not inside a git repository.
[[nodiscard]] Result<RevisionRange> chooseRevisions(const std::filesystem::path& universeRoot, std::optional<std::string> from,
                                      std::optional<std::string> to, const std::optional<std::string>& lastLanded);

/// The commit of the newest finished (landed) cascade of the universe, read
/// from <universe>/.flywheel/kb.sqlite; nullopt when there is none (or no
/// state yet: nothing is created).
[[nodiscard]] Result<std::optional<std::string>> lastLandedCascade(const std::filesystem::path& universeRoot);

/// chooseRevisions with the universe's own last landed cascade.
[[nodiscard]] Result<RevisionRange> defaultRevisions(const std::filesystem::path& universeRoot, std::optional<std::string> from,
                                       std::optional<std::string> to);

}  // namespace flywheel::mechanic
