#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "fixture.h"
#include "mechanic/gauntlet.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;
using namespace std::chrono_literals;

TEST_CASE("parseCargoJson keeps code, place, span text and machine-applicable fixes", "[diagnostics]") {
  const std::string out =
      R"J({"reason":"compiler-message","message":{"level":"error","message":"mismatched types","code":{"code":"E0308"},)J"
      R"J("spans":[{"file_name":"/ws/beta/src/lib.rs","line_start":2,"column_start":5,"is_primary":true,)J"
      R"J("label":"expected `String`, found `i32`","text":[{"text":"    alpha::answer() * 2"}]}],)J"
      R"J("children":[{"level":"help","message":"try using a conversion method","spans":[{"file_name":"/ws/beta/src/lib.rs",)J"
      R"J("line_start":2,"column_start":5,"suggested_replacement":"(alpha::answer() * 2).to_string()",)J"
      R"J("suggestion_applicability":"MachineApplicable"}]}]}})J"
      "\nnot json\n"
      R"J({"reason":"compiler-message","message":{"level":"error","message":"aborting due to 1 previous error","spans":[]}})J"
      "\n"
      R"J({"reason":"build-finished","success":false})J"
      "\n";
  auto p = parseCargoJson(out, "/ws");
  REQUIRE(p.diagnostics.size() == 1);
  const auto& d = p.diagnostics[0];
  CHECK(d.code == "E0308");
  CHECK(d.file == "beta/src/lib.rs");
  CHECK(d.line == 2);
  CHECK(d.spanText == "alpha::answer() * 2");
  CHECK(d.label == "expected `String`, found `i32`");
  REQUIRE(d.suggestions.size() == 1);
  CHECK(d.suggestions[0].replacement == "(alpha::answer() * 2).to_string()");
  CHECK(p.buildFinished);
  CHECK_FALSE(p.buildSuccess);
  CHECK(p.otherLines == std::vector<std::string>{"not json"});
  CHECK(d.oneLine().rfind("beta/src/lib.rs:2:5: error[E0308]: mismatched types", 0) == 0);
}

TEST_CASE("a diagnostic's caret points at its column", "[diagnostics]") {
  const std::string out =
      R"J({"reason":"compiler-message","message":{"level":"error","message":"mismatched types","code":{"code":"E0308"},)J"
      R"J("spans":[{"file_name":"beta/src/lib.rs","line_start":2,"column_start":23,"is_primary":true,)J"
      R"J("label":"expected `String`, found integer","text":[{"text":"    alpha::answer() * 2"}]}]}})J"
      "\n";
  auto p = parseCargoJson(out, "/ws");
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].spanStart == 18);
  CHECK(p.diagnostics[0].oneLine().find("\n    alpha::answer() * 2\n" + std::string(22, ' ') + "^ expected `String`") !=
        std::string::npos);
}

TEST_CASE("the gauntlet runs gates in order and stops at the first red one", "[gauntlet][cargo]") {
  TinyWorkspace ws("gauntlet");
  GauntletSpec spec{.workspaceDir = ws.root, .packages = {"beta"}, .targetDir = sharedTargetDir("gauntlet")};
  std::vector<std::string> progress;
  spec.progress = [&](double, double, const std::string& m) { progress.push_back(m); };

  auto green = runGauntlet(spec);
  REQUIRE(green);
  CHECK(green->green);
  REQUIRE(green->gates.size() == 3);
  CHECK(progress.front() == "running check");
  CHECK(progress.back() == "all gates passed");

  // A type error: check is red, clippy and test never run.
  writeText(ws.root / "beta/src/lib.rs", "pub fn doubled() -> String {\n    alpha::answer() * 2\n}\n");
  auto red = runGauntlet(spec);
  REQUIRE(red);
  CHECK_FALSE(red->green);
  REQUIRE(red->gates.size() == 1);
  CHECK(red->gates[0].gate == "check");
  REQUIRE(red->gates[0].errors >= 1);
  CHECK(red->gates[0].diagnostics[0].code == "E0308");
  CHECK(red->gates[0].diagnostics[0].file == "beta/src/lib.rs");
  CHECK(red->summary().find("check: FAILED") == 0);

  // Compiles, but clippy objects (needless return) under -D warnings.
  writeText(ws.root / "beta/src/lib.rs", "pub fn doubled() -> i32 {\n    return alpha::answer() * 2;\n}\n");
  auto lint = runGauntlet(spec);
  REQUIRE(lint);
  REQUIRE(lint->gates.size() == 2);
  CHECK(lint->gates[0].passed);
  CHECK_FALSE(lint->gates[1].passed);
  CHECK(lint->gates[1].diagnostics.at(0).code == "clippy::needless_return");

  // A failing test is named.
  writeText(ws.root / "beta/src/lib.rs",
            "pub fn doubled() -> i32 {\n    alpha::answer() * 2\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n"
            "    fn doubles() {\n        assert_eq!(super::doubled(), 85);\n    }\n}\n");
  auto test = runGauntlet(spec);
  REQUIRE(test);
  REQUIRE(test->gates.size() == 3);
  CHECK_FALSE(test->gates[2].passed);
  CHECK(test->gates[2].failedTests == std::vector<std::string>{"tests::doubles"});
  // ... with its panic message, both values and the place of the assertion.
  REQUIRE(test->gates[2].failures.size() == 1);
  const auto& f = test->gates[2].failures[0];
  CHECK(f.name == "tests::doubles");
  CHECK(f.left == "84");
  CHECK(f.right == "85");
  CHECK(f.file == "beta/src/lib.rs");
  CHECK(f.line == 8);
  CHECK(f.message.find("assertion `left == right` failed") != std::string::npos);
  CHECK(test->details().find("beta/src/lib.rs:8:9: test tests::doubles failed: assertion") == 0);
}

TEST_CASE("libtest failures: message, values and place, old and new formats, bounded", "[gauntlet]") {
  const std::vector<std::string> lines = {
      "running 3 tests",
      "test tests::keys ... FAILED",
      "",
      "failures:",
      "",
      "---- tests::keys stdout ----",
      "debug print from the test",
      "",
      "thread 'tests::keys' (6937) panicked at report/src/custom.rs:21:9:",
      "assertion `left == right` failed",
      "  left: \"7       \"",
      " right: \"00000007\"",
      "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
      "",
      "---- tests::old stdout ----",
      "thread 'tests::old' panicked at 'assertion failed: `(left == right)`",
      "---- tests::older stdout ----",
      "thread 'tests::older' panicked at 'boom', src/lib.rs:3:5",
      "---- tests::quiet stdout ----",
      "note: test did not panic as expected at src/lib.rs:40:5",
      "",
      "failures:",
      "    tests::keys",
  };
  auto fs = parseTestFailures(lines);
  REQUIRE(fs.size() == 4);
  CHECK(fs[0].name == "tests::keys");
  CHECK(fs[0].file == "report/src/custom.rs");
  CHECK(fs[0].line == 21);
  CHECK(fs[0].column == 9);
  CHECK(fs[0].left == "\"7       \"");
  CHECK(fs[0].right == "\"00000007\"");
  CHECK(fs[0].message == "assertion `left == right` failed\n  left: \"7       \"\n right: \"00000007\"");
  CHECK(fs[2].message == "boom");
  CHECK(fs[2].line == 3);
  CHECK(fs[3].message == "note: test did not panic as expected at src/lib.rs:40:5");
  CHECK(fs[3].line == 40);

  std::vector<std::string> flood = {"---- tests::flood stdout ----", "thread 'tests::flood' panicked at a.rs:1:1:"};
  for (int i = 0; i < 500; ++i) flood.push_back(std::string(300, 'x'));
  auto big = parseTestFailures(flood);
  REQUIRE(big.size() == 1);
  CHECK(big[0].message.size() < 1100);
  CHECK(parseTestFailures(std::vector<std::string>(30, "---- t stdout ----"), 10).size() == 10);
}

TEST_CASE("check and clippy cover test code (--all-targets)", "[gauntlet][cargo]") {
  auto check = gateCommand("check", {"beta"});
  REQUIRE(check);
  CHECK(std::find(check->begin(), check->end(), "--all-targets") != check->end());
  TinyWorkspace ws("gauntlet-targets");
  // The library is fine; the test module does not compile.
  writeText(ws.root / "beta/src/lib.rs",
            "pub fn doubled() -> i32 {\n    alpha::answer() * 2\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n"
            "    fn doubles() {\n        let x: String = super::doubled();\n        assert!(!x.is_empty());\n    }\n}\n");
  GauntletSpec spec{.workspaceDir = ws.root, .packages = {"beta"}, .targetDir = sharedTargetDir("gauntlet"),
                    .gates = {"check"}};
  auto r = runGauntlet(spec);
  REQUIRE(r);
  CHECK_FALSE(r->green);
  REQUIRE_FALSE(r->gates[0].diagnostics.empty());
  CHECK(r->gates[0].diagnostics[0].code == "E0308");
  CHECK(r->gates[0].diagnostics[0].line == 8);
}

TEST_CASE("a cancelled gauntlet kills cargo promptly", "[gauntlet][cargo]") {
  TinyWorkspace ws("gauntlet-cancel");
  writeText(ws.root / "alpha/src/lib.rs",
            "pub fn answer() -> i32 { 42 }\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn slow() {\n"
            "        std::thread::sleep(std::time::Duration::from_secs(120));\n    }\n}\n");
  std::atomic<bool> cancel{false};
  GauntletSpec spec{.workspaceDir = ws.root,
                    .packages = {"alpha"},
                    .targetDir = sharedTargetDir("gauntlet"),
                    .gates = {"test"},
                    .cancelFlags = {&cancel}};
  std::atomic<bool> started{false};
  spec.progress = [&](double, double, const std::string&) { started = true; };
  std::thread canceller([&] {
    std::this_thread::sleep_for(8s);  // enough to build and enter the slow test
    cancel = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = runGauntlet(spec);
  canceller.join();
  REQUIRE(r);
  CHECK(r->cancelled);
  CHECK_FALSE(r->green);
  CHECK(std::chrono::steady_clock::now() - t0 < 20s);
  CHECK(flywheel::runningChildren() == 0);
}
