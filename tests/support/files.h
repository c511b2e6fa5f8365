// Small file helpers the C++ tests share.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace flywheel::test {

/// The whole file as bytes; empty when it cannot be read (also works on
/// /proc files, whose size reads as 0).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace flywheel::test
