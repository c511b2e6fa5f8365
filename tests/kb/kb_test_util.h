// Helpers shared by the kb tests: a fresh temporary state directory.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

namespace flywheel::kb::testing {

/// A unique empty directory under the system temp dir, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("flywheel-kb-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace flywheel::kb::testing
