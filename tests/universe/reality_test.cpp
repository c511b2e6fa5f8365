// Observed references (universe/reality.h): Rust code of a copy of the shop,
// and of a small generated universe, scanned with Tree-sitter; observed edges
// in the graph, the blast radius, the cascade plan and the sentinel.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "universe/blast.h"
#include "universe/plan.h"
#include "universe/sentinel.h"

using namespace flywheel::universe;
namespace fs = std::filesystem;

namespace {

const fs::path kShop = fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop";

struct TempDir {
  fs::path dir;
  TempDir() {
    dir = fs::temp_directory_path() / ("flywheel-reality-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
};

/// A copy of the shop's intents and code (no target/, no .flywheel/).
void copyShop(const fs::path& to) {
  for (const auto& e : fs::recursive_directory_iterator(kShop)) {
    auto rel = e.path().lexically_relative(kShop);
    if (rel.begin()->string() == "target" || rel.begin()->string() == ".flywheel") continue;
    if (e.is_directory()) fs::create_directories(to / rel);
    else if (e.is_regular_file()) fs::copy_file(e.path(), to / rel, fs::copy_options::overwrite_existing);
  }
}

std::shared_ptr<const Snapshot> load(Sentinel& s) {
  auto r = s.poll();
  REQUIRE(r);
  return r->snapshot;
}

std::vector<std::string> affected(const Graph& g, const BlastRadius& br) {
  std::vector<std::string> out;
  for (const auto& s : br.services) out.push_back(g.serviceName(s.id));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> observedStrings(const Graph& g) {
  std::vector<std::string> out;
  for (const auto& e : g.observed())
    out.push_back(g.serviceName(e.service) + " -> " + g.symbolName(e.symbol) + " @ " + observedWhere(e));
  return out;
}

}  // namespace

TEST_CASE("extractRustRefs finds crate paths, use lists, aliases, globs and macro arguments") {
  auto r = extractRustRefs(R"(use user::UserProfile;
use user::{Role, Email as Mail};
use catalog as shop;
extern crate billing as bill;
use order::*;
fn f(p: &auth::Session) -> bill::Invoice {
    let x = shop::Product { sku: String::new() };
    assert_eq!(p.kind, user::Tier::Vip);
    LineItem::default()
}
)");
  CHECK_FALSE(r.syntaxError);
  std::vector<std::string> paths;
  for (const auto& p : r.paths) paths.push_back(p.first + "::" + p.name + "@" + std::to_string(p.line));
  std::sort(paths.begin(), paths.end());
  CHECK(paths == std::vector<std::string>{"LineItem::default@9", "String::new@7", "auth::Session@6", "bill::Invoice@6", "shop::Product@7",
                                          "user::Email@2", "user::Role@2", "user::Tier@8", "user::UserProfile@1"});
  CHECK(r.crateAliases == std::map<std::string, std::string>{{"bill", "billing"}, {"shop", "catalog"}});
  CHECK(r.globCrates == std::vector<std::string>{"order"});
  bool lineItem = false;
  for (const auto& [name, line] : r.bareNames) lineItem |= name == "LineItem" && line == 9;
  CHECK(lineItem);

  auto broken = extractRustRefs("use user::UserProfile;\nfn broken( {\n");
  CHECK(broken.syntaxError);
  CHECK(broken.errorPos.line >= 1);
  REQUIRE(!broken.paths.empty());
  CHECK(broken.paths[0].name == "UserProfile");
}

TEST_CASE("the shop's declared references are not observed; its blast radius is unchanged") {
  Sentinel sentinel(kShop);
  auto snap = load(sentinel);
  CHECK(snap->codeScanned);
  CHECK(snap->codeFiles >= 10);  // custom.rs and lib.rs of five services (generated.rs is the intent)
  for (const auto& e : snap->graph.observed()) {
    // Only references the intents leave out (tests using types the intent never names).
    CHECK(snap->graph.owner(e.symbol) != e.service);
    CHECK_FALSE(e.undeclaredDependency);
  }
  auto br = blastRadius(snap->graph, {{"user/UserProfile.id"}, {{"user/UserProfile.id", "type i32 -> String"}}});
  REQUIRE(br);
  CHECK(affected(snap->graph, *br) == std::vector<std::string>{"auth", "billing", "order", "user"});
  for (const auto& s : br->services) CHECK(s.observed == kNoObserved);
}

TEST_CASE("an undeclared reference in a copy of the shop becomes an observed edge and widens the blast radius") {
  TempDir t;
  copyShop(t.dir);
  // catalog's intent declares nothing from user; its code reads a profile.
  t.write("services/catalog/src/recommend.rs",
          "// Recommendations per customer.\n"
          "use std::collections::BTreeMap;\n"
          "\n"
          "pub fn greet(p: &user::UserProfile) -> String {\n"
          "    format!(\"hello {}\", p.display_name)\n"
          "}\n"
          "pub fn by_id(ps: &[user::UserProfile]) -> BTreeMap<i32, String> {\n"
          "    ps.iter().map(|p| (p.id, greet(p))).collect()\n"
          "}\n");
  t.write("services/billing/src/broken.rs", "fn oops( {\n  let x = user::UserProfile;\n");
  Sentinel sentinel(t.dir);
  auto snap = load(sentinel);
  const Graph& g = snap->graph;
  auto obs = observedStrings(g);
  CHECK(std::count(obs.begin(), obs.end(), "catalog -> user/UserProfile @ services/catalog/src/recommend.rs:4") == 1);
  auto cat = g.findService("catalog");
  REQUIRE(cat);
  REQUIRE(g.observedFrom(*cat).size() == 1);
  const auto& edge = g.observed()[g.observedFrom(*cat)[0]];
  CHECK(edge.undeclaredDependency);
  CHECK(edge.count == 2);
  // The broken file is a warning, not an error: the universe still loads.
  CHECK(snap->loaded.ok());
  bool warned = false;
  for (const auto& d : snap->loaded.diagnostics)
    warned |= d.severity == Severity::Warning && d.file == "services/billing/src/broken.rs" &&
              d.message.find("Rust syntax error") != std::string::npos;
  CHECK(warned);

  auto br = blastRadius(g, {{"user/UserProfile.id"}, {{"user/UserProfile.id", "type i32 -> String"}}});
  REQUIRE(br);
  CHECK(affected(g, *br) == std::vector<std::string>{"auth", "billing", "catalog", "order", "user"});
  for (const auto& s : br->services) {
    if (g.serviceName(s.id) != "catalog") continue;
    CHECK(s.distance == 1);
    CHECK(serviceReasonChain(g, *br, s) ==
          "catalog (observed in services/catalog/src/recommend.rs:4) -> user/UserProfile -> user/UserProfile.id (type i32 -> String)");
  }
  // A service-level change reaches the observer too.
  auto whole = blastRadius(g, {{"user"}, {}});
  REQUIRE(whole);
  CHECK(affected(g, *whole) == std::vector<std::string>{"auth", "billing", "catalog", "order", "user"});
  // The plan repairs catalog after user.
  auto plan = cascadePlan(snap->loaded.universe, g, *br);
  REQUIRE(plan);
  for (const auto& st : plan->steps)
    if (g.serviceName(st.service) == "catalog") {
      CHECK(st.wave == 2);
      REQUIRE(st.after.size() == 1);
      CHECK(g.serviceName(st.after[0]) == "user");
    }

  // Declaring the use in the intent removes the observed edge; the sentinel notices code edits.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  t.write("services/catalog/src/recommend.rs", "pub fn nothing() {}\n");
  auto report = sentinel.poll();
  REQUIRE(report);
  CHECK(report->observedChanged);
  CHECK(report->snapshot->codeFilesParsed == 1);  // the rest came from the cache
  CHECK(report->snapshot->graph.observedFrom(*cat).empty());
}

TEST_CASE("observed edges on a generated universe: aliases, globs, declared uses") {
  TempDir t;
  t.write("universe.lisp", "(universe gen (services \"services/*\"))\n");
  for (int i = 0; i < 6; ++i) {
    const std::string n = std::string(1, 's').append(std::to_string(i));
    const std::string prev = std::string(1, 's').append(std::to_string(i - 1));
    std::string intent = "(service " + n + " (governance survival-patching)\n  (type A (field id i64)" +
                         (i > 0 ? " (field up " + prev + "/A)" : "") + ")\n  (enum E one two)\n  (pure-utility tally (arg n i64) (returns i64)))\n";
    t.write("services/" + n + "/intent.lisp", intent);
    std::string code = "use crate::generated::*;\n";
    if (i > 0) code += "pub fn up(a: &" + prev + "::A) -> i64 { a.id }\n";                  // declared: A.up uses prev/A
    if (i == 2) code += "use s0 as root;\npub fn e() -> root::E { root::E::One }\n";        // undeclared, through an alias
    if (i == 3) code += "use s1::*;\npub fn t(n: i64) -> i64 { tally(n) }\n";              // undeclared, through a glob
    if (i == 4) code += "pub fn own(e: s4::E) {}\n";                                        // its own crate: not observed
    t.write("services/" + n + "/src/custom.rs", code);
  }
  Sentinel sentinel(t.dir);
  auto snap = load(sentinel);
  REQUIRE(snap->loaded.ok());
  CHECK(observedStrings(snap->graph) ==
        std::vector<std::string>{"s2 -> s0/E @ services/s2/src/custom.rs:4", "s3 -> s1/tally @ services/s3/src/custom.rs:4"});
  auto br = blastRadius(snap->graph, {{"s0/E.two"}, {}});
  REQUIRE(br);
  CHECK(affected(snap->graph, *br) == std::vector<std::string>{"s0", "s2"});
}
