// The HNSW cache: persisted, reloaded, and rebuilt when missing, corrupt or stale.
#include <catch2/catch.hpp>

#include <fstream>

#include "core/atomic_file.h"
#include "kb/knowledge_base.h"
#include "kb_test_util.h"

using namespace flywheel::kb;
using flywheel::kb::testing::TempDir;

namespace {

const std::vector<std::string> kTopics = {"payment retries", "ledger settlement", "user sessions", "cache warming",
                                          "rate limiting", "schema migration", "feature flags", "audit logging"};

std::unique_ptr<KnowledgeBase> seeded(const std::filesystem::path& state, KbOptions opts = {}) {
  auto kb = KnowledgeBase::open(state, opts);
  REQUIRE(kb.has_value());
  std::vector<MemoryDraft> drafts;
  for (int i = 0; i < 200; ++i)
    drafts.push_back({.kind = "note", .service = "svc" + std::to_string(i % 7),
                      .title = kTopics[static_cast<size_t>(i) % kTopics.size()] + " memo " + std::to_string(i),
                      .body = "details about " + kTopics[static_cast<size_t>(i * 3) % kTopics.size()]});
  REQUIRE((*kb)->rememberMany(drafts).has_value());
  REQUIRE((*kb)->saveIndex().has_value());
  return std::move(*kb);
}

// A graph (and its cache) exists only at or above exactThreshold vectors.
KbOptions withGraph() {
  KbOptions o;
  o.index.exactThreshold = 50;
  return o;
}

std::string lastLoad(KnowledgeBase& kb) {
  auto idx = kb.vectorIndex();
  REQUIRE(idx.has_value());
  return (*idx)->lastLoad();
}

std::int64_t topVectorHit(KnowledgeBase& kb, const std::string& q) {
  auto p = kb.search({.query = q, .mode = SearchMode::Vector});
  REQUIRE(p.has_value());
  REQUIRE_FALSE(p->hits.empty());
  return p->hits.front().id;
}

}  // namespace

TEST_CASE("the index cache is reused, and rebuilt when missing or corrupt", "[kb][index]") {
  TempDir dir;
  auto state = dir.path / ".flywheel";
  std::int64_t expected;
  std::filesystem::path cache;
  {
    auto kb = seeded(state, withGraph());
    expected = topVectorHit(*kb, "ledger settlement memo 9");
    cache = (*kb->vectorIndex())->cachePath();
  }
  REQUIRE(std::filesystem::exists(cache));
  REQUIRE(std::filesystem::exists(cache.string() + ".meta"));

  SECTION("reloaded as is") {
    auto kb = KnowledgeBase::open(state, withGraph());
    CHECK(lastLoad(**kb) == "loaded");
    CHECK(topVectorHit(**kb, "ledger settlement memo 9") == expected);
  }
  SECTION("missing") {
    std::filesystem::remove(cache);
    auto kb = KnowledgeBase::open(state, withGraph());
    CHECK(lastLoad(**kb) == "rebuilt (missing)");
    CHECK(topVectorHit(**kb, "ledger settlement memo 9") == expected);
  }
  SECTION("corrupt bytes") {
    {
      std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(200);
      std::string junk(64, '\x7f');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    auto kb = KnowledgeBase::open(state, withGraph());
    CHECK(lastLoad(**kb).rfind("rebuilt (corrupt", 0) == 0);
    CHECK(topVectorHit(**kb, "ledger settlement memo 9") == expected);
  }
  SECTION("truncated") {
    std::filesystem::resize_file(cache, std::filesystem::file_size(cache) / 2);
    auto kb = KnowledgeBase::open(state, withGraph());
    CHECK(lastLoad(**kb).rfind("rebuilt (corrupt", 0) == 0);
  }
  SECTION("meta claiming another dimension") {
    auto meta = flywheel::readFile(cache.string() + ".meta");
    REQUIRE(meta.has_value());
    auto pos = meta->find("dim 384");
    REQUIRE(pos != std::string::npos);
    meta->replace(pos, 7, "dim 128");
    REQUIRE(flywheel::writeFileAtomic(cache.string() + ".meta", *meta).has_value());
    auto kb = KnowledgeBase::open(state, withGraph());
    CHECK(lastLoad(**kb) == "rebuilt (stale: dimension 128)");
  }
  SECTION("garbage meta") {
    REQUIRE(flywheel::writeFileAtomic(cache.string() + ".meta", "not a meta file").has_value());
    auto kb = KnowledgeBase::open(state, withGraph());
    CHECK(lastLoad(**kb) == "rebuilt (corrupt: unreadable meta)");
  }
  SECTION("built with other graph parameters, then saved with the new ones") {
    auto older = withGraph();
    older.index.m = 16;
    older.index.efConstruction = 200;
    {
      auto kb = KnowledgeBase::open(state, older);
      CHECK(lastLoad(**kb) == "rebuilt (stale: built with M 48, efConstruction 400)");
      CHECK(topVectorHit(**kb, "ledger settlement memo 9") == expected);
    }
    auto kb = KnowledgeBase::open(state, older);
    CHECK(lastLoad(**kb) == "loaded");
  }
}

TEST_CASE("an open index sees writes and deletes made by another connection", "[kb][index]") {
  // Vectors are cached in memory after the first search; both the exact
  // (no graph) and the graph configuration must pick up other writers.
  auto opts = GENERATE(KbOptions{}, withGraph());
  TempDir dir;
  auto state = dir.path / ".flywheel";
  auto reader = seeded(state, opts);
  topVectorHit(*reader, "anything");  // vectors loaded in this instance
  std::int64_t fresh;
  {
    auto writer = KnowledgeBase::open(state, opts);
    REQUIRE(writer.has_value());
    fresh = (*writer)->remember({.title = "zebra crossing quokka", .body = "unique words"})->id;
  }
  CHECK(topVectorHit(*reader, "zebra crossing quokka") == fresh);
  {
    auto writer = KnowledgeBase::open(state, opts);
    REQUIRE((*writer)->remember({.title = "zebra crossing quokka", .body = "other words, now updated",
                                 .sourceKey = "x"}).has_value());
    REQUIRE((*writer)->forget(fresh).has_value());
  }
  auto p = reader->search({.query = "zebra crossing quokka", .mode = SearchMode::Vector});
  REQUIRE(p.has_value());
  REQUIRE_FALSE(p->hits.empty());
  for (const auto& h : p->hits) CHECK(h.id != fresh);
  CHECK(p->hits.front().title == "zebra crossing quokka");
  CHECK((*reader->vectorIndex())->size() == 201);
}

TEST_CASE("below the threshold no graph is built or cached", "[kb][index]") {
  TempDir dir;
  auto state = dir.path / ".flywheel";
  auto kb = seeded(state);  // 200 memories, default threshold 20,000
  CHECK(lastLoad(*kb).rfind("exact (no graph", 0) == 0);
  auto cache = (*kb->vectorIndex())->cachePath();
  CHECK_FALSE(std::filesystem::exists(cache));
  // The exact scan agrees with a scalar reference on the top hit.
  auto q = kb->embedder().embed({"ledger settlement memo 9"});
  REQUIRE(q.has_value());
  auto top = (*kb->vectorIndex())->searchExact(q->front(), 3);
  REQUIRE(top.size() == 3);
  auto got = kb->get(top.front().id);
  REQUIRE(got.has_value());
  auto v = kb->embedder().embed({embeddingText(*got)});
  double ref = 0;
  for (size_t i = 0; i < v->front().size(); ++i) ref += double(v->front()[i]) * double(q->front()[i]);
  CHECK(top.front().similarity == Approx(ref).margin(1e-4));
  CHECK(top[0].similarity >= top[1].similarity);
}

TEST_CASE("HNSW search agrees with exact search", "[kb][index]") {
  TempDir dir;
  KbOptions opts;
  opts.index.exactThreshold = 0;  // force the HNSW path
  auto kb = seeded(dir.path / ".flywheel", opts);
  auto idx = kb->vectorIndex();
  REQUIRE(idx.has_value());
  auto q = kb->embedder().embed({"payment retries memo 17"});
  REQUIRE(q.has_value());
  auto exact = (*idx)->searchExact(q->front(), 10);
  auto approx = (*idx)->searchApproximate(q->front(), 10);
  REQUIRE(exact.size() == 10);
  REQUIRE(approx.size() == 10);
  // Many memos tie exactly (same words but the number), so compare scores:
  // a hit counts when it is at least as close as the exact 10th.
  size_t good = 0;
  for (const auto& a : approx) good += a.similarity >= exact.back().similarity - 1e-5f;
  CHECK(good >= 9);
  CHECK(approx.front().similarity == Approx(exact.front().similarity).margin(1e-5));
}
