// Input hashes: what a service's generated.rs depends on, in 16 hex digits.
//
// Rendering a service reads its own intent (name, crate, directory, intent
// path, source text), the services it depends on (their whole dependency
// closure, since a field's type may come from several crates away), the
// universe's macros, the templates' content and Forge's own version. The
// input hash folds all of them (Merkle-style: each service's hash covers its
// dependencies' hashes), so an unchanged hash means an unchanged render and a
// no-op stamp can skip rendering. The hash is recorded in generated.rs's
// header (`// forge-input: ...`).
//
// A service whose dependency closure has a cycle, or a universe loaded from a
// git revision with a macro file (whose text is not kept in the IR), gets a
// hash but is never skipped: it is always rendered.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "forge/template_set.h"
#include "universe/ir.h"

namespace flywheel::forge {

/// Bumped whenever Forge's C++ changes what it renders for the same templates.
inline constexpr std::string_view kForgeRenderVersion = "forge-render-1";

class InputHasher {
 public:
  /// `revision`: LoadedUniverse::revision ("" for the working tree).
  InputHasher(const universe::Universe& u, const TemplateSet& templates, std::string_view revision = "");

  struct Hash {
    std::string hex;        ///< 16 lowercase hex digits
    bool skippable = true;  ///< false: render anyway (cycle, macros from a revision)
  };
  /// The input hash of `s` (memoized; not thread-safe).
  Hash of(const universe::Service& s);

 private:
  struct Node {
    int state = 0;  // 0 unvisited, 1 in progress, 2 done
    Hash hash;
  };
  Hash closure(const universe::Service& s);

  const universe::Universe& u_;
  const TemplateSet& templates_;
  std::string context_;  // universe-wide inputs, already hashed
  bool contextSkippable_ = true;
  std::map<std::string, Node, std::less<>> nodes_;
};

}  // namespace flywheel::forge
