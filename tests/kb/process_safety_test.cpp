// Several processes on one knowledge base: concurrent writers lose nothing,
// and a writer killed mid-stream loses nothing it had acknowledged.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "kb/knowledge_base.h"
#include "kb_test_util.h"

using namespace flywheel::kb;
using flywheel::kb::testing::TempDir;

namespace {

// Runs in a forked child: opens its own connection and writes `n` memories.
[[noreturn]] void writerChild(const std::filesystem::path& state, const std::string& prefix, int n, int ackFd) {
  auto kb = KnowledgeBase::open(state);
  if (!kb) _exit(2);
  for (int i = 0; i < n; ++i) {
    auto r = (*kb)->remember({.kind = "note", .service = prefix,
                              .title = prefix + " memory " + std::to_string(i),
                              .body = "written by " + prefix + " number " + std::to_string(i)});
    if (!r) _exit(3);
    if (ackFd >= 0) {
      std::int64_t id = r->id;
      if (::write(ackFd, &id, sizeof id) != sizeof id) _exit(4);
    }
  }
  _exit(0);
}

}  // namespace

TEST_CASE("two processes writing at once lose no write", "[kb][process]") {
  TempDir dir;
  auto state = dir.path / ".flywheel";
  { REQUIRE(KnowledgeBase::open(state).has_value()); }  // create and migrate once
  const int n = 150;
  pid_t a = fork();
  if (a == 0) writerChild(state, "alpha", n, -1);
  pid_t b = fork();
  if (b == 0) writerChild(state, "beta", n, -1);
  int sa = 0, sb = 0;
  waitpid(a, &sa, 0);
  waitpid(b, &sb, 0);
  REQUIRE(WIFEXITED(sa));
  REQUIRE(WEXITSTATUS(sa) == 0);
  REQUIRE(WIFEXITED(sb));
  REQUIRE(WEXITSTATUS(sb) == 0);
  auto kb = KnowledgeBase::open(state);
  REQUIRE(kb.has_value());
  auto stats = (*kb)->stats();
  REQUIRE(stats.has_value());
  CHECK(stats->memories == 2 * n);
  CHECK(stats->vectors == 2 * n);
  for (const char* who : {"alpha", "beta"}) {
    // Every memory of each writer is findable: follow the cursors to the end.
    std::set<std::int64_t> found;
    SearchRequest req{.query = "memory", .filter = {.services = {who}}, .limit = 100};
    for (;;) {
      auto p = (*kb)->search(req);
      REQUIRE(p.has_value());
      for (const auto& h : p->hits) found.insert(h.id);
      if (p->nextCursor.empty()) break;
      req.cursor = p->nextCursor;
    }
    CHECK(found.size() == static_cast<size_t>(n));
  }
}

TEST_CASE("a writer killed mid-stream loses nothing it acknowledged", "[kb][process]") {
  TempDir dir;
  auto state = dir.path / ".flywheel";
  { REQUIRE(KnowledgeBase::open(state).has_value()); }
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = fork();
  if (child == 0) {
    ::close(fds[0]);
    writerChild(state, "victim", 100000, fds[1]);
  }
  ::close(fds[1]);
  std::set<std::int64_t> acked;
  std::int64_t id;
  while (acked.size() < 60 && ::read(fds[0], &id, sizeof id) == sizeof id) acked.insert(id);
  ::kill(child, SIGKILL);
  while (::read(fds[0], &id, sizeof id) == sizeof id) acked.insert(id);
  ::close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(acked.size() >= 60);

  auto kb = KnowledgeBase::open(state);
  REQUIRE(kb.has_value());
  for (auto a : acked) {
    auto m = (*kb)->get(a);
    INFO(a);
    CHECK(m.has_value());
  }
  auto stats = (*kb)->stats();
  REQUIRE(stats.has_value());
  CHECK(stats->memories >= static_cast<std::int64_t>(acked.size()));
  CHECK(stats->vectors == stats->memories);
  auto p = (*kb)->search({.query = "victim memory 7"});
  REQUIRE(p.has_value());
  CHECK_FALSE(p->hits.empty());
  auto db = flywheel::Db::open(state / "kb.sqlite");
  REQUIRE(db.has_value());
  auto check = db->prepare("PRAGMA integrity_check");
  REQUIRE(check.has_value());
  REQUIRE(*check->step());
  CHECK(check->text(0) == "ok");
}
