// Claims, slots, leases and who may change a held task (one process).
#include "tests/board/board_fixture.h"

using namespace flywheel;
using namespace flywheel::board;
using flywheel::board::test::TestBoard;
using Ids = std::vector<std::string>;

TEST_CASE("a claim takes the first ready task and holds it with a lease", "[board]") {
  TestBoard b("claim");
  auto urgent = b.task("urgent", 0), later = b.task("later", 3);
  auto c = b->claim({.agent = "fg", .slot = SlotKind::Foreground, .leaseMs = 60000});
  REQUIRE(c.has_value());
  CHECK(c->task.id == urgent);
  CHECK(c->task.status == TaskStatus::InProgress);
  CHECK(c->task.assignee == "fg");
  CHECK(c->task.leaseExpiresMs == *b.clock + 60000);
  CHECK(c->slotsInUse == 1);
  CHECK(c->slotsTotal == 1);
  CHECK(b.readyIds() == Ids{later});

  // A specific task can be claimed by id; a held or waiting one cannot.
  auto held = b->claim({.agent = "bg-1", .taskId = urgent});
  REQUIRE(!held);
  CHECK(held.error().message.find("already held by fg") != std::string::npos);
  auto blocked = b.task("blocked");
  b.blocks(later, blocked);
  auto waiting = b->claim({.agent = "bg-1", .taskId = blocked});
  REQUIRE(!waiting);
  CHECK(waiting.error().message.find("unfinished blocker") != std::string::npos);
  auto byId = b->claim({.agent = "bg-1", .taskId = later});
  REQUIRE(byId.has_value());
  CHECK(byId->task.id == later);

  auto none = b->claim({.agent = "bg-2"});
  REQUIRE(!none);
  CHECK(none.error().message.find("no task is ready") != std::string::npos);
}

TEST_CASE("claims beyond the slots are refused with the holders named", "[board]") {
  TestBoard b("slots");
  for (int i = 0; i < 6; ++i) b.task("task " + std::to_string(i));
  REQUIRE(b->backgroundSlots().value() == 3);
  REQUIRE(b->setBackgroundSlots(2).has_value());
  REQUIRE(b->claim({.agent = "bg-1"}).has_value());
  REQUIRE(b->claim({.agent = "bg-2"}).has_value());
  auto third = b->claim({.agent = "bg-3"});
  REQUIRE(!third);
  CHECK(third.error().code == "conflict");
  CHECK(third.error().message.find("all 2 background slot(s) are held") != std::string::npos);
  CHECK(third.error().message.find("bg-1 on t1") != std::string::npos);
  CHECK(third.error().message.find("bg-2 on t2") != std::string::npos);

  // The foreground slot is separate, and holds one.
  REQUIRE(b->claim({.agent = "fg", .slot = SlotKind::Foreground}).has_value());
  auto fg2 = b->claim({.agent = "fg-2", .slot = SlotKind::Foreground});
  REQUIRE(!fg2);
  CHECK(fg2.error().message.find("fg on t3") != std::string::npos);

  // Completing frees the slot.
  REQUIRE(b->complete("t1", "bg-1", "fixed").has_value());
  REQUIRE(b->claim({.agent = "bg-3"}).has_value());
  // Claiming a task one already holds, with the slots full, renews it.
  b.advance(1000);
  auto again = b->claim({.agent = "bg-3", .taskId = "t4", .leaseMs = 120000});
  REQUIRE(again.has_value());
  CHECK(again->task.leaseExpiresMs == *b.clock + 120000);
  CHECK(again->slotsInUse == 2);
  auto holders = b->holders();
  REQUIRE(holders.has_value());
  REQUIRE(holders->size() == 3);
  CHECK(holders->front().assignee == "fg");
  CHECK(!b->setBackgroundSlots(65));
}

TEST_CASE("an expired lease returns the task to ready; renewing keeps it", "[board]") {
  TestBoard b("lease");
  auto t = b.task("long job");
  REQUIRE(b->claim({.agent = "bg-1", .leaseMs = 5000}).has_value());
  b.advance(4000);
  auto renewed = b->renew(t, "bg-1", 5000);
  REQUIRE(renewed.has_value());
  CHECK(renewed->leaseExpiresMs == *b.clock + 5000);
  b.advance(4000);  // 8 s after the claim: alive only thanks to the renewal
  CHECK(b.readyIds().empty());
  auto other = b->renew(t, "bg-2", 5000);
  REQUIRE(!other);
  CHECK(other.error().message.find("held by bg-1") != std::string::npos);

  b.advance(1001);  // past the renewed lease
  CHECK(b.readyIds() == Ids{t});
  auto back = b->get(t);
  CHECK(back->status == TaskStatus::Open);
  CHECK(back->assignee.empty());
  CHECK(back->note == "lease of bg-1 expired");
  auto late = b->renew(t, "bg-1", 5000);
  REQUIRE(!late);
  CHECK(late.error().message.find("claim a task again") != std::string::npos);

  // Someone else may now claim it, and the expired holder can no longer finish it.
  REQUIRE(b->claim({.agent = "bg-2"})->task.id == t);
  auto stale = b->complete(t, "bg-1", "too late");
  REQUIRE(!stale);
  CHECK(stale.error().code == "permission_denied");
  CHECK(stale.error().message.find("held by bg-2") != std::string::npos);
}

TEST_CASE("expired leases free their slots for new claims", "[board]") {
  TestBoard b("leaseslot");
  REQUIRE(b->setBackgroundSlots(1).has_value());
  b.task("a");
  b.task("b");
  REQUIRE(b->claim({.agent = "bg-1", .leaseMs = 2000}).has_value());
  REQUIRE(!b->claim({.agent = "bg-2"}));
  b.advance(2001);
  auto c = b->claim({.agent = "bg-2"});
  REQUIRE(c.has_value());
  CHECK(c->task.id == "t1");  // the expired task is ready again and first in line
}

TEST_CASE("release and status changes: holder only, in_progress only by claim", "[board]") {
  TestBoard b("release");
  auto t = b.task("job");
  REQUIRE(b->claim({.agent = "bg-1"}).has_value());
  CHECK(!b->release(t, "bg-2"));
  CHECK(!b->setStatus(t, TaskStatus::Blocked, "bg-2"));
  auto released = b->release(t, "bg-1", "need the payments fix first");
  REQUIRE(released.has_value());
  CHECK(released->status == TaskStatus::Open);
  CHECK(released->note == "need the payments fix first");
  CHECK(b.readyIds() == Ids{t});
  CHECK(!b->release(t, "bg-1"));
  auto inProgress = b->setStatus(t, TaskStatus::InProgress, "bg-1");
  REQUIRE(!inProgress);
  CHECK(inProgress.error().message.find("task_claim") != std::string::npos);

  REQUIRE(b->setStatus(t, TaskStatus::Blocked, "fg", "needs a human").has_value());
  CHECK(b.readyIds().empty());
  auto unclaimed = b->complete(t, "fg", "a human fixed it");  // complete is the holder's word
  REQUIRE(!unclaimed);
  CHECK(unclaimed.error().message.find("claim it with task_claim first") != std::string::npos);
  auto done = b->setStatus(t, TaskStatus::Done, "fg", "a human fixed it");  // the deliberate override
  REQUIRE(done.has_value());
  CHECK(done->status == TaskStatus::Done);
  CHECK(done->assignee == "fg");
  CHECK(done->note == "a human fixed it");
  CHECK(!b->claim({.agent = "bad\nname"}));
  CHECK(!b->claim({.agent = "bg-1", .leaseMs = 10}));
}

TEST_CASE("completion checks the current claim; a done task reopens only explicitly", "[board][hardening]") {
  TestBoard b("claimcheck");
  auto t = b.task("job");
  auto after = b.task("after");
  b.blocks(t, after);
  REQUIRE(b->claim({.agent = "bg-1", .leaseMs = 2000}).has_value());
  b.advance(2001);  // bg-1's lease lapses; bg-2 takes the task over and finishes it
  REQUIRE(b->claim({.agent = "bg-2", .taskId = t}).has_value());
  REQUIRE(b->complete(t, "bg-2", "done by bg-2").has_value());
  CHECK(b.readyIds() == Ids{after});

  // The expired holder, and anyone else, cannot complete it a second time.
  auto stale = b->complete(t, "bg-1", "too late");
  REQUIRE(!stale);
  CHECK(stale.error().message.find("already done by bg-2") != std::string::npos);
  CHECK(stale.error().message.find("reopen") != std::string::npos);
  CHECK(!b->complete(t, "bg-3", "me too"));
  CHECK(b->get(t)->note == "done by bg-2");
  CHECK(b->get(t)->assignee == "bg-2");

  // Nor can a status change undo it: reopening is its own action.
  auto sneaky = b->setStatus(t, TaskStatus::Open, "bg-3");
  REQUIRE(!sneaky);
  CHECK(sneaky.error().message.find("explicit reopen") != std::string::npos);
  CHECK(!b->setStatus(t, TaskStatus::Done, "bg-3"));
  CHECK(b.readyIds() == Ids{after});
  auto reopened = b->reopen(t, "fg", "regressed");
  REQUIRE(reopened.has_value());
  CHECK(reopened->status == TaskStatus::Open);
  CHECK(b.readyIds() == Ids{t});  // its dependent waits on it again
  CHECK(!b->reopen(t, "fg"));     // only a done task reopens

  // A holder whose lease expired cannot complete the task even when nobody
  // claimed it since: it holds no claim.
  REQUIRE(b->claim({.agent = "bg-1", .taskId = t, .leaseMs = 1000}).has_value());
  b.advance(1001);
  auto lapsed = b->complete(t, "bg-1", "after my lease");
  REQUIRE(!lapsed);
  CHECK(lapsed.error().message.find("holds no claim") != std::string::npos);
  CHECK(lapsed.error().message.find("lease of bg-1 expired") != std::string::npos);
  CHECK(b.readyIds() == Ids{t});  // still waiting for a holder
  REQUIRE(b->checkConsistency().has_value());
}
