// The reality mirror: per service crate, the public API its Rust code really
// has (drift/rust_api.h for one file), cached per file, and printable as an
// S-expression in the intent language's own shape, so that a diff against
// the intent is a diff between two S-expressions:
//
//   (reality auth
//     (crate auth)
//     (uses user)
//     (file "services/auth/src/generated.rs"
//       (type Session (field token String) (field user-id i32) (field email user/Email))
//       (trait AuthApi (fn validate-session (receiver "&self") (arg input String)
//                           (returns "Result<Option<Session>, String>")))
//       ...)
//     (file "services/auth/src/custom.rs"
//       (impl SessionFlowHooks LoginGuard (fn on-login ...) (fn on-lock ... :stub "todo!"))))
//
// Rust types map back to intent types where the intent language has one
// (`Option<T>` -> `(option T)`, `Vec<T>` -> `(list T)`, `BTreeMap<K, V>` ->
// `(map K V)`, `user::Email` -> `user/Email`); anything else is kept as a
// string of Rust. Field and function names go back to kebab-case, enum
// variants to lower kebab-case. Output is deterministic (files sorted, items
// in source order).
//
// MirrorCache keys each file's extracted API by path, size and modification
// time, so a second build parses only files that changed. Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "drift/rust_api.h"
#include "universe/diagnostic.h"
#include "universe/ir.h"

namespace flywheel::drift {

struct MirrorFile {
  std::string path;   // relative to the universe root: "services/auth/src/custom.rs"
  std::string local;  // relative to the crate's src/: "custom.rs", "api/mod.rs"
  bool generated = false;  // src/generated.rs (machine-owned)
  std::shared_ptr<const RustFileApi> api;
};

struct CrateMirror {
  std::string service;  // "auth"
  std::string crate;    // "auth"
  std::string dir;      // "services/auth"
  std::vector<MirrorFile> files;  // sorted by path; unreadable files left out
  const MirrorFile* file(const std::string& local) const;
};

class MirrorCache {
 public:
  /// The API of `path` (of `size` bytes, modified at `mtime` ns), parsed
  /// only when size or mtime differ from the cached entry's (then `parsed`
  /// is set). An unreadable or oversized file gives nullptr and a warning.
  std::shared_ptr<const RustFileApi> get(const std::filesystem::path& path, const std::string& rel, uintmax_t size,
                                         int64_t mtime, universe::Diagnostics& warnings, bool& parsed);
  size_t size();

 private:
  struct Entry {
    uintmax_t size = 0;
    int64_t mtime = 0;
    std::shared_ptr<const RustFileApi> api;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

struct Mirror {
  std::vector<CrateMirror> crates;  // sorted by service
  universe::Diagnostics warnings;   // unreadable files, syntax errors
  size_t files = 0, parsed = 0;     // .rs files looked at / parsed anew
  double millis = 0;
  const CrateMirror* crate(const std::string& service) const;
};

/// Mirrors the crates of `services` (every service of `u` when empty) under
/// the universe root `root`. `cache` may be null. Files are parsed on up to
/// 4 threads when there are many.
Mirror buildMirror(const std::filesystem::path& root, const universe::Universe& u, MirrorCache* cache,
                   const std::vector<std::string>& services = {});

/// Mirrors one crate directory (relative to `root`) that may have no intent:
/// for cartography of new code.
CrateMirror mirrorCrate(const std::filesystem::path& root, const std::string& service, const std::string& dir,
                        MirrorCache* cache, universe::Diagnostics& warnings);

/// Maps service crate names to service names ("user_profile" -> "user-profile").
using CrateNames = std::map<std::string, std::string>;
CrateNames crateNamesOf(const universe::Universe& u);

/// The intent spelling of a Rust type, or nullopt when the intent language
/// has none: `Option<Vec<user::Email>>` -> `(option (list user/Email))`.
/// Paths into the crate itself (`crate::generated::X`, `generated::X`) are local.
std::optional<std::string> intentTypeOf(const std::string& rustType, const CrateNames& crates);

/// `display_name` -> `display-name`; `r#type` -> `type`.
std::string kebabOfSnake(const std::string& snake);
/// `InTransit` -> `in-transit`.
std::string kebabOfCamel(const std::string& camel);

/// The S-expression of one crate's reality (see above).
std::string realitySexp(const CrateMirror& crate, const CrateNames& crates);

}  // namespace flywheel::drift
