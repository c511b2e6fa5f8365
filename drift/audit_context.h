// What the audit's checks share while looking at one service (audit.h).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "drift/audit.h"

namespace flywheel::drift::detail {

/// An impl of a trait found in some crate's hand-written code.
struct ImplSite {
  const RustItem* item = nullptr;
  const MirrorFile* file = nullptr;
  const CrateMirror* crate = nullptr;
};

struct Context {
  const universe::Universe& u;
  const universe::Graph& g;
  const Mirror& mirror;
  const CrateNames& crates;
  const universe::Service& svc;
  const CrateMirror& crate;
  /// Trait impls of the universe's hand-written code, by trait base name.
  const std::map<std::string, std::vector<ImplSite>>& implsByTrait;

  Finding finding(DriftKind k, std::string file, uint32_t line, std::string subject) const;
  std::string customPath() const { return (svc.dir.empty() ? "" : svc.dir + "/") + "src/custom.rs"; }
  std::string generatedPath() const { return (svc.dir.empty() ? "" : svc.dir + "/") + "src/generated.rs"; }
};

/// `crate::generated::AuthApi<T>` -> `AuthApi`.
std::string baseName(const std::string& path);

}  // namespace flywheel::drift::detail
