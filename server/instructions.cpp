#include "server/instructions.h"

namespace flywheel::mcp {

const std::string& flywheelInstructions() {
  static const std::string kText =
      "flywheel repairs a universe of Rust services after an intent change. Each service declares its "
      "types, RPCs and patterns in intent.lisp; flywheel knows the dependency graph, stamps generated.rs, "
      "runs the compiler and enforces each service's governance mode. You do the thinking: read, plan, "
      "and edit custom.rs through the repair tools.\n"
      "Workflow:\n"
      "1. Sense: universe_overview, then intent_diff / blast_radius to see which symbols and services an "
      "intent change breaks, and why (reason chains).\n"
      "2. Plan: cascade_plan orders affected services in waves; task_* tools track the work.\n"
      "3. Execute: cascade_start opens an epoch and returns the repair queue in wave order. Per service: "
      "repair_open, research (repair_view, repair_search, kb_search), repair_plan (record your strategy), "
      "repair_edit (governance-checked, rolled back if it makes things worse), repair_validate (cargo "
      "check, clippy, test), repair_commit. cascade_finish lands everything atomically only if the whole "
      "cascade is green; cascade_abort leaves the user's branch untouched.\n"
      "4. Learn: kb_remember what you learned; kb_search before repeating work.\n"
      "Rules: a refusal names the governance mode that forbids the action and how a human changes it; "
      "do not work around it. Tool failures come back as isError results that say what failed and what "
      "to do next. Outputs are pages of at most about 20k characters: pass the returned cursor or offset "
      "for more. Long tools report progress and honour cancellation.";
  return kText;
}

}  // namespace flywheel::mcp
