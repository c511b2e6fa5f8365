// The learn tests' universe: one service `a` with one type, committed in a
// fresh git repository under the build tree.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/atomic_file.h"

namespace flywheel::learn::testing {

/// Makes build/test-tmp/<prefix>-<pid> that repository (replacing what was
/// there) and returns its root; the caller removes it.
inline std::filesystem::path oneServiceRepo(const std::string& prefix) {
  namespace fs = std::filesystem;
  fs::path root = fs::path(FLYWHEEL_BINARY_DIR) / "test-tmp" / (prefix + "-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "services/a");
  REQUIRE(writeFileAtomic(root / "services/a/intent.lisp", "(service a (type T (field id i32)))\n"));
  std::string cmd = "cd " + root.string() + " && git init -q && git -c user.name=t -c user.email=t@t add -A && "
                    "git -c user.name=t -c user.email=t@t commit -qm init";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return root;
}

}  // namespace flywheel::learn::testing
