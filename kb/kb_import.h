// Feeding the knowledge base from what a universe already knows.
//
// - The repair log (`.flywheel/repairs.jsonl`, one JSON object per line,
//   appended by the mechanic after every repair) becomes one `repair`
//   memory per line: the service, the intent change, the plan, the outcome,
//   the compiler diagnostics before the repair (their codes also become
//   tags, e.g. `e0308`) and the files changed.
// - The universe (when flywheel is built with universe/) becomes one
//   `service` memory per service (purpose, governance, status, gaps,
//   dependencies and dependents, the intent text), one `type` per record
//   type, enum and alias, one `rpc` per rpc and one `pattern` per stamping
//   pattern, each carrying the intent text that declares it and citing
//   its file and line.
//
// Every memory is keyed by its source ("repair:e3:s7", "universe:type:user/UserProfile"),
// so importing twice adds nothing and a changed source updates its memory.
// Bad lines are skipped and reported, never fatal.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "kb/knowledge_base.h"

namespace flywheel::kb {

struct ImportReport {
  size_t read = 0;       // records considered
  size_t created = 0;
  size_t updated = 0;
  size_t unchanged = 0;
  size_t removed = 0;    // facts whose source is gone (a removed type, service ...)
  std::vector<std::string> problems;  // "repairs.jsonl:12: not a JSON object" (at most 20)
};

/// Imports every line of `path`. A missing file is an empty import.
[[nodiscard]] Result<ImportReport> importRepairLog(KnowledgeBase& kb, const std::filesystem::path& path);

struct UniverseImportOptions {
  /// Only these services (the sentinel's changed ones); empty: all of them.
  /// A named service that no longer exists loses its memories.
  std::vector<std::string> services;
  /// Called after each service: (services done, services in this import).
  std::function<void(size_t, size_t)> progress;
};

/// Imports services, types, rpcs and patterns of the universe at `root`:
/// each service's purpose (the comments leading its intent), governance,
/// status and gaps, dependencies and dependents; every memory cites its
/// intent file and line. Facts whose declaration is gone are forgotten, so
/// an edited intent supersedes its old facts instead of adding to them.
/// Error failed_precondition when this build has no universe loader.
[[nodiscard]] Result<ImportReport> importUniverse(KnowledgeBase& kb, const std::filesystem::path& root,
                                                  const UniverseImportOptions& options = {});

/// The memory one repair-log line becomes (exposed for tests).
[[nodiscard]] Result<MemoryDraft> repairMemory(const std::string& jsonLine);

/// Adds a batch's outcomes to a report.
void tally(ImportReport& report, const std::vector<RememberResult>& results);

}  // namespace flywheel::kb
