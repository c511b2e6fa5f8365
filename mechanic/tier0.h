// Tier 0: what needs no model. Before a red service goes to an agent, the
// compiler's machine-applicable suggestions (rustc's JSON diagnostics whose
// `suggestion_applicability` is "MachineApplicable", what `cargo fix`
// applies) are applied to the service's own files through the same guarded
// edit as an agent's (repair_plan, then repair_edit per file: governance,
// syntax, cargo check, rollback when it only adds errors), and then the
// gauntlet (repair_validate); a green sandbox is committed to the cascade
// (repair_commit). Each file's suggestions are one edit, so one repair cycle.
//
// Only suggestions inside the service's directory are taken, never in
// generated.rs (Forge's). Overlapping suggestions keep the first. What is
// still red stays open in the sandbox for the agent that comes next.
#pragma once

#include <string>
#include <vector>

namespace flywheel::mechanic {

struct Tier0Result {
  std::string sandbox;
  int suggestions = 0;  ///< machine-applicable suggestions found in the service's files
  int applied = 0;      ///< of those, applied by edits the guard kept
  bool validated = false;
  bool green = false;
  bool committed = false;  ///< the repair is on the cascade branch: no agent needed
  std::vector<std::string> notes;  ///< why an edit or step did not go through
  double seconds = 0;
};

/// One machine-applicable replacement: bytes [start, end) of `file`
/// (universe-relative) become `replacement`.
struct MachineFix {
  std::string file;
  std::size_t start = 0, end = 0;
  std::string replacement;
};

/// The machine-applicable fixes in cargo's JSON-lines output, for files under
/// `serviceDir` other than generated.rs; `workspaceRoot` makes absolute file
/// names relative. De-duplicated, in file and position order.
std::vector<MachineFix> machineFixes(const std::string& cargoJson, const std::string& workspaceRoot,
                                     const std::string& serviceDir);

/// Applies fixes to `content` (all of one file); overlapping ones after the
/// first are skipped. Returns how many were applied.
int applyFixes(std::string& content, const std::vector<MachineFix>& fixes);

}  // namespace flywheel::mechanic
