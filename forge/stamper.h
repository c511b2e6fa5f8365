// Forge: deterministic stamping of services into Rust crates.
//
// For every requested service with target `rust`, the Stamper renders
// `src/generated.rs` from the service's intent (types per INTENT.md's Rust
// mapping, and the traits, types and glue of its stamping patterns), keeps the
// crate's and the workspace's `Cargo.toml` forge blocks in sync, and creates
// `src/lib.rs` and `src/custom.rs` once (see generation_gap.h for who owns
// which bytes).
//
// Guarantees:
// - Deterministic: the same intents give byte-identical files on any machine
//   and in any order of stamping; output is rustfmt-clean.
// - Idempotent: a file whose content would not change is not written (its
//   mtime stays, so cargo does not rebuild); a second stamp writes nothing.
// - Safe: a service whose intent has errors is never stamped (its
//   diagnostics come back); a hand-edited generated.rs is refused (with the
//   diff) unless `force`; a path that would leave the universe root (`..`, an
//   absolute dir, a symlink pointing out) is refused.
//
//   auto stamper = Stamper::create(TemplateSet::rustDir(sourceDir));
//   auto loaded = universe::loadUniverse(root);
//   auto report = stamper->stamp(*loaded, {.services = {"user"}, .dryRun = true});
//
// Threads: a Stamper is immutable after create(); stamp() may run
// concurrently on different universes. Two stamps of one universe at once
// race on its files (last writer wins, each file stays whole).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "forge/template_set.h"
#include "universe/ir.h"

namespace flywheel::forge {

struct StampOptions {
  std::vector<std::string> services;  ///< names; empty: every service with target rust
  bool dryRun = false;                ///< compute and diff, write nothing
  bool force = false;                 ///< overwrite a hand-edited or foreign generated.rs
  size_t maxDiffChars = 8000;         ///< per file, in dry runs and refusals
};

enum class FileStatus {
  Unchanged,  ///< content already right; not written
  Created,    ///< written, did not exist (dry run: would be)
  Updated,    ///< written, existed with other content (dry run: would be)
  Refused,    ///< not written: hand-edited generated.rs, or a Cargo.toml without a forge block
};
std::string_view fileStatusName(FileStatus s);  // "unchanged", "created", "updated", "refused"

struct FileOutcome {
  std::string path;     ///< relative to the universe root, '/' separators
  std::string service;  ///< empty for the workspace Cargo.toml
  FileStatus status = FileStatus::Unchanged;
  std::string diff;     ///< unified diff (dry run, refusals); empty otherwise
  std::string reason;   ///< why it was refused, and what to do
};

struct StampReport {
  bool dryRun = false;
  std::vector<std::string> stamped;         ///< services rendered (sorted)
  std::vector<FileOutcome> files;           ///< every file that changed or was refused, sorted by path
  size_t unchanged = 0;                     ///< files already up to date
  size_t written = 0;                       ///< files actually written (0 in a dry run)
  universe::Diagnostics problems;           ///< why some services were not stamped
  std::vector<std::string> skipped;         ///< requested services without target rust

  /// True when every requested service was stamped and nothing was refused.
  bool ok() const;
};

class Stamper {
 public:
  /// Loads the Rust templates from `templatesDir` (TemplateSet::rustDir).
  [[nodiscard]] static Result<Stamper> create(const std::filesystem::path& templatesDir);

  /// Stamps `options.services` of `loaded`. Fails (an Error) only for a bad
  /// request: an unknown service name, a universe root that does not exist.
  /// Intent errors, forge problems and refusals are in the report.
  [[nodiscard]] Result<StampReport> stamp(const universe::LoadedUniverse& loaded, const StampOptions& options) const;

  /// Renders one service's generated.rs (header included) without touching
  /// disk: for golden tests and previews. Fails with the problems, one a line.
  [[nodiscard]] Result<std::string> renderGenerated(const universe::Universe& u, const universe::Service& s) const;

  const TemplateSet& templates() const { return templates_; }

  /// The templates that stamp `u`: templates() with the universe's own
  /// folder (`(templates "dir")`, read from disk under u.root) laid on top;
  /// templates() itself when the universe has none. Fails when that folder
  /// is missing or holds a template that does not parse.
  [[nodiscard]] Result<TemplateSet> templatesFor(const universe::Universe& u) const;

 private:
  TemplateSet templates_;
};

}  // namespace flywheel::forge
