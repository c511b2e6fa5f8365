// One way to parse Rust with Tree-sitter, for every reader of service code
// (rust_refs, rust_syntax, drift's API extractor): a per-thread parser with
// the Rust grammar and a time budget, and an owning tree handle.
#pragma once

#include <tree_sitter/api.h>

#include <chrono>
#include <memory>
#include <string_view>

namespace flywheel::universe {

struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};
using RustTree = std::unique_ptr<TSTree, TreeDeleter>;

/// Parses `source` with this thread's parser. Null when Tree-sitter gave up
/// (the budget ran out); a tree with errors is still a tree
/// (ts_node_has_error tells).
RustTree parseRust(std::string_view source, std::chrono::microseconds budget = std::chrono::seconds(2));

}  // namespace flywheel::universe
