// Generated code must pass `cargo clippy -- -D warnings` for every type an
// intent can give, because nobody may edit generated.rs: a String argument
// taken by reference is `&str`, a list `&[T]` (clippy::ptr_arg), never
// `&String` or `&Vec<T>`.
#include <catch2/catch.hpp>

#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

namespace {

/// Every pattern that takes an argument, over String, list, map, option and aliases of them.
const char* kEveryArgumentType = R"((service tys
  (alias Name String)
  (alias Names (list String))
  (alias Tags (map String i64))
  (type Rec (field id Name) (field tags (list String)))
  (type Rec2 (field id String) (field n u32))
  (rpc r-string (input String) (output String))
  (rpc r-list (input (list String)) (output (list Rec)))
  (rpc r-map (input (map String i64)) (output (option Rec)))
  (crud-gateway by-alias (entity Rec) (key id) (ops create read update delete list))
  (crud-gateway by-string (entity Rec2) (key id) (ops create read update delete list))
  (event-listener l-string (topic "a") (payload String))
  (event-listener l-list (topic "b") (payload (list Rec)))
  (event-listener l-names (topic "c") (payload Names))
  (event-listener l-map (topic "d") (payload (map String Rec)))
  (event-listener l-opt (topic "e") (payload (option String)))
  (event-listener l-tags (topic "f") (payload Tags))
  (mcp-tool t-list (doc "x") (input (list String)) (output (map String Rec)))
  (pure-utility p-all (arg a String) (arg b (list u32)) (arg c (map String i64)) (arg d (option Rec))
    (arg e Names) (arg f Name) (returns (list String)))
  (domain-engine e-string (input String) (output String) (rule r1 "x"))
  (domain-engine e-names (input Names) (output (list String)) (rule r1 "x"))
  (domain-engine e-list (input (list Rec)) (output Rec) (rule r1 "x"))
  (domain-engine e-opt (input (option String)) (output Rec) (rule r1 "x"))
  (domain-engine e-map (input (map String Rec)) (output Rec) (rule r1 "x"))
  (rpc-gateway gw (calls tys/r-string tys/r-list tys/r-map))
  (bootstrap (provide store ByString)))
)";

Result<std::string> renderOne(const std::string& intent) {
  auto loaded = universe::loadUniverseFromFiles("/nonexistent/u", {{"svc/intent.lisp", intent}});
  for (const auto& d : loaded.diagnostics) INFO(d.toString());
  REQUIRE(loaded.ok());
  return stamper().renderGenerated(loaded.universe, loaded.universe.services.at(0));
}

}  // namespace

TEST_CASE("a String-keyed CRUD gateway borrows its key as &str", "[model]") {
  auto r = renderOne(
      "(service svc\n  (type P (field id String) (field n i32))\n"
      "  (crud-gateway ps (entity P) (key id) (ops create read update delete list)))\n");
  REQUIRE(r.has_value());
  INFO(*r);
  // The trait and the in-memory store over BTreeMap<String, P> (String: Borrow<str>).
  CHECK(r->find("    fn read(&self, key: &str) -> Result<P, PsError>;\n") != std::string::npos);
  CHECK(r->find("    fn delete(&mut self, key: &str) -> Result<P, PsError>;\n") != std::string::npos);
  CHECK(r->find("    fn read(&self, key: &str) -> Result<P, PsError> {\n") != std::string::npos);
  CHECK(r->find("    fn delete(&mut self, key: &str) -> Result<P, PsError> {\n") != std::string::npos);
  CHECK(r->find("    entities: std::collections::BTreeMap<String, P>,\n") != std::string::npos);
  CHECK(r->find("self.entities.insert(entity.id.clone(), entity);") != std::string::npos);
  CHECK(r->find("&String") == std::string::npos);
}

TEST_CASE("no pattern takes &String or &Vec, whatever the argument types", "[model]") {
  auto r = renderOne(kEveryArgumentType);
  REQUIRE(r.has_value());
  INFO(*r);
  CHECK(r->find("&String") == std::string::npos);
  CHECK(r->find("&Vec<") == std::string::npos);
  CHECK(r->find("payload: &str,") != std::string::npos);
  CHECK(r->find("payload: &[Rec],") != std::string::npos);
  CHECK(r->find("input: &str,") != std::string::npos);
  CHECK(r->find("input: &[Rec],") != std::string::npos);
}

TEST_CASE("every argument type stamps clippy-clean code", "[cargo]") {
  TempDir tmp("borrowed-types");
  writeText(tmp.path / "universe.lisp", "(universe tys)\n");
  writeText(tmp.path / "services/tys/intent.lisp", kEveryArgumentType);
  requireStampsClippyClean(tmp.path);
}
