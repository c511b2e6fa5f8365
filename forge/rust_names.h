// How intent names and types become Rust names and types (INTENT.md's Rust
// mapping), shared by every Rust template model.
//
// Intent names are kebab-case or UpperCamel as written (`display-name`,
// `UserProfile`, `in-transit`). Forge derives: UpperCamel for types, enum
// variants and pattern types (`session-flow` -> `SessionFlow`); snake_case for
// fields, arguments and functions (`display-name` -> `display_name`, raw
// `r#type` for keywords); SCREAMING_SNAKE for constants. A name that cannot be
// a Rust identifier (`a.b`, `x?`) is an error, never a silent rename.
//
// Types render relative to the service being stamped: a type declared in
// another service becomes a path into that service's crate (`user::UserProfile`)
// and that crate is recorded as a dependency of the stamped crate.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "universe/ir.h"

namespace flywheel::forge {

/// True when `name` maps to a Rust identifier: ASCII letters, digits, '-' and
/// '_', starting with a letter or '_'.
bool isRustableName(std::string_view name);

std::string rustCamel(std::string_view name);      // `session-flow` -> `SessionFlow`
std::string rustSnake(std::string_view name);      // `UserStore` -> `user_store`, `type` -> `r#type`
std::string rustSnakeBare(std::string_view name);  // like rustSnake, never raw (for prefixes)
std::string rustScreaming(std::string_view name);  // `session-flow` -> `SESSION_FLOW`
/// True for names Rust cannot use even as raw identifiers (`self`, `Self`, `crate`, `super`).
bool isReservedRustName(std::string_view snakeOrCamel);

/// A Rust string literal with escapes: `"say \"hi\"\n"`.
std::string rustStringLiteral(std::string_view text);
/// Text fit for a `///` line: newlines become spaces, trailing blanks dropped.
std::string docLine(std::string_view text);

/// Renders TypeRefs for one stamped service and remembers which crates they need.
class RustTypes {
 public:
  RustTypes(const universe::Universe& u, const universe::Service& current) : universe_(u), current_(current) {}

  /// `(map String (list user/UserProfile))` -> `std::collections::BTreeMap<String, Vec<user::UserProfile>>`
  std::string render(const universe::TypeRef& t);

  /// The type behind a `&` in a signature: `[T]` for a list, `str` for a
  /// String, otherwise render() (clippy's ptr_arg wants slices, not &Vec).
  std::string renderBorrowed(const universe::TypeRef& t);

  /// The declaration a Local/Qualified ref names, or nullptr (not a record type).
  const universe::TypeDecl* recordOf(const universe::TypeRef& t) const;
  /// Follows aliases to a primitive; nullopt for records, enums, containers.
  std::optional<universe::Primitive> primitiveOf(const universe::TypeRef& t, int depth = 0) const;

  /// Crate names of other services the rendered types referenced, sorted.
  const std::set<std::string>& crates() const { return crates_; }

 private:
  const universe::Service* ownerOf(const universe::TypeRef& t) const;

  const universe::Universe& universe_;
  const universe::Service& current_;
  std::set<std::string> crates_;
};

}  // namespace flywheel::forge
