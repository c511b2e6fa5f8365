// Scale benchmark: N synthetic architecture memories (default 100,000).
// Measures import time, HNSW build and cache-load time, kb_search p50/p95
// in process (hybrid, lexical, vector), and HNSW recall@10 against exact
// search. Prints a table and RESULT lines (JSON).
//
//   bench_kb_scale [--n 100000] [--dir D] [--queries 300] [--ef 512] [--m 16] [--efc 200] [--threshold T]
//                  [--threads 2] [--efs 64,128,...] [--recall-queries 200]
//                  [--mode hybrid|lexical|vector|none] [--keep] [--reuse] [--export DIR]
//                  [--embedder hashing|use-lite|use-lite+hashing]
//
// Defaults for --ef, --m, --efc, --threshold and --threads are the library's
// (VectorIndexOptions), so that the bench measures what kb_search runs.
// --efs sweeps the HNSW beam width for the recall table (strict and
// tie-aware recall@10, see kb_recall.h); --mode none skips the latency runs.
//
// With --dir D the knowledge base is written to D/.flywheel (kept with
// --keep) so that the MCP benchmark can serve the same data; --export DIR
// writes the records (records.tsv) and queries (queries.txt) for the peer.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb_recall.h"

using namespace flywheel::kb;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const char* kWords[] = {
    "cache", "retry", "timeout", "ledger", "invoice", "session", "token", "schema", "migration", "queue",
    "event", "payload", "idempotent", "shard", "replica", "latency", "throughput", "backpressure", "deadline",
    "checksum", "rollback", "deploy", "canary", "feature", "flag", "quota", "limit", "tenant", "region",
    "failover", "snapshot", "compaction", "index", "cursor", "pagination", "webhook", "signature", "rotation",
    "secret", "certificate", "audit", "consent", "export", "purge", "archive", "reconcile", "settlement",
    "refund", "discount", "coupon", "inventory", "warehouse", "carrier", "parcel", "label", "tracking",
    "notification", "template", "locale", "currency", "rounding", "tax", "rate", "vendor", "feed", "nightly",
    "batch", "stream", "consumer", "producer", "offset", "partition", "leader", "election", "heartbeat",
    "lease", "lock", "deadlock", "contention", "hotspot", "budget", "alert", "dashboard", "metric", "trace",
    "span", "sampling", "error", "panic", "overflow", "mismatch", "borrow", "lifetime", "trait", "generic",
    "serde", "decode", "encode", "version", "compatibility", "breaking", "deprecate", "sunset", "contract"};
const char* kCodes[] = {"E0308", "E0599", "E0277", "E0382", "E0502", "E0433", "E0063", "E0004", "E0614", "E0605"};
const char* kKinds[] = {"decision", "repair", "note", "service", "type", "rpc"};

// Synthetic memories with a realistic shape: a vocabulary of 20,000 words
// (100 real architecture words plus generated ones) drawn with a Zipf
// distribution of exponent 0.7 (the most common word appears in about half
// of the memories, as "service" would in a real universe), 300 services,
// CamelCase identifiers, error codes. Each
// query is taken from one memory's title (2-4 words, sometimes with its
// service), so that queries have answers, as an agent's would.
struct Gen {
  std::mt19937_64 rng{42};
  std::vector<std::string> vocab;
  std::vector<double> cdf;
  std::vector<std::string> services;

  Gen() {
    const char* syl[] = {"ka", "ro", "mi", "ten", "lo", "var", "sen", "di", "pra", "qu", "zel", "bo", "nex", "tur", "fa"};
    for (const char* w : kWords) vocab.push_back(w);
    std::mt19937_64 v(1);
    while (vocab.size() < 20000) {
      std::string w;
      for (size_t k = 0, n = 2 + v() % 4; k < n; ++k) w += syl[v() % std::size(syl)];
      vocab.push_back(w);
    }
    double total = 0;
    for (size_t r = 1; r <= vocab.size(); ++r) cdf.push_back(total += std::pow(static_cast<double>(r), -0.7));
    for (auto& c : cdf) c /= total;
    for (size_t i = 0; i < 300; ++i) services.push_back("svc-" + vocab[pick(400)] + "-" + std::to_string(i));
  }
  size_t pick(size_t n) { return static_cast<size_t>(rng() % n); }
  std::string word() {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return vocab[static_cast<size_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin())];
  }
  std::string typeName() {
    std::string a = word(), b = word();
    a[0] = static_cast<char>(std::toupper(a[0]));
    b[0] = static_cast<char>(std::toupper(b[0]));
    return a + b;
  }
  std::string sentence(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
      size_t r = pick(25);
      s += (s.empty() ? "" : " ") +
           (r == 0 ? std::string(kCodes[pick(std::size(kCodes))]) : r == 1 ? typeName() + "." + word() : word());
    }
    return s;
  }
  MemoryDraft memory(size_t i) {
    MemoryDraft d;
    d.kind = kKinds[pick(std::size(kKinds))];
    d.service = services[pick(services.size())];
    d.title = sentence(6 + pick(5));
    d.body = sentence(30 + pick(30)) + " " + d.service + " " + typeName();
    d.tags = {word()};
    d.sourceKey = "scale:" + std::to_string(i);
    return d;
  }
  // 2-4 consecutive words of a title, sometimes with the service name.
  static std::string queryFrom(const MemoryDraft& m, std::mt19937_64& r) {
    auto pick = [&](size_t n) { return static_cast<size_t>(r() % n); };
    std::vector<std::string> words;
    std::string w;
    for (char c : m.title + " ") {
      if (c == ' ') { if (!w.empty()) words.push_back(w); w.clear(); } else w += c;
    }
    size_t len = std::min(words.size(), 2 + pick(3));
    size_t at = pick(words.size() - len + 1);
    std::string q;
    for (size_t k = at; k < at + len; ++k) q += (q.empty() ? "" : " ") + words[k];
    if (pick(4) == 0) q += " " + m.service;
    return q;
  }
};

// CPU time of this thread: on a loaded machine wall time mostly measures
// waiting for a core, so both are reported.
double cpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double processCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  const VectorIndexOptions defaults;
  size_t n = 100000, nq = 300, threshold = defaults.exactThreshold, recallQueries = 200;
  int ef = defaults.efSearch, m = defaults.m, efc = defaults.efConstruction, threads = defaults.buildThreads;
  std::vector<int> efs;
  bool keep = false, reuse = false;
  std::string onlyMode, embedderKind;
  fs::path dir, exportDir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--keep") keep = true;
    else if (a == "--reuse") reuse = true;  // search an existing --dir, skip the import
    else if (i + 1 < argc && a == "--n") n = std::stoul(argv[++i]);
    else if (i + 1 < argc && a == "--queries") nq = std::stoul(argv[++i]);
    else if (i + 1 < argc && a == "--ef") ef = std::stoi(argv[++i]);
    else if (i + 1 < argc && a == "--m") m = std::stoi(argv[++i]);
    else if (i + 1 < argc && a == "--efc") efc = std::stoi(argv[++i]);
    else if (i + 1 < argc && a == "--threads") threads = std::stoi(argv[++i]);
    else if (i + 1 < argc && a == "--recall-queries") recallQueries = std::stoul(argv[++i]);
    else if (i + 1 < argc && a == "--efs") {
      std::string list = argv[++i];
      for (size_t at = 0; at < list.size();) {
        size_t comma = list.find(',', at);
        efs.push_back(std::stoi(list.substr(at, comma - at)));
        at = comma == std::string::npos ? list.size() : comma + 1;
      }
    }
    else if (i + 1 < argc && a == "--threshold") threshold = std::stoul(argv[++i]);  // exactThreshold
    else if (i + 1 < argc && a == "--dir") dir = argv[++i];
    else if (i + 1 < argc && a == "--mode") onlyMode = argv[++i];  // hybrid, lexical or vector only
    else if (i + 1 < argc && a == "--export") exportDir = argv[++i];
    else if (i + 1 < argc && a == "--embedder") embedderKind = argv[++i];
  }
  if (dir.empty()) dir = fs::temp_directory_path() / ("flywheel-kb-scale-" + std::to_string(::getpid()));
  fs::path state = dir / ".flywheel";
  if (!reuse) fs::remove_all(state);
  KbOptions opts;
  if (!embedderKind.empty()) opts.embedder.kind = embedderKind, opts.embedder.fallBack = false;
  if (const char* md = std::getenv("FLYWHEEL_KB_MODEL_DIR")) opts.embedder.modelDir = md;
  opts.index.efSearch = ef;
  opts.index.m = m;
  opts.index.efConstruction = efc;
  opts.index.exactThreshold = threshold;
  opts.index.buildThreads = threads;
  if (efs.empty()) efs.push_back(ef);
  auto kb = KnowledgeBase::open(state, opts);
  if (!kb) return std::cerr << kb.error().message << "\n", 1;

  Gen gen;
  std::ofstream records;
  if (!exportDir.empty()) records.open(exportDir / "records.tsv");
  // Only rememberMany is timed (wall and process CPU), not the generator.
  double importMs = 0, importCpuMs = 0;
  for (size_t i = 0; i < n && !reuse; i += 1000) {
    std::vector<MemoryDraft> batch;
    for (size_t j = i; j < std::min(n, i + 1000); ++j) batch.push_back(gen.memory(j));
    // The same records for the peer benchmark (tab-separated; no tabs in them).
    if (records.is_open())
      for (const auto& d : batch) records << d.sourceKey << '\t' << d.kind << '\t' << d.title << '\t' << d.body << '\n';
    auto s = Clock::now();
    double c = processCpuMs();
    if (auto r = (*kb)->rememberMany(batch); !r) return std::cerr << r.error().message << "\n", 1;
    importCpuMs += processCpuMs() - c;
    importMs += ms(Clock::now() - s);
  }
  auto t0 = Clock::now();
  t0 = Clock::now();
  auto idx = (*kb)->vectorIndex();
  if (!idx) return std::cerr << idx.error().message << "\n", 1;
  double buildMs = ms(Clock::now() - t0);
  std::string loadHow = (*idx)->lastLoad();

  std::vector<std::string> queries;
  Gen qgen;  // replays the same memories to draw queries from them
  std::vector<MemoryDraft> sample;
  std::mt19937_64 qr(7);
  std::vector<size_t> targets;
  for (size_t i = 0; i < nq; ++i) targets.push_back(static_cast<size_t>(qr() % n));
  std::sort(targets.begin(), targets.end());
  for (size_t i = 0, t = 0; i < n && t < targets.size(); ++i) {
    auto m = qgen.memory(i);
    while (t < targets.size() && targets[t] == i) queries.push_back(Gen::queryFrom(m, qr)), ++t;
  }
  std::shuffle(queries.begin(), queries.end(), qr);
  if (!exportDir.empty()) {
    std::ofstream qout(exportDir / "queries.txt");
    for (const auto& q : queries) qout << q << "\n";
  }
  std::printf("memories: %zu\nimport (rememberMany, batches of 1000): %.1f s wall, %.1f s CPU (%.0f memories/s wall)\n"
              "vectors loaded%s: %.1f s wall (%s; M %d, efConstruction %d, %d build threads)\n",
              n, importMs / 1000, importCpuMs / 1000, static_cast<double>(n) / (importMs / 1000),
              n >= opts.index.exactThreshold ? " + HNSW graph" : " (no graph below the threshold)", buildMs / 1000,
              loadHow.c_str(), m, efc, threads);
  std::printf("RESULT {\"bench\":\"kb_scale\",\"n\":%zu,\"metric\":\"index_load_s\",\"value\":%.2f,\"how\":\"%s\","
              "\"m\":%d,\"efc\":%d,\"threads\":%d}\n", n, buildMs / 1000, loadHow.c_str(), m, efc, threads);
  const std::pair<const char*, SearchMode> modes[] = {
      {"hybrid", SearchMode::Hybrid}, {"lexical", SearchMode::Lexical}, {"vector", SearchMode::Vector}};
  for (auto [name, mode] : modes) {
    if (!onlyMode.empty() && onlyMode != name) continue;
    std::vector<double> lat, cpu;
    for (size_t i = 0; i < queries.size(); ++i) {
      auto s = Clock::now();
      double c = cpuMs();
      auto page = (*kb)->search({.query = queries[i], .mode = mode, .limit = 10});
      if (!page) return std::cerr << page.error().message << "\n", 1;
      cpu.push_back(cpuMs() - c);
      lat.push_back(ms(Clock::now() - s));
    }
    std::printf("kb_search %-7s in-process: wall p50 %.2f ms, p95 %.2f ms; cpu p50 %.2f ms, p95 %.2f ms\n", name,
                percentile(lat, 0.5), percentile(lat, 0.95), percentile(cpu, 0.5), percentile(cpu, 0.95));
    std::printf("RESULT {\"bench\":\"kb_scale\",\"n\":%zu,\"metric\":\"search_%s_ms\",\"p50\":%.3f,\"p95\":%.3f,"
                "\"cpu_p50\":%.3f,\"cpu_p95\":%.3f}\n",
                n, name, percentile(lat, 0.5), percentile(lat, 0.95), percentile(cpu, 0.5), percentile(cpu, 0.95));
  }
  std::vector<std::vector<float>> sampleDocs;  // 100 stored memories, for the data-shape statistics
  {
    Gen dgen;
    for (size_t i = 0; i < std::min<size_t>(n, 100); ++i) {
      auto d = dgen.memory(i);
      Memory mem{.kind = d.kind, .service = d.service, .title = d.title, .body = d.body, .tags = d.tags};
      if (auto v = (*kb)->embedder().embed({embeddingText(mem)}); v && !v->empty()) sampleDocs.push_back(v->front());
    }
  }
  bench::reportRecall(**kb, **idx, queries, sampleDocs,
                      {.efs = efs, .queries = recallQueries, .m = m, .efConstruction = efc,
                       .graph = (*idx)->size() >= opts.index.exactThreshold, .n = n},
                      ef);
  t0 = Clock::now();
  if (auto r = (*kb)->saveIndex(); !r) return std::cerr << r.error().message << "\n", 1;
  double saveMs = ms(Clock::now() - t0);
  kb->reset();
  t0 = Clock::now();
  auto again = KnowledgeBase::open(state, opts);
  auto idx2 = (*again)->vectorIndex();
  std::printf("index cache: save %.1f s, reopen+load %.1f s (%s)\n", saveMs / 1000, ms(Clock::now() - t0) / 1000,
              (*idx2)->lastLoad().c_str());
  again->reset();
  if (!keep) fs::remove_all(dir);
  return 0;
}
