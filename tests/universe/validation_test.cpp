// Building and validating intents: golden errors with positions.
#include <catch2/catch.hpp>

#include "universe/ir.h"

using namespace flywheel::universe;

namespace {
LoadedUniverse load(std::vector<std::pair<std::string, std::string>> files) {
  return loadUniverseFromFiles("/tmp/u", files);
}
std::vector<std::string> errors(const LoadedUniverse& u) {
  std::vector<std::string> out;
  for (const auto& d : u.diagnostics) out.push_back(d.toString());
  return out;
}
const char* kUser = R"((service user
  (governance strict-codegen)
  (alias Email String)
  (enum Tier free (vip i32))
  (type UserProfile (field id i32) (field email Email) (field tier Tier))
  (rpc get-user (input Email) (output (option UserProfile))))
)";
}  // namespace

TEST_CASE("a valid universe loads into the typed IR") {
  auto u = load({{"universe.lisp", "(universe shop (services \"services/*\") (gates check test) (max-repair-cycles 3) (sentinel-interval 7))"},
                 {"services/user/intent.lisp", kUser},
                 {"services/billing-core/intent.lisp",
                  "(service billing-core (use user UserProfile) (type Invoice (field customer UserProfile) (field tier user/Tier)"
                  " (field tags (map String (list i64)))))"}});
  REQUIRE(errors(u).empty());
  const Universe& un = u.universe;
  CHECK(un.name == "shop");
  CHECK(un.settings.gates == std::vector<Gate>{Gate::Check, Gate::Test});
  CHECK(un.settings.maxRepairCycles == 3);
  CHECK(un.settings.sentinelIntervalSeconds == 7);
  REQUIRE(un.services.size() == 2);
  const Service* b = un.findService("billing-core");
  REQUIRE(b);
  CHECK(b->crateName == "billing_core");
  CHECK(b->dir == "services/billing-core");
  CHECK(b->governance == Governance::Newborn);
  CHECK(b->allDependencies == std::vector<std::string>{"user"});
  const Field& customer = b->types.at(0).fields.at(0);
  CHECK(customer.type.resolvedService == "user");
  CHECK(customer.type.resolvedTarget == TypeRef::Target::Type);
  CHECK(customer.pos.line == 1);
  CHECK(customer.pos.col == 60);
  CHECK(b->types[0].fields[2].type.toString() == "(map String (list i64))");
  const Service* user = un.findService("user");
  CHECK(user->governance == Governance::StrictCodegen);
  CHECK(user->enums.at(0).variants.at(1).payload->toString() == "i32");
  CHECK(user->rpcs.at(0).output.toString() == "(option UserProfile)");
}

TEST_CASE("unknown clauses list the known ones and suggest the closest") {
  auto u = load({{"a/intent.lisp", "(service a\n  (tpye X (field id i32)))"}});
  CHECK(errors(u) == std::vector<std::string>{
                         "a/intent.lisp:2:3: unknown clause 'tpye' in service 'a'; did you mean 'type'?; known clauses: alias "
                         "bootstrap cron-worker crud-gateway depends-on domain-engine enum event-listener gap governance "
                         "mcp-tool pure-utility rpc rpc-gateway state-machine status targets template type use version"});
}

TEST_CASE("unresolved names, missing services and duplicates are errors with did-you-mean") {
  auto u = load({{"services/user/intent.lisp", kUser},
                 {"services/order/intent.lisp", R"((service order
  (depends-on usr)
  (use user UserProfil)
  (type Order (field id u64) (field id i64) (field who user/UserProfle) (field tier Teir))
  (type Order)
  (rpc-gateway client (calls user/get-usr)))
)"}});
  CHECK(errors(u) == std::vector<std::string>{
                         "services/order/intent.lisp:2:15: unknown service 'usr' in (depends-on ...); did you mean 'user'?; services in this universe: order user",
                         "services/order/intent.lisp:3:13: service 'user' declares no type, enum or alias 'UserProfil'; did you mean 'UserProfile'?",
                         "services/order/intent.lisp:4:30: duplicate field 'id' in type 'Order' (first at 4:15)",
                         "services/order/intent.lisp:4:56: service 'user' declares no type, enum or alias 'UserProfle'; did you mean 'UserProfile'?",
                         "services/order/intent.lisp:4:85: unresolved type 'Teir' in service 'order'; declare it, import it with (use SVC Teir), or write svc/Teir",
                         "services/order/intent.lisp:5:3: duplicate name 'Order' in service 'order' (first declared at 4:3)",
                         "services/order/intent.lisp:6:30: service 'user' exposes no rpc 'get-usr'; did you mean 'get-user'?",
                     });
  CHECK_FALSE(u.universe.findService("order")->valid);
  CHECK(u.universe.findService("user")->valid);
}

TEST_CASE("pattern sub-clauses are checked") {
  auto u = load({{"s/intent.lisp", R"((service s
  (type Item (field sku String))
  (crud-gateway store (entity Item) (key skew) (ops create fetch))
  (state-machine flow (states a b) (initial c) (transition go a z))
  (mcp-tool t (input Item))
  (gap "later"))
)"}});
  CHECK(errors(u) == std::vector<std::string>{
                         "s/intent.lisp:3:60: unknown operation symbol 'fetch'; the operations are: create read update delete list",
                         "s/intent.lisp:4:45: state 'c' is not in (states ...) of state-machine 'flow'; did you mean 'a' or 'b'?",
                         "s/intent.lisp:4:48: state 'z' is not in (states ...) of state-machine 'flow'; did you mean 'a' or 'b'?",
                         "s/intent.lisp:5:3: mcp-tool 't' needs a (doc ...) clause",
                         "s/intent.lisp:5:3: mcp-tool 't' needs a (output ...) clause",
                         "s/intent.lisp:6:3: (gap ...) is only allowed in a draft service; add (status draft) to 's' or remove the gap",
                     });
}

TEST_CASE("governance modes, status, targets and duplicate services") {
  auto u = load({{"a/intent.lisp", "(service a (governance yolo) (status draft) (gap \"todo\") (targets rust python))"},
                 {"b/intent.lisp", "(service a)"},
                 {"c/intent.lisp", "(service Bad_Name)"}});
  CHECK(errors(u) == std::vector<std::string>{
                         "a/intent.lisp:1:24: unknown governance mode symbol 'yolo'; the modes are: newborn cartography "
                         "survival-patching strict-codegen self-distillation experimental polisher",
                         "b/intent.lisp:1:1: service 'a' is already defined in a/intent.lisp; service names must be unique in the universe",
                         "c/intent.lisp:1:10: expected (service NAME CLAUSE...) with NAME in lowercase kebab-case (e.g. user-profile)",
                     });
  const Service* a = u.universe.findService("a");
  CHECK(a->status == Status::Draft);
  CHECK(a->gaps.at(0).text == "todo");
  CHECK(a->targets == std::vector<Target>{Target::Rust, Target::Python});
}

TEST_CASE("a broken intent keeps the rest of the universe usable") {
  auto u = load({{"services/user/intent.lisp", kUser},
                 {"services/auth/intent.lisp", "(service auth (use user UserProfile)\n  (type Session (field who UserProfile)"}});
  CHECK(errors(u) == std::vector<std::string>{"services/auth/intent.lisp:2:40: unclosed '(' (opened at 1:1); add the missing ')'"});
  REQUIRE(u.universe.services.size() == 2);
  CHECK_FALSE(u.universe.findService("auth")->valid);
  CHECK(u.universe.findService("user")->valid);
}

TEST_CASE("service globs and skipped directories decide which intents count") {
  auto u = load({{"universe.lisp", "(universe x (services \"services/*\"))"},
                 {"services/a/intent.lisp", "(service a)"},
                 {"tools/b/intent.lisp", "(service b)"},
                 {"services/a/target/c/intent.lisp", "(service c)"}});
  REQUIRE(u.universe.services.size() == 1);
  CHECK(u.universe.services[0].name == "a");
  auto v = load({{"x/intent.lisp", "(service x)"}, {"node_modules/y/intent.lisp", "(service y)"}});
  REQUIRE(v.universe.services.size() == 1);
}

TEST_CASE("alias cycles and records that contain themselves by value are errors naming the cycle", "[hardening]") {
  SECTION("alias cycle") {
    auto u = load({{"a/intent.lisp", "(service a\n  (alias A B)\n  (alias B A)\n  (alias L (list L)))"}});
    CHECK(errors(u) == std::vector<std::string>{
                           "a/intent.lisp:2:3: alias cycle: A -> B -> A; a Rust type alias cannot refer to itself, not "
                           "even through option, list or map: make one of them a (type ...) record or break the cycle",
                           "a/intent.lisp:4:3: alias cycle: L -> L; a Rust type alias cannot refer to itself, not even "
                           "through option, list or map: make one of them a (type ...) record or break the cycle"});
    CHECK_FALSE(u.universe.services.at(0).valid);
  }
  SECTION("a record holding itself, directly or through other records and aliases") {
    auto u = load({{"r/intent.lisp", "(service r\n  (type Node (field next Node))\n"
                                     "  (alias Inner Outer)\n  (type Outer (field inner Middle))\n"
                                     "  (type Middle (field back Inner) (field fine (option Middle)))\n"
                                     "  (enum E (a E2))\n  (enum E2 (b E)))"}});
    CHECK(errors(u) == std::vector<std::string>{
                           "r/intent.lisp:2:3: 'Node' contains itself by value: Node.next -> Node (a Rust type of "
                           "infinite size); hold it through (option ...), (list ...) or (map ...) on the way, which "
                           "Forge boxes where Rust needs it",
                           "r/intent.lisp:4:3: 'Outer' contains itself by value: Outer.inner -> Middle.back -> Outer (a "
                           "Rust type of infinite size); hold it through (option ...), (list ...) or (map ...) on the "
                           "way, which Forge boxes where Rust needs it",
                           "r/intent.lisp:6:3: 'E' contains itself by value: E.a -> E2.b -> E (a Rust type of infinite "
                           "size); hold it through (option ...), (list ...) or (map ...) on the way, which Forge boxes "
                           "where Rust needs it"});
  }
  SECTION("across services") {
    auto u = load({{"x/intent.lisp", "(service x (type X (field y y/Y)))"},
                   {"y/intent.lisp", "(service y (type Y (field x x/X)))"}});
    REQUIRE(errors(u).size() == 1);
    CHECK(errors(u)[0].find("'X' contains itself by value: x/X.y -> y/Y.x -> x/X") != std::string::npos);
  }
  SECTION("through option, list or map it is fine, and only the closing options are boxed") {
    auto u = load({{"t/intent.lisp", "(service t\n  (type Node (field next (option Node)) (field kids (list Node))"
                                     " (field byName (map String Node)) (field deep (option (option Node))))\n"
                                     "  (type Holder (field root (option Node))))"}});
    REQUIRE(errors(u).empty());
    const auto& node = u.universe.services.at(0).types.at(0);
    CHECK(node.fields[0].type.boxed);
    CHECK_FALSE(node.fields[1].type.boxed);
    CHECK_FALSE(node.fields[2].type.boxed);
    CHECK(node.fields[3].type.boxed);  // the outer option: Option<Box<Option<Node>>>
    CHECK_FALSE(u.universe.services.at(0).types.at(1).fields[0].type.boxed);
  }
}

TEST_CASE("the settings of the e2e gate, learn and missiond are read with their defaults and checked") {
  auto defaults = load({{"universe.lisp", "(universe shop)"}, {"services/user/intent.lisp", kUser}});
  REQUIRE(errors(defaults).empty());
  const auto& d = defaults.universe.settings;
  CHECK(d.distillThreshold == 5);
  CHECK(d.metaUtilityThreshold == 0.6);
  CHECK(d.slots == 2);
  CHECK(d.agentDeadlineSeconds == 1800);
  CHECK_FALSE(d.templatesDir);
  CHECK_FALSE(d.e2eCommand);

  auto u = load({{"universe.lisp", "(universe shop (gates check clippy test e2e) (e2e \"scripts/e2e.sh\")\n"
                                   " (templates \"forge-templates\") (distill-threshold 3) (meta-utility-threshold 0.75)\n"
                                   " (agent \"claude -p\") (slots 4) (agent-deadline 600))"},
                 {"services/user/intent.lisp", kUser}});
  REQUIRE(errors(u).empty());
  const auto& s = u.universe.settings;
  CHECK(s.gates == std::vector<Gate>{Gate::Check, Gate::Clippy, Gate::Test, Gate::E2e});
  CHECK(s.e2eCommand == "scripts/e2e.sh");
  CHECK(s.templatesDir == "forge-templates");
  CHECK(s.distillThreshold == 3);
  CHECK(s.metaUtilityThreshold == 0.75);
  CHECK(s.agentCommand == "claude -p");
  CHECK(s.slots == 4);
  CHECK(s.agentDeadlineSeconds == 600);

  auto bad = load({{"universe.lisp", "(universe shop (gates check e2e)\n (templates \"../out\")\n (meta-utility-threshold 1.5)\n"
                                     " (slots 0) (agent \"\"))"},
                   {"services/user/intent.lisp", kUser}});
  CHECK(errors(bad) == std::vector<std::string>{
                           "universe.lisp:1:16: the e2e gate needs its command: add (e2e \"scripts/e2e.sh\")",
                           "universe.lisp:2:13: templates folder \"../out\" must be relative to the universe root, without '..'",
                           "universe.lisp:3:26: meta-utility-threshold must be between 0 and 1 (got 1.5)",
                           "universe.lisp:4:9: slots must be 1..64 (got 0)",
                           "universe.lisp:4:19: (agent \"\") is empty; give the command an unattended slot runs"});
  auto last = load({{"universe.lisp", "(universe shop (gates e2e test) (e2e \"x\"))"}, {"services/user/intent.lisp", kUser}});
  CHECK(errors(last) == std::vector<std::string>{"universe.lisp:1:16: e2e must be the last gate (it runs once every crate is green)"});
}
