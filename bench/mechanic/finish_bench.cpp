#include "finish_bench.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "core/process.h"
#include "forge/stamper.h"
#include "mechanic/intent_cascade.h"
#include "mechanic/mechanic.h"
#include "universe/ir.h"

namespace flywheel::bench {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool run(const fs::path& cwd, std::vector<std::string> argv, const fs::path& targetDir = {}) {
  ProcessSpec spec{.argv = std::move(argv), .cwd = cwd, .deadline = std::chrono::minutes(20)};
  if (!targetDir.empty()) spec.env["CARGO_TARGET_DIR"] = targetDir.string();
  spec.env["CARGO_BUILD_JOBS"] = "2";
  auto r = runProcess(spec);
  if (!r || r->exitCode != 0) {
    std::fprintf(stderr, "bench: %s %s failed: %s\n", spec.argv[0].c_str(), spec.argv.size() > 1 ? spec.argv[1].c_str() : "",
                 r ? r->err.substr(r->err.size() > 3000 ? r->err.size() - 3000 : 0).c_str() : r.error().message.c_str());
    return false;
  }
  return true;
}

bool gitInit(const fs::path& root) {
  return run(root, {"git", "init", "-q", "-b", "main"}) && run(root, {"git", "config", "user.name", "bench"}) &&
         run(root, {"git", "config", "user.email", "bench@localhost"}) && run(root, {"git", "add", "-A"}) &&
         run(root, {"git", "commit", "-q", "-m", "universe"});
}

/// A chain of `n` services: s<k> uses the record of s<k-1> and s<k-2>, so
/// a change to s0 reaches every crate.
bool makeGenerated(const fs::path& root, int n) {
  write(root / "universe.lisp", "(universe chain\n  (services \"services/*\")\n  (gates check clippy test))\n");
  write(root / "Cargo.toml", "[workspace]\nresolver = \"2\"\nmembers = [\n# forge:begin\n# forge:end\n]\n");
  write(root / ".gitignore", "target/\n.flywheel/\n");
  for (int k = 0; k < n; ++k) {
    const std::string s = "s" + std::to_string(k), item = "Item" + std::to_string(k);
    std::string intent = "(service " + s + "\n  (governance survival-patching)\n";
    for (int d = 1; d <= 2 && k - d >= 0; ++d)
      intent += "  (use s" + std::to_string(k - d) + " Item" + std::to_string(k - d) + ")\n";
    intent += "  (type " + item + " (field id i64) (field name String)";
    for (int d = 1; d <= 2 && k - d >= 0; ++d)
      intent += " (field prev" + std::to_string(d) + " (option Item" + std::to_string(k - d) + "))";
    intent += "))\n";
    write(root / "services" / s / "intent.lisp", intent);
    write(root / "services" / s / "Cargo.toml", "[package]\nname = \"" + s +
                                                    "\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n"
                                                    "[dependencies]\n# forge:begin\n# forge:end\n");
    write(root / "services" / s / "src/lib.rs",
          "//! Service `" + s + "`.\n\nmod custom;\nmod generated;\n\npub use custom::*;\npub use generated::*;\n");
    write(root / "services" / s / "src/custom.rs",
          "//! Hand-written logic of service `" + s + "`.\n\nuse crate::generated::*;\n\n/// A label for a record.\n"
          "pub fn label(x: &" + item + ") -> String {\n    format!(\"" + s + "-{}-{}\", x.id, x.name)\n}\n\n"
          "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn labels() {\n        let x = " + item +
          " { id: 7, name: \"n\".to_string()" + (k >= 1 ? std::string(", prev1: None") : "") +
          (k >= 2 ? std::string(", prev2: None") : "") + " };\n        assert_eq!(label(&x), \"" + s +
          "-7-n\");\n    }\n}\n");
  }
  auto stamper = forge::Stamper::create({});
  auto loaded = stamper ? universe::loadUniverse(root) : Result<universe::LoadedUniverse>(fail(stamper.error()));
  if (!loaded) return std::fprintf(stderr, "bench: %s\n", loaded.error().message.c_str()), false;
  auto report = stamper->stamp(*loaded, {});
  if (!report || !report->ok()) return std::fprintf(stderr, "bench: stamping the generated universe failed\n"), false;
  return gitInit(root);
}

bool makeShop(const fs::path& root) {
  fs::copy(fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop", root, fs::copy_options::recursive);
  fs::remove_all(root / "target");
  fs::remove_all(root / ".flywheel");
  return gitInit(root);
}

/// A compatible intent change: `service` gains a record type.
void addType(const fs::path& root, const std::string& service) {
  const fs::path intent = root / "services" / service / "intent.lisp";
  std::string text = read(intent);
  text.insert(text.rfind(')'), "\n  (type BenchNote (field text String))");
  write(intent, text);
}

void print(const std::string& universe, const char* metric, double seconds) {
  std::printf("{\"universe\":\"%s\",\"metric\":\"%s\",\"seconds\":%.3f}\n", universe.c_str(), metric, seconds);
}

bool benchOne(const fs::path& base, const std::string& label, const std::function<bool(const fs::path&)>& make,
              const std::string& changed, int agentSeconds) {
  const fs::path root = base / label, target = base / (label + "-inplace-target");
  fs::create_directories(root);
  if (!make(root)) return false;
  // The person's warm workspace: everything built and tested once.
  if (!run(root, {"cargo", "test", "--offline", "-q", "--workspace"}, target)) return false;
  addType(root, changed);
  auto m = mechanic::Mechanic::open(root);
  if (!m) return std::fprintf(stderr, "bench: %s\n", m.error().message.c_str()), false;
  auto t0 = Clock::now();
  auto st = mechanic::startIntentCascade(**m, std::nullopt, std::nullopt, {}, {});
  const double start = since(t0);
  if (!st) return std::fprintf(stderr, "bench: cascade_start: %s\n", st.error().message.c_str()), false;
  if (agentSeconds > 0) {  // the agent at work: the prewarm uses the idle build dir
    std::this_thread::sleep_for(std::chrono::seconds(agentSeconds));
    print(label, "agent_pause", agentSeconds);
  }
  t0 = Clock::now();
  auto fin = (*m)->cascadeFinish(st->status.epoch, {});
  const double finish = since(t0);
  if (!fin || !fin->landed)
    return std::fprintf(stderr, "bench: cascade_finish did not land: %s\n",
                        fin ? fin->message.c_str() : fin.error().message.c_str()),
           false;
  // The same change in place: one warm `cargo test --workspace`.
  t0 = Clock::now();
  if (!run(root, {"cargo", "test", "--offline", "-q", "--workspace"}, target)) return false;
  const double warmTest = since(t0);
  print(label, "cascade_start", start);
  double gates = 0;
  for (const auto& g : fin->gauntlet.gates) {
    print(label, ("finish_gate_" + g.gate).c_str(), g.seconds);
    gates += g.seconds;
  }
  print(label, "finish_outside_gates", finish - gates);
  print(label, "cascade_finish", finish);
  print(label, "warm_cargo_test_workspace", warmTest);
  std::printf("{\"universe\":\"%s\",\"ratio\":\"cascade_finish/warm_cargo_test_workspace\",\"value\":%.2f,"
              "\"target\":1.5}\n",
              label.c_str(), finish / warmTest);
  std::fflush(stdout);
  return true;
}

}  // namespace

int benchFinish(const fs::path& base, int generated, int agentSeconds) {
  bool ok = benchOne(base, "shop", makeShop, "user", agentSeconds);
  ok = benchOne(base, "chain" + std::to_string(generated),
                [generated](const fs::path& r) { return makeGenerated(r, generated); }, "s0", agentSeconds) &&
       ok;
  return ok ? 0 : 1;
}

}  // namespace flywheel::bench
