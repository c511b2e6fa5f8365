#include "tools/tool_groups.h"

namespace flywheel::tools {

Result<void> registerAllTools(mcp::Registry& registry, const Services& services) {
#define FLYWHEEL_TOOL_GROUP(Name) \
  if (auto r = register##Name##Tools(registry, services); !r) return r;
#include "tools/groups.def"
#undef FLYWHEEL_TOOL_GROUP
  (void)registry;
  (void)services;
  return {};
}

}  // namespace flywheel::tools
