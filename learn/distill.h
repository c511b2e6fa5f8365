// learn_distill: the repair log's committed repairs, clustered by the shapes
// of their diffs (shape.h), as candidates for a Forge template.
//
// Each hunk of each committed repair gets a level-1 and a level-2 shape. A
// level-1 cluster (equal level-1 shapes) is a candidate when it has at least
// `threshold` members across at least `minServices` services; a level-2
// cluster is one too when it also groups two or more level-1 shapes (it says
// something its parts do not). Candidates come most specific first (level 1,
// then 2), larger first, then by id. A member is one repair: a repair with two
// hunks of the same shape counts once.
//
//   auto log = readRepairLog(root / ".flywheel/repairs.jsonl");
//   auto cands = distill(log.records, symbolsOf(universe), {.threshold = 5});
//
// Deterministic: the same log gives the same candidates, ids and order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "learn/shape.h"
#include "mechanic/repair_record.h"
#include "universe/ir.h"

namespace flywheel::learn {

struct LogRead {
  std::vector<mechanic::RepairRecord> records;  ///< in log order
  std::vector<std::string> warnings;            ///< "repairs.jsonl:12: not JSON ..." (unreadable lines are skipped)
};

/// Every record of the log (a missing log is an empty one).
LogRead readRepairLog(const std::filesystem::path& log);

/// The repair's id in the log: its sandbox ("e3-billing"), or "e<epoch>-<service>".
std::string repairId(const mechanic::RepairRecord& r);

/// The intent's symbols as level-1 shapes abstract them: crate names, type,
/// enum, alias, variant, field and rpc names in their Rust spellings.
SymbolSet symbolsOf(const universe::Universe& u);

struct Evidence {
  std::string repair;  ///< repairId()
  std::int64_t epoch = 0;
  std::string service, file;
  std::string startCommit, endCommit;
  std::string intentFrom, intentTo;
  std::string baseCommit;
};

struct Candidate {
  std::string id;  ///< "c-" + 10 hex digits of the shape's key: stable across calls
  Shape shape;
  int count = 0;  ///< repairs (members)
  std::vector<std::string> services, files;  ///< sorted, unique
  std::vector<std::string> intentChanges;    ///< the changes that triggered the members, sorted, unique
  std::vector<Evidence> evidence;            ///< in log order
  std::vector<std::string> generalises;      ///< level 2: the level-1 shape keys' ids it groups
};

struct DistillOptions {
  int threshold = 5;
  int minServices = 2;
};

struct DistillResult {
  std::vector<Candidate> candidates;
  int committed = 0;  ///< committed repairs read
  int hunks = 0;      ///< hunks shaped
  int shapes = 0;     ///< distinct level-1 shapes
};

DistillResult distill(const std::vector<mechanic::RepairRecord>& records, const SymbolSet& symbols,
                      const DistillOptions& options);

std::string candidateId(const Shape& s);

}  // namespace flywheel::learn
