// A small server for the protocol tests: tools echo, slow, boom, ask and big
// (schemas in tests/server/schemas), one resource, one template, one prompt.
#pragma once

#include <memory>

#include "server/mcp_server.h"

namespace flywheel::mcp::test {

std::unique_ptr<McpServer> makeTestServer(std::size_t pageSize = 100,
                                          std::chrono::seconds sessionIdleTimeout = std::chrono::minutes(30));

}  // namespace flywheel::mcp::test
