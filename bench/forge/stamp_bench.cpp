// bench_forge_stamp [SERVICES] [DIR] [NOOP_RUNS]: generates a universe of SERVICES
// (default 1000) services, each with records, an enum, cross-service fields
// and one of the stamping patterns, then measures:
//   load      universe::loadUniverse (for context)
//   full      the first stamp (every file created)
//   noop      a second stamp (nothing changes: zero writes expected);
//             repeated NOOP_RUNS times (default 5): first, median and min
//   parts     render_only (every generated.rs body rendered in memory), and for
//             the no-op: input_hash (hashing every service's inputs) and
//             plan (hash + verify the files on disk, no rendering)
// Targets (issue 4): full < 1 s, no-op < 100 ms with zero file writes.
// Prints one JSON object per measurement.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "forge/input_hash.h"
#include "forge/rust_model.h"
#include "forge/stamp_plan.h"
#include "forge/stamper.h"
#include "universe/ir.h"

namespace fs = std::filesystem;
using namespace flywheel;

namespace {

std::string serviceName(int i) { return "svc-" + std::to_string(i); }

std::string intentOf(int i) {
  std::string name = serviceName(i);
  std::string s = "(service " + name + "\n  (governance strict-codegen)\n";
  std::string upstream;
  if (i >= 1) upstream += " " + serviceName(i / 2);
  if (i >= 3) upstream += " " + serviceName(i - 3);
  if (!upstream.empty()) s += "  (depends-on" + upstream + ")\n";
  s += "  (alias Id" + std::to_string(i) + " i64)\n";
  s += "  (enum Kind free pro (custom String))\n";
  s += "  (type Item (field id i64) (field label String) (field kind Kind) (field tags (list String))";
  if (i >= 1) s += " (field parent " + serviceName(i / 2) + "/Item)";
  s += ")\n";
  s += "  (rpc fetch (input i64) (output (option Item)))\n";
  switch (i % 8) {
    case 0: s += "  (crud-gateway store (entity Item) (key id) (ops create read update delete list))\n"; break;
    case 1: s += "  (event-listener changed (topic \"item.changed\") (payload Item))\n"; break;
    case 2: s += "  (cron-worker sweep (schedule \"*/5 * * * *\"))\n"; break;
    case 3: s += "  (mcp-tool find (doc \"Find an item\") (input i64) (output (option Item)))\n"; break;
    case 4:
      s += "  (state-machine flow (states a b c) (initial a) (transition go a b) (transition back b a) "
           "(transition stop b c))\n";
      break;
    case 5: s += "  (pure-utility score (arg item Item) (arg weight i64) (returns i64))\n"; break;
    case 6:
      s += i >= 1 ? "  (rpc-gateway up (calls " + serviceName(i / 2) + "/fetch))\n"
                  : "  (cron-worker sweep (schedule \"*/5 * * * *\"))\n";
      break;
    case 7: s += "  (domain-engine rank (input Item) (output Item) (rule first \"one\") (rule second \"two\"))\n"; break;
  }
  return s + ")\n";
}

/// CPU time of this process (user + system), in ms: unlike wall time, not
/// inflated when other processes compete for the cores.
double cpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  fs::path root = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / "flywheel-bench-forge";
  fs::remove_all(root);
  fs::create_directories(root);
  std::ofstream(root / "universe.lisp") << "(universe bench (services \"services/*\"))\n";
  for (int i = 0; i < count; ++i) {
    fs::create_directories(root / "services" / serviceName(i));
    std::ofstream(root / "services" / serviceName(i) / "intent.lisp") << intentOf(i);
  }
  auto stamper = forge::Stamper::create(forge::TemplateSet::rustDir(FLYWHEEL_SOURCE_DIR));
  if (!stamper) {
    std::fprintf(stderr, "bench: %s\n", stamper.error().message.c_str());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto loaded = universe::loadUniverse(root);
  double loadMs = msSince(t0);
  if (!loaded || !loaded->ok()) {
    std::fprintf(stderr, "bench: the generated universe does not load cleanly: %s\n",
                 loaded ? loaded->diagnostics.front().toString().c_str() : loaded.error().message.c_str());
    return 1;
  }
  std::printf("{\"bench\":\"forge.load\",\"services\":%d,\"ms\":%.1f}\n", count, loadMs);
  {
    auto t = std::chrono::steady_clock::now();
    size_t bytes = 0;
    for (const auto& s : loaded->universe.services) {
      forge::RustCrate crate;
      universe::Diagnostics problems;
      if (forge::RustModel(loaded->universe, s, stamper->templates()).render(crate, problems))
        bytes += crate.generatedBody.size();
    }
    std::printf("{\"bench\":\"forge.render_only\",\"services\":%d,\"ms\":%.1f,\"bytes\":%zu}\n", count,
                msSince(t), bytes);
  }
  int noopRuns = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  for (const char* phase : {"full", "noop"}) {
    auto t = std::chrono::steady_clock::now();
    auto report = stamper->stamp(*loaded, {});
    double ms = msSince(t);
    std::vector<double> runs{ms}, cpu;
    for (int r = 1; std::string(phase) == "noop" && r < noopRuns && report && report->written == 0; ++r) {
      auto tr = std::chrono::steady_clock::now();
      double c0 = cpuMs();
      report = stamper->stamp(*loaded, {});
      runs.push_back(msSince(tr));
      cpu.push_back(cpuMs() - c0);
    }
    std::sort(cpu.begin(), cpu.end());
    std::sort(runs.begin() + 1, runs.end());
    if (runs.size() > 1)
      std::printf("{\"bench\":\"forge.stamp.noop.runs\",\"runs\":%zu,\"first_ms\":%.1f,\"median_ms\":%.1f,"
                  "\"min_ms\":%.1f,\"median_cpu_ms\":%.1f}\n",
                  runs.size(), runs[0], runs[1 + (runs.size() - 1) / 2], std::min(runs[0], runs[1]),
                  cpu[cpu.size() / 2]);
    if (!report || !report->ok()) {
      std::fprintf(stderr, "bench: stamp failed\n");
      return 1;
    }
    std::printf("{\"bench\":\"forge.stamp.%s\",\"services\":%d,\"ms\":%.1f,\"written\":%zu,\"unchanged\":%zu,"
                "\"target_ms\":%d}\n",
                phase, count, ms, report->written, report->unchanged, std::string(phase) == "full" ? 1000 : 100);
    if (std::string(phase) == "noop" && report->written != 0) {
      std::fprintf(stderr, "bench: the no-op stamp wrote %zu files\n", report->written);
      return 1;
    }
  }
  {
    auto t = std::chrono::steady_clock::now();
    forge::InputHasher hasher(loaded->universe, stamper->templates(), loaded->revision);
    size_t skippable = 0;
    for (const auto& s : loaded->universe.services) skippable += hasher.of(s).skippable ? 1 : 0;
    std::printf("{\"bench\":\"forge.noop.input_hash\",\"services\":%d,\"ms\":%.1f,\"skippable\":%zu}\n", count,
                msSince(t), skippable);
  }
  {
    auto t = std::chrono::steady_clock::now();
    auto plan = forge::planStamp(stamper->templates(), *loaded, {});
    std::printf("{\"bench\":\"forge.noop.plan\",\"services\":%d,\"ms\":%.1f,\"verified\":%zu,\"to_apply\":%zu}\n",
                count, msSince(t), plan ? plan->verified : 0, plan ? plan->files.size() : 0);
  }
  fs::remove_all(root);
  return 0;
}
