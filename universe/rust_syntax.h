// Does Rust source parse, and what are its public signatures. Both come from
// Tree-sitter's Rust grammar. It lives in universe/ beside the reference
// scanner so that the mechanic and drift/ share it (drift/ must not depend
// on the mechanic).
//
// The mechanic's governance compares a file's public signatures before and after an edit:
// `survival-patching`, `strict-codegen` and `polisher` forbid changing them.
// A public item is one declared `pub` (at the top level, in a module, or as
// an inherent method), or a trait implementation header; its signature is
// its text without bodies of functions, whitespace collapsed, keyed by kind
// and path ("fn session_token", "fn Invoice::total", "struct Invoice").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace flywheel::universe {

/// Ok when `content` parses as Rust without error or missing nodes;
/// otherwise an error "path:line:col: syntax error near `...`".
[[nodiscard]] Result<void> checkRustSyntax(const std::string& path, const std::string& content);

/// Public item key → signature (see above). Deterministic (sorted map).
std::map<std::string, std::string> publicSignatures(const std::string& content);

/// Human-readable differences: "added pub fn x(..)", "removed ...",
/// "changed `old` to `new`". Empty when the public surface is unchanged.
std::vector<std::string> signatureChanges(const std::map<std::string, std::string>& before,
                                          const std::map<std::string, std::string>& after);

}  // namespace flywheel::universe
