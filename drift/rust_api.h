// The public API of one Rust file, as the reality mirror and the drift audit
// need it: items (structs with fields, enums with variants, type aliases,
// traits with method signatures, free functions, consts, impls with their
// methods), which crates the file names, which UpperCamel names it mentions,
// and (for lib.rs) what it re-exports.
//
// extractRustApi() parses with Tree-sitter's Rust grammar (the one
// universe/reality.cpp uses) and never fails: a syntax error sets
// `syntaxError` and keeps what was recovered. Items inside a `#[cfg(test)]`
// module (or a module named `tests`) are not part of the API; crate uses made
// there are kept but marked `inTest` (tests may use dev-dependencies).
// Types are kept as Rust text with whitespace collapsed ("Option<user::Email>").
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flywheel::drift {

struct RustParam {
  std::string name;  // `issued_at`
  std::string type;  // `i64`
};

struct RustFn {
  std::string name;
  std::string receiver;  // `&self`, `&mut self`, `self`; empty: none
  std::vector<RustParam> params;
  std::string returns;   // empty: ()
  bool hasBody = false;
  /// The body is nothing but `todo!(..)`, `unimplemented!(..)` or `panic!(..)`.
  bool stub = false;
  std::string stubMacro;  // `todo!`
  uint32_t line = 0;
};

struct RustField {
  std::string name;  // empty for tuple fields
  std::string type;
  bool pub = false;
};

struct RustVariant {
  std::string name;
  std::vector<RustField> fields;  // tuple payload (unnamed) or named fields
  bool named = false;
};

enum class ItemKind { Struct, Enum, Alias, Trait, Function, Const, Impl };

struct RustItem {
  ItemKind kind = ItemKind::Struct;
  std::string name;    // Impl: the self type's base name (`AuthService`)
  std::string module;  // `a::b` for items of inline modules; empty at the file's top level
  uint32_t line = 0;
  bool pub = false;
  bool tuple = false;               // Struct: `struct X(T);` or `struct X;`
  std::vector<RustField> fields;    // Struct
  std::vector<RustVariant> variants;  // Enum
  std::string type;                 // Alias target, Const type
  std::vector<RustFn> fns;          // Trait and Impl methods; Function: the function itself
  std::string trait;                // Impl of a trait: as written (`user::UserApi`); empty: inherent
  std::string selfType;             // Impl: as written (`AuthService<'_>`)
};

struct CrateUse {
  std::string crate;  // after aliases: `use user as people; people::X` is `user`
  uint32_t line = 0;
  bool inTest = false;
};

struct RustFileApi {
  std::vector<RustItem> items;      // source order
  std::vector<CrateUse> crateUses;  // first use of each (crate, inTest), sorted by crate
  std::vector<std::string> names;   // UpperCamel identifiers mentioned (sorted, unique)
  /// `pub use custom::{A, B};` -> {custom, A}, {custom, B}; `pub use custom::*;` -> {custom, *}.
  std::vector<std::pair<std::string, std::string>> reexports;
  std::vector<std::string> pubModules;  // `pub mod x;`
  bool syntaxError = false;
  uint32_t errorLine = 0;
};

/// Parses Rust source text (see above). Thread-safe.
RustFileApi extractRustApi(const std::string& source);

}  // namespace flywheel::drift
