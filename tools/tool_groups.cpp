#include "tools/tool_groups.h"

namespace flywheel::tools {

Result<void> registerAllTools(mcp::Registry& registry, const AppConfig& config) {
#define FLYWHEEL_TOOL_GROUP(Name) \
  if (auto r = register##Name##Tools(registry, config); !r) return r;
#include "tools/groups.def"
#undef FLYWHEEL_TOOL_GROUP
  (void)registry;
  (void)config;
  return {};
}

}  // namespace flywheel::tools
