// The conformance fixture's tools and prompt for protocol 2026-07-28
// (multi-round requests, server-stateless diagnostics); see the .cpp.
#pragma once

#include "core/error.h"
#include "server/mcp_server.h"

namespace flywheel::mcp {

/// Registers the tools and the prompt on `s`, which must outlive them.
Result<void> addInputRequiredTools(McpServer& s);

}  // namespace flywheel::mcp
