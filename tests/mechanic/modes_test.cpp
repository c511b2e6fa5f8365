// Governance modes that judge an edit by its effect: `self-distillation`
// keeps a variant only when cargo bench improves, `polisher` keeps an edit
// only when it clears a clippy warning and leaves signatures alone.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "fixture.h"
#include "mechanic/bench_gate.h"
#include "mechanic/mechanic.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;
using flywheel::Result;

namespace {

// A compatible intent change: alpha gains a function, nothing breaks.
Result<std::vector<std::string>> stampAddition(const fs::path& root) {
  writeText(root / "alpha/src/lib.rs", "pub fn answer() -> i32 {\n    42\n}\n\npub fn more() -> i32 {\n    43\n}\n");
  return std::vector<std::string>{"alpha/src/lib.rs"};
}

CascadeStartSpec additionSpec(const std::string& betaMode) {
  CascadeStartSpec s;
  s.services = {{"alpha", "alpha", "alpha", "survival-patching", 0}, {"beta", "beta", "beta", betaMode, 1}};
  s.intentChange = "alpha/more: added";
  s.stamp = stampAddition;
  return s;
}

const char* kSlowSum =
    "pub fn sum_to(n: u64) -> u64 {\n"
    "    let mut total = 0;\n"
    "    for i in 0..=n {\n"
    "        total += std::hint::black_box(i);\n"
    "    }\n"
    "    total\n"
    "}\n";

// A stable-Rust benchmark (harness = false) printing libtest's bench lines.
const char* kBenchMain =
    "use std::time::Instant;\n\n"
    "fn main() {\n"
    "    let mut best = u128::MAX;\n"
    "    for _ in 0..5 {\n"
    "        let t = Instant::now();\n"
    "        std::hint::black_box(beta::sum_to(std::hint::black_box(3_000_000)));\n"
    "        best = best.min(t.elapsed().as_nanos());\n"
    "    }\n"
    "    println!(\"test sum_to ... bench: {} ns/iter (+/- 0)\", best);\n"
    "}\n";

void addBenchedBeta(TinyWorkspace& ws) {
  writeText(ws.root / "beta/Cargo.toml",
            "[package]\nname = \"beta\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
            "alpha = { path = \"../alpha\" }\n\n[[bench]]\nname = \"speed\"\nharness = false\n");
  writeText(ws.root / "beta/src/lib.rs",
            std::string(kSlowSum) + "\npub fn doubled() -> i32 {\n    alpha::answer() * 2\n}\n\n#[cfg(test)]\nmod tests {\n"
            "    #[test]\n    fn sums() {\n        assert_eq!(super::sum_to(4), 10);\n    }\n}\n");
  writeText(ws.root / "beta/benches/speed.rs", kBenchMain);
  ws.commitAll("beta: sum_to with a benchmark");
}

}  // namespace

TEST_CASE("libtest bench lines are parsed and compared by geometric mean", "[bench]") {
  auto b = parseBenchLines("running 2 tests\ntest a::fast ... bench:       1,200 ns/iter (+/- 30)\n"
                           "test slow   ... bench: 10.5 ns/iter (+/- 1)\ntest other ... ok\n");
  REQUIRE(b.size() == 2);
  CHECK(b["a::fast"] == Approx(1200));
  CHECK(b["slow"] == Approx(10.5));
  CHECK(compareBenches({{"x", 100}, {"y", 100}}, {{"x", 50}, {"y", 100}}).improved);     // 0.71x
  CHECK_FALSE(compareBenches({{"x", 100}}, {{"x", 97}}).improved);                       // within noise
  CHECK_FALSE(compareBenches({{"x", 100}, {"y", 100}}, {{"x", 10}}).improved);           // y vanished
  CHECK_FALSE(compareBenches({}, {}).improved);
  CHECK(compareBenches({{"x", 100}}, {{"x", 120}}).summary.find("x: 100 -> 120 ns/iter (1.20x)") !=
        std::string::npos);
}

TEST_CASE("self-distillation keeps a variant only when cargo bench improves", "[mechanic][cargo][modes]") {
  TinyWorkspace ws("distill");
  addBenchedBeta(ws);
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(additionSpec("self-distillation"), {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  const std::string id = sb->status.id;
  REQUIRE((*m)->repairPlan(id, "make sum_to cheaper"));

  // A slower variant passes the gauntlet but is not kept; the sandbox stays open.
  auto slower = (*m)->repairEdit(
      id, "beta/src/lib.rs",
      {.oldText = "    total\n}", .newText = "    std::hint::black_box(sum_again(n));\n    total\n}\n\n"
                                             "fn sum_again(n: u64) -> u64 {\n    (0..=n).map(std::hint::black_box).sum()\n}"},
      {});
  REQUIRE(slower);
  REQUIRE(slower->applied);
  auto v1 = (*m)->repairValidate(id, {});
  REQUIRE(v1);
  REQUIRE(v1->gauntlet.green);
  auto refused = (*m)->repairCommit(id);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("mode `self-distillation`") != std::string::npos);
  CHECK(refused.error().message.find("cargo bench did not improve") != std::string::npos);
  CHECK(refused.error().message.find("sum_to: ") != std::string::npos);

  // The closed form is much faster: kept, and the record holds the numbers.
  auto faster = (*m)->repairEdit(id, "beta/src/lib.rs",
                                 {.startLine = 1, .endLine = 12, .newText = "pub fn sum_to(n: u64) -> u64 {\n"
                                                                              "    n * (n + 1) / 2\n}"},
                                 {});
  REQUIRE(faster);
  REQUIRE(faster->applied);
  auto v2 = (*m)->repairValidate(id, {});
  REQUIRE(v2);
  REQUIRE(v2->gauntlet.green);
  auto kept = (*m)->repairCommit(id);
  REQUIRE(kept);
  auto log = readText(ws.root / ".flywheel/repairs.jsonl");
  CHECK(log.find("\"benchmarks\"") != std::string::npos);
  CHECK(log.find("\"improved\":true") != std::string::npos);
}

TEST_CASE("polisher keeps only edits that clear clippy warnings, with signatures unchanged",
          "[mechanic][cargo][modes]") {
  TinyWorkspace ws("polisher");
  writeText(ws.root / "beta/src/lib.rs",
            "pub fn doubled() -> i32 {\n    let d = alpha::answer() * 2;\n    d\n}\n");  // clippy::let_and_return
  ws.commitAll("beta: a clippy warning");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(additionSpec("polisher"), {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  const std::string id = sb->status.id;
  REQUIRE((*m)->repairPlan(id, "clear the let_and_return warning"));

  auto neutral = (*m)->repairEdit(id, "beta/src/lib.rs", {.oldText = "pub fn doubled", .newText = "/// Twice the answer.\npub fn doubled"}, {});
  REQUIRE(neutral);
  INFO(neutral->message);
  CHECK_FALSE(neutral->applied);
  CHECK(neutral->message.find("polisher mode: an edit must clear a warning") != std::string::npos);

  auto signature = (*m)->repairEdit(id, "beta/src/lib.rs", {.oldText = "pub fn doubled() -> i32", .newText = "pub fn doubled() -> i64"}, {});
  REQUIRE_FALSE(signature);
  CHECK(signature.error().message.find("changes public signatures") != std::string::npos);

  auto clean = (*m)->repairEdit(id, "beta/src/lib.rs",
                                {.oldText = "    let d = alpha::answer() * 2;\n    d\n", .newText = "    alpha::answer() * 2\n"}, {});
  REQUIRE(clean);
  CHECK(clean->applied);
  auto v = (*m)->repairValidate(id, {});
  REQUIRE(v);
  CHECK(v->gauntlet.green);
  REQUIRE((*m)->repairCommit(id));
}
