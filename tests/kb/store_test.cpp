#include <catch2/catch.hpp>

#include <set>

#include "kb/knowledge_base.h"
#include "kb_test_util.h"

using namespace flywheel::kb;
using flywheel::kb::testing::TempDir;

namespace {

std::unique_ptr<KnowledgeBase> openKb(const TempDir& dir) {
  auto kb = KnowledgeBase::open(dir.path / ".flywheel");
  REQUIRE(kb.has_value());
  return std::move(*kb);
}

std::int64_t add(KnowledgeBase& kb, std::string kind, std::string service, std::string title, std::string body,
                 std::vector<std::string> tags = {}) {
  auto r = kb.remember({.kind = kind, .service = service, .title = title, .body = body, .tags = tags});
  REQUIRE(r.has_value());
  return r->id;
}

std::vector<std::int64_t> ids(const SearchPage& p) {
  std::vector<std::int64_t> v;
  for (const auto& h : p.hits) v.push_back(h.id);
  return v;
}

SearchPage find(KnowledgeBase& kb, std::string q, SearchMode mode = SearchMode::Hybrid, SearchFilter f = {}) {
  auto r = kb.search({.query = q, .filter = f, .mode = mode});
  INFO(q);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("remember, get and forget round-trip through a real SQLite file", "[kb][store]") {
  TempDir dir;
  std::int64_t id;
  {
    auto kb = openKb(dir);
    id = add(*kb, "decision", "billing", "Amounts are integer cents", "Invoice.total is i64 cents.", {"Money", "money"});
  }
  CHECK(std::filesystem::exists(dir.path / ".flywheel" / "kb.sqlite"));
  auto kb = openKb(dir);  // reopened: the write was durable
  auto m = kb->get(id);
  REQUIRE(m.has_value());
  CHECK(m->kind == "decision");
  CHECK(m->service == "billing");
  CHECK(m->tags == std::vector<std::string>{"money"});
  REQUIRE(kb->forget(id).has_value());
  auto gone = kb->get(id);
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error().code == "not_found");
  CHECK(kb->forget(id).error().code == "not_found");
  CHECK(find(*kb, "cents").hits.empty());
}

TEST_CASE("remembering the same content twice stores it once", "[kb][store]") {
  TempDir dir;
  auto kb = openKb(dir);
  auto a = kb->remember({.kind = "note", .title = "Same", .body = "text"});
  auto b = kb->remember({.kind = "note", .title = "Same", .body = "text"});
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->id == b->id);
  CHECK(b->outcome == WriteOutcome::Unchanged);
  auto c = kb->remember({.kind = "note", .title = "Keyed", .body = "v1", .sourceKey = "k"});
  auto d = kb->remember({.kind = "note", .title = "Keyed", .body = "v2", .sourceKey = "k"});
  REQUIRE(d.has_value());
  CHECK(c->id == d->id);
  CHECK(d->outcome == WriteOutcome::Updated);
  CHECK(kb->get(c->id)->body == "v2");
  CHECK(find(*kb, "v1", SearchMode::Lexical).hits.empty());
  CHECK(kb->stats()->memories == 2);
}

TEST_CASE("invalid drafts are refused with the field named", "[kb][store]") {
  TempDir dir;
  auto kb = openKb(dir);
  auto noTitle = kb->remember({.title = "  "});
  REQUIRE_FALSE(noTitle.has_value());
  CHECK(noTitle.error().message.find("title") != std::string::npos);
  auto badKind = kb->remember({.kind = "Bad Kind!", .title = "x"});
  CHECK(badKind.error().message.find("kind") != std::string::npos);
  auto huge = kb->remember({.title = "x", .body = std::string(kMaxBodyChars + 1, 'a')});
  CHECK(huge.error().message.find("body is too long") != std::string::npos);
  auto utf = kb->remember({.title = std::string("bad \xff utf")});
  CHECK(utf.error().message.find("UTF-8") != std::string::npos);
}

TEST_CASE("identifiers are findable whole and by part", "[kb][search]") {
  TempDir dir;
  auto kb = openKb(dir);
  auto auth = add(*kb, "service", "auth-service", "auth-service issues session tokens", "Owns login.");
  auto profile = add(*kb, "type", "user", "user/UserProfile", "UserProfile.id became String in v2.");
  auto snake = add(*kb, "note", "billing", "billing_engine retries", "the retry_budget is three attempts");
  auto e0308 = add(*kb, "repair", "billing", "Fixed E0308 mismatched types", "Converted with to_string().");
  add(*kb, "note", "", "Unrelated prose", "The service authenticates users and profiles them.");
  for (auto mode : {SearchMode::Lexical, SearchMode::Hybrid}) {
    CHECK(ids(find(*kb, "auth-service", mode)).front() == auth);
    CHECK(ids(find(*kb, "AuthService", mode)).front() == auth);
    CHECK(ids(find(*kb, "UserProfile.id", mode)).front() == profile);
    CHECK(ids(find(*kb, "profile", mode)).front() == profile);
    CHECK(ids(find(*kb, "retry_budget", mode)).front() == snake);
    CHECK(ids(find(*kb, "budget", mode)).front() == snake);
    CHECK(ids(find(*kb, "E0308", mode)).front() == e0308);
  }
}

TEST_CASE("hostile query text is searched as text, never an error", "[kb][search]") {
  TempDir dir;
  auto kb = openKb(dir);
  auto v12 = add(*kb, "note", "", "Release v1.2 notes", "shipped");
  auto cpp = add(*kb, "note", "", "C++ toolchain", "g++ 12");
  auto dont = add(*kb, "note", "", "don\"t panic", "quoted");
  auto notNote = add(*kb, "note", "", "NOT a keyword here", "plain");
  auto title = add(*kb, "note", "", "title: colon syntax", "x");
  for (std::string q : {"auth-service", "v1.2", "don\"t", "C++", "NOT", "title:x", "\"", "(", "*", "a AND", "OR OR",
                        "NEAR(a b)", "^start", "-minus", "col:val*", "{title}: x", "\"unterminated", "AND NOT OR"}) {
    for (auto mode : {SearchMode::Lexical, SearchMode::Vector, SearchMode::Hybrid}) {
      auto r = kb->search({.query = q, .mode = mode});
      INFO(q);
      CHECK(r.has_value());
    }
  }
  CHECK(ids(find(*kb, "v1.2", SearchMode::Lexical)).front() == v12);
  CHECK(ids(find(*kb, "C++", SearchMode::Lexical)).front() == cpp);
  CHECK(ids(find(*kb, "don\"t", SearchMode::Lexical)).front() == dont);
  CHECK(ids(find(*kb, "NOT", SearchMode::Lexical)).front() == notNote);
  CHECK(ids(find(*kb, "title:x", SearchMode::Lexical)).front() == title);
}

TEST_CASE("filters, explanations and cursors", "[kb][search]") {
  TempDir dir;
  auto kb = openKb(dir);
  for (int i = 0; i < 30; ++i)
    REQUIRE(kb->remember({.kind = i % 2 ? "repair" : "decision", .service = i % 3 ? "billing" : "user",
                  .title = "cache invalidation note " + std::to_string(i), .body = "cache body",
                  .tags = {i % 5 ? "perf" : "correctness"}, .created = 1700000000 + i * 100}));
  SECTION("kind, service, tag and time filters hold for every hit") {
    auto p = find(*kb, "cache", SearchMode::Hybrid,
                  {.kinds = {"repair"}, .services = {"billing"}, .tags = {"perf"}, .createdAfter = 1700000500});
    REQUIRE_FALSE(p.hits.empty());
    for (const auto& h : p.hits) {
      CHECK(h.kind == "repair");
      CHECK(h.service == "billing");
      CHECK(h.tags == std::vector<std::string>{"perf"});
      CHECK(h.created >= 1700000500);
    }
  }
  SECTION("every hit says which arm found it") {
    auto p = find(*kb, "cache invalidation");
    REQUIRE_FALSE(p.hits.empty());
    CHECK(p.hits.front().lexicalRank.has_value());
    CHECK(p.hits.front().vectorRank.has_value());
    CHECK(p.hits.front().foundBy() == std::vector<std::string>{"lexical", "vector"});
  }
  SECTION("pages follow cursors without repeats") {
    std::set<std::int64_t> seen;
    SearchRequest req{.query = "cache", .limit = 7};
    int pages = 0;
    for (;;) {
      auto p = kb->search(req);
      REQUIRE(p.has_value());
      for (const auto& h : p->hits) CHECK(seen.insert(h.id).second);
      ++pages;
      if (p->nextCursor.empty()) break;
      req.cursor = p->nextCursor;
    }
    CHECK(seen.size() == 30);
    CHECK(pages == 5);
    auto wrong = kb->search({.query = "other", .cursor = "7.deadbeef"});
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().message.find("cursor") != std::string::npos);
  }
  SECTION("limits are checked") {
    auto r = kb->search({.query = "x", .limit = 500});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("limit must be 1..100 (got 500)") != std::string::npos);
  }
  SECTION("a page stays within its character budget") {
    auto p = kb->search({.query = "cache", .limit = 100, .maxChars = 1000});
    REQUIRE(p.has_value());
    CHECK(p->hits.size() < 30);
    CHECK_FALSE(p->nextCursor.empty());
  }
}

TEST_CASE("snippets show the matching part of a long body", "[kb][search]") {
  TempDir dir;
  auto kb = openKb(dir);
  std::string body;
  for (int i = 0; i < 200; ++i) body += "filler words here ";
  body += "the settlement_window is configured in ledger-service ";
  for (int i = 0; i < 200; ++i) body += "more filler ";
  add(*kb, "note", "ledger", "Ledger notes", body);
  auto p = find(*kb, "settlement_window");
  REQUIRE(p.hits.size() == 1);
  CHECK(p.hits[0].snippet.find("settlement_window") != std::string::npos);
  CHECK(p.hits[0].snippet.size() <= 250);
}

TEST_CASE("the vector arm tolerates typos", "[kb][search]") {
  TempDir dir;
  auto kb = openKb(dir);
  auto id = add(*kb, "decision", "auth", "Authentication tokens expire after fifteen minutes", "JWT rotation");
  add(*kb, "note", "billing", "Invoices are generated monthly", "cron job");
  auto lexical = find(*kb, "authentcation tokns", SearchMode::Lexical);
  CHECK(lexical.hits.empty());
  auto hybrid = find(*kb, "authentcation tokns");
  REQUIRE_FALSE(hybrid.hits.empty());
  CHECK(hybrid.hits.front().id == id);
  CHECK(hybrid.hits.front().foundBy() == std::vector<std::string>{"vector"});
}
