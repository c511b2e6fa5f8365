// Reality: what the services' Rust code actually references.
//
// The intent declares which symbols a service uses; its hand-written code can
// reach further. scanReality() parses every service crate's `src/**/*.rs`
// (except the machine-owned `src/generated.rs`, which is the intent stamped)
// with Tree-sitter's Rust grammar and finds references to other services'
// public symbols through their crate paths (INTENT.md's Rust mapping: service
// `user-profile` is crate `user_profile`, type `UserProfile` is
// `user_profile::UserProfile`):
//
//   use user::UserProfile;            use user::{UserProfile, Role};
//   user::UserProfile { .. }          fn f(p: &user::UserProfile)
//   use user as people; people::Role  extern crate user as people;
//   use user::*;  ... Role::Admin     (glob: bare names of user's symbols)
//   assert_eq!(x, user::Role::Admin)  (paths inside macro token trees)
//
// Types, enums and aliases map by name; rpcs and patterns by their snake_case
// and UpperCamel spellings (`session-token` -> `session_token`, `SessionToken`).
// A reference becomes an `observed` edge (graph.h) only when the intent does
// not declare it: the symbol is not named in one of the service's
// `(use SVC NAME...)` clauses and none of the service's symbols uses it
// directly. One edge per (service, symbol), at its first reference.
//
// A file that does not parse cleanly is a warning diagnostic and the
// references Tree-sitter recovered still count; an unreadable or oversized
// file is a warning and is skipped. Nothing here fails the universe.
//
// RealityCache keeps each file's extracted references keyed by path, size
// and modification time, so a rescan parses only files that changed. It is
// safe to share between threads. Files are parsed on up to 4 threads when
// there are many; results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "universe/diagnostic.h"
#include "universe/graph.h"
#include "universe/ir.h"

namespace flywheel::universe {

/// A crate-path reference as written in one file, before it is resolved to
/// a service (`first` may be an alias of the crate).
struct RustPathRef {
  std::string first;  // `user` in `user::UserProfile`
  std::string name;   // `UserProfile`
  uint32_t line = 0;
};

/// What one .rs file references (see extractRustRefs).
struct RustFileRefs {
  std::vector<RustPathRef> paths;
  std::map<std::string, std::string> crateAliases;  // `people` -> `user`
  std::vector<std::string> globCrates;               // `use user::*;`
  std::vector<std::pair<std::string, uint32_t>> bareNames;  // first line of each bare name (only with globs)
  bool syntaxError = false;
  SourcePos errorPos;
};

/// Parses Rust source text and extracts its crate-path references. Never
/// fails: a syntax error sets `syntaxError` and keeps what was recovered.
RustFileRefs extractRustRefs(const std::string& source);

class RealityCache {
 public:
  struct Stats {
    size_t files = 0;   // .rs files looked at
    size_t parsed = 0;  // of which parsed anew (not served from the cache)
  };
  /// The references of `path`, parsed only when size or mtime changed.
  /// Unreadable or oversized files yield nullptr and a warning in `warnings`.
  std::shared_ptr<const RustFileRefs> refs(const std::filesystem::path& path, const std::string& relPath,
                                           Diagnostics& warnings, Stats& stats);
  /// Drops entries not looked at since the last call.
  void sweep();

 private:
  struct Entry {
    uintmax_t size = 0;
    int64_t mtime = 0;
    std::shared_ptr<const RustFileRefs> refs;
    bool seen = false;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

struct RealityScan {
  std::vector<ObservedEdge> edges;  // undeclared references, sorted by service, symbol
  Diagnostics warnings;             // files that did not parse or could not be read
  size_t files = 0, parsed = 0, references = 0;
  double millis = 0;
};

/// Largest .rs file scanned (bigger files are skipped with a warning).
inline constexpr uintmax_t kMaxRustFileBytes = 4u << 20;

/// Scans the code of every service of `u` (loaded from the working tree at
/// `root`) against `g` (built from `u`). `cache` may be null.
RealityScan scanReality(const std::filesystem::path& root, const Universe& u, const Graph& g, RealityCache* cache);

/// "services/auth/src/custom.rs:12".
std::string observedWhere(const ObservedEdge& e);

}  // namespace flywheel::universe
