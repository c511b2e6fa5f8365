// The mechanic group's memory: what the mechanic did goes into the knowledge
// base as it happens, so kb_search finds earlier repairs by service, symbol
// and error code without a `flywheel kb import`.
//
// Each new line of <universe>/.flywheel/repairs.jsonl (appended by the
// mechanic when a repair is committed, aborted or halted) becomes a `repair`
// memory through kb::repairMemory, the path `flywheel kb import` takes, keyed
// by its source so a later import adds nothing. Each landed cascade becomes a
// `cascade` memory: the intent change, each service's outcome and the commits.
// One per process (tools/services.h), shared by whatever drives the mechanic.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/error.h"
#include "kb/knowledge_base.h"
#include "mechanic/observer.h"
#include "mechanic/types.h"
#include "tools/services.h"

namespace flywheel::tools {

class RepairMemories : public std::enable_shared_from_this<RepairMemories> {
 public:
  /// Reads <stateDir>/repairs.jsonl into the shared knowledge base.
  RepairMemories(std::filesystem::path stateDir, std::shared_ptr<Lazy<kb::KnowledgeBase>> knowledge)
      : stateDir_(std::move(stateDir)), knowledge_(std::move(knowledge)) {}

  /// Remembers the repair-log lines appended since the last call (all of
  /// them on the first call); returns how many lines were remembered since
  /// the last call, including those the observer remembered meanwhile.
  Result<size_t> syncRepairLog();
  /// The same, from the mechanic's observer: counted for the next call above.
  Result<size_t> syncInBackground();
  /// An observer for the mechanic (mechanic/observer.h) that remembers
  /// committed, halted and aborted repairs and landed cascades as they
  /// happen, whoever drives the mechanic. Holds this object weakly.
  std::shared_ptr<mechanic::MechanicObserver> observer();
  /// Remembers a landed cascade (after syncing the repair log).
  Result<void> rememberCascade(const mechanic::CascadeStatus& status, const mechanic::FinishResult& finish);
  /// How remembering the landed `epoch` went ("" when it worked, else why),
  /// or nullopt when nothing tried yet (the observer does as it lands).
  std::optional<std::string> landedOutcome(std::int64_t epoch);

 private:
  Result<size_t> syncLocked();
  Result<void> rememberCascadeLocked(const mechanic::CascadeStatus& status, const mechanic::FinishResult& finish);

  std::filesystem::path stateDir_;
  std::mutex mu_;
  std::shared_ptr<Lazy<kb::KnowledgeBase>> knowledge_;
  std::uintmax_t offset_ = 0;  // bytes of repairs.jsonl already remembered
  size_t unreported_ = 0;      // lines the observer remembered since syncRepairLog
  std::map<std::int64_t, std::string> landed_;  // epoch -> "" or why remembering it failed
};

}  // namespace flywheel::tools
