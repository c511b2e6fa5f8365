// Diff shapes: the hunks of a repair, normalised so that the same fix made in
// two services (or for two intent changes) reads as one shape.
//
// A hunk is one run of removed and added lines of a unified diff. Its shape
// is its tokens (whitespace and comments dropped) with some identifiers
// replaced by numbered holes ($1, $2 ... in order of first appearance, the
// same name getting the same hole in `before` and `after`):
//
//   level 1: the intent's symbols (service crates, type, enum, variant,
//            field and rpc names, the primitive types) and locals (a name
//            bound by `let`, a closure parameter, any `name:` binding or
//            field) become holes; keywords, std methods, macros, operators
//            and literals stay.
//   level 2: every identifier that is not a Rust keyword, and every literal,
//            becomes a hole: the most general shape, grouping several
//            level-1 shapes (the top of a small Getafix-like hierarchy).
//
//   -    pub id: i32,          level 1:  pub $1 : $2 ,  =>  pub $1 : $3 ,
//   +    pub id: i64,
//
// Pure functions over text; thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace flywheel::learn {

struct Hunk {
  std::string file;  ///< the path the diff names
  std::vector<std::string> before, after;  ///< removed and added lines, without the -/+ marker
};

/// The hunks of one file's unified diff (consecutive -/+ lines; a context
/// line ends a hunk). Headers (---, +++, @@) are skipped.
std::vector<Hunk> hunksOf(std::string_view unifiedDiff, const std::string& file);

/// Rust-ish tokens: identifiers, numbers, string and char literals, lifetimes,
/// two-character operators, single punctuation. Comments and blanks dropped.
std::vector<std::string> tokenize(std::string_view text);

/// What counts as an intent symbol at level 1.
using SymbolSet = std::set<std::string, std::less<>>;

struct Shape {
  int level = 1;
  std::string before, after;  ///< tokens joined by single spaces, holes as $N
  /// "L1\n<before>\n=>\n<after>": equal keys, equal shapes.
  std::string key() const;
};

Shape shapeOf(const Hunk& hunk, const SymbolSet& symbols, int level);

bool isRustKeyword(std::string_view word);

}  // namespace flywheel::learn
