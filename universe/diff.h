// Intent diff: a typed, deterministic change list between two universes
// (usually two revisions: HEAD and the working tree).
//
// Each change names its service, what kind of thing changed (service, type,
// field, enum, variant, alias, rpc, pattern, governance, status, version,
// targets, depends-on, use), the symbol, before/after in intent spelling,
// and whether it breaks Rust code that uses it, with the reason. The list is
// sorted by service, then symbol, then entity. changeSetOf() turns the
// breaking changes into a blast-radius change set.
#pragma once

#include <string>
#include <vector>

#include "universe/blast.h"
#include "universe/ir.h"

namespace flywheel::universe {

enum class ChangeKind { Added, Removed, Changed };
std::string_view changeKindName(ChangeKind k);  // "added", "removed", "changed"

struct IntentChange {
  std::string service;
  std::string entity;   // "service", "type", "field", "enum", "variant", "alias", "rpc", "pattern", ...
  std::string symbol;   // `svc/Name.field`, `svc/Name`, `svc` for service-level entities
  ChangeKind kind = ChangeKind::Changed;
  std::string before;   // intent spelling; empty when added
  std::string after;    // intent spelling; empty when removed
  bool breaking = false;
  std::string reason;   // why it is (or is not) breaking for Rust

  /// "user/UserProfile.id: field changed (type i32 -> String), breaking"
  std::string summary() const;
};

std::vector<IntentChange> diffUniverses(const Universe& from, const Universe& to);

/// The breaking changes as a change set (compatible ones affect nothing
/// downstream), with notes like "type i32 -> String".
ChangeSet changeSetOf(const std::vector<IntentChange>& changes);

}  // namespace flywheel::universe
