// A scratch copy of examples/shop (intents and code, no target/), removed on
// destruction, with helpers to edit its files.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace flywheel::drift::testing {

namespace fs = std::filesystem;

inline const fs::path kShop = fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop";

struct ShopCopy {
  fs::path dir;
  ShopCopy() {
    static int n = 0;
    dir = fs::temp_directory_path() / ("flywheel-drift-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + "-" +
                                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
    for (const auto& e : fs::recursive_directory_iterator(kShop)) {
      auto rel = e.path().lexically_relative(kShop);
      if (rel.begin()->string() == "target" || rel.begin()->string() == ".flywheel") continue;
      if (e.is_directory()) fs::create_directories(dir / rel);
      else if (e.is_regular_file()) fs::copy_file(e.path(), dir / rel, fs::copy_options::overwrite_existing);
    }
  }
  ~ShopCopy() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(dir / rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
  /// Replaces the first `from` in `rel` with `to` (the text must be there).
  void replace(const std::string& rel, const std::string& from, const std::string& to) const {
    std::string text = read(rel);
    auto at = text.find(from);
    INFO(rel << " lacks: " << from);
    REQUIRE(at != std::string::npos);
    write(rel, text.replace(at, from.size(), to));
  }
};

}  // namespace flywheel::drift::testing
