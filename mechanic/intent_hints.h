// What the intent asks the agent to implement, attached to the compiler's
// diagnostics of a cascade's repair queue.
//
// When Forge stamps a new rule, op, transition or provide, the crate stops
// compiling because custom.rs lacks the new trait item (E0046, "not all
// trait items implemented, missing: `bulk_discount`"), or because a match
// does not cover a new state (E0004). rustc names the item; the agent needs
// what to write and why. explainFromIntent() fills, per such diagnostic:
//
//   required  the item's declaration in generated.rs (from rustc's secondary
//             span), with the doc comment Forge stamped above it;
//   intent    the intent form that asked for it, with its doc:
//             billing/pricing: (rule bulk-discount "orders over 10 lines get 5% off")
//
// Names are matched the way Forge maps them (kebab-case, snake_case and
// CamelCase compare equal; a state machine's hook `on_refund` is the
// transition `refund`); when several forms match, the one inside the
// pattern whose stamped trait holds the item wins.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mechanic/diagnostics.h"
#include "universe/ir.h"

namespace flywheel::mechanic {

/// Fills `required` and `intent` of the E0046 / E0004 diagnostics in `diags`
/// (the service `service` of the universe at `universeDir`, whose files the
/// diagnostics name relative to that root). Never fails: what cannot be
/// found stays empty.
void explainFromIntent(const std::filesystem::path& universeDir, const universe::Service& service,
                       std::vector<CargoDiagnostic>& diags);

/// The names an E0046 / E0004 message asks for: "missing: `a`, `b`" -> {a, b};
/// "patterns `Refunded` and `Lost` not covered" -> {Refunded, Lost}.
std::vector<std::string> requestedNames(const CargoDiagnostic& d);

}  // namespace flywheel::mechanic
