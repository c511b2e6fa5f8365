// A session over one universe: the working tree's snapshot (through the
// sentinel) and snapshots of git revisions (cached by commit id), plus the
// diff between any two. The CLI and the graph tools both go through it.
//
// A revision is any revspec ("HEAD", "HEAD~1", a commit id, a branch); the
// working tree is std::nullopt or the word "worktree".
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/error.h"
#include "universe/diff.h"
#include "universe/sentinel.h"

namespace flywheel::universe {

struct RevisionDiff {
  std::shared_ptr<const Snapshot> from;
  std::shared_ptr<const Snapshot> to;
  std::string fromLabel;  // "HEAD (3f2a1c9e)" / "working tree"
  std::string toLabel;
  std::vector<IntentChange> changes;
};

class UniverseSession {
 public:
  explicit UniverseSession(std::filesystem::path root);

  Sentinel& sentinel() { return sentinel_; }
  const std::filesystem::path& root() const { return root_; }

  /// The snapshot of a revision, or of the working tree (re-checked when the
  /// last check is older than `maxAge`). Thread-safe.
  [[nodiscard]] Result<std::shared_ptr<const Snapshot>> snapshot(const std::optional<std::string>& revision,
                                                   std::chrono::milliseconds maxAge = std::chrono::milliseconds(1000));

  /// The intent diff from `from` to `to`.
  [[nodiscard]] Result<RevisionDiff> diff(const std::optional<std::string>& from, const std::optional<std::string>& to);

  /// True for nullopt, "" and "worktree".
  static bool isWorkingTree(const std::optional<std::string>& revision);

 private:
  std::filesystem::path root_;
  Sentinel sentinel_;
  std::mutex cacheMutex_;
  std::map<std::string, std::shared_ptr<const Snapshot>> byCommit_;  // small: a few revisions
};

}  // namespace flywheel::universe
