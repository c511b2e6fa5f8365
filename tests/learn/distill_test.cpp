// Diff shapes and distill: the same fix in several services is one candidate;
// unrelated fixes are not merged; ids and order are stable.
#include <catch2/catch.hpp>

#include "learn/distill.h"

using namespace flywheel;
using namespace flywheel::learn;

namespace {

mechanic::RepairRecord repair(std::int64_t epoch, const std::string& service, const std::string& diff,
                              const std::string& outcome = "committed") {
  mechanic::RepairRecord r;
  r.epoch = epoch;
  r.service = service;
  r.sandbox = "e" + std::to_string(epoch) + "-" + service;
  r.outcome = outcome;
  r.intentChange = "user/UserProfile.id: changed type";
  r.startCommit = "s" + std::to_string(epoch);
  r.endCommit = "t" + std::to_string(epoch);
  r.diff["services/" + service + "/src/custom.rs"] = diff;
  return r;
}

std::string fieldTypeDiff(const std::string& field, const std::string& from, const std::string& to) {
  return "--- a/src/custom.rs\n+++ b/src/custom.rs\n@@ -3,3 +3,3 @@ pub struct View {\n"
         "     pub name: String,\n-    pub " + field + ": " + from + ",\n+    pub " + field + ": " + to + ",\n }\n";
}

const SymbolSet kSymbols{"user", "UserProfile", "id", "email", "name"};

}  // namespace

TEST_CASE("hunks are the runs of removed and added lines of a unified diff", "[learn][shape]") {
  auto hunks = hunksOf("--- a/x.rs\n+++ b/x.rs\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n-d\n+D\n+E\n", "x.rs");
  REQUIRE(hunks.size() == 2);
  CHECK(hunks[0].before == std::vector<std::string>{"b"});
  CHECK(hunks[1].after == std::vector<std::string>{"D", "E"});
}

TEST_CASE("a level-1 shape abstracts intent symbols, primitives and locals, and keeps the rest", "[learn][shape]") {
  Hunk a{"a.rs", {"    let id: i64 = p.id as i64; // old"}, {"    let id: String = p.id.clone();"}};
  Hunk b{"b.rs", {"let id:i64=profile.id as i64;"}, {"let id: String = profile.id.clone();"}};
  Hunk c{"c.rs", {"let key: i64 = profile.id as i64;"}, {"let key: String = profile.id.clone();"}};
  Shape sa = shapeOf(a, kSymbols, 1), sb = shapeOf(b, kSymbols, 1);
  CHECK(sa.before == "let $1 : $2 = $3 . $1 as $2 ;");
  CHECK(sa.after == "let $1 : $4 = $3 . $1 . clone ( ) ;");
  CHECK(sb.key() == sa.key());  // whitespace, comments and the receiver's name do not matter
  CHECK(shapeOf(c, kSymbols, 1).key() != sa.key());  // binding the field to another name is another shape
  CHECK(shapeOf(c, kSymbols, 1).after == "let $1 : $5 = $3 . $4 . clone ( ) ;");
  CHECK(shapeOf(a, kSymbols, 2).after == "let $1 : $4 = $3 . $1 . $5 ( ) ;");  // level 2: method names too
  CHECK(tokenize("x::y -> 'a \"s\\\"q\" 'c' 1.5") ==
        std::vector<std::string>{"x", "::", "y", "->", "'a", "\"s\\\"q\"", "'c'", "1.5"});
}

TEST_CASE("distill finds the repeated fix across services and leaves unrelated repairs alone", "[learn][distill]") {
  std::vector<mechanic::RepairRecord> log;
  const std::vector<std::pair<std::string, std::string>> changes{{"i32", "i64"}, {"i64", "u64"}, {"u64", "String"}};
  std::int64_t epoch = 1;
  for (const auto& [from, to] : changes) {
    for (std::string svc : {"billing", "orders", "auth"}) log.push_back(repair(epoch, svc, fieldTypeDiff("id", from, to)));
    ++epoch;
  }
  // Unrelated repairs: a different fix, an aborted repair of the same shape, one service only.
  log.push_back(repair(epoch, "billing", "@@ -1 +1 @@\n-    total.checked_add(x)\n+    total.saturating_add(x)\n"));
  log.push_back(repair(epoch, "orders", fieldTypeDiff("id", "u8", "u16"), "aborted"));
  for (int k = 0; k < 5; ++k)
    log.push_back(repair(epoch + 1 + k, "catalog", "@@ -1 +1 @@\n-    let n = items.len();\n+    let n = items.len() as u32;\n"));

  auto res = distill(log, kSymbols, {.threshold = 5, .minServices = 2});
  CHECK(res.committed == 15);
  REQUIRE(res.candidates.size() == 1);
  const auto& c = res.candidates[0];
  CHECK(c.shape.level == 1);
  CHECK(c.shape.before == "pub $1 : $2 ,");
  CHECK(c.count == 9);
  CHECK(c.services == std::vector<std::string>{"auth", "billing", "orders"});
  CHECK(c.intentChanges == std::vector<std::string>{"user/UserProfile.id: changed type"});
  REQUIRE(c.evidence.size() == 9);
  CHECK(c.evidence[0].repair == "e1-billing");
  CHECK(c.evidence[0].startCommit == "s1");
  CHECK(c.id.size() == 12);
  // Stable: the same log gives the same ids in the same order.
  auto again = distill(log, kSymbols, {.threshold = 5, .minServices = 2});
  CHECK(again.candidates[0].id == c.id);
  // The catalog fix repeats 5 times but in one service: with minServices 1 it is a candidate too.
  auto single = distill(log, kSymbols, {.threshold = 5, .minServices = 1});
  CHECK(single.candidates.size() == 2);
  // A higher threshold leaves nothing.
  CHECK(distill(log, kSymbols, {.threshold = 10}).candidates.empty());
}

TEST_CASE("a level-2 candidate groups level-1 shapes that differ only in names", "[learn][distill]") {
  std::vector<mechanic::RepairRecord> log;
  std::int64_t epoch = 1;
  for (std::string svc : {"a", "b", "c"}) log.push_back(repair(epoch++, svc, "@@ -1 +1 @@\n-    x.total()\n+    x.total_cents()\n"));
  for (std::string svc : {"a", "b", "c"}) log.push_back(repair(epoch++, svc, "@@ -1 +1 @@\n-    x.count()\n+    x.item_count()\n"));
  auto res = distill(log, kSymbols, {.threshold = 5});
  REQUIRE(res.candidates.size() == 1);
  CHECK(res.candidates[0].shape.level == 2);
  CHECK(res.candidates[0].count == 6);
  CHECK(res.candidates[0].generalises.size() == 2);
}
