// The tool groups: one registration function per group, each in its own
// tools/<group>_tools.cpp. tools/groups.def lists them; the server calls
// every listed function at start-up with the same Services (services.h),
// which the composition root (cli/services.h) built once.
#pragma once

#include <filesystem>

#include "core/error.h"
#include "server/tool_api.h"
#include "tools/services.h"

namespace flywheel::tools {

#define FLYWHEEL_TOOL_GROUP(Name) Result<void> register##Name##Tools(mcp::Registry& registry, const Services& services);
#include "tools/groups.def"
#undef FLYWHEEL_TOOL_GROUP

/// Calls every group's registration in groups.def order; the first failure stops start-up.
Result<void> registerAllTools(mcp::Registry& registry, const Services& services);

}  // namespace flywheel::tools
