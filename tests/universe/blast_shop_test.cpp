// The blast radius as forge and the mechanic call it, on examples/shop: a
// graph built in the call's own argument (a temporary), a change set from a
// real git diff (the committed change user/UserProfile.id i32 -> String),
// results used after the loaded universes and graphs they came from are gone.
// Reported as aborting with a bad free; run this file under ASan/UBSan too.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "universe/blast.h"
#include "universe/diff.h"
#include "universe/plan.h"

using namespace flywheel::universe;
using flywheel::Error;
using flywheel::fail;
using flywheel::Result;
namespace fs = std::filesystem;

namespace {

const std::string kShop = std::string(FLYWHEEL_SOURCE_DIR) + "/examples/shop";

std::vector<std::string> affectedNames(const Graph& g, const BlastRadius& br) {
  std::vector<std::string> names;
  for (const auto& s : br.services) names.push_back(g.serviceName(s.id));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("blast radius over a temporary graph (forge's call) keeps only ids") {
  auto loaded = loadUniverse(kShop);
  REQUIRE(loaded);
  auto br = blastRadius(Graph::build(loaded->universe), {{"user/UserProfile.id"}});
  REQUIRE(br);
  // Ids are stable across builds of the same universe: name them with a new graph.
  Graph g = Graph::build(loaded->universe);
  CHECK(affectedNames(g, *br) == std::vector<std::string>{"auth", "billing", "order", "user"});
  for (const auto& s : br->services) CHECK(!serviceReasonChain(g, *br, s).empty());
  // Many queries in a row reuse the per-thread scratch arrays, also across graphs of other sizes.
  for (int i = 0; i < 50; ++i) {
    auto again = blastRadius(g, ChangeSet{{i % 2 ? "user" : "user/UserProfile.id"}, {}});
    REQUIRE(again);
    CHECK(again->services.size() == 4);
  }
  auto small = loadUniverseFromFiles("/tmp/s", {{"universe.lisp", "(universe s)"}, {"services/a/intent.lisp", "(service a (type T (field x i32)))"}});
  Graph sg = Graph::build(small.universe);
  auto sbr = blastRadius(sg, ChangeSet{{"a/T.x"}, {}});
  REQUIRE(sbr);
  CHECK(sbr->symbols.size() == 2);
  auto after = blastRadius(g, ChangeSet{{"user/UserProfile.id"}, {}});
  REQUIRE(after);
  CHECK(after->symbols.size() == br->symbols.size());
}

TEST_CASE("blast radius of a committed intent change (the mechanic's call) on a git copy of examples/shop") {
  fs::path dir = fs::path(FLYWHEEL_BINARY_DIR) / "test-tmp" /
                 ("universe-blast-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::path root = dir / "shop";
  fs::create_directories(dir);
  fs::copy(kShop, root, fs::copy_options::recursive);
  std::error_code ec;
  fs::remove_all(root / "target", ec);
  auto git = [&](const std::string& args) {
    std::string cmd = "git -C '" + root.string() + "' -c user.name=t -c user.email=t@t " + args + " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  };
  git("init -q");
  git("add -A");
  git("commit -q -m v1");
  {
    fs::path p = root / "services/user/intent.lisp";
    std::stringstream buf;
    buf << std::ifstream(p).rdbuf();
    std::string text = buf.str();
    auto at = text.find("(field id i32)");
    REQUIRE(at != std::string::npos);
    text.replace(at, 14, "(field id String)");
    std::ofstream(p, std::ios::trunc) << text;
  }
  git("commit -q -a -m v2");

  Result<BlastRadius> br = fail(Error::notFound("not computed"));
  std::vector<std::string> names;
  std::string orderChain;
  {
    auto before = loadUniverse(root, std::string("HEAD~1"));
    auto after = loadUniverse(root, std::string("HEAD"));
    REQUIRE(before);
    REQUIRE(after);
    auto changes = diffUniverses(before->universe, after->universe);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].summary() == "user/UserProfile.id: field changed (i32 -> String), breaking");
    auto graph = Graph::build(after->universe);
    auto cs = changeSetOf(changes);
    br = blastRadius(graph, cs);
    REQUIRE(br);
    names = affectedNames(graph, *br);
    for (const auto& s : br->services)
      if (graph.serviceName(s.id) == "order") orderChain = serviceReasonChain(graph, *br, s);
    auto plan = cascadePlan(after->universe, graph, *br);
    REQUIRE(plan);
    CHECK(plan->waveCount == 3);
  }
  // The result outlives the universes, the graph and the change set.
  CHECK(names == std::vector<std::string>{"auth", "billing", "order", "user"});
  CHECK(orderChain == "order/Order.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)");
  BlastRadius copy = *br;
  CHECK(copy.changeNotes.size() == 1);
  fs::remove_all(dir, ec);
}
