// bench_learn: how fast Learn mines and replays.
//
//   bench_learn --repairs 10000           distill a synthetic log of N repairs
//                                         (target: under 1 s for 10,000)
//   bench_learn --replay --readers 5      one replay per repaired crate against
//                                         `git worktree add` + `cargo check -p`
//                                         of the same crate (target: <= 1.5x)
//   --check                               exit 1 when a target is missed
//
// The synthetic log mixes 40 fix shapes over 50 services and 20 intent
// changes, with whitespace, names and types varied, as a long-lived universe's
// log would; every record is a full repair-log line, parsed back as learn
// reads it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/atomic_file.h"
#include "core/process.h"
#include "learn/distill.h"
#include "learn/learn.h"

using namespace flywheel;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string fixDiff(int shape, int variant) {
  static const char* types[] = {"i32", "i64", "u32", "u64", "String"};
  std::string a = types[variant % 5], b = types[(variant + 1) % 5];
  std::string field = "f" + std::to_string(shape);
  switch (shape % 4) {
    case 0: return "@@ -1 +1 @@\n-    pub " + field + ": " + a + ",\n+    pub " + field + ": " + b + ",\n";
    case 1: return "@@ -1 +1 @@\n-    let x" + std::to_string(variant) + ": " + a + " = v." + field + " as " + a + ";\n+    let x" +
                   std::to_string(variant) + ": " + b + " = v." + field + ".clone();\n";
    case 2: return "@@ -3,2 +3,2 @@\n ctx\n-    total" + std::to_string(shape) + ".checked_add_" + std::to_string(shape) + "(" + field +
                   ")\n+    total" + std::to_string(shape) + ".saturating_add_" + std::to_string(shape) + "(" + field + ")\n";
    default: return "@@ -1 +1 @@\n-    format!(\"{}\", v." + field + ")\n+    v." + field + ".to_string_" + std::to_string(shape) + "()\n";
  }
}

int benchDistill(int n, bool check) {
  std::vector<mechanic::RepairRecord> records;
  records.reserve(n);
  std::string text;
  for (int i = 0; i < n; ++i) {
    mechanic::RepairRecord r;
    r.epoch = 1 + i / 50;
    r.service = "svc" + std::to_string(i % 50);
    r.sandbox = "e" + std::to_string(r.epoch) + "-" + r.service;
    r.outcome = i % 17 == 0 ? "aborted" : "committed";
    r.intentChange = "core/T" + std::to_string(i % 20) + ".id: field changed";
    r.diff["services/" + r.service + "/src/custom.rs"] = fixDiff(i % 40, i % 7);
    text += mechanic::formatRepairRecord(r) + "\n";
  }
  fs::path log = fs::temp_directory_path() / "bench_learn_repairs.jsonl";
  if (auto w = writeFileAtomic(log, text); !w) return std::fprintf(stderr, "%s\n", w.error().message.c_str()), 2;
  learn::SymbolSet symbols;
  for (int k = 0; k < 40; ++k) symbols.insert("f" + std::to_string(k));
  auto t0 = Clock::now();
  auto read = learn::readRepairLog(log);
  double readS = secondsSince(t0);
  auto t1 = Clock::now();
  auto res = learn::distill(read.records, symbols, {.threshold = 5});
  double distillS = secondsSince(t1);
  fs::remove(log);
  std::printf("distill: %d repairs (%zu bytes of log), read %.3f s + distill %.3f s = %.3f s; %d hunks, %d shapes, %zu candidates\n",
              n, text.size(), readS, distillS, readS + distillS, res.hunks, res.shapes, res.candidates.size());
  std::printf("target: 10,000 repairs under 1 s (Getafix mines offline in batch jobs; no per-run figure published)\n");
  if (check && (res.candidates.empty() || (n <= 10000 && readS + distillS > 1.0))) {
    std::printf("FAIL: %s\n", res.candidates.empty() ? "no candidates" : "over 1 s");
    return 1;
  }
  return 0;
}

}  // namespace

int benchReplay(int readers, bool check);  // bench_replay.cpp

int main(int argc, char** argv) {
  int repairs = 10000, readers = 5;
  bool check = false, replay = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--repairs") && i + 1 < argc) repairs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--readers") && i + 1 < argc) readers = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--check")) check = true;
    else if (!std::strcmp(argv[i], "--replay")) replay = true;
    else return std::fprintf(stderr, "usage: bench_learn [--repairs N] [--replay [--readers N]] [--check]\n"), 2;
  }
  if (replay) return benchReplay(readers, check);
  return benchDistill(repairs, check);
}
