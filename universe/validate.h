// Validation: what the intents mean across the universe.
//
// After every service is built (intent_builder.h), validation resolves every
// TYPE name (local declaration, `use` import, or qualified svc/Name), checks
// `depends-on`, `use` and `calls` against the other services, reports
// duplicates (services, declarations, fields, variants, states), the crud
// key, state-machine states, gaps outside draft services, and fills
// TypeRef::resolvedService/resolvedTarget and Service::allDependencies.
// Unresolved names suggest the closest known ones. Services with errors are
// marked `valid = false`.
#pragma once

#include "universe/diagnostic.h"
#include "universe/ir.h"

namespace flywheel::universe {

/// Validates `u` in place; `u.services` must already be sorted by name with
/// duplicates removed (the loader reports those).
void validateUniverse(Universe& u, Diagnostics& diags);

/// Part of validateUniverse, after name resolution: reports alias cycles
/// (`alias cycle: A -> B -> A`) and records or enums that contain themselves
/// by value (`'Node' contains itself by value: Node.next -> Node`), and marks
/// the options that close a cycle of records as TypeRef::boxed.
void checkTypeCycles(Universe& u, Diagnostics& diags);

}  // namespace flywheel::universe
