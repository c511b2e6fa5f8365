// Where a universe's files come from: the working tree or a git revision.
//
// Both produce the same thing, the relevant files of the universe as
// (path relative to the root, content) pairs, sorted by path: every
// `intent.lisp` outside .git, target, node_modules and .flywheel, every other
// `*.lisp` file (universe.lisp, macro files). loadUniverseFromFiles does the
// rest, so a working tree and a revision are read by the same code.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace flywheel::universe {

using SourceFiles = std::vector<std::pair<std::string, std::string>>;

/// True for directory names the loader never descends into.
bool isSkippedDirectory(std::string_view name);

/// A relevant file the working-tree reader did not read, and why.
struct SkippedFile {
  std::string path;    ///< relative to the root, '/' separators
  std::string reason;  ///< e.g. "is a symbolic link to /etc/x, outside the universe; ..."
};

/// Reads the working tree under `root` (files larger than kMaxKeptBytes are
/// cut there; the reader reports every file over its limit). Symbolic links
/// are never followed: a `*.lisp` link, or a directory link holding an
/// intent.lisp, is listed in `skipped` (when given) with the reason.
[[nodiscard]] Result<SourceFiles> readWorkingTree(const std::filesystem::path& root, std::vector<SkippedFile>* skipped = nullptr);

/// Why `relative` (a path from universe.lisp, e.g. the macro file) is not
/// among the files read: it leaves the universe (absolute, `..`, or a link
/// resolving outside `root`), is a link, or does not exist. For messages.
std::string whyNotRead(const std::filesystem::path& root, const std::string& relative);

/// Reads the tree of `revision` (any revspec) at the path of `root` inside
/// its repository, from the object database. Sets `commitId` to the
/// resolved commit.
[[nodiscard]] Result<SourceFiles> readRevision(const std::filesystem::path& root, const std::string& revision,
                                 std::string& commitId);

/// Resolves `revision` to a commit id without reading any tree.
[[nodiscard]] Result<std::string> resolveCommit(const std::filesystem::path& root, const std::string& revision);

/// Cheap change detection for the sentinel: (path, size, mtime) of every
/// relevant file and every *.rs file (observed references), sorted; two
/// equal signatures mean nothing changed.
std::vector<std::tuple<std::string, uintmax_t, int64_t>> workingTreeSignature(const std::filesystem::path& root);

}  // namespace flywheel::universe
