// The board across processes: concurrent claimers in forked children never
// get the same task, and a child SIGKILLed mid-transaction loses nothing it
// acknowledged and leaves nothing half-written.
#include "tests/board/board_fixture.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>

using namespace flywheel;
using namespace flywheel::board;

namespace {

void writeLine(int fd, const std::string& line) {
  std::string s = line + "\n";
  (void)!::write(fd, s.data(), s.size());
}

std::string readAll(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

Board openOrDie(const std::filesystem::path& db) {
  auto b = Board::open(db);
  if (!b) _exit(3);
  return std::move(*b);
}

/// Forks `n` claimers that all claim at once; returns each child's one-line
/// report: "ok <task id>" or "err <code> <message>".
std::vector<std::string> claimRace(const std::filesystem::path& db, int n) {
  int go[2];
  REQUIRE(::pipe(go) == 0);
  std::vector<std::pair<pid_t, int>> children;
  for (int i = 0; i < n; ++i) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(go[1]);
      ::close(out[0]);
      auto board = openOrDie(db);
      char c;
      (void)!::read(go[0], &c, 1);  // returns at EOF: the parent let everyone go
      auto claim = board.claim({.agent = "bg-" + std::to_string(i)});
      writeLine(out[1], claim ? "ok " + claim->task.id : "err " + claim.error().code + " " + claim.error().message);
      _exit(0);
    }
    ::close(out[1]);
    children.push_back({pid, out[0]});
  }
  ::close(go[0]);
  ::usleep(20000);  // let the children open the database
  ::close(go[1]);
  std::vector<std::string> reports;
  for (auto [pid, fd] : children) {
    reports.push_back(readAll(fd));
    ::close(fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  return reports;
}

}  // namespace

TEST_CASE("8 processes claiming at once never get the same task", "[board][process]") {
  auto dir = test::freshDir("race");
  auto dbPath = dir / "kb.sqlite";
  auto board = Board::open(dbPath);
  REQUIRE(board.has_value());
  constexpr int kRounds = 45;
  for (int round = 0; round < kRounds; ++round) {
    // Three shapes: enough slots and tasks; too few slots; too few tasks.
    int shape = round % 3;
    int slots = shape == 1 ? 5 : 8;
    int tasks = shape == 2 ? 3 : 12;
    int expectedWins = std::min(slots, tasks);
    REQUIRE(board->setBackgroundSlots(slots).has_value());
    std::vector<NewTask> batch;
    for (int i = 0; i < tasks; ++i) batch.push_back({.title = "round " + std::to_string(round) + " task " + std::to_string(i)});
    REQUIRE(board->createMany(batch).has_value());

    auto reports = claimRace(dbPath, 8);
    std::set<std::string> won;
    int wins = 0, refusals = 0;
    for (auto& r : reports) {
      INFO("round " << round << " report: " << r);
      if (r.rfind("ok ", 0) == 0) {
        ++wins;
        CHECK(won.insert(r.substr(3, r.size() - 4)).second);  // never a duplicate
      } else {
        ++refusals;
        bool slotsFull = r.find("slot(s) are held") != std::string::npos;
        bool nothingReady = r.find("no task is ready") != std::string::npos;
        CHECK((shape == 1 ? slotsFull : nothingReady));
      }
    }
    CHECK(wins == expectedWins);
    CHECK(wins + refusals == 8);
    // The board agrees with the winners: each task held by exactly one agent.
    auto holders = board->holders();
    REQUIRE(holders.has_value());
    CHECK(holders->size() == won.size());
    for (auto& h : *holders) {
      CHECK(won.count(h.id) == 1);
      REQUIRE(board->complete(h.id, h.assignee, "round over").has_value());
    }
    // Clear the round's leftovers so the next round starts from an empty ready set.
    auto rest = board->ready({.limit = 200});
    REQUIRE(rest.has_value());
    for (auto& t : rest->tasks) REQUIRE(board->setStatus(t.id, TaskStatus::Cancelled, "tester").has_value());
  }
  REQUIRE(board->checkConsistency().has_value());
  std::filesystem::remove_all(dir);
}

namespace {

constexpr int kPlanSize = 40;

PlanInput planOf(std::int64_t epoch) {
  PlanInput p{epoch, {}};
  for (int i = 0; i < kPlanSize; ++i) {
    PlanService s{.name = "svc" + std::to_string(i), .wave = i / 8};
    if (i >= 8) s.dependsOn = {"svc" + std::to_string(i - 8), "svc" + std::to_string((i * 7) % 8 + (i / 8 - 1) * 8)};
    s.body = std::string(2000, 'b');  // fatter transactions: more pages in flight when killed
    p.services.push_back(std::move(s));
  }
  return p;
}

/// Materialises plans and completes tasks forever, acknowledging each
/// committed step on `fd`: "plan <epoch>" or "done <id>".
[[noreturn]] void crashWorker(const std::filesystem::path& db, int fd) {
  auto board = openOrDie(db);
  for (std::int64_t epoch = 1;; ++epoch) {
    auto plan = board.materialisePlan(planOf(epoch));
    if (!plan) _exit(4);
    writeLine(fd, "plan " + std::to_string(epoch));
    auto claim = board.claim({.agent = "bg-crash", .leaseMs = 60000});
    if (!claim) continue;
    if (!board.complete(claim->task.id, "bg-crash", "finished before the crash")) _exit(5);
    writeLine(fd, "done " + claim->task.id);
  }
}

}  // namespace

TEST_CASE("a process killed mid-transaction loses nothing it acknowledged", "[board][process]") {
  std::mt19937 rng(12345);
  for (int run = 0; run < 6; ++run) {
    auto dir = test::freshDir("crash");
    auto dbPath = dir / "kb.sqlite";
    { REQUIRE(Board::open(dbPath).has_value()); }
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(out[0]);
      crashWorker(dbPath, out[1]);
    }
    ::close(out[1]);
    ::usleep(std::uniform_int_distribution<int>(150000, 600000)(rng));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    std::string acks = readAll(out[0]);
    ::close(out[0]);

    auto board = Board::open(dbPath);
    REQUIRE(board.has_value());
    auto check = board->db().prepare("PRAGMA integrity_check");
    REQUIRE(check.has_value());
    REQUIRE(check->step().value());
    CHECK(check->text(0) == "ok");
    REQUIRE(board->checkConsistency().has_value());

    std::int64_t lastPlan = 0;
    std::istringstream lines(acks);
    std::string kind, value;
    int doneAcks = 0;
    while (lines >> kind >> value) {
      if (kind == "plan") lastPlan = std::stoll(value);
      if (kind == "done") {
        ++doneAcks;
        auto t = board->get(value);
        REQUIRE(t.has_value());
        CHECK(t->status == TaskStatus::Done);
      }
    }
    INFO("run " << run << ": " << lastPlan << " plans and " << doneAcks << " completions acknowledged");
    CHECK(lastPlan >= 1);
    // Every plan on the board is whole: acknowledged ones, and at most one
    // more that committed just before the kill. None is half-written.
    for (std::int64_t epoch = 1; epoch <= lastPlan + 1; ++epoch) {
      auto page = board->list({.epoch = epoch, .limit = 1});
      REQUIRE(page.has_value());
      if (epoch <= lastPlan) CHECK(page->total == kPlanSize);
      else CHECK((page->total == 0 || page->total == kPlanSize));
    }
    CHECK(board->list({.epoch = lastPlan + 2, .limit = 1})->total == 0);
    // The board still works after the crash.
    REQUIRE(board->materialisePlan(planOf(lastPlan + 2)).has_value());
    *board = Board::open(dir / "other.sqlite").value();  // close the crashed file before removing it
    std::filesystem::remove_all(dir);
  }
}
