// Seeding the knowledge base from a universe (issue: the architecture memory
// is there from the first question): a generated universe of N services
// (default 1,000; each with a purpose comment, two types, an rpc and up to
// three dependencies) imported cold, re-imported unchanged, and re-imported
// for one edited service. Prints one JSON object per measurement.
//
//   bench_kb_seed [--services N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "kb/kb_import.h"
#include "kb/knowledge_base.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace flywheel;

namespace {

std::string serviceName(int i) { return "svc-" + std::to_string(i); }

void writeService(const fs::path& root, int i, int version) {
  fs::create_directories(root / "services" / serviceName(i));
  std::ofstream out(root / "services" / serviceName(i) / "intent.lisp");
  out << ";; Service " << i << " keeps the ledger of department " << (i % 37) << " and answers its audits.\n";
  out << "(service " << serviceName(i) << "\n  (version " << version << ")\n";
  if (i > 0) {
    out << "  (depends-on";
    for (int d = std::max(0, i - 3); d < i; ++d) out << " " << serviceName(d);
    out << ")\n";
  }
  out << "  (type Entry" << i << " (field id i64) (field amount-cents i64) (field memo String))\n";
  out << "  (enum State" << i << " open closed audited)\n";
  out << "  (rpc get-entry-" << i << " (input i64) (output (option Entry" << i << "))))\n";
}

double seconds(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  int n = 1000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--services") == 0) n = std::atoi(argv[i + 1]);
  fs::path root = fs::temp_directory_path() / ("flywheel-bench-seed-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  std::ofstream(root / "universe.lisp") << "(universe ledgers (services \"services/*\"))\n";
  for (int i = 0; i < n; ++i) writeService(root, i, 1);
  auto kb = kb::KnowledgeBase::open(root / ".flywheel");
  if (!kb) {
    std::fprintf(stderr, "cannot open the knowledge base: %s\n", kb.error().message.c_str());
    return 1;
  }
  auto report = [&](const char* what, double s, const kb::ImportReport& r) {
    std::printf("{\"bench\":\"kb_seed\",\"case\":\"%s\",\"services\":%d,\"seconds\":%.3f,\"read\":%zu,"
                "\"created\":%zu,\"updated\":%zu,\"unchanged\":%zu,\"removed\":%zu,\"target_seconds\":2.0}\n",
                what, n, s, r.read, r.created, r.updated, r.unchanged, r.removed);
  };
  auto t = Clock::now();
  auto cold = kb::importUniverse(**kb, root);
  if (!cold) return std::fprintf(stderr, "%s\n", cold.error().message.c_str()), 1;
  report("cold", seconds(t), *cold);
  t = Clock::now();
  auto warm = kb::importUniverse(**kb, root);
  if (!warm) return 1;
  report("unchanged", seconds(t), *warm);
  writeService(root, n / 2, 2);
  t = Clock::now();
  auto one = kb::importUniverse(**kb, root, {.services = {serviceName(n / 2)}});
  if (!one) return 1;
  report("one-service-edited", seconds(t), *one);
  fs::remove_all(root);
  return 0;
}
