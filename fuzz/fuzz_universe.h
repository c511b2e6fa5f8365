// Shared set-up of the fuzz targets that run the real server: a private copy
// of the bundled shop universe in a fresh git repository, and an McpServer
// with every tool group registered on it, built once per fuzzing process.
//
// The targets are libFuzzer programs (see fuzz/README.md); nothing here is
// used by flywheel itself.
#pragma once

#include <filesystem>
#include <memory>

namespace flywheel::mcp {
class McpServer;
}

namespace flywheel::fuzz {

/// A copy of examples/shop under a temporary directory, committed to a new
/// git repository so revision-taking tools have history. Created on first
/// call; the same path afterwards.
const std::filesystem::path& fuzzUniverse();

/// The real server with all tool groups on fuzzUniverse(). Lives for the
/// whole process (libFuzzer never returns from its loop).
mcp::McpServer& fuzzServer();

}  // namespace flywheel::fuzz
