// The repair log's record: one finished repair (committed, aborted, halted),
// one JSON line of <universe>/.flywheel/repairs.jsonl.
//
// A record carries what is needed to rebuild the state before the repair and
// to replay it: the epoch's base commit, the from/to revisions of the intent
// change, the fingerprint of the Forge templates that stamped the cascade,
// the sandbox's start and end commits (kept reachable by refs under
// refs/flywheel/log/<epoch>/<service>/, listed in `logRefs`, after the
// sandbox branches are deleted), the diagnostics it started from, the plan,
// each edit and validation, the gates of the last validation, the diff and
// the timings.
//
// Versioned: `format` is kRepairRecordFormat for lines written by this code;
// a line without it (written before the typed record) reads as format 1, its
// newer fields empty. A line of a newer format is refused with a message
// saying so. Old lines had a numeric sandbox id and diffs as a list of paths
// or one text; both read. Nested parts whose shape belongs to other modules
// (the gates of a validation, self-distillation's benchmarks) are kept as
// JSON text, exactly as written.
//
// This file is its own small library (flywheel_repair_log: core and JSON
// only), so the knowledge base can read the log without the mechanic, and
// learn/ can use it without a cycle. Threads: plain values; appendRepairRecord
// may be called from several processes at once (one line per write).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace flywheel::mechanic {

inline constexpr int kRepairRecordFormat = 2;

/// A compiler diagnostic as the log keeps it: the fields readers use, and the
/// whole diagnostic as written (JSON text) so that writing it back loses nothing.
struct LoggedDiagnostic {
  std::string level, code, message, file;
  int line = 0;
  std::string json;  ///< the diagnostic as written; empty: built from the fields
};

/// One repair_edit attempt.
struct LoggedEdit {
  double at = 0;
  std::string path;
  bool applied = false;
  int errorsBefore = 0, errorsAfter = 0;
  std::optional<std::string> oldText;  ///< the snippet replaced (snippet edits)
  std::optional<int> startLine, endLine;  ///< the lines replaced (range edits)
  std::string newText;
  std::string message;
};

/// One repair_validate run.
struct LoggedValidation {
  double at = 0;
  bool green = false;
  std::string summary;
};

struct RepairTimings {
  double openedAt = 0, finishedAt = 0, seconds = 0;
};

struct RepairRecord {
  int format = kRepairRecordFormat;
  std::int64_t epoch = 0;
  std::string sandbox;  ///< "e3-billing"
  std::string service;
  std::string mode;     ///< governance mode name
  std::string outcome;  ///< committed, aborted, halted
  int cycles = 0;
  std::string intentChange;  ///< one summary line per intent change
  // Format 2: where the epoch started and what it cascaded.
  std::string baseCommit;            ///< the user's branch when the epoch started
  std::string intentFrom, intentTo;  ///< commit ids of the intent change ("worktree": uncommitted)
  std::string templatesFingerprint;  ///< forge::TemplateSet::fingerprint() of the stamp
  std::vector<std::string> logRefs;  ///< refs keeping startCommit / endCommit reachable
  std::string startCommit, endCommit;  ///< endCommit empty when nothing was committed
  std::string plan;
  std::vector<LoggedDiagnostic> diagnosticsBefore;
  std::vector<LoggedEdit> edits;
  std::vector<LoggedValidation> validations;
  std::string gatesJson = "[]";  ///< the gates of the last validation, as the gauntlet wrote them
  std::string benchmarksJson;    ///< self-distillation's verdict (JSON object text); empty: none
  std::map<std::string, std::string> diff;  ///< path -> unified diff (format 1 lists of paths: empty texts)
  std::string summary;  ///< free text some format-1 lines carry
  RepairTimings timings;
};

/// Reads one line. Errors: not JSON, not an object, or a newer format; each
/// says which.
[[nodiscard]] Result<RepairRecord> parseRepairRecord(std::string_view line);

/// The record as one JSON line (no newline), keys sorted, format 2.
std::string formatRepairRecord(const RepairRecord& record);

/// Appends the record to `log` as one line, durably (O_APPEND + fsync).
[[nodiscard]] Result<void> appendRepairRecord(const std::filesystem::path& log, const RepairRecord& record);

/// The ref that keeps `commit` of a repair reachable:
/// refs/flywheel/log/<epoch>/<service>/<which>-<commit>  (which: "start", "end").
std::string repairLogRef(std::int64_t epoch, const std::string& service, const std::string& which,
                         const std::string& commit);

}  // namespace flywheel::mechanic
