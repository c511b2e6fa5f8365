// Feeding the knowledge base from what a universe already knows.
//
// - The repair log (`.flywheel/repairs.jsonl`, one JSON object per line,
//   appended by the mechanic after every repair) becomes one `repair`
//   memory per line: the service, the intent change, the plan, the outcome,
//   the compiler diagnostics before the repair (their codes also become
//   tags, e.g. `e0308`) and the files changed.
// - The universe (when flywheel is built with universe/) becomes one
//   `service` memory per service (its intent text and summary), one `type`
//   per record type, enum and alias, and one `rpc` per rpc, each carrying the
//   intent that declares it.
//
// Every memory is keyed by its source ("repair:e3:s7", "universe:type:user/UserProfile"),
// so importing twice adds nothing and a changed source updates its memory.
// Bad lines are skipped and reported, never fatal.
#pragma once

#include <filesystem>
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
  std::vector<std::string> problems;  // "repairs.jsonl:12: not a JSON object" (at most 20)
};

/// Imports every line of `path`. A missing file is an empty import.
Result<ImportReport> importRepairLog(KnowledgeBase& kb, const std::filesystem::path& path);

/// Imports services, types and rpcs of the universe at `root`. Error
/// failed_precondition when this build has no universe loader.
Result<ImportReport> importUniverse(KnowledgeBase& kb, const std::filesystem::path& root);

/// The memory one repair-log line becomes (exposed for tests).
Result<MemoryDraft> repairMemory(const std::string& jsonLine);

/// Adds a batch's outcomes to a report.
void tally(ImportReport& report, const std::vector<RememberResult>& results);

}  // namespace flywheel::kb
