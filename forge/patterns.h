// The catalogue of Forge's 8 stamping patterns: for each, the intent form,
// what generated.rs provides, and what a human writes in custom.rs. The
// `forge_patterns` tool serves it; docs/forge.md explains it with examples.
#pragma once

#include <span>
#include <string_view>

namespace flywheel::forge {

struct PatternInfo {
  std::string_view name;       ///< the intent clause: `crud-gateway`
  std::string_view title;      ///< `CRUD gateway`
  std::string_view form;       ///< the intent form, as INTENT.md writes it
  std::string_view generated;  ///< the Rust items generated.rs gets (N = the pattern's UpperCamel name)
  std::string_view custom;     ///< what custom.rs must or may implement
  std::string_view example;    ///< a small intent using it
};

/// The patterns, in INTENT.md's order (cron-worker has its own entry).
std::span<const PatternInfo> patternCatalog();

}  // namespace flywheel::forge
