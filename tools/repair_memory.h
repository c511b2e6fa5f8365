// The mechanic group's memory: what the mechanic did goes into the knowledge
// base as it happens, so kb_search finds earlier repairs by service, symbol
// and error code without a `flywheel kb import`.
//
// Each new line of <universe>/.flywheel/repairs.jsonl (appended by the
// mechanic when a repair is committed, aborted or halted) becomes a `repair`
// memory through kb::repairMemory, the path `flywheel kb import` takes, keyed
// by its source so a later import adds nothing. Each landed cascade becomes a
// `cascade` memory: the intent change, each service's outcome and the commits.
// Included only by the mechanic group's files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>

#include "core/error.h"
#include "kb/knowledge_base.h"
#include "mechanic/types.h"

namespace flywheel::tools::mechanic_detail {

class RepairMemories {
 public:
  explicit RepairMemories(std::filesystem::path stateDir) : stateDir_(std::move(stateDir)) {}

  /// Remembers the repair-log lines appended since the last call (all of
  /// them on the first call); returns how many lines it read.
  Result<size_t> syncRepairLog();
  /// Remembers a landed cascade (after syncing the repair log).
  Result<void> rememberCascade(const mechanic::CascadeStatus& status, const mechanic::FinishResult& finish);

 private:
  Result<kb::KnowledgeBase*> open();  // under mu_
  Result<size_t> syncLocked();

  std::filesystem::path stateDir_;
  std::mutex mu_;
  std::unique_ptr<kb::KnowledgeBase> kb_;
  std::uintmax_t offset_ = 0;  // bytes of repairs.jsonl already remembered
};

}  // namespace flywheel::tools::mechanic_detail
