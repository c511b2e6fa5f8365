// Owned worktrees: git worktrees of the universe's repository, each with its
// own cargo target dir and an owner that alone decides when it may go.
//
// A worktree has a name (unique in the universe: "e12-cascade",
// "replay-3-billing"), a kind ("cascade", "sandbox", "replay", ...) and an
// owner ("epoch 12", "learn replay 3"). It lives at
// <universe>/.flywheel/sandboxes/<name>, checked out on a branch at a given
// commit, and builds into <universe>/.flywheel/builds/<name>, which may be
// seeded with a copy of a warm target dir (a copy, never a shared dir: a
// shared target dir can make one worktree look green because of another).
//
// Ownership is durable: open() writes <universe>/.flywheel/worktrees/<name>.json
// atomically before it creates anything, and remove() deletes that manifest
// last, so a crash at any instant leaves a manifest naming the owner of
// whatever is on disk. Crash clean-up asks each owner: the mechanic judges
// only the worktrees owned by epochs ("epoch N"); a worktree owned by
// anything else survives it until its owner removes it (remove, removeDead).
// A directory without a manifest predates owned worktrees (the mechanic made
// it) and is judged by the mechanic too.
//
// Usage:
//   Worktrees wts(repoRoot, universeRoot / ".flywheel");
//   auto wt = wts.open({.name = "replay-3", .kind = "replay", .owner = "learn replay 3",
//                       .commit = start, .seedBuildFrom = warmTargetDir});
//   ... run cargo in wt->universeDir with CARGO_TARGET_DIR = wt->buildDir ...
//   wts.remove("replay-3");
//
// Threads: a Worktrees is a few paths and holds no state; calls for distinct
// names may run concurrently (git's own lock files guard the refs). Callers
// that create and remove the same names from several threads serialise them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace flywheel::mechanic {

struct WorktreeSpec {
  std::string name;   ///< [A-Za-z0-9][A-Za-z0-9._-]*, at most 100 characters
  std::string kind;   ///< what it is for: "cascade", "sandbox", "replay", ...
  std::string owner;  ///< who decides when it is dead: "epoch 12", "learn replay 3"
  std::string commit;  ///< the commit to check out (40 hex digits)
  /// refs/heads/<branch> is created (or moved) at `commit` and checked out.
  /// Empty: a branch of its own, flywheel/wt/<name>, deleted by remove().
  std::string branch;
  /// A warm cargo target dir to copy into the new build dir (empty = cold).
  /// An existing build dir of the same name is kept as it is.
  std::filesystem::path seedBuildFrom;
};

struct WorktreeInfo {
  std::string name, kind, owner, branch, commit;
  bool ownsBranch = false;  ///< remove() deletes the branch (it made it)
  bool hasManifest = false;  ///< false: a directory from before owned worktrees
  bool worktreeExists = false;
  bool buildDirExists = false;
  std::filesystem::path path;         ///< the worktree's root (the repository's working tree)
  std::filesystem::path universeDir;  ///< the universe inside it
  std::filesystem::path buildDir;     ///< its own CARGO_TARGET_DIR
  double createdAt = 0;
};

/// "epoch 12": the owner string of the mechanic's epochs.
std::string epochOwner(std::int64_t epoch);
/// 12 for "epoch 12"; nullopt for any other owner.
std::optional<std::int64_t> ownerEpoch(const std::string& owner);

class Worktrees {
 public:
  /// `repoRoot`: the repository's working directory; `stateDir`: the
  /// universe's .flywheel directory; `prefix`: the universe root relative to
  /// repoRoot ("" or "a/b").
  Worktrees(std::filesystem::path repoRoot, std::filesystem::path stateDir, std::string prefix = "");

  std::filesystem::path path(const std::string& name) const;
  std::filesystem::path universeDir(const std::string& name) const;
  std::filesystem::path buildDir(const std::string& name) const;

  /// Creates the worktree (see WorktreeSpec). A worktree of the same name and
  /// owner is replaced (its build dir kept); one of another owner is an
  /// error naming that owner.
  [[nodiscard]] Result<WorktreeInfo> open(const WorktreeSpec& spec) const;

  /// Every worktree the universe has: each manifest, and each directory under
  /// sandboxes/ or builds/ without one; sorted by name. An unreadable
  /// manifest lists with an empty owner (nobody's clean-up removes it).
  [[nodiscard]] Result<std::vector<WorktreeInfo>> list() const;
  /// The named worktree; nullopt when nothing of that name exists.
  [[nodiscard]] Result<std::optional<WorktreeInfo>> find(const std::string& name) const;

  /// Removes the worktree, its build dir, its own branch (ownsBranch) and
  /// then its manifest. Removing what does not exist succeeds.
  [[nodiscard]] Result<void> remove(const std::string& name) const;

  /// Removes every worktree with a manifest for which `isDead` says so (an
  /// owner's clean-up of its own worktrees); returns what it removed.
  [[nodiscard]] Result<std::vector<WorktreeInfo>> removeDead(const std::function<bool(const WorktreeInfo&)>& isDead) const;

 private:
  std::filesystem::path manifestPath(const std::string& name) const;
  [[nodiscard]] Result<std::optional<WorktreeInfo>> readManifest(const std::string& name) const;
  WorktreeInfo describe(const std::string& name) const;

  std::filesystem::path repoRoot_, stateDir_;
  std::string prefix_;
};

}  // namespace flywheel::mechanic
