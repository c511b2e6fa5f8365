// Retrieval quality on the labelled set in bench/kb/data (BEIR layout):
// recall@5, MRR@10 and nDCG@10 for BM25-only, vector-only and hybrid, per
// query type, plus how the no-answer queries fare.
//
//   bench_kb_eval <data dir> [--rrf-k N] [--depth N] [--embedder use-lite|hashing]
//                 [--corpus corpus.jsonl]
//
// The queries and qrels come from <data dir>; the corpus too unless --corpus
// names another (bench/kb/paraphrase reuses bench/kb/data's). The embedder
// defaults to the knowledge base's default.
// Prints one JSON object per line (machine-readable) and a table.
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "kb/knowledge_base.h"

using namespace flywheel::kb;
using nlohmann::json;
namespace fs = std::filesystem;

struct Query {
  std::string id, text, type;
  std::map<std::string, int> rel;  // corpus id -> grade
};

struct Scores {
  double recall5 = 0, mrr10 = 0, ndcg10 = 0;
  int n = 0;
};

static void score(const Query& q, const std::vector<std::string>& ranked, Scores& s) {
  int relevant = 0, found5 = 0;
  for (auto& [d, g] : q.rel) relevant += g > 0;
  double rr = 0, dcg = 0, idcg = 0;
  for (size_t i = 0; i < ranked.size() && i < 10; ++i) {
    auto it = q.rel.find(ranked[i]);
    int g = it == q.rel.end() ? 0 : it->second;
    if (g > 0 && i < 5) ++found5;
    if (g > 0 && rr == 0) rr = 1.0 / static_cast<double>(i + 1);
    dcg += (std::pow(2.0, g) - 1) / std::log2(static_cast<double>(i) + 2);
  }
  std::vector<int> grades;
  for (auto& [d, g] : q.rel) grades.push_back(g);
  std::sort(grades.rbegin(), grades.rend());
  for (size_t i = 0; i < grades.size() && i < 10; ++i)
    idcg += (std::pow(2.0, grades[i]) - 1) / std::log2(static_cast<double>(i) + 2);
  s.recall5 += relevant ? static_cast<double>(found5) / relevant : 0;
  s.mrr10 += rr;
  s.ndcg10 += idcg > 0 ? dcg / idcg : 0;
  ++s.n;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_kb_eval <data dir> [--rrf-k N] [--depth N] [--embedder KIND] [--corpus FILE]\n";
    return 2;
  }
  fs::path data = argv[1];
  KbOptions opts;
  fs::path corpusFile = data / "corpus.jsonl";
  std::string perQuery;  // a query type: print each such query's top 5
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--rrf-k") opts.rrfK = std::stoi(argv[i + 1]);
    if (a == "--depth") opts.candidateDepth = std::stoi(argv[i + 1]);
    if (a == "--embedder") opts.embedder.kind = argv[i + 1], opts.embedder.fallBack = false;
    if (a == "--corpus") corpusFile = argv[i + 1];
    if (a == "--per-query") perQuery = argv[i + 1];
  }
  if (const char* dir = std::getenv("FLYWHEEL_KB_MODEL_DIR")) opts.embedder.modelDir = dir;
  fs::path state = fs::temp_directory_path() / ("flywheel-kb-eval-" + std::to_string(::getpid()));
  fs::remove_all(state);
  auto kb = KnowledgeBase::open(state, opts);
  if (!kb) return std::cerr << kb.error().message << "\n", 1;
  const std::string embedderId = (*kb)->embedder().id();
  std::printf("embedder %s\n", embedderId.c_str());

  std::vector<MemoryDraft> drafts;
  std::ifstream corpus(corpusFile);
  for (std::string line; std::getline(corpus, line);) {
    auto j = json::parse(line);
    drafts.push_back({.kind = j["metadata"]["kind"], .service = j["metadata"]["service"], .title = j["title"],
                      .body = j["text"], .sourceKey = "bench:" + j["_id"].get<std::string>()});
  }
  auto written = (*kb)->rememberMany(drafts);
  if (!written) return std::cerr << written.error().message << "\n", 1;
  std::map<std::int64_t, std::string> docOf;
  for (size_t i = 0; i < drafts.size(); ++i) docOf[(*written)[i].id] = drafts[i].sourceKey.substr(6);

  std::vector<Query> queries;
  std::map<std::string, size_t> byId;
  std::ifstream qf(data / "queries.jsonl");
  for (std::string line; std::getline(qf, line);) {
    auto j = json::parse(line);
    byId[j["_id"]] = queries.size();
    queries.push_back({j["_id"], j["text"], j["metadata"]["type"], {}});
  }
  std::ifstream rf(data / "qrels" / "test.tsv");
  std::string header;
  std::getline(rf, header);
  for (std::string qid, did; rf >> qid >> did;) {
    int g;
    rf >> g;
    queries[byId.at(qid)].rel[did] = g;
  }

  const std::pair<const char*, SearchMode> modes[] = {
      {"bm25", SearchMode::Lexical}, {"vector", SearchMode::Vector}, {"hybrid", SearchMode::Hybrid}};
  std::printf("%-8s %-13s %4s %9s %7s %8s\n", "arm", "query type", "n", "recall@5", "MRR@10", "nDCG@10");
  for (auto [name, mode] : modes) {
    std::map<std::string, Scores> per;
    int noAnswerEmpty = 0, noAnswer = 0;
    for (const auto& q : queries) {
      auto page = (*kb)->search({.query = q.text, .mode = mode, .limit = 10});
      if (!page) return std::cerr << q.id << ": " << page.error().message << "\n", 1;
      std::vector<std::string> ranked;
      for (const auto& h : page->hits) ranked.push_back(docOf[h.id]);
      if (q.rel.empty()) {
        ++noAnswer;
        noAnswerEmpty += ranked.empty();
        continue;
      }
      if (perQuery == q.type) {
        std::printf("%s %s %-40s", name, q.id.c_str(), q.text.substr(0, 40).c_str());
        for (size_t i = 0; i < ranked.size() && i < 5; ++i) std::printf(" %s%s", ranked[i].c_str(), q.rel.count(ranked[i]) ? "*" : "");
        std::printf("  (relevant %zu)\n", q.rel.size());
      }
      score(q, ranked, per[q.type]);
      score(q, ranked, per["all"]);
    }
    for (auto& [type, s] : per) {
      double n = s.n;
      std::printf("%-8s %-13s %4d %9.3f %7.3f %8.3f\n", name, type.c_str(), s.n, s.recall5 / n, s.mrr10 / n,
                  s.ndcg10 / n);
      std::cout << "RESULT " << json{{"bench", "kb_eval"}, {"embedder", embedderId}, {"arm", name}, {"type", type},
                                     {"queries", s.n},
                                     {"recall@5", s.recall5 / n}, {"mrr@10", s.mrr10 / n}, {"ndcg@10", s.ndcg10 / n}}
                                   .dump()
                << "\n";
    }
    std::printf("%-8s %-13s %4d  returned no hit: %d\n", name, "no-answer", noAnswer, noAnswerEmpty);
  }
  kb->reset();
  fs::remove_all(state);
  return 0;
}
