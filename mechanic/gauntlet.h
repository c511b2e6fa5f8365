// The gauntlet: the universe's validation gates, run in order.
//
// Gates are `check` (cargo check --all-targets), `clippy` (cargo clippy
// --all-targets -- -D warnings) and `test` (cargo test), in the order the
// universe declares: check and clippy cover test code as the test gate will. The gauntlet stops
// at the first red gate, reports each gate compactly (pass/fail, time, error
// and warning counts, the first diagnostics, failing tests with their panic
// message, assertion values and place), reports progress
// while it runs and stops (killing cargo) when a cancel flag is raised.
// Every run uses the caller's own CARGO_TARGET_DIR: target dirs are never
// shared between worktrees, since a shared one can give a false green.
//
// The `e2e` gate is not a per-crate gate: the universe's black-box command
// (`(e2e "scripts/e2e.sh")`) runs once, through `sh -c`, in the cascade
// worktree after every crate is green (runE2eGate; cascade_finish calls it),
// and vetoes the finish when it fails.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/process.h"
#include "mechanic/diagnostics.h"
#include "mechanic/libtest.h"

namespace flywheel::mechanic {

inline const std::vector<std::string> kDefaultGates = {"check", "clippy", "test"};

struct GateResult {
  std::string gate;
  bool passed = false;
  double seconds = 0;
  int errors = 0;
  int warnings = 0;
  std::vector<CargoDiagnostic> diagnostics;  ///< errors first; at most 20
  std::vector<std::string> failedTests;      ///< `test` gate: names of failing tests
  std::vector<TestFailure> failures;         ///< `test` gate: message, values, place; at most 10
  bool stopped = false;  ///< cancelled or past its deadline: the result says nothing about the code
  int exitStatus = 0;    ///< `e2e` gate: the command's exit status (-1: killed by a signal)
  std::string note;  ///< why it failed when there are no diagnostics (output tail, timeout, cancel)
};

struct GauntletResult {
  bool green = false;
  bool cancelled = false;
  std::vector<GateResult> gates;  ///< the gates that ran, in order
  double seconds = 0;
  /// One line per gate: "check: ok (1.2s)", "clippy: FAILED 2 errors (0.8s)".
  std::string summary() const;
  /// What the agent needs to fix the red gate, compactly: its diagnostics,
  /// each failing test with its message and place, or the output's tail;
  /// at most `maxChars` characters.
  std::string details(size_t maxChars = 8000) const;
};

/// Diagnostics as an agent reads them: one `file:line:col: error[CODE]:
/// message` entry each (with span, label and sure fixes), errors first, at
/// most `maxChars` characters; the rest is counted ("... 3 more").
std::string diagnosticsText(const std::vector<CargoDiagnostic>& diags, size_t maxChars = 6000);

using ProgressFn = std::function<void(double done, double total, const std::string& message)>;

struct GauntletSpec {
  std::filesystem::path workspaceDir;  ///< where cargo runs (the universe root of a worktree)
  std::vector<std::string> packages;   ///< -p for each; empty: the whole workspace
  std::filesystem::path targetDir;     ///< CARGO_TARGET_DIR, owned by this worktree
  std::vector<std::string> gates = kDefaultGates;
  std::chrono::milliseconds gateDeadline{std::chrono::minutes(10)};
  std::vector<const std::atomic<bool>*> cancelFlags;
  ProgressFn progress;  ///< optional
  size_t maxDiagnostics = 20;  ///< kept per gate (errors first)
  /// When `clippy` directly follows `check`, run clippy alone first: it
  /// type-checks the same targets (rustc with more lints), so when it passes
  /// check would pass too and is reported passed ("covered by clippy")
  /// without its own cargo run. When clippy is red, check runs then and is
  /// reported exactly as if it had run first (its own diagnostics), so the
  /// result differs from the plain order only in time.
  bool clippyCoversCheck = false;
};

/// The argv for one gate (exposed for the benchmark and the docs).
[[nodiscard]] Result<std::vector<std::string>> gateCommand(const std::string& gate, const std::vector<std::string>& packages);

/// How cargo runs for `spec`: in its workspace, with its own target dir, no
/// colour, no inherited RUSTFLAGS, its deadline and cancel flags.
ProcessSpec cargoProcess(const GauntletSpec& spec, std::vector<std::string> argv);

/// Runs one gate. Fails only when cargo cannot be started or the gate is unknown.
[[nodiscard]] Result<GateResult> runGate(const GauntletSpec& spec, const std::string& gate);

/// Runs the gates in order, stopping at the first red one.
[[nodiscard]] Result<GauntletResult> runGauntlet(const GauntletSpec& spec);

struct E2eSpec {
  std::string command;                 ///< run as `sh -c COMMAND`
  std::filesystem::path universeDir;   ///< its working directory: the universe root of the cascade worktree
  std::filesystem::path targetDir;     ///< CARGO_TARGET_DIR: the cascade worktree's own (warm) one
  std::int64_t epoch = 0;              ///< FLYWHEEL_EPOCH
  std::chrono::milliseconds deadline{std::chrono::minutes(10)};
  std::vector<const std::atomic<bool>*> cancelFlags;
};

/// Runs the e2e gate: `sh -c COMMAND` in its own process group (killed, with
/// everything it started, at the deadline or on cancel). Green when it exits
/// 0; otherwise the result's note says the exit status (or the deadline) and
/// carries the last lines of its stdout and stderr (at most ~4,000
/// characters). Fails only when `sh` cannot be started.
[[nodiscard]] Result<GateResult> runE2eGate(const E2eSpec& spec);

}  // namespace flywheel::mechanic
