// SIGKILL during cascade_finish at several instants: the user's branch is
// either untouched or fully advanced, never half; the leftovers are found on
// the next start and cleaning them leaves a consistent working tree.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "mechanic/mechanic.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

struct Prepared {
  std::int64_t epoch = 0;
  std::string base, cascadeHead;
};

Prepared prepareGreenCascade(const fs::path& root) {
  Prepared p;
  p.base = git(root, {"rev-parse", "HEAD"});
  auto m = Mechanic::open(root);
  REQUIRE(m);
  CascadeStartSpec spec;
  spec.services = {{"alpha", "alpha", "alpha", "experimental", 0}, {"beta", "beta", "beta", "experimental", 1}};
  spec.config.gates = {"check", "test"};
  spec.stamp = widenAlphaAnswer();
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  REQUIRE((*m)->repairPlan(sb->status.id, "widen to i64"));
  auto e = (*m)->repairEdit(sb->status.id, "beta/src/lib.rs", {.oldText = "-> i32", .newText = "-> i64"}, {});
  REQUIRE(e);
  REQUIRE(e->applied);
  auto v = (*m)->repairValidate(sb->status.id, {});
  REQUIRE(v);
  REQUIRE(v->gauntlet.green);
  auto c = (*m)->repairCommit(sb->status.id);
  REQUIRE(c);
  p.epoch = st->epoch;
  p.cascadeHead = c->cascadeCommit;
  return p;
}

// Runs cascadeFinish in a child process that SIGKILLs itself at `point`.
int finishInChild(const fs::path& root, std::int64_t epoch, const std::string& point) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("FLYWHEEL_FAILPOINT", point.c_str(), 1);
    auto m = Mechanic::open(root);
    if (m) (void)(*m)->cascadeFinish(epoch, {});
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

}  // namespace

TEST_CASE("SIGKILL during cascade_finish never leaves the branch half-moved", "[mechanic][cargo][crash]") {
  for (const std::string point : {"finish-before-ref", "finish-after-ref", "finish-after-checkout"}) {
    DYNAMIC_SECTION(point) {
      TinyWorkspace ws("crash-" + point);
      auto p = prepareGreenCascade(ws.root);
      CHECK(finishInChild(ws.root, p.epoch, point) == SIGKILL);
      const std::string head = git(ws.root, {"rev-parse", "HEAD"});
      if (point == "finish-before-ref") CHECK(head == p.base);
      else CHECK(head == p.cascadeHead);

      auto m = Mechanic::open(ws.root);
      REQUIRE(m);
      bool reported = false;
      for (const auto& l : (*m)->leftovers()) reported = reported || l.kind == "epoch";
      CHECK(reported);
      REQUIRE((*m)->cleanLeftovers());
      CHECK((*m)->leftovers().empty());
      CHECK(git(ws.root, {"status", "--porcelain"}).empty());
      if (point == "finish-before-ref") {
        // The ref never moved: the epoch is open again and can finish.
        auto fin = (*m)->cascadeFinish(p.epoch, {});
        REQUIRE(fin);
        CHECK(fin->landed);
      }
      CHECK(git(ws.root, {"rev-parse", "HEAD"}) == p.cascadeHead);
      CHECK(readText(ws.root / "beta/src/lib.rs").find("-> i64") != std::string::npos);
    }
  }
}
