// Helpers shared by Forge's tests: temporary universes and running commands.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "forge/stamper.h"
#include "universe/ir.h"

namespace flywheel::forge::test {

/// The source tree's example universe and Forge's Rust templates.
std::filesystem::path shopDir();
std::filesystem::path templatesDir();

/// A fresh directory under the build dir, removed at destruction.
struct TempDir {
  explicit TempDir(const std::string& name);
  ~TempDir();
  std::filesystem::path path;
};

/// Copies examples/shop (without target/ and .flywheel/) into `dest` and makes it a git repository.
void copyShop(const std::filesystem::path& dest);

/// Runs a shell command in `cwd`; returns its exit code, output in `out` (stdout+stderr).
int run(const std::string& command, const std::filesystem::path& cwd, std::string* out = nullptr);

/// Runs `cargo ARGS` (e.g. "clippy --offline --workspace --all-targets -- -D
/// warnings") in `root` with the target dir the small stamped-universe tests
/// share (warm between them); returns the exit code, output in `out`.
int cargoInSharedTarget(const std::string& args, const std::filesystem::path& root, std::string* out);

std::string readText(const std::filesystem::path& p);
void writeText(const std::filesystem::path& p, const std::string& text);

/// Loads the universe at `root` (working tree); REQUIREs it to load.
universe::LoadedUniverse load(const std::filesystem::path& root);

/// The Stamper over the source tree's templates.
const Stamper& stamper();

/// Stamps the universe at `root` and REQUIREs the stamp to succeed and the
/// stamped workspace to pass `cargo clippy --all-targets -D warnings`.
void requireStampsClippyClean(const std::filesystem::path& root);

}  // namespace flywheel::forge::test
