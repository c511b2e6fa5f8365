// Materialising cascade plans as tasks; a newer epoch cancels the older one.
#include "tests/board/board_fixture.h"

using namespace flywheel;
using namespace flywheel::board;
using flywheel::board::test::TestBoard;
using Ids = std::vector<std::string>;

namespace {

// catalog <- orders <- checkout, payments <- checkout; shipping outside.
PlanInput shopPlan(std::int64_t epoch) {
  return PlanInput{epoch,
                   {{.name = "catalog", .wave = 0},
                    {.name = "payments", .wave = 0, .dependsOn = {"ledger"}},
                    {.name = "orders", .wave = 1, .dependsOn = {"catalog", "catalog"}},
                    {.name = "checkout", .wave = 2, .dependsOn = {"orders", "payments", "shipping"}}}};
}

Ids services(const std::vector<Task>& tasks) {
  Ids out;
  for (auto& t : tasks) out.push_back(t.service);
  return out;
}

}  // namespace

TEST_CASE("a cascade plan becomes one task per service with wave edges", "[board]") {
  TestBoard b("plan");
  auto r = b->materialisePlan(shopPlan(1));
  REQUIRE(r.has_value());
  CHECK(services(r->tasks) == Ids{"catalog", "payments", "orders", "checkout"});
  CHECK(r->edges == 3);  // catalog->orders, orders->checkout, payments->checkout
  CHECK(r->tasks[0].title == "repair catalog (epoch 1)");
  for (auto& t : r->tasks) CHECK(t.epoch == 1);
  auto ready = b->ready({.epoch = 1});
  REQUIRE(ready.has_value());
  CHECK(services(ready->tasks) == Ids{"catalog", "payments"});
  b.done(r->tasks[0].id);
  CHECK(services(b->ready({})->tasks) == Ids{"payments", "orders"});
  b.done(r->tasks[2].id);
  CHECK(services(b->ready({})->tasks) == Ids{"payments"});
  b.done(r->tasks[1].id);
  CHECK(services(b->ready({})->tasks) == Ids{"checkout"});
  REQUIRE(b->checkConsistency().has_value());

  auto again = b->materialisePlan(shopPlan(1));
  REQUIRE(again.has_value());
  CHECK(again->alreadyMaterialised);
  CHECK(again->tasks.size() == 4);
  CHECK(b->list({})->total == 4);
}

TEST_CASE("a newer epoch cancels the older epoch's open tasks", "[board]") {
  TestBoard b("epochs");
  auto first = b->materialisePlan(shopPlan(1));
  REQUIRE(first.has_value());
  auto manual = b.task("unrelated manual task");
  b.done(first->tasks[0].id);                                  // catalog done
  auto held = b->claim({.agent = "bg-1"});                     // payments held
  REQUIRE(held.has_value());
  REQUIRE(b->setStatus(first->tasks[3].id, TaskStatus::Blocked, "fg", "needs a human").has_value());

  auto second = b->materialisePlan(shopPlan(2));
  REQUIRE(second.has_value());
  // orders (open) and checkout (blocked) are cancelled; done and held stay.
  CHECK(second->cancelled == Ids{first->tasks[2].id, first->tasks[3].id});
  CHECK(b->get(first->tasks[0].id)->status == TaskStatus::Done);
  CHECK(b->get(first->tasks[1].id)->status == TaskStatus::InProgress);
  auto cancelled = b->get(first->tasks[2].id);
  CHECK(cancelled->status == TaskStatus::Cancelled);
  CHECK(cancelled->note == "superseded by epoch 2");
  CHECK(b->get(manual)->status == TaskStatus::Open);

  auto ready = b->ready({.epoch = 2});
  REQUIRE(ready.has_value());
  CHECK(services(ready->tasks) == Ids{"catalog", "payments"});
  auto all = b->ready({});
  REQUIRE(all.has_value());
  for (auto& t : all->tasks) CHECK((t.epoch == 2 || t.id == manual));

  auto stale = b->materialisePlan(shopPlan(1));
  REQUIRE(!stale);
  CHECK(stale.error().message.find("older than the board's newest epoch 2") != std::string::npos);
}

TEST_CASE("malformed plans are refused before anything is written", "[board]") {
  TestBoard b("badplan");
  CHECK(!b->materialisePlan({0, {{.name = "a"}}}));
  auto dup = b->materialisePlan({1, {{.name = "a"}, {.name = "a"}}});
  REQUIRE(!dup);
  CHECK(dup.error().message.find("twice") != std::string::npos);
  auto backwards = b->materialisePlan({1, {{.name = "a", .wave = 0, .dependsOn = {"b"}}, {.name = "b", .wave = 0}}});
  REQUIRE(!backwards);
  CHECK(backwards.error().message.find("earlier wave") != std::string::npos);
  CHECK(b->list({})->total == 0);
}

TEST_CASE("a plan step that governance forbids becomes a blocked task for a human", "[board]") {
  TestBoard b("blockedstep");
  auto r = b->materialisePlan({1,
                               {{.name = "catalog", .wave = 1},
                                {.name = "ledger", .wave = 1, .blocked = true, .blockedReason = "governance newborn"},
                                {.name = "billing", .wave = 2, .dependsOn = {"ledger"}}}});
  REQUIRE(r.has_value());
  auto ledger = b->get(r->tasks[1].id);
  CHECK(ledger->status == TaskStatus::Blocked);
  CHECK(ledger->note == "governance newborn");
  CHECK(services(b->ready({})->tasks) == Ids{"catalog"});
  REQUIRE(!b->claim({.agent = "bg-1", .taskId = ledger->id}));
  // Once a human repaired it, billing becomes ready.
  b.done(ledger->id);
  auto ready = b->ready({});
  REQUIRE(ready.has_value());
  CHECK(services(ready->tasks) == Ids{"catalog", "billing"});
}
