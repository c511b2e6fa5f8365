// The daemon's live picture, as `flywheel status` and the daemon_status tool
// read it: <universe>/.flywheel/daemon/status.json, rewritten by the daemon
// whenever its slots, tasks or epochs change (about every quarter second).
#pragma once

#include <filesystem>
#include <string>

#include "core/error.h"

namespace flywheel::missiond {

struct DaemonStatusFile {
  bool running = false;  ///< the daemon that wrote it holds the universe's lock now
  std::string json;      ///< status.json as written (with "running" set)
  std::string text;      ///< the same for a person, a few lines
};

/// Error not_found when no daemon ever ran on the universe.
[[nodiscard]] Result<DaemonStatusFile> readDaemonStatus(const std::filesystem::path& stateDir);

}  // namespace flywheel::missiond
