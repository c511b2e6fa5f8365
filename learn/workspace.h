// What propose and evaluate share: git reads of a commit, the proposal laid
// onto a worktree (as written, or carried to an older state), stamping, and
// the universe's per-crate gates. Internal to learn/.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "learn/learn.h"
#include "mechanic/gauntlet.h"
#include "universe/ir.h"

namespace flywheel::learn::detail {

/// The repository's root and the universe's place in it ("" or "a/b").
struct RepoPlace {
  std::filesystem::path repoRoot;
  std::string prefix;
  std::string withPrefix(const std::string& path) const { return prefix.empty() ? path : prefix + "/" + path; }
};
[[nodiscard]] Result<RepoPlace> repoPlace(const std::filesystem::path& universeRoot);

/// `git show COMMIT:PATH` (PATH relative to the repository); nullopt when the
/// commit has no such file.
[[nodiscard]] Result<std::optional<std::string>> showFile(const std::filesystem::path& repoRoot, const std::string& commit,
                                                          const std::string& path);
/// git with `args` in `cwd`; its stdout, or an error with its stderr.
[[nodiscard]] Result<std::string> git(const std::filesystem::path& cwd, const std::vector<std::string>& args);

/// May a proposal write `path` (universe-relative)? A service's src/*.rs
/// other than generated.rs, an intent.lisp, or universe.lisp; no '..', no
/// absolute path. Returns the reason when not.
std::optional<std::string> refusePath(const std::string& path);

/// Writes the proposal's templates into `universeDir`/<templatesDir>, adding
/// the (templates ...) setting to universe.lisp when missing; returns the
/// folder in effect.
[[nodiscard]] Result<std::string> writeTemplates(const std::filesystem::path& universeDir, const std::string& universeName,
                                                 const std::map<std::string, std::string>& templates);

/// Stamps `universeDir` with the base templates; the files written, or why not.
[[nodiscard]] Result<std::vector<std::string>> stampUniverse(const std::filesystem::path& universeDir,
                                                             const std::filesystem::path& baseTemplates);

/// The per-crate gates of the universe at `universeDir` (e2e excluded).
std::vector<std::string> crateGates(const universe::UniverseSettings& settings);


}  // namespace flywheel::learn::detail
