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

}  // namespace flywheel::universe
