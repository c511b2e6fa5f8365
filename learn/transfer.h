// Carrying a proposal to another state of the universe (a replay of an older
// intent change) without a textual patch, which would not apply there: the
// proposal was written against today's files, and the repairs it makes
// unnecessary are exactly the lines that differ between then and now.
//
// - custom.rs, item by item: the top-level Rust items (struct, enum, fn, impl,
//   trait, use, const, ...: keyed by kind and name, with their doc comments
//   and attributes) that the proposal deletes from today's file are deleted
//   from the older one; the items it adds are appended. Everything else of
//   the older file stays as it was then.
// - intent.lisp, clause by clause: the clauses of the service form that the
//   proposal adds (a `(template ...)` opt-in, typically) are inserted before
//   the older service form's closing parenthesis.
// - universe.lisp: the `(templates "dir")` setting, added when missing.
//
// Pure functions over text; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flywheel::learn {

struct RustItem {
  std::string key;           ///< "struct RecordView", "fn record_view", "impl Display for X", "use crate::x"
  size_t begin = 0, end = 0;  ///< byte range, leading doc comments and attributes included
};

/// The top-level items of a Rust file in source order (an unparsable file
/// gives what Tree-sitter recovered).
std::vector<RustItem> topLevelItems(std::string_view source);

/// `target` with the items `head` has and `proposed` lacks removed, and the
/// items `proposed` has and `head` lacks appended (in proposed's order).
std::string transferItems(std::string_view head, std::string_view proposed, std::string_view target);

/// `target` (an intent file) with the service-form clauses `proposed` has
/// and `head` lacks inserted before its closing parenthesis. Fails (nullopt)
/// when a file has no readable service form.
std::optional<std::string> transferClauses(std::string_view head, std::string_view proposed, std::string_view target);

/// universe.lisp's text with `(templates "dir")` when it has no templates
/// setting (`text` empty: a new file naming the universe `name`); the text
/// itself when it has one. `current` receives the folder in effect.
std::string withTemplatesSetting(std::string_view text, const std::string& name, const std::string& dir,
                                 std::string* current = nullptr);

}  // namespace flywheel::learn
