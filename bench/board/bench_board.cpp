// bench_board: the task board at scale.
//
// Builds a board of 10,000 tasks and 30,000 `blocks` edges: one hub task
// blocks 1,000 fan tasks (their only blocker), and 29,000 random edges run
// from lower to higher tasks among the rest. Then measures
//   ready   p50/p95 of a first page (20 tasks) over 1,000 calls (target < 5 ms)
//   claim   p50/p95 over 200 claims (each a durable BEGIN IMMEDIATE commit)
//   unblock one status change (hub -> done) that makes 1,000 tasks ready
// and prints one JSON object per line. Usage: bench_board [dir]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kb/board/board.h"

using namespace flywheel::board;
using Steady = std::chrono::steady_clock;

namespace {

constexpr int kTasks = 10000;
constexpr int kFan = 1000;
constexpr int kEdges = 30000;

double msSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

void report(const char* name, const std::vector<double>& samples, const char* extra = "") {
  std::printf("{\"bench\": \"board.%s\", \"n\": %zu, \"p50_ms\": %.3f, \"p95_ms\": %.3f%s}\n", name, samples.size(),
              percentile(samples, 0.5), percentile(samples, 0.95), extra);
}

int die(const char* what, const flywheel::Error& e) {
  std::fprintf(stderr, "bench_board: %s failed: %s\n", what, e.message.c_str());
  return 1;
}

std::vector<Edge> buildEdges() {
  std::vector<Edge> edges;
  for (int i = 1; i <= kFan; ++i) edges.push_back({"t1", formatTaskId(i + 1), EdgeType::Blocks});
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> target(kFan + 1, kTasks - 1);
  std::set<std::pair<int, int>> seen;
  while (static_cast<int>(edges.size()) < kEdges) {
    int to = target(rng);
    int from = std::uniform_int_distribution<int>(1, to - 1)(rng);
    if (!seen.insert({from, to}).second) continue;
    edges.push_back({formatTaskId(from + 1), formatTaskId(to + 1), EdgeType::Blocks});
  }
  return edges;
}

}  // namespace

int main(int argc, char** argv) {
  auto dir = argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path() / "flywheel-bench-board";
  std::filesystem::remove_all(dir);
  auto board = Board::open(dir / "kb.sqlite");
  if (!board) return die("open", board.error());

  std::vector<NewTask> tasks;
  for (int i = 0; i < kTasks; ++i)
    tasks.push_back({.title = "task " + std::to_string(i), .priority = i % 5, .service = "svc" + std::to_string(i % 97),
                     .wave = i <= kFan ? (i == 0 ? 0 : 1) : 2 + i % 8});
  auto start = Steady::now();
  if (auto r = board->createMany(tasks); !r) return die("createMany", r.error());
  std::printf("{\"bench\": \"board.create\", \"tasks\": %d, \"total_ms\": %.1f}\n", kTasks, msSince(start));
  auto edges = buildEdges();
  start = Steady::now();
  if (auto r = board->linkMany(edges); !r) return die("linkMany", r.error());
  std::printf("{\"bench\": \"board.link\", \"edges\": %d, \"total_ms\": %.1f}\n", kEdges, msSince(start));
  start = Steady::now();
  if (auto r = board->link("t9000", "t9999", EdgeType::Blocks); !r && r.error().code != "failed_precondition")
    return die("link", r.error());
  std::printf("{\"bench\": \"board.link_one\", \"edges\": %d, \"total_ms\": %.2f}\n", kEdges, msSince(start));
  // The worst case for the cycle check: the new edge's target reaches most of the board.
  start = Steady::now();
  auto deep = board->link("t9999", "t1003", EdgeType::Blocks);
  if (!deep && deep.error().code != "failed_precondition") return die("link", deep.error());
  std::printf("{\"bench\": \"board.link_one_deep\", \"refused_as_cycle\": %s, \"total_ms\": %.2f}\n",
              deep ? "false" : "true", msSince(start));

  std::vector<double> readySamples;
  std::int64_t readyBefore = 0;
  for (int i = 0; i < 1000; ++i) {
    start = Steady::now();
    auto page = board->ready({.limit = 20});
    readySamples.push_back(msSince(start));
    if (!page) return die("ready", page.error());
    readyBefore = page->total;
  }
  report("ready", readySamples, ", \"page\": 20, \"target_p50_ms\": 5");

  if (auto r = board->setBackgroundSlots(64); !r) return die("setBackgroundSlots", r.error());
  std::vector<double> claimSamples;
  for (int i = 0; i < 200; ++i) {
    start = Steady::now();
    auto c = board->claim({.agent = "bg-" + std::to_string(i % 8)});
    claimSamples.push_back(msSince(start));
    if (!c) return die("claim", c.error());
    if (auto r = board->release(c->task.id, c->task.assignee); !r) return die("release", r.error());
  }
  report("claim", claimSamples);

  start = Steady::now();
  if (auto r = board->setStatus("t1", TaskStatus::Done, "bench", "hub done"); !r) return die("complete", r.error());
  double unblockMs = msSince(start);
  auto after = board->ready({.limit = 20});
  if (!after) return die("ready", after.error());
  std::printf("{\"bench\": \"board.unblock\", \"unblocked\": %lld, \"total_ms\": %.2f}\n",
              static_cast<long long>(after->total - readyBefore + 1), unblockMs);
  if (auto r = board->checkConsistency(); !r) return die("checkConsistency", r.error());
  std::filesystem::remove_all(dir);
  return 0;
}
