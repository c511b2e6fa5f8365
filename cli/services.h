// The composition root: builds a universe's shared services once per process
// (tools/services.h) for `flywheel serve` and, later, `flywheel daemon`. Every
// consumer gets the same objects, so preempting an epoch, a sentinel report
// or a repair memory is seen by all of them.
#pragma once

#include <memory>

#include "tools/services.h"

namespace flywheel::cli {

/// The services of the universe in `config`. Nothing is opened yet: each
/// handle opens on first use. The sentinel is not polling yet either: call
/// startWatching() once every listener has subscribed.
std::shared_ptr<tools::Services> buildServices(const tools::AppConfig& config);

/// Starts the sentinel's background polling (every sentinel-interval seconds).
void startWatching(tools::Services& services);

}  // namespace flywheel::cli
