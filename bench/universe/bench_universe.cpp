// Generates layered universes (and the same shape as a cargo workspace) and
// measures load, graph build, and warm blast_radius / cascade_plan.
//
//   bench_universe generate DIR SERVICES LAYERS WINDOW [--cargo]
//   bench_universe run DIR [TARGET]        timings (TARGET: a service; default:
//                                          the sampled one closest to 1,000 dependents)
//   bench_universe affected DIR SERVICE     the affected services, one per line
//   bench_universe scan DIR                 the scan of the services' Rust code (observed edges), cold and warm
//
// Shape: LAYERS layers of SERVICES/LAYERS services `s<layer>x<i>`; each
// depends on two services of the previous layer within +-WINDOW of its index
// (fixed seed). Each service declares 10 symbols: alias Id, type A (3
// fields), type B (3 fields), rpc fetch; fields use the dependencies' A and B.
// Each service also gets src/custom.rs using its dependencies' A and B; every
// tenth service from layer 2 on also uses a type of a service two layers up
// that its intent does not declare (an observed edge).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "universe/blast.h"
#include "universe/plan.h"
#include "universe/reality.h"

namespace fs = std::filesystem;
using namespace flywheel::universe;
using Clock = std::chrono::steady_clock;

namespace {

std::string name(int layer, int i) { return "s" + std::to_string(layer) + "x" + std::to_string(i); }

/// Hand-written code of a service: functions over its dependencies' types
/// (declared by the intent) and, when `undeclared` names a service, a use of
/// that service's type the intent does not declare (an observed edge).
void writeCode(const fs::path& file, const std::vector<std::string>& deps, const std::string& undeclared) {
  std::ofstream out(file);
  out << "// Hand-written code.\nuse crate::generated::*;\n";
  if (!undeclared.empty()) out << "use " << undeclared << "::B as Upstream;\n";
  // The intent's A uses deps[0]/A and deps[1]/B; B uses deps[0]/B.
  if (deps.size() == 2)
    out << "\npub fn from_deps(a: &" << deps[0] << "::A, b: &" << deps[0] << "::B, c: &" << deps[1] << "::B) -> Id {\n"
        << "    let n = (b.n.len() + c.n.len()) as i64;\n    a.id + n\n}\n";
  if (!undeclared.empty()) out << "\npub fn upstream(b: &Upstream) -> usize {\n    b.n.len()\n}\n";
  out << "\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn runs() {\n        assert_eq!(1 + 1, 2);\n    }\n}\n";
}

int generate(const fs::path& dir, int services, int layers, int window, bool cargo) {
  int width = services / layers;
  std::mt19937 rng(42);
  fs::create_directories(dir / "services");
  std::ofstream(dir / "universe.lisp") << "(universe bench (services \"services/*\"))\n";
  std::string members;
  for (int l = 0; l < layers; ++l) {
    for (int i = 0; i < width; ++i) {
      std::vector<std::string> deps;
      if (l > 0) {
        std::uniform_int_distribution<int> pick(-window, window);
        while (deps.size() < 2) {
          int j = ((i + pick(rng)) % width + width) % width;
          if (std::find(deps.begin(), deps.end(), name(l - 1, j)) == deps.end()) deps.push_back(name(l - 1, j));
        }
      }
      std::string n = name(l, i);
      fs::create_directories(dir / "services" / n / "src");
      std::ofstream out(dir / "services" / n / "intent.lisp");
      out << "(service " << n << " (governance survival-patching)\n  (alias Id i64)\n";
      out << "  (type A (field id Id) (field x " << (deps.empty() ? "String" : deps[0] + "/A") << ") (field y "
          << (deps.empty() ? "i32" : deps[1] + "/B") << "))\n";
      out << "  (type B (field a A) (field n String) (field z " << (deps.empty() ? "u64" : deps[0] + "/B") << "))\n";
      out << "  (rpc fetch (input Id) (output A)))\n";
      writeCode(dir / "services" / n / "src" / "custom.rs", deps, l >= 2 && i % 10 == 0 ? name(l - 2, i) : "");
      if (!cargo) continue;
      std::ofstream toml(dir / "services" / n / "Cargo.toml");
      toml << "[package]\nname = \"" << n << "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n";
      for (const auto& d : deps) toml << d << " = { path = \"../" << d << "\" }\n";
      std::ofstream(dir / "services" / n / "src" / "lib.rs") << "\n";
      members += "  \"services/" + n + "\",\n";
    }
  }
  if (cargo) std::ofstream(dir / "Cargo.toml") << "[workspace]\nresolver = \"2\"\nmembers = [\n" << members << "]\n";
  std::cout << "generated " << width * layers << " services in " << dir << "\n";
  return 0;
}

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

/// Median of `reps` runs of fn, in microseconds.
template <class Fn>
double medianUs(int reps, Fn&& fn) {
  std::vector<double> us;
  for (int k = 0; k < reps; ++k) {
    auto t = Clock::now();
    fn();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

size_t dependentCount(const Graph& g, ServiceId s) {
  auto br = blastRadius(g, ChangeSet{{g.serviceName(s)}, {}});
  return br ? br->services.size() - 1 : 0;
}

int run(const fs::path& dir, const std::string& target) {
  auto t0 = Clock::now();
  auto loaded = loadUniverse(dir);
  double loadMs = msSince(t0);
  if (!loaded || !loaded->ok()) {
    std::cerr << "load failed\n";
    return 1;
  }
  auto t1 = Clock::now();
  Graph g = Graph::build(loaded->universe);
  double buildMs = msSince(t1);
  // The code scan; its observed edges join the graph as in the server.
  RealityCache cache;
  auto cold = scanReality(dir, loaded->universe, g, &cache);
  auto warm = scanReality(dir, loaded->universe, g, &cache);
  g.setObserved(cold.edges);
  ServiceId chosen = 0;
  if (!target.empty()) {
    chosen = *g.findService(target);
  } else {
    size_t best = SIZE_MAX;
    for (ServiceId s = 0; s < g.serviceCount(); s += std::max<size_t>(1, g.serviceCount() / 300)) {
      size_t d = dependentCount(g, s);
      size_t diff = d > 1000 ? d - 1000 : 1000 - d;
      if (diff < best) { best = diff; chosen = s; }
    }
  }
  std::string symbol = g.serviceName(chosen) + "/A.id";
  ChangeSet cs{{symbol}, {{symbol, "type Id -> String"}}};
  auto br = blastRadius(g, cs);
  double blastUs = medianUs(51, [&] { (void)blastRadius(g, cs); });
  double planUs = medianUs(51, [&] {
    auto b = blastRadius(g, cs);
    (void)cascadePlan(loaded->universe, g, *b);
  });
  ChangeSet svc{{g.serviceName(chosen)}, {}};
  double svcUs = medianUs(51, [&] { (void)blastRadius(g, svc); });
  auto plan = cascadePlan(loaded->universe, g, *br);
  std::printf("code_scan: rust_files=%zu references=%zu observed_edges=%zu warnings=%zu cold_ms=%.1f warm_cached_ms=%.1f (parsed %zu)\n",
              cold.files, cold.references, cold.edges.size(), cold.warnings.size(), cold.millis, warm.millis, warm.parsed);
  std::printf("services=%zu symbols=%zu uses_edges=%zu depends_edges=%zu\n", g.serviceCount(), g.symbolCount(),
              g.useEdgeCount(), g.dependsOnEdgeCount());
  std::printf("load_ms=%.1f graph_build_ms=%.1f\n", loadMs, buildMs);
  std::printf("target=%s affected_services=%zu affected_symbols=%zu waves=%u\n", symbol.c_str(), br->services.size(),
              br->symbols.size(), plan ? plan->waveCount : 0);
  std::printf("warm_blast_radius_us=%.1f warm_blast_plus_cascade_plan_us=%.1f warm_service_blast_us=%.1f\n", blastUs,
              planUs, svcUs);
  return 0;
}

/// The code scan alone (any universe, e.g. examples/shop): cold, then warm
/// from the per-file cache, then after touching one file.
int scan(const fs::path& dir) {
  auto loaded = loadUniverse(dir);
  if (!loaded) return 1;
  Graph g = Graph::build(loaded->universe);
  RealityCache cache;
  auto cold = scanReality(dir, loaded->universe, g, &cache);
  std::vector<double> warm;
  for (int k = 0; k < 5; ++k) warm.push_back(scanReality(dir, loaded->universe, g, &cache).millis);
  std::sort(warm.begin(), warm.end());
  std::printf("services=%zu rust_files=%zu references=%zu observed_edges=%zu warnings=%zu cold_ms=%.2f warm_cached_ms=%.2f\n",
              g.serviceCount(), cold.files, cold.references, cold.edges.size(), cold.warnings.size(), cold.millis, warm[2]);
  return 0;
}

int affected(const fs::path& dir, const std::string& service) {
  auto loaded = loadUniverse(dir);
  if (!loaded) return 1;
  Graph g = Graph::build(loaded->universe);
  auto br = blastRadius(g, ChangeSet{{service}, {}});
  if (!br) { std::cerr << br.error().message << "\n"; return 1; }
  std::vector<std::string> names;
  for (const auto& s : br->services) names.push_back(g.serviceName(s.id));
  std::sort(names.begin(), names.end());
  for (const auto& n : names) std::cout << n << "\n";
  double us = medianUs(101, [&] { (void)blastRadius(g, ChangeSet{{service}, {}}); });
  std::fprintf(stderr, "warm_in_process_us=%.1f\n", us);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() >= 5 && a[0] == "generate")
    return generate(a[1], std::stoi(a[2]), std::stoi(a[3]), std::stoi(a[4]), a.size() > 5 && a[5] == "--cargo");
  if (a.size() >= 2 && a[0] == "run") return run(a[1], a.size() > 2 ? a[2] : "");
  if (a.size() == 3 && a[0] == "affected") return affected(a[1], a[2]);
  if (a.size() == 2 && a[0] == "scan") return scan(a[1]);
  std::cerr << "usage: bench_universe generate DIR SERVICES LAYERS WINDOW [--cargo] | run DIR [TARGET] | affected DIR SERVICE | scan DIR\n";
  return 2;
}
