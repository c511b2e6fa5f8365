// Macro expansion: substitution, splicing, universe-wide macro files, errors.
#include <catch2/catch.hpp>

#include <chrono>

#include "universe/intent_file.h"

using namespace flywheel::universe;

namespace {
std::vector<std::string> errors(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags) out.push_back(d.toString());
  return out;
}
}  // namespace

TEST_CASE("defmacro substitutes ,param and splices ,@rest") {
  const char* text = R"((defmacro audited-entity (name &rest fields)
  `(type ,name (field created-at i64) (field updated-at i64) ,@fields))
(service user
  (audited-entity UserProfile (field id i32) (field email String)))
)";
  IntentFile f = parseIntentFile(text, "u/intent.lisp", {});
  REQUIRE(errors(f.diagnostics).empty());
  REQUIRE(f.expanded);
  CHECK(printSexp(*f.expanded) ==
        "(service user (type UserProfile (field created-at i64) (field updated-at i64) (field id i32) (field email String)))");
  const TypeDecl& t = f.service->types.at(0);
  REQUIRE(t.fields.size() == 4);
  CHECK(t.pos == SourcePos{4, 3});              // template nodes: the use site
  CHECK(t.fields[2].pos == SourcePos{4, 31});   // arguments keep their own position
}

TEST_CASE("universe-wide macros from the macro file, nested uses") {
  MacroTable table;
  Diagnostics diags;
  loadMacroFile("(defmacro id-field () `(field id i64))\n(defmacro entity (n) `(type ,n (id-field)))", "macros.lisp", table, diags);
  REQUIRE(diags.empty());
  IntentFile f = parseIntentFile("(service s (entity A) (entity B))", "s/intent.lisp", table);
  REQUIRE(errors(f.diagnostics).empty());
  CHECK(printSexp(*f.expanded) == "(service s (type A (field id i64)) (type B (field id i64)))");

  auto loaded = loadUniverseFromFiles("/tmp/x", {{"universe.lisp", "(universe x (macros \"macros.lisp\"))"},
                                                 {"macros.lisp", "(defmacro entity (n) `(type ,n (field id i64)))"},
                                                 {"s/intent.lisp", "(service s (entity A))"}});
  REQUIRE(loaded.ok());
  CHECK(loaded.universe.findService("s")->types.at(0).name == "A");
  REQUIRE(loaded.universe.macros.size() == 1);
  CHECK(loaded.universe.macros[0].file == "macros.lisp");
}

TEST_CASE("macro errors name the use site and the definition") {
  SECTION("arity") {
    IntentFile f = parseIntentFile("(defmacro two (a b) `(type ,a (field x ,b)))\n(service s\n  (two A))", "s/intent.lisp", {});
    CHECK(errors(f.diagnostics) == std::vector<std::string>{
                                       "s/intent.lisp:3:3: macro 'two' expects 2 argument(s), got 1 (macro defined at s/intent.lisp:1:1)"});
  }
  SECTION("recursion deeper than 64") {
    IntentFile f = parseIntentFile("(defmacro loop (x) `(loop ,x))\n(service s (loop 1))", "s/intent.lisp", {});
    CHECK(errors(f.diagnostics) == std::vector<std::string>{
                                       "s/intent.lisp:2:12: macro expansion deeper than 64 levels at 'loop' (macro defined at "
                                       "s/intent.lisp:1:1); does the macro expand to itself?"});
  }
  SECTION("exponential blow-up is bounded") {
    IntentFile f = parseIntentFile(
        "(defmacro a (x) `(,x ,x ,x ,x ,x ,x ,x ,x ,x ,x))\n"
        "(defmacro b (x) `(a (a (a (a (a ,x))))))\n"
        "(defmacro c (x) `(b (b ,x)))\n"
        "(service s (type T (field f (c i32))))", "s/intent.lisp", {});
    INFO(errors(f.diagnostics)[0]);
    REQUIRE(f.diagnostics.size() == 1);
    CHECK(f.diagnostics[0].message.find("more than 500000 forms") != std::string::npos);
  }
  SECTION("unknown parameter in a template") {
    IntentFile f = parseIntentFile("(defmacro m (a) `(type ,b))\n(service s)", "s/intent.lisp", {});
    CHECK(errors(f.diagnostics) == std::vector<std::string>{
                                       "s/intent.lisp:1:24: ',b' in macro 'm' names no parameter; the parameters are: a"});
  }
  SECTION("quasi-quote outside defmacro") {
    IntentFile f = parseIntentFile("(service s `(type A))", "s/intent.lisp", {});
    CHECK(errors(f.diagnostics) == std::vector<std::string>{
                                       "s/intent.lisp:1:12: quasi-quote marks (` , ,@) are only allowed inside a defmacro template"});
  }
}

TEST_CASE("a doubling macro stops at the expansion budget, naming use site, macro and budget", "[hardening]") {
  // Each level doubles its arguments: 2^64 atoms unbounded (it once took 22 GB
  // and died with bad_alloc).
  auto start = std::chrono::steady_clock::now();
  IntentFile f = parseIntentFile("(defmacro grow (&rest xs) `(grow ,@xs ,@xs))\n(service s\n  (grow a))",
                                 "services/s/intent.lisp", {});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(f.diagnostics.size() == 1);
  const std::string e = f.diagnostics[0].toString();
  INFO(e);
  CHECK(e.rfind("services/s/intent.lisp:3:3: ", 0) == 0);                   // the use site
  CHECK(e.find("macro 'grow' (defined at services/s/intent.lisp:1:1)") != std::string::npos);
  CHECK(e.find("more than 500000 forms and atoms") != std::string::npos);  // the budget
  CHECK(seconds < 5);
  REQUIRE(f.service);
  CHECK(f.service->name == "s");  // the service stays visible, marked invalid
  CHECK_FALSE(f.service->valid);
}

TEST_CASE("a large intent file without macros is not charged to the macro budget", "[hardening]") {
  std::string text = "(service big\n  (type Big\n";
  while (text.size() < 2'100'000) text += "(field f i32)(field f i32)(field f i32)(field f i32)\n";
  text += "))\n";
  IntentFile f = parseIntentFile(text, "services/big/intent.lisp", {});
  for (const auto& d : f.diagnostics) CHECK(d.message.find("macro expansion") == std::string::npos);
  CHECK(f.diagnostics.empty());
  REQUIRE(f.service);
  CHECK(f.service->types.at(0).fields.size() > 150000);  // over 600,000 forms and atoms
}
