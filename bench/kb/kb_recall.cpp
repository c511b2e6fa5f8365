#include "kb_recall.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace flywheel::kb::bench {
namespace {

constexpr size_t kK = 10;
constexpr float kTieEpsilon = 1e-3f;  // ann-benchmarks' default for k-nn recall

double cpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Truth {
  std::vector<VectorMatch> top;  // exact, best first (up to 100)
};

// How tied the exact neighbourhoods are.
void reportTies(const std::vector<Truth>& truth) {
  double tiedWith10th = 0, topInBand = 0, gapBelow = 0, s1 = 0, s10 = 0;
  size_t counted = 0;
  for (const auto& t : truth) {
    if (t.top.size() <= kK) continue;
    ++counted;
    float tenth = t.top[kK - 1].similarity;
    for (const auto& m : t.top) tiedWith10th += std::abs(m.similarity - tenth) <= kTieEpsilon;
    for (size_t i = 0; i < kK; ++i) topInBand += tenth - t.top[i].similarity >= -kTieEpsilon;
    gapBelow += tenth - t.top[kK].similarity < kTieEpsilon;
    s1 += t.top[0].similarity;
    s10 += tenth;
  }
  if (counted == 0) return;
  double c = static_cast<double>(counted);
  std::printf("exact neighbourhoods (%zu queries): similarity of 1st %.3f, of 10th %.3f; memories within 1e-3 of "
              "the 10th: %.1f (of the exact top 100); top-10 members within 1e-3 of the 10th: %.1f; queries whose "
              "11th is within 1e-3 of the 10th: %.0f%%\n",
              counted, s1 / c, s10 / c, tiedWith10th / c, topInBand / c, 100.0 * gapBelow / c);
}

// Shape of the vectors: density, near-duplicates, nearest-neighbour
// similarity of stored memories (what the graph is built on) against that
// of queries (what it is searched with).
void reportShape(VectorIndex& index, const std::vector<std::vector<float>>& docs,
                 const std::vector<std::vector<float>>& queryVecs, const std::vector<Truth>& truth) {
  auto nonZero = [](const std::vector<float>& v) {
    return static_cast<double>(std::count_if(v.begin(), v.end(), [](float x) { return x != 0.0f; }));
  };
  double docNz = 0, qNz = 0, docNn = 0, qNn = 0;
  size_t dups = 0;
  for (const auto& d : docs) {
    docNz += nonZero(d);
    auto top = index.searchExact(d, 2);  // the memory itself, then its nearest other memory
    if (top.size() == 2) {
      docNn += top[1].similarity;
      dups += top[1].similarity > 0.999f;
    }
  }
  for (const auto& q : queryVecs) qNz += nonZero(q);
  for (const auto& t : truth) qNn += t.top.empty() ? 0 : t.top[0].similarity;
  double nd = std::max<double>(1, static_cast<double>(docs.size()));
  double nq = std::max<double>(1, static_cast<double>(queryVecs.size()));
  std::printf("vectors: dimension %d; non-zero buckets: memories %.0f, queries %.0f; nearest other memory of a "
              "memory: similarity %.3f (%zu of %zu near-duplicates > 0.999); nearest memory of a query: %.3f\n",
              index.dimension(), docNz / nd, qNz / nq, docNn / nd, dups, docs.size(), qNn / nq);
}

}  // namespace

void reportRecall(KnowledgeBase& kb, VectorIndex& index, const std::vector<std::string>& queries,
                  const std::vector<std::vector<float>>& sampleDocs, const RecallSetup& setup, int restoreEf) {
  size_t rq = std::min(queries.size(), setup.queries);
  std::vector<std::vector<float>> qv;
  std::vector<Truth> truth;
  std::vector<double> exactCpu;
  for (size_t i = 0; i < rq; ++i) {
    auto v = kb.embedder().embed({queries[i]});
    if (!v || v->empty()) continue;
    qv.push_back(v->front());
    double c = cpuMs();
    truth.push_back({index.searchExact(qv.back(), 100)});
    exactCpu.push_back(cpuMs() - c);
  }
  reportTies(truth);
  reportShape(index, sampleDocs, qv, truth);
  std::printf("exact float scan of all %zu vectors (k 100): cpu p50 %.2f ms\n", index.size(),
              percentile(exactCpu, 0.5));
  std::vector<int> efs = setup.graph ? setup.efs : std::vector<int>{0};
  for (int ef : efs) {
    if (setup.graph) index.setEfSearch(ef);
    double strict = 0, tieAware = 0;
    std::vector<double> cpu;
    for (size_t i = 0; i < qv.size(); ++i) {
      const auto& exact = truth[i].top;
      double c = cpuMs();
      // k 100: the depth the vector arm of kb_search asks for.
      auto approx = setup.graph ? index.searchApproximate(qv[i], 100) : index.search(qv[i], 100);
      cpu.push_back(cpuMs() - c);
      if (approx.size() > kK) approx.resize(kK);
      size_t want = std::min(kK, exact.size());
      if (want == 0) { strict += 1, tieAware += 1; continue; }
      std::set<std::int64_t> exactIds;
      for (size_t j = 0; j < want; ++j) exactIds.insert(exact[j].id);
      size_t s = 0, t = 0;
      for (const auto& a : approx) {
        s += exactIds.count(a.id);
        t += a.similarity >= exact[want - 1].similarity - kTieEpsilon;
      }
      strict += static_cast<double>(s) / static_cast<double>(want);
      tieAware += static_cast<double>(std::min(t, want)) / static_cast<double>(want);
    }
    double nq = std::max<double>(1, static_cast<double>(qv.size()));
    char what[96];
    if (setup.graph)
      std::snprintf(what, sizeof what, "HNSW recall@10 vs exact (M %d, efConstruction %d, ef %d", setup.m,
                    setup.efConstruction, ef);
    else
      std::snprintf(what, sizeof what, "no graph: int8 scan + float rescore recall@10 vs float scan (");
    std::printf("%s%s%zu queries): strict %.3f, tie-aware (1e-3) %.3f; search (k 100) cpu p50 %.2f ms, p95 %.2f ms\n",
                what, setup.graph ? ", " : "", qv.size(), strict / nq, tieAware / nq, percentile(cpu, 0.5),
                percentile(cpu, 0.95));
    std::printf("RESULT {\"bench\":\"kb_scale\",\"n\":%zu,\"metric\":\"hnsw_recall@10\",\"graph\":%s,\"m\":%d,"
                "\"efc\":%d,\"ef\":%d,\"strict\":%.4f,\"tie_aware\":%.4f,\"cpu_p50_ms\":%.3f}\n",
                setup.n, setup.graph ? "true" : "false", setup.m, setup.efConstruction, ef, strict / nq,
                tieAware / nq, percentile(cpu, 0.5));
  }
  if (setup.graph) index.setEfSearch(restoreEf);
}

}  // namespace flywheel::kb::bench
