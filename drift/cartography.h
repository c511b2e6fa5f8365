// Cartography: from the reality mirror of a crate, a draft intent that would
// stamp the same public API (the seed's Jarvis drafting Lisp from code).
//
// drafted: type aliases, enums and records whose types the intent language
// has (`Option`, `Vec`, `BTreeMap`, primitives, intent types of this and
// other services), the rpcs of `<Service>Api` (`fn m(&self, input: T) ->
// Result<U, String>`) and pure utilities (`trait NFn { fn call(..) -> R; }`).
// Left as comments: the other patterns' traits, exported hand-written
// functions the intent could describe (lifting them would clash with the
// hand-written code), and types implementing a trait (implementations, not
// data). Items a pattern stamps (`NState`, `NEvent`, `NError`, `NMemory`,
// `NClient`, `Container`) are not drafted as types.
//
// Vocabulary bootstrapping: when three or more drafted records start with
// the same fields (two or more), the draft proposes a `defmacro` holding
// them and writes those records through it.
//
// A draft is text; writeDraft() puts it in `<dir>/intent.draft.lisp`, never
// over an intent.lisp.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "drift/mirror.h"
#include "universe/ir.h"

namespace flywheel::drift {

struct IntentDraft {
  std::string service;
  std::string text;                  // the draft intent file
  std::vector<std::string> macros;   // names of proposed macros
  std::vector<std::string> notDrafted;  // "trait SessionFlowHooks: ...", also comments in the text
  size_t forms = 0;                  // clauses drafted
};

/// Drafts the intent of `crate`. `existing` (may be null) only lends its
/// governance mode; nothing else of it is read.
IntentDraft draftIntent(const CrateMirror& crate, const CrateNames& crates, const universe::Service* existing);

/// Writes `draft.text` to `<root>/<dir>/intent.draft.lisp` atomically;
/// returns that path relative to `root`.
[[nodiscard]] Result<std::string> writeDraft(const std::filesystem::path& root, const std::string& dir, const IntentDraft& draft);

}  // namespace flywheel::drift
