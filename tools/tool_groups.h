// The tool groups: one registration function per group, each in its own
// tools/<group>_tools.cpp. tools/groups.def lists them; the server calls
// every listed function at start-up with the same AppConfig.
#pragma once

#include <filesystem>

#include "core/error.h"
#include "server/tool_api.h"

namespace flywheel::tools {

/// What every group needs to find its domain state. A group builds its own
/// domain objects from this (and keeps them alive in its handlers' captures).
struct AppConfig {
  std::filesystem::path universeRoot;  // absolute, canonical
  std::filesystem::path stateDir;      // <universeRoot>/.flywheel
  std::filesystem::path sourceDir;     // FLYWHEEL_HOME (schemas/, templates); empty: built in
};

#define FLYWHEEL_TOOL_GROUP(Name) Result<void> register##Name##Tools(mcp::Registry& registry, const AppConfig& config);
#include "tools/groups.def"
#undef FLYWHEEL_TOOL_GROUP

/// Calls every group's registration in groups.def order; the first failure stops start-up.
Result<void> registerAllTools(mcp::Registry& registry, const AppConfig& config);

}  // namespace flywheel::tools
