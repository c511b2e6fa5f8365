// The `instructions` flywheel sends in its initialize result: a short guide
// (under 2 KB) to the workflow, for the agent's system prompt.
#pragma once

#include <string>

namespace flywheel::mcp {

/// The text; deterministic, under 2048 bytes (a unit test checks).
const std::string& flywheelInstructions();

}  // namespace flywheel::mcp
