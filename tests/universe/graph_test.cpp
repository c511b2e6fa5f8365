// The graph, blast radius and cascade plan on chains, diamonds, cycles,
// generated universes and examples/shop.
#include <catch2/catch.hpp>

#include <algorithm>

#include "universe/blast.h"
#include "universe/plan.h"
#include "universe/report.h"

using namespace flywheel::universe;

namespace {

/// A service `name` with a type T whose field `v` uses each dependency's T.
std::pair<std::string, std::string> svc(const std::string& name, const std::vector<std::string>& deps,
                                        const std::string& governance = "survival-patching") {
  std::string text = "(service " + name + " (governance " + governance + ")\n  (type T (field id i32)";
  for (const auto& d : deps) text += " (field from-" + d + " " + d + "/T)";
  return {"services/" + name + "/intent.lisp", text + "))"};
}

struct Loaded {
  LoadedUniverse u;
  Graph g;
};
Loaded build(std::vector<std::pair<std::string, std::string>> files) {
  Loaded l{loadUniverseFromFiles("/tmp/g", files), {}};
  l.g = Graph::build(l.u.universe);
  return l;
}
std::vector<std::string> serviceNames(const Graph& g, const BlastRadius& br) {
  std::vector<std::string> out;
  for (const auto& s : br.services) out.push_back(g.serviceName(s.id) + "@" + std::to_string(s.distance));
  return out;
}
std::vector<std::string> waves(const Graph& g, const CascadePlan& p) {
  std::vector<std::string> out;
  for (const auto& s : p.steps) out.push_back(std::to_string(s.wave) + ":" + g.serviceName(s.service) + (s.blocked ? "!" : ""));
  return out;
}

}  // namespace

TEST_CASE("symbols and edges follow INTENT.md's graph semantics") {
  auto l = build({svc("a", {}), svc("b", {"a"})});
  REQUIRE(l.u.ok());
  auto field = l.g.findSymbol("b/T.from-a");
  auto target = l.g.findSymbol("a/T");
  REQUIRE(field);
  REQUIRE(target);
  CHECK(l.g.symbolKind(*field) == SymbolKind::Field);
  CHECK(l.g.uses(*field).size() == 1);
  CHECK(l.g.uses(*field)[0] == *target);
  CHECK(l.g.usedBy(*target).size() == 1);
  auto a = *l.g.findService("a");
  auto b = *l.g.findService("b");
  CHECK(l.g.dependents(a).size() == 1);
  CHECK(l.g.dependents(a)[0] == b);
  CHECK(l.g.dependencies(b)[0] == a);
}

TEST_CASE("blast radius and plan on a diamond") {
  //   a <- b, a <- c, b,c <- d ; e unrelated
  auto l = build({svc("a", {}), svc("b", {"a"}), svc("c", {"a"}), svc("d", {"b", "c"}), svc("e", {})});
  REQUIRE(l.u.ok());
  ChangeSet cs{{"a/T.id"}, {{"a/T.id", "type i32 -> String"}}};
  auto br = blastRadius(l.g, cs);
  REQUIRE(br);
  CHECK(serviceNames(l.g, *br) == std::vector<std::string>{"a@0", "b@1", "c@1", "d@2"});
  auto d = std::find_if(br->services.begin(), br->services.end(), [&](auto& s) { return l.g.serviceName(s.id) == "d"; });
  CHECK(serviceReasonChain(l.g, *br, *d) == "d/T.from-b -> b/T -> b/T.from-a -> a/T -> a/T.id (type i32 -> String)");
  auto plan = cascadePlan(l.u.universe, l.g, *br);
  REQUIRE(plan);
  CHECK(waves(l.g, *plan) == std::vector<std::string>{"1:a", "2:b", "2:c", "3:d"});
  CHECK(plan->waveCount == 3);
}

TEST_CASE("blast radius on a chain, by service, with blocked governance") {
  auto l = build({svc("s0", {}), svc("s1", {"s0"}, "newborn"), svc("s2", {"s1"}), svc("s3", {"s2"}, "cartography")});
  ChangeSet cs{{"s0"}, {}};
  auto br = blastRadius(l.g, cs);
  REQUIRE(br);
  CHECK(serviceNames(l.g, *br) == std::vector<std::string>{"s0@0", "s1@1", "s2@2", "s3@3"});
  CHECK(serviceReasonChain(l.g, *br, br->services[3]) == "s3 -> s2 -> s1 -> s0 (changed)");
  auto plan = cascadePlan(l.u.universe, l.g, *br);
  REQUIRE(plan);
  CHECK(waves(l.g, *plan) == std::vector<std::string>{"1:s0", "2:s1!", "3:s2", "4:s3!"});
  CHECK(plan->blockedCount == 2);
  CHECK(formatPlan(l.g, *plan).find("s1 (after s0) -- blocked: needs a human (governance newborn forbids repair") != std::string::npos);
}

TEST_CASE("a dependency cycle is an error naming the cycle") {
  auto l = build({svc("a", {"c"}), svc("b", {"a"}), svc("c", {"b"}), svc("x", {})});
  auto br = blastRadius(l.g, ChangeSet{{"a"}, {}});
  REQUIRE(br);
  auto plan = cascadePlan(l.u.universe, l.g, *br);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message.starts_with("cycle: a -> c -> b -> a; services in a dependency cycle cannot be ordered"));
}

TEST_CASE("unknown change-set items are errors with suggestions; removed members fall back") {
  auto l = build({svc("alpha", {}), svc("beta", {"alpha"})});
  auto bad = blastRadius(l.g, ChangeSet{{"alpah/T"}, {}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "changed symbol 'alpah/T' names no symbol or service of the universe; did you mean 'alpha'?; "
                               "use svc/Name, svc/Name.field, svc/rpc-name or a service name");
  auto removed = blastRadius(l.g, ChangeSet{{"alpha/T.gone"}, {}});
  REQUIRE(removed);
  CHECK(serviceNames(l.g, *removed) == std::vector<std::string>{"alpha@0", "beta@1"});
  CHECK(reasonChain(l.g, *removed, removed->symbols[0].id) == "alpha/T (alpha/T.gone (removed))");
}

TEST_CASE("generated universe: 2,000 services in layers") {
  std::vector<std::pair<std::string, std::string>> files;
  const int layers = 20, width = 100;
  for (int l = 0; l < layers; ++l)
    for (int w = 0; w < width; ++w) {
      std::vector<std::string> deps;
      if (l > 0) deps = {"s" + std::to_string(l - 1) + "-" + std::to_string(w), "s" + std::to_string(l - 1) + "-" + std::to_string((w + 1) % width)};
      files.push_back(svc("s" + std::to_string(l) + "-" + std::to_string(w), deps));
    }
  auto g = build(files);
  REQUIRE(g.u.ok());
  CHECK(g.g.serviceCount() == 2000);
  auto br = blastRadius(g.g, ChangeSet{{"s0-0/T.id"}, {}});
  REQUIRE(br);
  // Layer l is reached from w in [width-l, width) plus 0: l+1 services per layer.
  size_t expected = 0;
  for (int l = 0; l < layers; ++l) expected += l + 1;
  CHECK(br->services.size() == expected);
  auto plan = cascadePlan(g.u.universe, g.g, *br);
  REQUIRE(plan);
  CHECK(plan->waveCount == 20);
}

TEST_CASE("examples/shop: changing user/UserProfile.id breaks auth, order and billing, not catalog") {
  auto loaded = loadUniverse(std::string(FLYWHEEL_SOURCE_DIR) + "/examples/shop");
  REQUIRE(loaded);
  INFO(formatDiagnostics(loaded->diagnostics));
  REQUIRE(loaded->ok());
  CHECK(loaded->universe.name == "shop");
  Graph g = Graph::build(loaded->universe);
  CHECK(g.serviceCount() >= 4);
  auto br = blastRadius(g, ChangeSet{{"user/UserProfile.id"}, {{"user/UserProfile.id", "type i32 -> String"}}});
  REQUIRE(br);
  std::vector<std::string> names;
  for (const auto& s : br->services) names.push_back(g.serviceName(s.id));
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"auth", "billing", "order", "user"});
  for (const auto& s : br->services)
    if (g.serviceName(s.id) == "order")
      CHECK(serviceReasonChain(g, *br, s) == "order/Order.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)");
  auto plan = cascadePlan(loaded->universe, g, *br);
  REQUIRE(plan);
  CHECK(plan->waveCount == 3);
  CHECK(g.serviceName(plan->steps.front().service) == "user");
  CHECK(g.serviceName(plan->steps.back().service) == "billing");
  CHECK(plan->steps.back().wave == 3);
}
