// Intent diff: a typed, deterministic change list between two universes
// (usually two revisions: HEAD and the working tree).
//
// Each change names its service, what kind of thing changed (service, type,
// field, enum, variant, alias, rpc, pattern, governance, status, version,
// targets, depends-on, use), the symbol, before/after in intent spelling,
// and whether it breaks Rust code that uses it, with the reason. The list is
// sorted by service, then symbol, then entity. changeSetOf() turns the
// breaking changes into a blast-radius change set.
//
// A pattern present on both sides is compared item by item, so a change
// reads as what a person did: "rule bulk-discount added to billing/pricing",
// "state refunded added to order/order-flow", "op update added to
// order/order-store", "input of billing/pricing changed (Order -> Invoice)".
// Items: rule, transition, provide, arg (keyed by name; a transition by
// event and source state), the members of states, ops and calls, and every
// single-valued clause (entity, key, topic, payload, schedule, doc, input,
// output, initial, returns). Only a pattern whose kind changed is reported
// as a whole form.
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
  std::string within;   // an item of a pattern: the pattern's symbol (`billing/pricing`); else empty
  std::string item;     // an item of a pattern: its name (`bulk-discount`, `refunded`, `input`)

  /// "user/UserProfile.id: field changed (i32 -> String), breaking", or for
  /// an item of a pattern "rule bulk-discount added to billing/pricing, breaking".
  std::string summary() const;
  /// The same without ", breaking" / ", compatible".
  std::string what() const;
};

std::vector<IntentChange> diffUniverses(const Universe& from, const Universe& to);

/// The breaking changes as a change set (compatible ones affect nothing
/// downstream), with notes like "type i32 -> String". Items of a pattern
/// name the pattern's symbol, with one note per item ("rule bulk-discount
/// added; state refunded added").
ChangeSet changeSetOf(const std::vector<IntentChange>& changes);

}  // namespace flywheel::universe
