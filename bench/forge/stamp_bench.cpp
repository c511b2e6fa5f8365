// bench_forge_stamp [SERVICES] [DIR]: generates a universe of SERVICES
// (default 1000) services, each with records, an enum, cross-service fields
// and one of the stamping patterns, then measures:
//   load      universe::loadUniverse (for context)
//   full      the first stamp (every file created)
//   noop      a second stamp (nothing changes: zero writes expected)
// Targets (issue 4): full < 1 s, no-op < 100 ms with zero file writes.
// Prints one JSON object per measurement.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

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
  for (const char* phase : {"full", "noop"}) {
    auto t = std::chrono::steady_clock::now();
    auto report = stamper->stamp(*loaded, {});
    double ms = msSince(t);
    if (!report || !report->ok()) {
      std::fprintf(stderr, "bench: stamp failed\n");
      return 1;
    }
    std::printf("{\"bench\":\"forge.stamp.%s\",\"services\":%d,\"ms\":%.1f,\"written\":%zu,\"unchanged\":%zu,"
                "\"target_ms\":%d}\n",
                phase, count, ms, report->written, report->unchanged, std::string(phase) == "full" ? 1000 : 100);
  }
  fs::remove_all(root);
  return 0;
}
