// A fresh board in its own temporary directory, with a clock the test moves.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "kb/board/board.h"

namespace flywheel::board::test {

inline std::filesystem::path freshDir(const std::string& name) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("flywheel-board-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

struct TestBoard {
  std::filesystem::path dir;
  std::filesystem::path dbPath;
  std::shared_ptr<std::int64_t> clock = std::make_shared<std::int64_t>(1'700'000'000'000);
  std::optional<Board> board;

  explicit TestBoard(const std::string& name) : dir(freshDir(name)), dbPath(dir / ".flywheel" / "kb.sqlite") {
    board.emplace(open());
  }
  ~TestBoard() {
    board.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  /// Another connection to the same file, sharing the test clock.
  Board open() {
    auto c = clock;
    auto b = Board::open(dbPath, {.clock = [c] { return *c; }});
    REQUIRE(b.has_value());
    return std::move(*b);
  }
  Board* operator->() { return &*board; }
  void advance(std::int64_t ms) { *clock += ms; }

  std::string task(const std::string& title, int priority = 2, int wave = 0) {
    auto t = board->create({.title = title, .priority = priority, .wave = wave});
    REQUIRE(t.has_value());
    return t->id;
  }
  void blocks(const std::string& a, const std::string& b) {
    auto r = board->link(a, b, EdgeType::Blocks);
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.has_value());
  }
  std::vector<std::string> readyIds(int limit = 200) {
    auto page = board->ready({.limit = limit});
    REQUIRE(page.has_value());
    std::vector<std::string> ids;
    for (auto& t : page->tasks) ids.push_back(t.id);
    return ids;
  }
  void done(const std::string& id) {
    auto r = board->setStatus(id, TaskStatus::Done, "tester", "done in test");
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.has_value());
  }
};

}  // namespace flywheel::board::test
