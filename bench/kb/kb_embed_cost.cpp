// What the sentence encoder costs: model load time and memory, embedding
// time per memory and per query (p50/p95, one thread; and a batch on every
// core), and the memory of 100,000 vectors at 512 dimensions in the exact
// scan's array. Prints a table and RESULT lines (JSON).
//
//   bench_kb_embed_cost <bench/kb/data> [--embedder use-lite|use-lite+hashing|hashing] [--rounds 3]
//
// Memories are bench/kb/data's corpus (title, service and body, as stored);
// queries are its queries and bench/kb/paraphrase's.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "kb/embedder.h"
#include "kb/flat_vectors.h"
#include "kb/knowledge_base.h"

using namespace flywheel::kb;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double rssMb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::vector<std::string> lines(const fs::path& file, bool corpus) {
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    auto j = json::parse(line);
    if (!corpus) {
      out.push_back(j["text"]);
      continue;
    }
    Memory m;
    m.title = j["title"], m.body = j["text"], m.service = j["metadata"]["service"];
    out.push_back(embeddingText(m));
  }
  return out;
}

double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Times each text embedded alone (one text runs on the calling thread):
// wall and this thread's CPU milliseconds per call. CPU time is the steadier
// figure on a shared machine.
std::pair<std::vector<double>, std::vector<double>> timeEach(Embedder& e, const std::vector<std::string>& texts,
                                                             int rounds) {
  std::vector<double> wall, cpu;
  for (int r = 0; r < rounds; ++r)
    for (const auto& s : texts) {
      auto start = Clock::now();
      double c = threadCpuMs();
      if (!e.embed({s})) std::exit(1);
      cpu.push_back(threadCpuMs() - c);
      wall.push_back(msSince(start));
    }
  return {wall, cpu};
}

void result(const std::string& what, double value, const std::string& unit) {
  std::cout << "RESULT " << json{{"bench", "kb_embed_cost"}, {"what", what}, {"value", value}, {"unit", unit}}.dump()
            << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return std::cerr << "usage: bench_kb_embed_cost <bench/kb/data> [--embedder KIND] [--rounds N]\n", 2;
  fs::path data = argv[1];
  EmbedderConfig cfg;
  cfg.kind = "use-lite";
  cfg.fallBack = false;
  int rounds = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--embedder") cfg.kind = argv[i + 1];
    if (a == "--rounds") rounds = std::stoi(argv[i + 1]);
  }
  if (const char* md = std::getenv("FLYWHEEL_KB_MODEL_DIR")) cfg.modelDir = md;

  double rss0 = rssMb();
  auto t0 = Clock::now();
  auto e = makeEmbedder(cfg);
  if (!e) return std::cerr << e.error().message << "\n", 1;
  double loadMs = msSince(t0), modelMb = rssMb() - rss0;
  std::printf("embedder %s (%d dimensions)\n", (*e)->id().c_str(), (*e)->dimension());
  std::printf("load: %.0f ms, resident memory +%.1f MB\n", loadMs, modelMb);
  result("load_ms", loadMs, "ms");
  result("model_rss_mb", modelMb, "MB");

  auto memories = lines(data / "corpus.jsonl", true);
  auto queries = lines(data / "queries.jsonl", false);
  auto more = lines(data.parent_path() / "paraphrase" / "queries.jsonl", false);
  queries.insert(queries.end(), more.begin(), more.end());
  (void)(*e)->embed({memories.front()});  // warm up
  auto [memWall, memCpu] = timeEach(**e, memories, rounds);
  auto [queryWall, queryCpu] = timeEach(**e, queries, rounds);
  std::printf("per memory (%zu, one thread): wall p50 %.2f ms, p95 %.2f ms; cpu p50 %.2f ms\n", memories.size(),
              percentile(memWall, 0.5), percentile(memWall, 0.95), percentile(memCpu, 0.5));
  std::printf("per query  (%zu, one thread): wall p50 %.2f ms, p95 %.2f ms; cpu p50 %.2f ms\n", queries.size(),
              percentile(queryWall, 0.5), percentile(queryWall, 0.95), percentile(queryCpu, 0.5));
  result("memory_p50_ms", percentile(memWall, 0.5), "ms");
  result("memory_p95_ms", percentile(memWall, 0.95), "ms");
  result("memory_cpu_p50_ms", percentile(memCpu, 0.5), "ms");
  result("query_p50_ms", percentile(queryWall, 0.5), "ms");
  result("query_p95_ms", percentile(queryWall, 0.95), "ms");
  result("query_cpu_p50_ms", percentile(queryCpu, 0.5), "ms");
  auto tb = Clock::now();
  for (int r = 0; r < rounds; ++r)
    if (!(*e)->embed(memories)) return 1;
  double batchMs = msSince(tb) / (rounds * static_cast<double>(memories.size()));
  std::printf("batch of %zu memories on %u cores: %.2f ms per memory\n", memories.size(),
              std::thread::hardware_concurrency(), batchMs);
  result("memory_batch_ms", batchMs, "ms");

  // 100,000 unit vectors of 512 floats in the exact scan's array.
  const size_t n = 100000, dim = 512;
  double rss1 = rssMb();
  {
    FlatVectors flat(dim);
    flat.reserve(n);
    std::mt19937 rng(1);
    std::normal_distribution<float> nd;
    std::vector<float> v(dim);
    for (size_t i = 0; i < n; ++i) {
      for (auto& x : v) x = nd(rng);
      l2Normalize(v);
      flat.put(static_cast<std::int64_t>(i + 1), v.data());
    }
    double mb = rssMb() - rss1;
    std::printf("100,000 vectors x 512 in the scan array: +%.1f MB resident (floats alone: %.1f MB)\n", mb,
                n * dim * 4 / 1048576.0);
    result("vectors_100k_512_rss_mb", mb, "MB");
  }
  return 0;
}
