#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "mechanic/aci.h"

namespace fs = std::filesystem;
using namespace flywheel::mechanic;

namespace {
std::string manyLines(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}
}  // namespace

TEST_CASE("renderWindow shows 100 numbered lines and clamps", "[aci]") {
  auto w = renderWindow("src/a.rs", manyLines(250), 1);
  CHECK(w.firstLine == 1);
  CHECK(w.lastLine == 100);
  CHECK(w.totalLines == 250);
  CHECK(w.text.rfind("     1| line 1\n", 0) == 0);
  CHECK(w.text.find("   100| line 100\n") != std::string::npos);
  CHECK(w.text.find("line 101") == std::string::npos);
  auto end = renderWindow("src/a.rs", manyLines(250), 240);
  CHECK(end.firstLine == 151);
  CHECK(end.lastLine == 250);
  auto empty = renderWindow("e.rs", "", 5);
  CHECK(empty.totalLines == 0);
  CHECK(empty.text.empty());
}

TEST_CASE("ViewMemory remembers per sandbox and file", "[aci]") {
  ViewMemory m;
  m.set("s1", "a.rs", 40);
  CHECK(m.get("s1", "a.rs") == 40);
  CHECK_FALSE(m.get("s2", "a.rs"));
  m.forget("s1");
  CHECK_FALSE(m.get("s1", "a.rs"));
}

TEST_CASE("applyEdit replaces line ranges and unique snippets", "[aci]") {
  std::string src = "a\nb\nc\nd\n";
  auto r = applyEdit("f", src, {.startLine = 2, .endLine = 3, .newText = "X\nY\nZ"});
  REQUIRE(r);
  CHECK(r->content == "a\nX\nY\nZ\nd\n");
  CHECK(r->firstChangedLine == 2);
  CHECK(r->lastChangedLine == 4);
  auto ins = applyEdit("f", src, {.startLine = 1, .endLine = 0, .newText = "top"});
  REQUIRE(ins);
  CHECK(ins->content == "top\na\nb\nc\nd\n");
  auto snip = applyEdit("f", "let x: i32 = 1;\nlet y = x;\n", {.oldText = "i32", .newText = "String"});
  REQUIRE(snip);
  CHECK(snip->content == "let x: String = 1;\nlet y = x;\n");
  auto amb = applyEdit("f", "x\nx\n", {.oldText = "x", .newText = "y"});
  REQUIRE_FALSE(amb);
  CHECK(amb.error().message.find("occurs 2 times") != std::string::npos);
  CHECK(amb.error().message.find("lines 1, 2") != std::string::npos);
  auto none = applyEdit("f", src, {.oldText = "zzz", .newText = "y"});
  REQUIRE_FALSE(none);
  auto out = applyEdit("f", src, {.startLine = 3, .endLine = 9, .newText = ""});
  REQUIRE_FALSE(out);
  CHECK(out.error().message.find("outside f (4 lines)") != std::string::npos);
  auto both = applyEdit("f", src, {.startLine = 1, .endLine = 1, .oldText = "a", .newText = ""});
  REQUIRE_FALSE(both);
}

TEST_CASE("searchTree finds literal and regex hits and asks to narrow", "[aci]") {
  auto root = fs::temp_directory_path() / ("flywheel-search-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "src");
  fs::create_directories(root / "target");
  std::ofstream(root / "src/a.rs") << "fn alpha() {}\nfn beta() {}\n";
  std::ofstream(root / "src/b.rs") << "// alpha again\n";
  std::ofstream(root / "target/junk.rs") << "alpha\n";
  {
    std::ofstream many(root / "many.rs");
    for (int i = 0; i < 60; ++i) many << "hit " << i << "\n";
  }
  auto lit = searchTree(root, {.pattern = "alpha"});
  REQUIRE(lit);
  REQUIRE(lit->hits.size() == 2);
  CHECK(lit->hits[0].path == "src/a.rs");
  CHECK(lit->hits[0].line == 1);
  CHECK(lit->hits[1].path == "src/b.rs");
  auto re = searchTree(root, {.pattern = "fn [a-z]+\\(", .regex = true, .path = "src"});
  REQUIRE(re);
  CHECK(re->total == 2);
  auto many = searchTree(root, {.pattern = "hit"});
  REQUIRE(many);
  CHECK(many->total == 60);
  CHECK(many->hits.empty());
  CHECK(many->note.find("narrow your search") != std::string::npos);
  REQUIRE(many->perFile.size() == 1);
  CHECK(many->perFile[0] == std::pair<std::string, int>{"many.rs", 60});
  CHECK_FALSE(searchTree(root, {.pattern = "(", .regex = true}));
  CHECK_FALSE(searchTree(root, {.pattern = "x", .path = "../"}));
  fs::remove_all(root);
}

namespace {
/// A scratch tree holding a copy of the shop's unmodified auth/src/custom.rs.
fs::path shopCustomTree(const std::string& tag) {
  auto root = fs::temp_directory_path() / ("flywheel-search-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "src");
  fs::copy_file(fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop/services/auth/src/custom.rs", root / "src/custom.rs");
  return root;
}
}  // namespace

TEST_CASE("searchTree: a catastrophic-backtracking regex returns at once (RE2, linear time)", "[aci][hardening]") {
  auto root = shopCustomTree("redos");
  auto start = std::chrono::steady_clock::now();
  auto r = searchTree(root, {.pattern = "(.|.)*QQQ", .regex = true});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(r);
  CHECK(r->total == 0);
  CHECK(seconds < 2.0);
  // A line of 100k characters does not slow it down either.
  std::ofstream(root / "src/long.rs") << std::string(100000, 'a') << "\n";
  auto longLine = searchTree(root, {.pattern = "(a|a)*(b|b)*Q", .regex = true});
  REQUIRE(longLine);
  CHECK(longLine->total == 0);
  // Ordinary regexes still match.
  auto fns = searchTree(root, {.pattern = "fn [a-z_]+\\(", .regex = true});
  REQUIRE(fns);
  CHECK(fns->total > 0);
  fs::remove_all(root);
}

TEST_CASE("searchTree: patterns RE2 rejects get an error saying what to do", "[aci][hardening]") {
  auto root = shopCustomTree("reject");
  auto backref = searchTree(root, {.pattern = "(a)\\1", .regex = true});
  REQUIRE_FALSE(backref);
  CHECK(backref.error().code == "invalid_argument");
  CHECK(backref.error().message.find("'(a)\\1'") != std::string::npos);
  CHECK(backref.error().message.find("no backreferences") != std::string::npos);
  CHECK(backref.error().message.find("regex: false") != std::string::npos);
  auto look = searchTree(root, {.pattern = "foo(?=bar)", .regex = true});
  REQUIRE_FALSE(look);
  CHECK(look.error().message.find("lookaround") != std::string::npos);
  auto huge = searchTree(root, {.pattern = "((((a{100}){100}){100}){100})", .regex = true});
  REQUIRE_FALSE(huge);
  auto tooLong = searchTree(root, {.pattern = std::string(501, 'a')});
  REQUIRE_FALSE(tooLong);
  CHECK(tooLong.error().message.find("over the 500-character limit") != std::string::npos);
  fs::remove_all(root);
}

TEST_CASE("searchTree honours cancellation and its time budget", "[aci][hardening]") {
  auto root = shopCustomTree("cancel");
  std::atomic<bool> cancel{true};
  auto cancelled = searchTree(root, {.pattern = "fn", .cancel = &cancel});
  REQUIRE_FALSE(cancelled);
  CHECK(cancelled.error().code == "cancelled");
  auto late = searchTree(root, {.pattern = "fn", .budget = std::chrono::milliseconds(0)});
  REQUIRE_FALSE(late);
  CHECK(late.error().code == "deadline_exceeded");
  CHECK(late.error().message.find("narrow it") != std::string::npos);
  cancel = false;
  CHECK(searchTree(root, {.pattern = "fn", .cancel = &cancel}).has_value());
  fs::remove_all(root);
}
