#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <vector>

#include "mechanic/paths.h"

namespace fs = std::filesystem;
using namespace flywheel::mechanic;

namespace {
struct TempTree {
  fs::path root, outside;
  TempTree() {
    auto base = fs::temp_directory_path() / ("flywheel-paths-" + std::to_string(::getpid()));
    fs::remove_all(base);
    root = base / "sandbox";
    outside = base / "outside";
    fs::create_directories(root / "src");
    fs::create_directories(outside);
    std::ofstream(root / "src/custom.rs") << "fn main() {}\n";
    std::ofstream(outside / "secret.txt") << "secret\n";
    fs::create_directory_symlink(outside, root / "escape");
    fs::create_symlink(outside / "secret.txt", root / "src/link.rs");
    fs::create_symlink("custom.rs", root / "src/inner.rs");
  }
  ~TempTree() { fs::remove_all(root.parent_path()); }
};
}  // namespace

TEST_CASE("confinePath accepts paths inside the root", "[paths]") {
  TempTree t;
  auto r = confinePath(t.root, "src/custom.rs", true);
  REQUIRE(r);
  CHECK(r->relative == "src/custom.rs");
  auto dot = confinePath(t.root, "./src/./custom.rs");
  REQUIRE(dot);
  CHECK(dot->relative == "src/custom.rs");
  auto abs = confinePath(t.root, (t.root / "src/custom.rs").string());
  REQUIRE(abs);
  CHECK(abs->relative == "src/custom.rs");
  auto inner = confinePath(t.root, "src/inner.rs", true);  // a symlink that stays inside
  REQUIRE(inner);
  CHECK(inner->relative == "src/custom.rs");
  auto fresh = confinePath(t.root, "src/new_file.rs");
  REQUIRE(fresh);
  CHECK(fresh->relative == "src/new_file.rs");
}

TEST_CASE("confinePath refuses hostile paths", "[paths]") {
  TempTree t;
  for (std::string p : {"../outside/secret.txt", "src/../../outside/secret.txt", "src/../..", "..",
                        "/etc/passwd", "escape/secret.txt", "src/link.rs", "escape", ".git/config",
                        "src/.git/HEAD"}) {
    INFO(p);
    auto r = confinePath(t.root, p);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "permission_denied");
  }
  for (std::string p : std::vector<std::string>{"", "-rf", "--upload-pack=evil", std::string("src/a\0b", 7), "src/a\nb"}) {
    INFO(p);
    auto r = confinePath(t.root, p);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_argument");
  }
  auto missing = confinePath(t.root, "src/none.rs", true);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "not_found");
}

TEST_CASE("isWithin compares whole components", "[paths]") {
  CHECK(isWithin("/a/b", "/a/b/c"));
  CHECK(isWithin("/a/b", "/a/b"));
  CHECK_FALSE(isWithin("/a/b", "/a/bc"));
  CHECK_FALSE(isWithin("/a/b", "/a"));
}
