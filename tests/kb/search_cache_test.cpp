// What search caches between calls (prepared statements, term document
// frequencies, in-memory vectors) never hides a write, whether it comes
// from this connection or from another one.
#include <catch2/catch.hpp>

#include "kb/knowledge_base.h"
#include "kb_test_util.h"

using namespace flywheel::kb;
using flywheel::kb::testing::TempDir;

namespace {

// More memories than the term-pruning floor (1,000), all sharing "alpha",
// so that the lexical arm consults (and caches) document frequencies.
std::unique_ptr<KnowledgeBase> crowded(const std::filesystem::path& state) {
  auto kb = KnowledgeBase::open(state);
  REQUIRE(kb.has_value());
  std::vector<MemoryDraft> drafts;
  for (int i = 0; i < 1100; ++i)
    drafts.push_back({.title = "alpha note " + std::to_string(i), .body = "alpha beta gamma"});
  REQUIRE((*kb)->rememberMany(drafts).has_value());
  return std::move(*kb);
}

bool lexicallyFinds(KnowledgeBase& kb, const std::string& query, std::int64_t id) {
  auto p = kb.search({.query = query, .mode = SearchMode::Lexical, .limit = 5});
  REQUIRE(p.has_value());
  for (const auto& h : p->hits)
    if (h.id == id) return true;
  return false;
}

}  // namespace

TEST_CASE("a term unknown at the first search is found once another process adds it", "[kb][search][cache]") {
  TempDir dir;
  auto state = dir.path / ".flywheel";
  auto reader = crowded(state);
  // "quokka" has document frequency 0 now; the reader remembers that.
  auto before = reader->search({.query = "alpha quokka", .mode = SearchMode::Lexical});
  REQUIRE(before.has_value());
  std::int64_t fresh = 0;
  {
    auto writer = KnowledgeBase::open(state);
    REQUIRE(writer.has_value());
    fresh = (*writer)->remember({.title = "quokka habitat", .body = "alpha quokka"})->id;
  }
  CHECK(lexicallyFinds(*reader, "alpha quokka", fresh));
  CHECK(lexicallyFinds(*reader, "quokka", fresh));
  auto hybrid = reader->search({.query = "alpha quokka", .limit = 3});
  REQUIRE(hybrid.has_value());
  REQUIRE_FALSE(hybrid->hits.empty());
  CHECK(hybrid->hits.front().id == fresh);
}

TEST_CASE("this connection's own writes and deletes are seen by its next search", "[kb][search][cache]") {
  TempDir dir;
  auto kb = crowded(dir.path / ".flywheel");
  REQUIRE(kb->search({.query = "alpha wombat"}).has_value());
  auto id = kb->remember({.title = "wombat burrow", .body = "alpha wombat"});
  REQUIRE(id.has_value());
  CHECK(lexicallyFinds(*kb, "alpha wombat", id->id));
  REQUIRE(kb->forget(id->id).has_value());
  CHECK_FALSE(lexicallyFinds(*kb, "alpha wombat", id->id));
  auto v = kb->search({.query = "wombat burrow", .mode = SearchMode::Vector});
  REQUIRE(v.has_value());
  for (const auto& h : v->hits) CHECK(h.id != id->id);
}

TEST_CASE("repeated searches give identical pages", "[kb][search][cache]") {
  TempDir dir;
  auto kb = crowded(dir.path / ".flywheel");
  for (const char* q : {"alpha note 17", "beta gamma", "note 1099"}) {
    auto a = kb->search({.query = q, .limit = 10});
    auto b = kb->search({.query = q, .limit = 10});
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    REQUIRE(a->hits.size() == b->hits.size());
    for (size_t i = 0; i < a->hits.size(); ++i) {
      CHECK(a->hits[i].id == b->hits[i].id);
      CHECK(a->hits[i].snippet == b->hits[i].snippet);
    }
  }
}
