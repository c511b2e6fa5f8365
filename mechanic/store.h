// The mechanic's durable state: epochs and sandboxes in
// <universe>/.flywheel/kb.sqlite, migrated under the module name "mechanic".
//
// Epoch ids come from an AUTOINCREMENT key, so they only grow, across
// restarts and processes. Rows are written whole inside IMMEDIATE
// transactions; a crash leaves the last committed row. Threads: one Store is
// one connection guarded by an internal mutex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "mechanic/types.h"

namespace flywheel::mechanic {

struct EpochRow {
  std::int64_t id = 0;
  std::string state;  ///< starting, open, finishing, committing, finished, aborted, superseded
  std::string userRef;
  std::string baseCommit;
  std::string cascadeBranch;
  std::vector<ServicePlan> services;
  CascadeConfig config;
  std::string intentChange;
  std::string intentFrom, intentTo, templatesFingerprint;  ///< CascadeStartSpec's, for the repair log
  std::vector<QueueEntry> queue;
  std::vector<std::string> stampedFiles;
  std::optional<std::int64_t> supersededBy;
  std::string targetCommit;  ///< set while committing: where the user's ref moves
  E2eOutcome e2e;            ///< the last cascade_finish's e2e gate
  double createdAt = 0;
};

struct SandboxRow {
  std::string id;
  std::int64_t epoch = 0;
  std::string service;
  std::string state = "open";  ///< open, committed, aborted, halted, superseded
  std::string phase = "research";
  int cycles = 0;
  std::string startCommit;
  std::string plan;
  std::string record = "{}";  ///< the repair record so far (JSON)
  int editSeq = 0;
  int validatedSeq = -1;
  bool validatedGreen = false;
  std::optional<std::vector<CargoDiagnostic>> baseline;  ///< errors of the last fast check
  double createdAt = 0;
};

class Store {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(const std::filesystem::path& dbPath);

  /// Inserts with a fresh id (returned); `row.id` is ignored.
  [[nodiscard]] Result<std::int64_t> insertEpoch(const EpochRow& row);
  [[nodiscard]] Result<void> updateEpoch(const EpochRow& row);
  [[nodiscard]] Result<EpochRow> epoch(std::int64_t id);
  [[nodiscard]] Result<std::vector<EpochRow>> epochs();  ///< by id
  /// Marks every live epoch other than `newer` that shares a service with
  /// `services` superseded by `newer`, in one transaction; returns their ids.
  [[nodiscard]] Result<std::vector<std::int64_t>> supersedeOverlapping(std::int64_t newer, const std::vector<ServicePlan>& services);

  [[nodiscard]] Result<void> upsertSandbox(const SandboxRow& row);
  [[nodiscard]] Result<SandboxRow> sandbox(const std::string& id);
  [[nodiscard]] Result<std::vector<SandboxRow>> sandboxesOf(std::int64_t epoch);

 private:
  explicit Store(Db db) : db_(std::move(db)) {}
  // Under mu_ (and, for writes, inside a transaction).
  [[nodiscard]] Result<void> writeEpoch(const EpochRow& row, bool insert, std::int64_t* id);
  [[nodiscard]] Result<std::vector<EpochRow>> readEpochs();
  std::mutex mu_;
  Db db_;
};

/// The one wording of the Hard Halt counter, for every message that shows it:
/// "3 of 4 repair cycles used (max-repair-cycles 4)".
std::string cyclesText(int used, int max);

/// True for states in which an epoch's sandboxes may still be used.
bool epochIsLive(const std::string& state);

}  // namespace flywheel::mechanic
