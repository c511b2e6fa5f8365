// Tasks, edges, cycle refusal and readiness through chains and diamonds.
#include "tests/board/board_fixture.h"

using namespace flywheel;
using namespace flywheel::board;
using flywheel::board::test::TestBoard;
using Ids = std::vector<std::string>;

TEST_CASE("a created task is open, ready, and reads back with every field", "[board]") {
  TestBoard b("create");
  auto t = b->create({.title = "repair orders", .body = "Money type changed", .priority = 1, .service = "orders",
                      .epoch = 0, .wave = 2});
  REQUIRE(t.has_value());
  CHECK(t->id == "t1");
  auto back = b->get("t1");
  REQUIRE(back.has_value());
  CHECK(back->title == "repair orders");
  CHECK(back->body == "Money type changed");
  CHECK(back->status == TaskStatus::Open);
  CHECK(back->priority == 1);
  CHECK(back->service == "orders");
  CHECK(back->wave == 2);
  CHECK(back->createdMs == *b.clock);
  CHECK(b.readyIds() == Ids{"t1"});
}

TEST_CASE("bad task input is refused with a message naming the field", "[board]") {
  TestBoard b("badinput");
  auto empty = b->create({.title = ""});
  REQUIRE(!empty);
  CHECK(empty.error().message.find("title") != std::string::npos);
  auto prio = b->create({.title = "x", .priority = 9});
  REQUIRE(!prio);
  CHECK(prio.error().message.find("priority") != std::string::npos);
  auto huge = b->create({.title = std::string(5000, 'a')});
  REQUIRE(!huge);
  CHECK(huge.error().message.find("too long") != std::string::npos);
  for (std::string id : {"", "t", "t0", "t-1", "x1", "t1; DROP TABLE board_tasks", "t99999999999999999999"}) {
    auto g = b->get(id);
    REQUIRE(!g);
    CHECK(g.error().code == "invalid_argument");
  }
  auto missing = b->get("t42");
  REQUIRE(!missing);
  CHECK(missing.error().code == "not_found");
  CHECK(!b->link("t42", "t43", EdgeType::Blocks));
}

TEST_CASE("an edge that would close a cycle is refused, naming the cycle", "[board]") {
  TestBoard b("cycle");
  auto a = b.task("a"), c = b.task("c"), d = b.task("d");
  b.blocks(a, c);
  b.blocks(c, d);
  auto r = b->link(d, a, EdgeType::Blocks);
  REQUIRE(!r);
  CHECK(r.error().code == "failed_precondition");
  CHECK(r.error().message.find("t3 -> t1 -> t2 -> t3") != std::string::npos);
  // Nothing of the refused edge remains: d is still ready-after-c only.
  auto detail = b->show(a);
  REQUIRE(detail.has_value());
  CHECK(detail->incoming.empty());
  REQUIRE(b->checkConsistency().has_value());

  auto self = b->link(a, a, EdgeType::Related);
  REQUIRE(!self);
  CHECK(self.error().message.find("itself") != std::string::npos);
  // Informational edges may point backwards: they never block.
  REQUIRE(b->link(d, a, EdgeType::DiscoveredFrom).has_value());
  REQUIRE(b->link(d, a, EdgeType::Related).has_value());
  CHECK(b.readyIds() == Ids{a});

  // A batch containing a cycle is refused as a whole.
  auto e = b.task("e"), f = b.task("f");
  auto batch = b->linkMany({{e, f, EdgeType::Blocks}, {f, e, EdgeType::Blocks}});
  REQUIRE(!batch);
  CHECK(batch.error().message.find("cycle") != std::string::npos);
  CHECK(b->show(e)->outgoing.empty());
}

TEST_CASE("readiness follows a chain one step at a time", "[board]") {
  TestBoard b("chain");
  Ids chain;
  for (int i = 0; i < 5; ++i) chain.push_back(b.task("step " + std::to_string(i)));
  for (int i = 0; i + 1 < 5; ++i) b.blocks(chain[i], chain[i + 1]);
  for (int i = 0; i < 5; ++i) {
    CHECK(b.readyIds() == Ids{chain[i]});
    CHECK(b->get(chain[i])->unfinishedBlockers == 0);
    b.done(chain[i]);
  }
  CHECK(b.readyIds().empty());
  REQUIRE(b->checkConsistency().has_value());
}

TEST_CASE("a diamond's join waits for both branches, and reopening re-blocks", "[board]") {
  TestBoard b("diamond");
  auto top = b.task("top"), left = b.task("left"), right = b.task("right"), join = b.task("join");
  b.blocks(top, left);
  b.blocks(top, right);
  b.blocks(left, join);
  b.blocks(right, join);
  CHECK(b.readyIds() == Ids{top});
  b.done(top);
  CHECK(b.readyIds() == Ids{left, right});
  b.done(left);
  CHECK(b.readyIds() == Ids{right});
  CHECK(b->get(join)->unfinishedBlockers == 1);
  b.done(right);
  CHECK(b.readyIds() == Ids{join});
  // Reopening a finished blocker puts the join back to waiting.
  REQUIRE(b->reopen(left, "tester", "regressed").has_value());
  CHECK(b.readyIds() == Ids{left});
  // A new blocker on a ready task takes it out of the ready set.
  auto late = b.task("late");
  b.blocks(late, left);
  CHECK(b.readyIds() == Ids{late});
  // Cancelling a blocker does not release its dependents: only done does.
  REQUIRE(b->setStatus(late, TaskStatus::Cancelled, "tester").has_value());
  CHECK(b.readyIds().empty());
  REQUIRE(b->checkConsistency().has_value());
}

TEST_CASE("ready is ordered by priority, then wave, then age, and pages with a cursor", "[board]") {
  TestBoard b("order");
  auto lowOld = b.task("low old", 3, 0);
  b.advance(10);
  auto highLateWave = b.task("high wave 2", 0, 2);
  b.advance(10);
  auto highEarlyWave = b.task("high wave 1", 0, 1);
  b.advance(10);
  auto lowNew = b.task("low new", 3, 0);
  auto blocked = b.task("blocked", 0, 0);
  b.blocks(lowNew, blocked);
  CHECK(b.readyIds() == Ids{highEarlyWave, highLateWave, lowOld, lowNew});

  auto first = b->ready({.limit = 3});
  REQUIRE(first.has_value());
  CHECK(first->total == 4);
  CHECK(first->tasks.size() == 3);
  REQUIRE(!first->nextCursor.empty());
  auto second = b->ready({.cursor = first->nextCursor, .limit = 3});
  REQUIRE(second.has_value());
  REQUIRE(second->tasks.size() == 1);
  CHECK(second->tasks[0].id == lowNew);
  CHECK(second->nextCursor.empty());
  CHECK(!b->ready({.cursor = "garbage"}));
  CHECK(!b->ready({.limit = 100000}));
}

TEST_CASE("list filters by status and pages through every task once", "[board]") {
  TestBoard b("list");
  for (int i = 0; i < 25; ++i) b.task("task " + std::to_string(i));
  b.done("t3");
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = b->list({.cursor = cursor, .limit = 10});
    REQUIRE(page.has_value());
    CHECK(page->total == 25);
    for (auto& t : page->tasks) CHECK(seen.insert(t.id).second);
    cursor = page->nextCursor;
    ++pages;
  } while (!cursor.empty());
  CHECK(seen.size() == 25);
  CHECK(pages == 3);
  auto done = b->list({.status = TaskStatus::Done});
  REQUIRE(done.has_value());
  REQUIRE(done->tasks.size() == 1);
  CHECK(done->tasks[0].id == "t3");
  CHECK(done->tasks[0].note == "done in test");
}

TEST_CASE("the Mermaid graph shows tasks and edges, escaped and bounded", "[board]") {
  TestBoard b("graph");
  auto a = b.task("say \"hi\" <now>"), c = b.task("second");
  b.blocks(a, c);
  REQUIRE(b->link(c, a, EdgeType::Related).has_value());
  auto g = b->mermaid({});
  REQUIRE(g.has_value());
  CHECK(g->rfind("flowchart TD\n", 0) == 0);
  CHECK(g->find("t1 --> t2") != std::string::npos);
  CHECK(g->find("t2 -.->|related| t1") != std::string::npos);
  CHECK(g->find("#quot;hi#quot; #lt;now#gt;") != std::string::npos);
  CHECK(g->find("\"hi\"") == std::string::npos);

  REQUIRE(b->createMany(std::vector<NewTask>(600, NewTask{.title = std::string(150, 'x')})).has_value());
  auto big = b->mermaid({.maxNodes = 500});
  REQUIRE(big.has_value());
  CHECK(big->size() <= 20000);
  CHECK(big->find("tasks not shown") != std::string::npos);
  CHECK(!b->mermaid({.maxNodes = 0}));
}
