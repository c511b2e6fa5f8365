// Test fixtures: small real cargo workspaces in real git repositories.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

#include "core/process.h"
#include "forge/stamper.h"
#include "mechanic/types.h"
#include "universe/ir.h"

namespace flywheel::mechanic::testing {

namespace fs = std::filesystem;

inline void writeText(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
}

inline std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Runs git in `dir`; returns stdout (trimmed of one trailing newline).
inline std::string git(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "git");
  auto r = runProcess({.argv = args, .cwd = dir});
  if (!r || r->exitCode != 0) return "<git failed: " + (r ? r->err : r.error().message) + ">";
  std::string out = r->out;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

/// A git repository (branch main, one commit) holding a copy of
/// examples/shop without build output, at a fresh temporary path named after
/// `prefix` and this process.
inline fs::path copyShopRepo(const std::string& prefix) {
  fs::path root = fs::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::copy(fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop", root, fs::copy_options::recursive);
  fs::remove_all(root / "target");
  fs::remove_all(root / ".flywheel");
  git(root, {"init", "-q", "-b", "main"});
  git(root, {"add", "-A"});
  git(root, {"commit", "-q", "-m", "shop"});
  return root;
}

/// Stamps the universe at `root` (`services`: only those; empty: all) with
/// the built-in Rust templates of the source tree, and requires it to succeed.
inline void stampUniverse(const fs::path& root, std::vector<std::string> services = {}) {
  auto stamper = forge::Stamper::create(fs::path(FLYWHEEL_SOURCE_DIR) / "forge/templates/rust");
  REQUIRE(stamper);
  auto loaded = universe::loadUniverse(root);
  REQUIRE(loaded);
  auto report = stamper->stamp(*loaded, {.services = std::move(services)});
  REQUIRE(report);
  INFO(report->problems.size() << " stamping problems");
  REQUIRE(report->ok());
}

/// A warm target dir shared by tests that build the same fixture sources.
/// Cargo keys artifacts by package path, so distinct copies never collide.
inline fs::path sharedTargetDir(const std::string& name) {
  return fs::temp_directory_path() / ("flywheel-mechanic-test-target-" + name);
}

/// A Forge stand-in for TinyWorkspace: alpha::answer becomes i64, so beta
/// (which returns it as i32) breaks and needs one repair.
inline mechanic::StampFn widenAlphaAnswer() {
  return [](const fs::path& r) -> Result<std::vector<std::string>> {
    writeText(r / "alpha/src/lib.rs", "pub fn answer() -> i64 {\n    42\n}\n");
    return std::vector<std::string>{"alpha/src/lib.rs"};
  };
}

/// A cargo workspace with crates `alpha` (lib) and `beta` (depends on alpha),
/// committed on branch main of a fresh repository.
struct TinyWorkspace {
  fs::path root;
  explicit TinyWorkspace(const std::string& name) {
    root = fs::temp_directory_path() / ("flywheel-mech-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root);
    writeText(root / "Cargo.toml", "[workspace]\nresolver = \"2\"\nmembers = [\"alpha\", \"beta\"]\n");
    writeText(root / ".gitignore", "target/\n.flywheel/\n");
    writeText(root / "alpha/Cargo.toml", "[package]\nname = \"alpha\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    writeText(root / "alpha/src/lib.rs",
              "pub fn answer() -> i32 {\n    42\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n"
              "    fn answers() {\n        assert_eq!(super::answer(), 42);\n    }\n}\n");
    writeText(root / "beta/Cargo.toml",
              "[package]\nname = \"beta\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
              "alpha = { path = \"../alpha\" }\n");
    writeText(root / "beta/src/lib.rs", "pub fn doubled() -> i32 {\n    alpha::answer() * 2\n}\n");
    git(root, {"init", "-q", "-b", "main"});
    commitAll("initial");
  }
  ~TinyWorkspace() { fs::remove_all(root); }
  std::string commitAll(const std::string& msg) {
    git(root, {"add", "-A"});
    git(root, {"commit", "-q", "-m", msg});
    return git(root, {"rev-parse", "HEAD"});
  }
};

}  // namespace flywheel::mechanic::testing
