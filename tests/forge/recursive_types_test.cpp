// Records that contain themselves through option, list or map: Forge boxes
// an option that closes such a cycle (Option<Box<T>>) and nothing else, and
// the stamped crate compiles (real cargo).
#include <catch2/catch.hpp>

#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

namespace {

const char* kRecursive = R"((service tree
  (alias MaybeNode (option Node))
  (type Node (field value i64) (field next (option Node)) (field prev MaybeNode)
    (field children (list Node)) (field named (map String Node)))
  (type Ping (field pong (option Pong)))
  (type Pong (field ping (option Ping)) (field id i32))
  (enum Expr (lit i64) (neg (option Expr)) (sum (list Expr)))
  (type Holder (field root (option Node)) (field exprs (list Expr)))
  (rpc walk (input Node) (output (option Node))))
)";

std::string renderTree() {
  auto loaded = universe::loadUniverseFromFiles("/nonexistent/u", {{"tree/intent.lisp", kRecursive}});
  for (const auto& d : loaded.diagnostics) INFO(d.toString());
  REQUIRE(loaded.ok());
  auto r = stamper().renderGenerated(loaded.universe, loaded.universe.services.at(0));
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("an option that closes a cycle of records is boxed; list, map and other options are not", "[model]") {
  std::string gen = renderTree();
  INFO(gen);
  CHECK(gen.find("pub next: Option<Box<Node>>,") != std::string::npos);
  CHECK(gen.find("pub type MaybeNode = Option<Box<Node>>;") != std::string::npos);
  CHECK(gen.find("pub children: Vec<Node>,") != std::string::npos);
  CHECK(gen.find("pub named: std::collections::BTreeMap<String, Node>,") != std::string::npos);
  CHECK(gen.find("pub pong: Option<Box<Pong>>,") != std::string::npos);
  CHECK(gen.find("pub ping: Option<Box<Ping>>,") != std::string::npos);
  CHECK(gen.find("Neg(Option<Box<Expr>>)") != std::string::npos);
  CHECK(gen.find("Sum(Vec<Expr>)") != std::string::npos);
  // Holder is not on a cycle: its option stays unboxed, like the rpc's output.
  CHECK(gen.find("pub root: Option<Node>,") != std::string::npos);
  CHECK(gen.find("Option<Box<Holder>>") == std::string::npos);
}

TEST_CASE("a crate of recursive records compiles and passes clippy", "[cargo]") {
  TempDir tmp("recursive-types");
  writeText(tmp.path / "universe.lisp", "(universe rec)\n");
  writeText(tmp.path / "services/tree/intent.lisp", kRecursive);
  requireStampsClippyClean(tmp.path);
}
