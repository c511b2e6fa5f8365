// Running one child process and capturing its output (internal to forge/).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace flywheel::forge {

struct ChildResult {
  int exitCode = -1;
  bool timedOut = false;
  bool cancelled = false;
  std::string output;  ///< stdout and stderr interleaved, capped at 4 MiB
};

/// Runs argv (looked up on PATH) in `cwd` with `env` added, in its own process
/// group; kills the group on deadline or cancel. Fails when it cannot start.
Result<ChildResult> runChild(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                             const std::map<std::string, std::string>& env, std::chrono::milliseconds deadline,
                             const std::atomic<bool>* cancel);

}  // namespace flywheel::forge
