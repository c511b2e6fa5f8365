// Server logging: spdlog to stderr (never stdout, which carries the stdio
// protocol), at a level from FLYWHEEL_LOG (debug, info, warn, error; default
// info).
#pragma once

namespace flywheel::mcp {

/// Makes spdlog's default logger write to stderr. Idempotent.
void useStderrLogging();

}  // namespace flywheel::mcp
