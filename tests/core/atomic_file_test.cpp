#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/atomic_file.h"

namespace fs = std::filesystem;
using namespace flywheel;

namespace {
fs::path freshDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("flywheel-core-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
}  // namespace

TEST_CASE("writeFileAtomic replaces content and leaves no temp files", "[core]") {
  auto dir = freshDir("atomic");
  auto target = dir / "nested" / "state.json";
  REQUIRE(writeFileAtomic(target, "first"));
  REQUIRE(writeFileAtomic(target, "second"));
  auto back = readFile(target);
  REQUIRE(back);
  CHECK(*back == "second");
  int entries = 0;
  for (auto& e : fs::directory_iterator(target.parent_path())) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
  fs::remove_all(dir);
}

TEST_CASE("readFile on a missing file is not_found and names the path", "[core]") {
  auto r = readFile("/nonexistent/flywheel/file");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "not_found");
  CHECK(r.error().message.find("/nonexistent/flywheel/file") != std::string::npos);
}

TEST_CASE("writeFileAtomic into an unwritable place fails with a message", "[core]") {
  auto dir = freshDir("unwritable");
  std::ofstream(dir / "file") << "x";
  // A regular file where a directory is needed.
  auto r = writeFileAtomic(dir / "file" / "child", "data");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "io");
  fs::remove_all(dir);
}

TEST_CASE("appendLineDurable from several processes never interleaves lines", "[core]") {
  auto dir = freshDir("append");
  auto log = dir / "log.jsonl";
  constexpr int kProcs = 4, kLines = 200;
  for (int p = 0; p < kProcs; ++p) {
    if (::fork() == 0) {
      std::string line(100, static_cast<char>('a' + p));
      for (int i = 0; i < kLines; ++i) (void)appendLineDurable(log, line);
      ::_exit(0);
    }
  }
  for (int p = 0; p < kProcs; ++p) ::wait(nullptr);
  std::ifstream in(log);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    ++count;
    REQUIRE(line.size() == 100);
    CHECK(line.find_first_not_of(line[0]) == std::string::npos);
  }
  CHECK(count == kProcs * kLines);
  fs::remove_all(dir);
}
