// The git operations the mechanic needs, over libgit2.
//
// A cascade lives on branches and worktrees of the user's repository: the
// cascade branch `flywheel/e<N>/cascade` (worktree under
// <universe>/.flywheel/sandboxes/e<N>-cascade) and one branch plus worktree
// per repaired service. GitRepo wraps one libgit2 repository handle and
// exposes only what the cascade needs: branches, worktrees, commits of a
// worktree's changes, cherry-picks onto a branch, a compare-and-swap branch
// update (the commit point of the two-phase commit), a safe checkout of the
// user's working tree, per-file diffs for the repair log, and refs that keep
// the repair log's commits reachable (refs/flywheel/log/...).
//
// Commit ids travel as 40-character hex strings. Threads: a GitRepo is one
// handle; use it from one thread at a time.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

struct git_repository;

namespace flywheel::mechanic {

class GitRepo {
 public:
  /// Opens the repository containing `path` (searching upwards).
  [[nodiscard]] static Result<GitRepo> discover(const std::filesystem::path& path);
  /// Opens exactly the repository (or worktree) at `path`.
  [[nodiscard]] static Result<GitRepo> open(const std::filesystem::path& path);

  GitRepo(GitRepo&&) noexcept;
  GitRepo& operator=(GitRepo&&) noexcept;
  ~GitRepo();

  /// The working directory (with a trailing component, canonical).
  std::filesystem::path workdir() const;
  /// The commondir's path (.git of the main repository).
  std::filesystem::path commonDir() const;

  /// "refs/heads/main" for an attached HEAD; an error for a detached one.
  [[nodiscard]] Result<std::string> headBranchRef() const;
  /// The commit a ref or revision ("HEAD", "refs/heads/x", a hex id) names.
  [[nodiscard]] Result<std::string> resolve(const std::string& rev) const;
  /// True when the index or working tree differ from HEAD at any of `paths`
  /// (relative to the workdir; empty = anywhere; untracked files count).
  [[nodiscard]] Result<bool> isDirty(const std::vector<std::string>& paths = {}) const;
  /// Workdir-relative paths with staged, unstaged or untracked changes.
  [[nodiscard]] Result<std::vector<std::string>> dirtyPaths() const;

  /// Creates (or, with force, moves) refs/heads/<branch> at `commit`.
  [[nodiscard]] Result<void> createBranch(const std::string& branch, const std::string& commit, bool force = false);
  [[nodiscard]] Result<void> deleteBranch(const std::string& branch);

  /// Adds a worktree named `name` at `path` checked out on refs/heads/<branch>.
  [[nodiscard]] Result<void> addWorktree(const std::string& name, const std::filesystem::path& path, const std::string& branch);
  /// Removes the worktree's directory and its administrative files.
  [[nodiscard]] Result<void> removeWorktree(const std::string& name, const std::filesystem::path& path);
  /// Names of the repository's registered worktrees.
  [[nodiscard]] Result<std::vector<std::string>> worktrees() const;

  /// In this repository's working tree (a worktree): stages every change
  /// under `pathspec` (empty = everything) and commits on HEAD. Returns the new
  /// commit, or the current HEAD when nothing changed (and `changed` false).
  [[nodiscard]] Result<std::string> commitAll(const std::string& message, const std::string& pathspec, bool* changed = nullptr);

  /// Applies `commit`'s change (against its first parent) on top of
  /// refs/heads/<branch> as a new commit; a conflict is an error naming files.
  [[nodiscard]] Result<std::string> cherryPickOnto(const std::string& commit, const std::string& branch);

  /// Atomically moves `ref` from `expectedOld` to `newCommit`; fails with
  /// "conflict" when the ref no longer points at `expectedOld`.
  [[nodiscard]] Result<void> compareAndSwapRef(const std::string& ref, const std::string& expectedOld,
                                 const std::string& newCommit, const std::string& logMessage);

  /// Creates or moves `ref` (a full name, "refs/flywheel/log/...") to
  /// `commit` unconditionally: keeps the commit reachable after branches go.
  [[nodiscard]] Result<void> setRef(const std::string& ref, const std::string& commit, const std::string& logMessage);

  /// Brings the index and working tree from `fromCommit`'s tree to
  /// `toCommit`'s, refusing (before touching anything) when a file it must
  /// change has local modifications. `force` overwrites (for worktrees only
  /// flywheel writes to). `dryRun` only checks that the checkout would succeed.
  [[nodiscard]] Result<void> checkoutTree(const std::string& fromCommit, const std::string& toCommit, bool force = false,
                            bool dryRun = false);

  /// Unified diff of each changed file between two commits (path → patch).
  [[nodiscard]] Result<std::map<std::string, std::string>> diffFiles(const std::string& fromCommit, const std::string& toCommit) const;
  /// True when `ancestor` is `commit` or reachable from it.
  [[nodiscard]] Result<bool> isAncestor(const std::string& ancestor, const std::string& commit) const;
  /// Paths changed between two commits.
  [[nodiscard]] Result<std::vector<std::string>> changedPaths(const std::string& fromCommit, const std::string& toCommit) const;

  git_repository* raw() const { return repo_; }

 private:
  explicit GitRepo(git_repository* r) : repo_(r) {}
  git_repository* repo_ = nullptr;
};

/// The text of libgit2's last error, prefixed with what was being done.
Error gitError(const std::string& what);

}  // namespace flywheel::mechanic
