// What a stamp intends to write, before it touches disk (internal to forge/).
//
// Planning renders every requested service and lists each file Forge would
// own or create, with its full new content and the rule that governs it.
// Applying (stamper.cpp) compares with disk, refuses what must not be
// overwritten, and writes only what changes.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "forge/stamper.h"

namespace flywheel::forge {

struct PlannedFile {
  enum class Rule {
    Generated,   ///< generated.rs: replace, unless hand-edited (hash) and not forced
    CreateOnce,  ///< lib.rs, custom.rs: write only when missing
    Block,       ///< Cargo.toml: replace the forge block; create from `content` when missing
  };
  std::string path;      ///< relative to the root, '/' separators
  std::string service;   ///< empty for the workspace manifest
  Rule rule = Rule::Generated;
  std::string content;   ///< full text (Generated, CreateOnce; Block: the file as first created)
  std::string block;     ///< Block: the lines between the markers
};

struct StampPlan {
  std::vector<PlannedFile> files;
  size_t verified = 0;  ///< files found up to date while planning (not in `files`)
  std::vector<std::string> stamped;
  std::vector<std::string> skipped;
  universe::Diagnostics problems;
};

/// Plans a stamp; fails only on a bad request (unknown service names).
[[nodiscard]] Result<StampPlan> planStamp(const TemplateSet& templates, const universe::LoadedUniverse& loaded,
                            const StampOptions& options);

/// The generated.rs of one rendered service: header (body hash, input hash,
/// dependencies) + body.
std::string generatedFile(const TemplateSet& templates, const universe::Service& s, std::string_view body,
                          std::string_view inputHash, const std::set<std::string>& deps);

/// The file's bytes; nullopt when it does not exist (plain syscalls: fast).
[[nodiscard]] Result<std::optional<std::string>> readIfExists(const std::filesystem::path& path);

/// True when `rel` stays inside `root` once symlinks are followed; false for
/// absolute paths, `..` components and links that point outside.
bool insideRoot(const std::filesystem::path& root, const std::string& rel);
/// The same, with the root already made canonical (one lookup per stamp).
bool insideCanonicalRoot(const std::filesystem::path& canonicalRoot, const std::string& rel);

}  // namespace flywheel::forge
