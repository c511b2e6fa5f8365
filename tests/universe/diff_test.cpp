// Intent diff and loading from real git revisions, the session and the
// sentinel, in a temporary repository.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "universe/report.h"
#include "universe/session.h"

using namespace flywheel::universe;
namespace fs = std::filesystem;

namespace {

struct TempRepo {
  fs::path dir;
  TempRepo() {
    dir = fs::temp_directory_path() / ("flywheel-universe-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir / "shop");
    git("init -q");
  }
  ~TempRepo() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void git(const std::string& args) const {
    std::string cmd = "git -C '" + dir.string() + "' -c user.name=t -c user.email=t@t " + args + " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir / "shop" / rel).parent_path());
    std::ofstream(dir / "shop" / rel) << text;
  }
  void commit(const std::string& msg) const {
    git("add -A");
    git("commit -q -m '" + msg + "'");
  }
  fs::path root() const { return dir / "shop"; }
};

const char* kUserV1 = "(service user (type UserProfile (field id i32) (field name String)) (enum Tier free vip))";
const char* kUserV2 =
    "(service user (governance survival-patching) (type UserProfile (field id String) (field name String) (field email String))"
    " (enum Tier free vip gold) (type Extra))";
const char* kBilling = "(service billing (use user UserProfile) (type Invoice (field customer UserProfile) (field total i64)))";

}  // namespace

TEST_CASE("loading a universe from git revisions without checkout") {
  TempRepo repo;
  repo.write("universe.lisp", "(universe shop)");
  repo.write("services/user/intent.lisp", kUserV1);
  repo.write("services/billing/intent.lisp", kBilling);
  repo.commit("v1");
  repo.write("services/user/intent.lisp", kUserV2);
  repo.commit("v2");
  repo.write("services/user/intent.lisp", "(service user (type UserProfile (field id u64)))");  // uncommitted

  auto head1 = loadUniverse(repo.root(), "HEAD~1");
  REQUIRE(head1);
  CHECK(head1->ok());
  CHECK(head1->revision.size() == 40);
  CHECK(head1->universe.findService("user")->types[0].fields[0].type.toString() == "i32");
  auto head = loadUniverse(repo.root(), "HEAD");
  REQUIRE(head);
  CHECK(head->universe.findService("user")->types[0].fields[0].type.toString() == "String");
  auto wt = loadUniverse(repo.root());
  REQUIRE(wt);
  CHECK(wt->universe.findService("user")->types[0].fields[0].type.toString() == "u64");

  auto bad = loadUniverse(repo.root(), "no-such-branch");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("revision 'no-such-branch' does not resolve") != std::string::npos);
}

TEST_CASE("intent diff between two commits is typed, sorted and marks breaking changes") {
  TempRepo repo;
  repo.write("services/user/intent.lisp", kUserV1);
  repo.write("services/billing/intent.lisp", kBilling);
  repo.commit("v1");
  repo.write("services/user/intent.lisp", kUserV2);
  repo.write("services/audit/intent.lisp", "(service audit)");
  repo.commit("v2");

  UniverseSession session(repo.root());
  auto d = session.diff("HEAD~1", "HEAD");
  REQUIRE(d);
  CHECK(formatChanges(d->changes) ==
        "audit: service added, compatible\n"
        "user: governance changed (newborn -> survival-patching), compatible\n"
        "user/Extra: type added, compatible\n"
        "user/Tier.gold: variant added, breaking\n"
        "user/UserProfile.email: field added, breaking\n"
        "user/UserProfile.id: field changed (i32 -> String), breaking\n");

  auto cs = changeSetOf(d->changes);
  CHECK(cs.notes.at("user/UserProfile.id") == "type i32 -> String");
  auto br = blastRadius(d->to->graph, cs);
  REQUIRE(br);
  const Graph& g = d->to->graph;
  REQUIRE(br->services.size() == 2);
  CHECK(g.serviceName(br->services[1].id) == "billing");
  CHECK(serviceReasonChain(g, *br, br->services[1]) ==
        "billing/Invoice.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)");
}

TEST_CASE("the default diff is HEAD against the working tree; a removed service is skipped in the blast radius") {
  TempRepo repo;
  repo.write("services/user/intent.lisp", kUserV1);
  repo.write("services/billing/intent.lisp", kBilling);
  repo.write("services/old/intent.lisp", "(service old)");
  repo.commit("v1");
  fs::remove_all(repo.root() / "services/old");
  repo.write("services/user/intent.lisp",
             "(service user (type UserProfile (field id String) (field name String)) (enum Tier free vip))");
  UniverseSession session(repo.root());
  auto d = session.diff("HEAD", std::nullopt);
  REQUIRE(d);
  CHECK(d->toLabel == "working tree");
  CHECK(formatChanges(d->changes) == "old: service removed, breaking\nuser/UserProfile.id: field changed (i32 -> String), breaking\n");
  auto br = blastRadius(d->to->graph, changeSetOf(d->changes));
  REQUIRE(br);
  CHECK(br->skipped == std::vector<std::string>{"old"});
  CHECK(formatBlastRadius(d->to->graph, *br) ==
        "2 affected service(s), 4 affected symbol(s)\n"
        "  user (distance 0): user/UserProfile.id (type i32 -> String)\n"
        "  billing (distance 1): billing/Invoice.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)\n"
        "  (skipped: old names nothing in this revision)\n"
        "symbols:\n"
        "  user/UserProfile.id (type i32 -> String)\n"
        "  user/UserProfile -> user/UserProfile.id (type i32 -> String)\n"
        "  billing/Invoice.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)\n"
        "  billing/Invoice -> billing/Invoice.customer -> user/UserProfile -> user/UserProfile.id (type i32 -> String)\n");
}

TEST_CASE("the sentinel reports changed intents and keeps serving broken ones") {
  TempRepo repo;
  repo.write("services/user/intent.lisp", kUserV1);
  repo.write("services/billing/intent.lisp", kBilling);
  Sentinel sentinel(repo.root());
  auto first = sentinel.current();
  REQUIRE(first);
  CHECK((*first)->loaded.ok());
  auto quiet = sentinel.poll();
  REQUIRE(quiet);
  CHECK_FALSE(quiet->changed());

  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  repo.write("services/user/intent.lisp", "(service user (type UserProfile (field id i32)");  // broken
  auto report = sentinel.poll();
  REQUIRE(report);
  CHECK(report->changedServices == std::vector<std::string>{"user"});
  const auto& snap = *report->snapshot;
  CHECK_FALSE(snap.loaded.ok());
  CHECK(snap.loaded.universe.findService("billing"));
  CHECK(snap.graph.findService("user"));

  // Background polling calls back on changes.
  std::mutex m;
  std::vector<std::string> seen;
  sentinel.start([&](const SentinelReport& r) {
    std::lock_guard lock(m);
    seen.insert(seen.end(), r.changedServices.begin(), r.changedServices.end());
  }, std::chrono::milliseconds(20));
  repo.write("services/extra/intent.lisp", "(service extra)");
  for (int k = 0; k < 200; ++k) {
    {
      std::lock_guard lock(m);
      if (!seen.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sentinel.stop();
  std::lock_guard lock(m);
  CHECK(seen == std::vector<std::string>{"extra"});
}

TEST_CASE("intent diff compares patterns after macro expansion: a macro edit shows, a reformatting does not") {
  TempRepo repo;
  repo.write("universe.lisp", "(universe shop (macros \"macros.lisp\"))");
  repo.write("macros.lisp", "(defmacro nightly (name) `(cron-worker ,name (schedule \"0 2 * * *\")))\n");
  repo.write("services/billing/intent.lisp",
             "(service billing\n  (type Invoice (field total i64))\n  (nightly nightly-invoices))\n");
  repo.commit("v1");
  // Only the macro definition changes: the expanded pattern does.
  repo.write("macros.lisp", "(defmacro nightly (name) `(cron-worker ,name (schedule \"0 3 * * *\")))\n");
  repo.commit("v2: run at three");
  // Only layout and comments change: nothing does.
  repo.write("services/billing/intent.lisp",
             ";; Invoices.\n(service billing\n\n  (type Invoice\n    (field total i64))   ; cents\n  (nightly   nightly-invoices))\n");
  repo.commit("v3: reformat");

  UniverseSession session(repo.root());
  auto macroEdit = session.diff("HEAD~2", "HEAD~1");
  REQUIRE(macroEdit);
  REQUIRE(macroEdit->changes.size() == 1);
  const auto& c = macroEdit->changes[0];
  CHECK(c.symbol == "billing/nightly-invoices.schedule");
  CHECK(c.entity == "schedule");
  CHECK(c.within == "billing/nightly-invoices");
  CHECK(c.kind == ChangeKind::Changed);
  CHECK(c.before == "\"0 2 * * *\"");
  CHECK(c.after == "\"0 3 * * *\"");
  CHECK_FALSE(c.breaking);  // a constant of the stamped code

  auto reformat = session.diff("HEAD~1", "HEAD");
  REQUIRE(reformat);
  CHECK(reformat->changes.empty());
  auto both = session.diff("HEAD~2", "HEAD");
  REQUIRE(both);
  CHECK(formatChanges(both->changes) ==
        "schedule of billing/nightly-invoices changed (\"0 2 * * *\" -> \"0 3 * * *\"), compatible\n");
}

TEST_CASE("a changed pattern is described item by item") {
  TempRepo repo;
  repo.write("services/order/intent.lisp",
             "(service order (type Order (field id u64) (field lines i64)) (type Receipt (field id u64))\n"
             "  (crud-gateway order-store (entity Order) (key id) (ops create read list))\n"
             "  (state-machine order-flow (states pending paid) (initial pending) (transition pay pending paid))\n"
             "  (domain-engine pricing (input Order) (output Order) (rule subtotal \"sum the lines\"))\n"
             "  (mcp-tool find (doc \"find an order\") (input u64) (output Order)))");
  repo.commit("v1");
  repo.write("services/order/intent.lisp",
             "(service order (type Order (field id u64) (field lines i64)) (type Receipt (field id u64))\n"
             "  (crud-gateway order-store (entity Order) (key id) (ops create read update list))\n"
             "  (state-machine order-flow (states pending paid refunded) (initial pending)\n"
             "    (transition pay pending paid) (transition refund paid refunded))\n"
             "  (domain-engine pricing (input Order) (output Receipt) (rule subtotal \"sum the lines, in cents\")\n"
             "    (rule bulk-discount \"ten lines or more: five percent off\"))\n"
             "  (pure-utility find (arg id u64) (returns Order)))");
  repo.commit("v2");
  UniverseSession session(repo.root());
  auto d = session.diff("HEAD~1", "HEAD");
  REQUIRE(d);
  CHECK(formatChanges(d->changes) ==
        "order/find: pattern changed ((mcp-tool find (doc \"find an order\") (input u64) (output Order)) -> "
        "(pure-utility find (arg id u64) (returns Order))), breaking\n"
        "transition refund added to order/order-flow, breaking\n"
        "state refunded added to order/order-flow, breaking\n"
        "op update added to order/order-store, breaking\n"
        "rule bulk-discount added to order/pricing, breaking\n"
        "output of order/pricing changed (Order -> Receipt), breaking\n"
        "rule subtotal changed in order/pricing ((rule subtotal \"sum the lines\") -> "
        "(rule subtotal \"sum the lines, in cents\")), compatible\n");
  auto cs = changeSetOf(d->changes);
  CHECK(cs.items == std::vector<std::string>{"order/find", "order/order-flow", "order/order-store", "order/pricing"});
  CHECK(cs.notes["order/order-flow"] == "transition refund added; state refunded added");
  CHECK(cs.notes["order/pricing"] == "rule bulk-discount added; output Order -> Receipt");
  auto br = blastRadius(d->to->graph, cs);
  REQUIRE(br);
  // Every affected symbol has its own reason.
  std::string text = formatBlastRadius(d->to->graph, *br);
  INFO(text);
  for (const auto& sym : br->symbols) {
    std::string reason = reasonChain(d->to->graph, *br, sym.id);
    CHECK_FALSE(reason.empty());
    CHECK(text.find("  " + reason + "\n") != std::string::npos);
  }
  CHECK(text.find("  order/order-store (op update added)\n") != std::string::npos);
}
