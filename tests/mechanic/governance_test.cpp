// strict-codegen's line, as enforced and as documented: one rule, stated by
// modeAllows(), quoted by every refusal and by docs/intent.md and
// docs/mechanic.md. Each side of the line on the shop's real custom.rs.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "mechanic/governance.h"
#include "universe/rust_syntax.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

const std::string kPath = "services/billing/src/custom.rs";
const std::string kIntent = "services/billing/intent.lisp";

std::string collapsed(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

std::string custom() { return readText(fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop" / kPath); }

std::string inserted(std::string text, const std::string& anchor, const std::string& what) {
  auto at = text.find(anchor);
  REQUIRE(at != std::string::npos);
  return text.insert(at, what);
}

flywheel::Result<void> judge(const std::string& after) {
  REQUIRE(flywheel::universe::checkRustSyntax(kPath, after));
  return maySignaturesChange(Mode::StrictCodegen, "billing", kPath, flywheel::universe::publicSignatures(custom()),
                             flywheel::universe::publicSignatures(after), kIntent);
}

}  // namespace

TEST_CASE("strict-codegen: private items and methods inside an existing trait impl are allowed", "[governance]") {
  const std::string rule =
      "    fn bulk_discount(&self, input: &Order, output: &mut Invoice) -> Result<(), String> {\n"
      "        output.total_cents -= five_percent(output.total_cents, input.lines.len());\n        Ok(())\n    }\n";
  std::string after = inserted(custom(), "    fn loyalty(&self", rule);
  after = inserted(after, "/// The shop's prices",
                   "fn five_percent(total: i64, lines: usize) -> i64 {\n    if lines >= 10 { total / 20 } else { 0 }\n}\n\n"
                   "struct Scratch;\n\nimpl Scratch {\n    fn helper(&self) {}\n}\n\n");
  CHECK(judge(after));
  CHECK(mayEditPath(Mode::StrictCodegen, "billing", "services/billing", kPath, kIntent));
}

TEST_CASE("strict-codegen: a new, removed or changed pub item or trait impl is refused", "[governance]") {
  const std::string original = custom();
  std::vector<std::pair<std::string, std::string>> cases = {
      {"a new pub fn", inserted(original, "/// The shop's prices", "pub fn helper() -> i64 {\n    1\n}\n\n")},
      {"a new trait impl", inserted(original, "/// The shop's prices",
                                    "impl Default for FixedClock {\n    fn default() -> Self {\n        FixedClock(0)\n"
                                    "    }\n}\n\n")},
      {"a changed pub signature", [&] {
         std::string t = original;
         const std::string sig = "pub fn invoice_number(order: &Order) -> String";
         auto at = t.find(sig);
         REQUIRE(at != std::string::npos);
         return t.replace(at, sig.size(), "pub fn invoice_number(order: &Order) -> Option<String>");
       }()},
  };
  for (const auto& [what, after] : cases) {
    INFO(what);
    auto r = judge(after);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("changes public signatures") != std::string::npos);
    CHECK(r.error().message.find(modeAllows(Mode::StrictCodegen)) != std::string::npos);
  }
  CHECK_FALSE(mayEditPath(Mode::StrictCodegen, "billing", "services/billing", "services/billing/src/lib.rs", kIntent));
}

TEST_CASE("strict-codegen: the docs state the rule that is enforced", "[governance][docs]") {
  const std::string rule = collapsed(modeAllows(Mode::StrictCodegen));
  CHECK(rule.find("private helpers") != std::string::npos);
  for (const char* doc : {"docs/intent.md", "docs/mechanic.md"}) {
    INFO(doc << " must quote: " << rule);
    CHECK(collapsed(readText(fs::path(FLYWHEEL_SOURCE_DIR) / doc)).find(rule) != std::string::npos);
  }
}
