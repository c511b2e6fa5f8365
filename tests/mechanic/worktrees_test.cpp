// Owned worktrees: open at any commit with a seeded build dir, list, remove;
// crash clean-up removes only what the owner declares dead, so a worktree
// another component owns (a replay) survives it.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "mechanic/mechanic.h"
#include "mechanic/worktrees.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

bool onDisk(const fs::path& p) { return fs::exists(p); }

std::vector<std::string> names(const std::vector<WorktreeInfo>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws) out.push_back(w.name);
  return out;
}

}  // namespace

TEST_CASE("a worktree opens at any commit with its own seeded build dir, lists with its owner, and goes",
          "[mechanic][worktrees]") {
  TinyWorkspace ws("worktrees-api");
  const std::string first = git(ws.root, {"rev-parse", "HEAD"});
  writeText(ws.root / "alpha/src/lib.rs", "pub fn answer() -> i64 {\n    42\n}\n");
  ws.commitAll("i64");
  const fs::path state = ws.root / ".flywheel";
  writeText(state / "warm/debug/marker", "warm\n");

  Worktrees wts(fs::canonical(ws.root), state);
  auto wt = wts.open({.name = "replay-3", .kind = "replay", .owner = "learn replay 3", .commit = first,
                      .seedBuildFrom = state / "warm"});
  INFO((wt ? std::string() : wt.error().message));
  REQUIRE(wt);
  CHECK(wt->branch == "flywheel/wt/replay-3");
  CHECK(git(wt->path, {"rev-parse", "HEAD"}) == first);
  CHECK(readText(wt->path / "alpha/src/lib.rs").find("-> i32") != std::string::npos);
  CHECK(readText(wt->buildDir / "debug/marker") == "warm\n");  // a copy of the warm dir...
  writeText(wt->buildDir / "debug/marker", "own\n");
  CHECK(readText(state / "warm/debug/marker") == "warm\n");  // ...never the same dir

  auto listed = wts.list();
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().kind == "replay");
  CHECK(listed->front().owner == "learn replay 3");
  CHECK(listed->front().commit == first);
  CHECK(listed->front().hasManifest);
  CHECK(listed->front().worktreeExists);

  // Another owner cannot take the name; the owner itself re-opens it.
  auto stolen = wts.open({.name = "replay-3", .kind = "cascade", .owner = "epoch 4", .commit = first});
  REQUIRE_FALSE(stolen);
  CHECK_THAT(stolen.error().message, Catch::Contains("belongs to learn replay 3"));
  CHECK_FALSE(wts.open({.name = "../x", .kind = "replay", .owner = "me", .commit = first}));

  REQUIRE(wts.remove("replay-3"));
  CHECK_FALSE(onDisk(wt->path));
  CHECK_FALSE(onDisk(wt->buildDir));
  CHECK(git(ws.root, {"branch", "--list", "flywheel/*"}).empty());
  CHECK(git(ws.root, {"worktree", "list"}).find("replay-3") == std::string::npos);
  auto after = wts.list();
  REQUIRE(after);
  CHECK(after->empty());
}

TEST_CASE("crash clean-up keeps a replay-owned worktree and removes a dead epoch's", "[mechanic][worktrees][crash]") {
  TinyWorkspace ws("worktrees-owners");
  const std::string head = git(ws.root, {"rev-parse", "HEAD"});
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  // A live epoch (its cascade worktree is live work), stamped without cargo.
  CascadeStartSpec spec;
  spec.stamp = [](const fs::path& r) -> flywheel::Result<std::vector<std::string>> {
    writeText(r / "alpha/README.md", "stamped\n");
    return std::vector<std::string>{"alpha/README.md"};
  };
  auto st = (*m)->cascadeStart(spec, {});
  INFO((st ? std::string() : st.error().message));
  REQUIRE(st);
  const std::string live = "e" + std::to_string(st->epoch) + "-cascade";

  const fs::path state = ws.root / ".flywheel";
  Worktrees wts(fs::canonical(ws.root), state);
  REQUIRE(wts.open({.name = "replay-7", .kind = "replay", .owner = "learn replay 7", .commit = head}));
  writeText(wts.buildDir("replay-7") / "debug/marker", "replay build\n");
  // Epoch 99 never went live: its worktree is what a crash leaves behind.
  REQUIRE(wts.open({.name = "e99-billing", .kind = "sandbox", .owner = epochOwner(99), .commit = head}));
  writeText(wts.buildDir("e99-billing") / "debug/marker", "dead build\n");
  // A directory from before owned worktrees (no manifest): the mechanic's.
  fs::create_directories(state / "builds/e98-legacy");

  m->reset();
  auto again = Mechanic::open(ws.root);
  REQUIRE(again);
  std::vector<std::string> reported;
  for (const auto& l : (*again)->leftovers()) reported.push_back(l.what);
  CHECK(std::find(reported.begin(), reported.end(), "orphaned sandbox worktree e99-billing") != reported.end());
  CHECK(std::find(reported.begin(), reported.end(), "orphaned build dir e98-legacy") != reported.end());
  for (const auto& w : reported) CHECK(w.find("replay-7") == std::string::npos);

  auto cleaned = (*again)->cleanLeftovers();
  INFO((cleaned ? std::string() : cleaned.error().message));
  REQUIRE(cleaned);
  CHECK((*again)->leftovers().empty());
  CHECK_FALSE(onDisk(wts.path("e99-billing")));
  CHECK_FALSE(onDisk(wts.buildDir("e99-billing")));
  CHECK_FALSE(onDisk(state / "builds/e98-legacy"));
  // The replay's worktree, build dir and branch survive; so does the live epoch's.
  CHECK(readText(wts.path("replay-7") / "alpha/src/lib.rs").find("answer") != std::string::npos);
  CHECK(readText(wts.buildDir("replay-7") / "debug/marker") == "replay build\n");
  CHECK(git(ws.root, {"rev-parse", "flywheel/wt/replay-7"}) == head);
  CHECK(onDisk(wts.path(live)));
  auto left = wts.list();
  REQUIRE(left);
  CHECK(names(*left) == std::vector<std::string>{live, "replay-7"});

  // Its owner removes it when it is done (its own judgement of dead).
  auto removed = wts.removeDead([](const WorktreeInfo& w) { return w.owner == "learn replay 7"; });
  REQUIRE(removed);
  CHECK(names(*removed) == std::vector<std::string>{"replay-7"});
  CHECK_FALSE(onDisk(wts.path("replay-7")));
  CHECK(git(ws.root, {"branch", "--list", "flywheel/wt/*"}).empty());
}
