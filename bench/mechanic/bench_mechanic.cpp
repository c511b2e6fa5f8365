// Benchmarks the mechanic on the example universe, with its plain baselines
// measured on the same machine in the same run:
//
//   git_worktree_add      `git worktree add` of the repository
//   cold_check            `cargo check -p <svc>` in that fresh worktree, cold target dir
//   warm_check_inplace    `cargo check -p <svc>` again after touching custom.rs (warm target dir)
//   repair_open           Mechanic::repairOpen (worktree + branch + state + seeding its
//                         own target dir with a copy of the cascade's warm one)
//   first_validate        the first repair_validate (gate: check) in that sandbox
//   unseeded_validate     the same in a second sandbox whose target dir was emptied (cold)
//
// Prints one JSON object per line, then the two ratios the issue targets
// (repair_open / git_worktree_add <= 1.5, first_validate / warm_check <= 2).
// Then cascade_finish against one warm `cargo test --workspace` of the same
// change, on the shop and on a generated chain of services (finish_bench.h).
//
//   bench_mechanic [service]           all of it (service: billing)
//   bench_mechanic finish [N] [S]      only the finish comparison (N: 12 services;
//                                      S: seconds of agent work before finish)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "mechanic/mechanic.h"
#include "core/process.h"
#include "finish_bench.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::mechanic;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool run(const fs::path& cwd, std::vector<std::string> argv, const std::string& targetDir = {}) {
  ProcessSpec spec{.argv = std::move(argv), .cwd = cwd};
  if (!targetDir.empty()) spec.env["CARGO_TARGET_DIR"] = targetDir;
  auto r = runProcess(spec);
  if (!r || r->exitCode != 0) {
    std::fprintf(stderr, "bench: %s failed: %s\n", spec.argv[0].c_str(), r ? r->err.c_str() : r.error().message.c_str());
    return false;
  }
  return true;
}

void print(const char* metric, double seconds) { std::printf("{\"metric\":\"%s\",\"seconds\":%.3f}\n", metric, seconds); }

}  // namespace

int main(int argc, char** argv) {
  const std::string service = argc > 1 ? argv[1] : "billing";
  fs::path base = fs::temp_directory_path() / ("flywheel-bench-mechanic-" + std::to_string(::getpid()));
  if (service == "finish") {
    const int rc = flywheel::bench::benchFinish(base / "finish", argc > 2 ? std::atoi(argv[2]) : 12,
                                                argc > 3 ? std::atoi(argv[3]) : 0);
    fs::remove_all(base);
    return rc;
  }
  fs::path root = base / "shop";
  fs::create_directories(base);
  fs::copy(fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop", root, fs::copy_options::recursive);
  fs::remove_all(root / "target");
  fs::remove_all(root / ".flywheel");
  if (!run(root, {"git", "init", "-q", "-b", "main"}) || !run(root, {"git", "add", "-A"}) ||
      !run(root, {"git", "commit", "-q", "-m", "shop"}))
    return 1;

  // Baselines.
  auto t0 = Clock::now();
  if (!run(root, {"git", "worktree", "add", "-q", "-b", "bench-baseline", (base / "wt").string()})) return 1;
  const double worktreeAdd = secondsSince(t0);
  const std::string plainTarget = (base / "plain-target").string();
  t0 = Clock::now();
  if (!run(base / "wt", {"cargo", "check", "--offline", "-q", "-p", service}, plainTarget)) return 1;
  const double coldCheck = secondsSince(t0);
  run(base / "wt", {"touch", "services/" + service + "/src/custom.rs"});
  t0 = Clock::now();
  if (!run(base / "wt", {"cargo", "check", "--offline", "-q", "-p", service}, plainTarget)) return 1;
  const double warmCheck = secondsSince(t0);

  // The mechanic.
  auto m = Mechanic::open(root);
  if (!m) return std::fprintf(stderr, "bench: %s\n", m.error().message.c_str()), 1;
  CascadeStartSpec spec;
  spec.services = {{service, "services/" + service, service, "survival-patching", 1},
                   {"order", "services/order", "order", "survival-patching", 1}};
  spec.config.gates = {"check"};
  auto st = (*m)->cascadeStart(spec, {});
  if (!st) return std::fprintf(stderr, "bench: %s\n", st.error().message.c_str()), 1;
  t0 = Clock::now();
  auto sb = (*m)->repairOpen(st->epoch, service);
  const double open = secondsSince(t0);
  if (!sb) return std::fprintf(stderr, "bench: %s\n", sb.error().message.c_str()), 1;
  t0 = Clock::now();
  auto v = (*m)->repairValidate(sb->status.id, {});
  const double firstValidate = secondsSince(t0);
  if (!v || !v->gauntlet.green) return std::fprintf(stderr, "bench: validation not green\n"), 1;

  // Without seeding: a second sandbox with its target dir removed.
  auto sb2 = (*m)->repairOpen(st->epoch, "order");
  if (!sb2) return 1;
  fs::remove_all(sb2->buildDir);
  t0 = Clock::now();
  auto v2 = (*m)->repairValidate(sb2->status.id, {});
  const double unseeded = secondsSince(t0);
  if (!v2) return 1;

  print("git_worktree_add", worktreeAdd);
  print("cold_check", coldCheck);
  print("warm_check_inplace", warmCheck);
  print("repair_open", open);
  print("first_validate", firstValidate);
  print("unseeded_validate", unseeded);
  std::printf("{\"ratio\":\"repair_open/git_worktree_add\",\"value\":%.2f,\"target\":1.5}\n", open / worktreeAdd);
  std::printf("{\"ratio\":\"first_validate/warm_check_inplace\",\"value\":%.2f,\"target\":2.0}\n",
              firstValidate / warmCheck);
  (void)(*m)->cascadeAbort(st->epoch);
  m->reset();
  run(root, {"git", "worktree", "remove", "--force", (base / "wt").string()});
  const int rc = flywheel::bench::benchFinish(base / "finish", 12);
  fs::remove_all(base);
  return rc;
}
