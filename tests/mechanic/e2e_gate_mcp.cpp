// The e2e gate (the black-box veto gate) in an attended cascade: a real
// universe declaring `(gates check clippy test e2e)` and `(e2e "...")`, a
// real MCP server (in-memory client), real git and cargo. The e2e script
// runs the universe's binary and checks what it prints; cascade_finish lands
// only when it passes, and cascade_status reports it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "fixture.h"
#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

using namespace flywheel;
using namespace flywheel::mechanic::testing;
using nlohmann::json;

namespace {

/// One service, `greeter`, whose example binary prints its greeting; the
/// e2e script expects `expected` from it.
struct GreeterUniverse {
  fs::path root;
  explicit GreeterUniverse(const std::string& name, const std::string& expected) {
    root = fs::temp_directory_path() / ("flywheel-greeter-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(root);
    writeText(root / "universe.lisp", "(universe greet\n  (services \"services/*\")\n"
                                      "  (gates check clippy test e2e)\n  (e2e \"sh scripts/e2e.sh\"))\n");
    writeText(root / "scripts/e2e.sh",
              "# The black-box check: run the service's binary, compare what it prints.\n"
              "out=$(cargo run --offline -q -p greeter --example hello) || exit 2\n"
              "echo \"greeter said: $out (epoch $FLYWHEEL_EPOCH)\"\n"
              "[ \"$out\" = \"" + expected + "\" ] || { echo \"expected '" + expected +
                  "' from the hello example, got '$out'\" >&2; exit 1; }\n");
    writeText(root / "Cargo.toml", "[workspace]\nresolver = \"2\"\nmembers = [\n# forge:begin\n# forge:end\n]\n");
    writeText(root / ".gitignore", "target/\n.flywheel/\n");
    const fs::path dir = root / "services/greeter";
    writeText(dir / "intent.lisp", "(service greeter\n  (governance survival-patching)\n"
                                   "  (type Greeting (field text String)))\n");
    writeText(dir / "Cargo.toml", "[package]\nname = \"greeter\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
                                  "publish = false\n\n[dependencies]\n# forge:begin\n# forge:end\n");
    writeText(dir / "src/lib.rs", "//! Service `greeter`.\n\nmod custom;\nmod generated;\n\npub use custom::*;\n"
                                  "pub use generated::*;\n");
    writeText(dir / "src/custom.rs",
              "//! Hand-written logic of service `greeter`.\n\nuse crate::generated::*;\n\n"
              "/// The greeting every caller gets.\npub fn greeting() -> Greeting {\n    Greeting {\n"
              "        text: \"hello, world\".to_string(),\n    }\n}\n\n#[cfg(test)]\nmod tests {\n"
              "    use super::*;\n\n    #[test]\n    fn greets() {\n        assert_eq!(greeting().text, "
              "\"hello, world\");\n    }\n}\n");
    writeText(dir / "examples/hello.rs", "fn main() {\n    println!(\"{}\", greeter::greeting().text);\n}\n");
    stampUniverse(root);
    git(root, {"init", "-q", "-b", "main"});
    git(root, {"config", "user.name", "Ada Lovelace"});
    git(root, {"config", "user.email", "ada@example.org"});
    git(root, {"add", "-A"});
    git(root, {"commit", "-q", "-m", "greet"});
    // A compatible intent change in the working tree: greeter gains a type.
    writeText(dir / "intent.lisp", "(service greeter\n  (governance survival-patching)\n"
                                   "  (type Greeting (field text String))\n  (type Note (field text String)))\n");
  }
  ~GreeterUniverse() { fs::remove_all(root); }
};

struct E2eServer : flywheel::testing::ToolTestServer {
  GreeterUniverse u;
  E2eServer(const std::string& name, const std::string& expected) : u(name, expected) {
    ::setenv("FLYWHEEL_KB_EMBEDDER", "hashing", 1);
    start(tools::registerMechanicTools(server, servicesOf(fs::canonical(u.root))));
  }
  ~E2eServer() { stop(); }
  json call(const std::string& name, const json& args) { return ToolTestServer::call(name, args, std::chrono::minutes(5)); }
  static std::string text(const json& result) { return result["content"][0]["text"].get<std::string>(); }
};

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("e2e gate over MCP: a failing e2e vetoes cascade_finish and the branch stays", "[mechanic][cargo][e2e]") {
  E2eServer s("veto", "bonjour, world");
  const std::string base = git(s.u.root, {"rev-parse", "HEAD"});
  auto start = s.call("cascade_start", json::object());
  INFO(E2eServer::text(start));
  REQUIRE_FALSE(start.value("isError", false));
  const auto epoch = start["structuredContent"]["epoch"].get<std::int64_t>();
  CHECK(start["structuredContent"]["gates"] == json({"check", "clippy", "test", "e2e"}));
  CHECK(start["structuredContent"]["e2e"]["state"] == "not run");

  auto finish = s.call("cascade_finish", {{"epoch", epoch}});
  const std::string text = E2eServer::text(finish);
  INFO(text);
  CHECK(finish.value("isError", false));  // an isError result: its text is the whole answer
  CHECK(has(text, "the e2e gate failed (e2e `sh scripts/e2e.sh` exited with status 1)"));
  CHECK(has(text, "nothing changed on refs/heads/main"));
  CHECK(has(text, "expected 'bonjour, world' from the hello example, got 'hello, world'"));
  CHECK(has(text, "greeter said: hello, world (epoch " + std::to_string(epoch) + ")"));
  CHECK(has(text, "check: ok"));
  CHECK(has(text, "clippy: ok"));
  CHECK(has(text, "test: ok"));
  CHECK(has(text, "e2e: FAILED, exit status 1"));
  CHECK(git(s.u.root, {"rev-parse", "HEAD"}) == base);

  auto status = s.call("cascade_status", {{"epoch", epoch}});
  const std::string statusText = E2eServer::text(status);
  INFO(statusText);
  CHECK(status["structuredContent"]["state"] == "open");
  CHECK(status["structuredContent"]["e2e"]["state"] == "failed");
  CHECK(has(status["structuredContent"]["e2e"]["note"], "exited with status 1"));
  CHECK(has(statusText, "e2e gate `sh scripts/e2e.sh` (runs in cascade_finish once every crate is green): failed"));
  CHECK(has(statusText, "expected 'bonjour, world'"));
  s.call("cascade_abort", {{"epoch", epoch}});
}

TEST_CASE("e2e gate over MCP: a passing e2e lets cascade_finish land", "[mechanic][cargo][e2e]") {
  E2eServer s("lands", "hello, world");
  const std::string base = git(s.u.root, {"rev-parse", "HEAD"});
  auto start = s.call("cascade_start", json::object());
  INFO(E2eServer::text(start));
  REQUIRE_FALSE(start.value("isError", false));
  const auto epoch = start["structuredContent"]["epoch"].get<std::int64_t>();
  auto finish = s.call("cascade_finish", {{"epoch", epoch}});
  INFO(E2eServer::text(finish));
  REQUIRE(finish["structuredContent"]["landed"] == true);
  const json& gates = finish["structuredContent"]["gauntlet"]["gates"];
  REQUIRE(gates.size() == 4);
  CHECK(gates[3]["gate"] == "e2e");
  CHECK(gates[3]["passed"] == true);
  CHECK(git(s.u.root, {"rev-parse", "HEAD"}) != base);
  CHECK(has(readText(s.u.root / "services/greeter/src/generated.rs"), "pub struct Note"));
  auto status = s.call("cascade_status", {{"epoch", epoch}});
  CHECK(status["structuredContent"]["e2e"]["state"] == "passed");
}
