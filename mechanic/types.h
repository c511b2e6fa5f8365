// The values the mechanic's API takes and returns: cascade plans, queue
// entries, sandbox handles and the results of each repair step. Plain
// structs, no behaviour; mechanic.h has the operations, codec.h their JSON.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "mechanic/aci.h"
#include "mechanic/diagnostics.h"
#include "mechanic/gauntlet.h"

namespace flywheel::mechanic {

/// One affected service, as the universe's cascade plan describes it.
struct ServicePlan {
  std::string name;     ///< "billing"
  std::string dir;      ///< universe-relative, "services/billing"
  std::string package;  ///< the cargo package, "billing"
  std::string mode = "newborn";  ///< governance mode name
  int wave = 0;
};

struct CascadeConfig {
  std::vector<std::string> gates = kDefaultGates;  ///< the per-crate gates, in order
  /// The e2e gate's command (the universe's `(e2e "...")` when its gates list
  /// e2e): cascade_finish runs it once, `sh -c` in the cascade worktree, after
  /// every crate is green, and lands nothing when it fails. Empty: no e2e gate.
  std::string e2eCommand;
  int maxRepairCycles = 5;
  /// How long one gate (one cargo run) may take before it is stopped.
  int gateDeadlineSeconds = 600;
  std::chrono::milliseconds gateDeadline() const { return std::chrono::seconds(gateDeadlineSeconds); }
};

/// What a long call may be interrupted by and report progress to.
struct CallContext {
  const std::atomic<bool>* cancel = nullptr;
  ProgressFn progress;  ///< optional
};

/// Forge, as the cascade sees it: stamps the services into the universe root
/// of the cascade worktree and returns the files it wrote (universe-relative).
using StampFn = std::function<Result<std::vector<std::string>>(const std::filesystem::path& universeRoot)>;

struct CascadeStartSpec {
  std::vector<ServicePlan> services;  ///< the affected services, in wave order
  CascadeConfig config;
  std::string intentChange;  ///< a summary of the intent change, for the repair log
  bool includeWorkingTree = true;  ///< carry uncommitted *.lisp changes into the cascade
  StampFn stamp;                   ///< may be empty (nothing to stamp)
  /// Where the change came from, for the repair log (repair_record.h): the
  /// commit ids of the two revisions ("worktree": uncommitted) and the
  /// fingerprint of the Forge templates `stamp` uses.
  std::string intentFrom, intentTo, templatesFingerprint;
};

struct QueueEntry {
  std::string service;
  int wave = 0;
  std::string mode;
  std::string status;  ///< "broken", "green", "blocked: needs a human"
  std::string gate;    ///< the first red gate, when broken
  int errors = 0;
  std::vector<CargoDiagnostic> diagnostics;  ///< at most 10
  std::string note;
};

/// The e2e gate of an epoch, as cascade_status reports it (the last
/// cascade_finish's run).
struct E2eOutcome {
  std::string state = "not run";  ///< "not run", "passed", "failed" (past its deadline too), "stopped" (cancelled)
  double seconds = 0;
  std::string note;  ///< not passed: the exit status (or the deadline) and its output's last lines
};

struct SandboxStatus {
  std::string id;
  std::string service;
  std::string state;  ///< open, committed, aborted, halted, superseded
  std::string phase;  ///< research (read-only) or coding
  int cycles = 0;
  int maxCycles = 0;
  bool validatedGreen = false;
  std::string path;  ///< the sandbox's universe root on disk
};

struct CascadeStatus {
  std::int64_t epoch = 0;
  std::string state;  ///< starting, open, finishing, committing, finished, aborted, superseded
  std::string userRef;
  std::string cascadeBranch;
  std::string baseCommit;
  std::string headCommit;
  std::optional<std::int64_t> supersededBy;
  std::vector<QueueEntry> queue;
  std::vector<SandboxStatus> sandboxes;
  std::vector<std::string> stampedFiles;
  std::vector<std::string> gates;  ///< the epoch's gates, in order; "e2e" last when it has one
  std::string e2eCommand;          ///< empty: no e2e gate
  E2eOutcome e2e;
  std::string intentChange;             ///< the change being cascaded, one line per intent change
  std::vector<std::int64_t> preempted;  ///< epochs this start superseded
  double seconds = 0;
};

struct SandboxHandle {
  SandboxStatus status;
  std::int64_t epoch = 0;
  std::string mode;
  std::string branch;
  std::string serviceDir;              ///< universe-relative
  std::filesystem::path universeDir;   ///< the sandbox's universe root
  std::filesystem::path buildDir;      ///< its own CARGO_TARGET_DIR
  std::vector<CargoDiagnostic> diagnostics;  ///< the service's own errors (cascade_start's, or re-checked)
  bool rechecked = false;  ///< cargo check ran on open: the cascade branch moved since cascade_start
  std::string note;        ///< what the diagnostics mean when they are empty
  double seconds = 0;
};

struct ViewSpec {
  std::string path;
  std::optional<int> line;            ///< goto: show this line
  std::optional<std::string> scroll;  ///< "up" or "down" from the remembered window
};

struct EditResult {
  bool applied = false;
  std::string path;
  Window window;  ///< around the edit (as it would have been, when rolled back)
  int errorsBefore = 0;
  int errorsAfter = 0;
  std::vector<CargoDiagnostic> newErrors;  ///< errors the edit introduced
  std::vector<CargoDiagnostic> remaining;  ///< applied: the errors still to fix (at most 10)
  int cycles = 0;
  std::string message;
};

struct ValidateResult {
  GauntletResult gauntlet;
  int cycles = 0;
  std::string message;
};

struct CommitResult {
  std::string sandboxCommit;
  std::string cascadeCommit;
  std::vector<std::string> files;
};

struct FinishResult {
  bool landed = false;
  GauntletResult gauntlet;
  std::string userRef;
  std::string oldCommit;
  std::string newCommit;
  std::string message;
};

struct Leftover {
  std::string kind;  ///< "worktree", "build-dir", "epoch", "git-worktree"
  std::string what;  ///< a sentence for a human
  std::filesystem::path path;
};

}  // namespace flywheel::mechanic
