// What the intent asks for, attached to rustc's diagnostics: on the shop,
// stamped by the real Forge after a new state and transition in order's
// state machine, with the diagnostics rustc gives for them (E0046 for the
// missing hook, E0004 for the uncovered state).
#include <catch2/catch.hpp>

#include <algorithm>

#include "fixture.h"
#include "forge/stamper.h"
#include "mechanic/intent_hints.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

int lineOf(const std::string& text, const std::string& needle) {
  auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

}  // namespace

TEST_CASE("a missing hook and an uncovered state name their intent form and stamped declaration", "[mechanic]") {
  fs::path root = fs::temp_directory_path() / ("flywheel-mech-hints-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::copy(fs::path(FLYWHEEL_SOURCE_DIR) / "examples/shop", root, fs::copy_options::recursive);
  std::string intent = readText(root / "services/order/intent.lisp");
  intent.replace(intent.find("cancelled)"), 10, "cancelled refunded)");
  intent.insert(intent.find("(transition cancel pending cancelled)"), "(transition refund paid refunded)\n    ");
  writeText(root / "services/order/intent.lisp", intent);
  auto stamper = flywheel::forge::Stamper::create(fs::path(FLYWHEEL_SOURCE_DIR) / "forge/templates/rust");
  REQUIRE(stamper);
  auto loaded = flywheel::universe::loadUniverse(root);
  REQUIRE(loaded);
  REQUIRE(stamper->stamp(*loaded, {.services = {"order"}}));
  const std::string generated = readText(root / "services/order/src/generated.rs");
  const std::string gen = "services/order/src/generated.rs";

  CargoDiagnostic hook{.level = "error", .code = "E0046",
                       .message = "not all trait items implemented, missing: `on_refund`",
                       .file = "services/order/src/custom.rs", .line = 78, .column = 1};
  const int hookLine = lineOf(generated, "fn on_refund(");
  hook.related.push_back({gen, hookLine, hookLine, "", "`on_refund` from trait"});
  CargoDiagnostic state{.level = "error", .code = "E0004",
                        .message = "non-exhaustive patterns: `OrderFlowState::Refunded` not covered",
                        .file = "services/order/src/custom.rs", .line = 40, .column = 15};
  const int variantLine = lineOf(generated, "    Refunded,");
  state.related.push_back({gen, variantLine, variantLine, "", "not covered"});
  CargoDiagnostic other{.level = "error", .code = "E0308", .message = "mismatched types"};
  std::vector<CargoDiagnostic> diags = {hook, state, other};

  const auto* order = loaded->universe.findService("order");
  REQUIRE(order);
  explainFromIntent(root, *order, diags);
  INFO(diags[0].oneLine() << "\n" << diags[1].oneLine());
  CHECK(diags[0].intent == "order/order-flow: (transition refund paid refunded)");
  CHECK(diags[0].required.find("fn on_refund(") != std::string::npos);
  CHECK(diags[0].required.find("/// `refund`") != std::string::npos);  // the doc comment Forge stamped
  CHECK(diags[1].intent == "order/order-flow: (states pending paid shipped cancelled refunded)");
  CHECK(diags[1].required.find("Refunded,") != std::string::npos);
  CHECK(diags[2].intent.empty());
  CHECK(diags[2].required.empty());
  CHECK(diags[0].oneLine().find("asked for by the intent: order/order-flow: (transition refund") != std::string::npos);

  CargoDiagnostic two{.code = "E0046", .message = "not all trait items implemented, missing: `a`, `b_c`"};
  CHECK(requestedNames(two) == std::vector<std::string>{"a", "b_c"});
  fs::remove_all(root);
}
