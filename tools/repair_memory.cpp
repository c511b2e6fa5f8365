#include "tools/repair_memory.h"

#include <fstream>

#include "kb/kb_import.h"
#include "kb/memory_rules.h"

namespace flywheel::tools {
namespace fs = std::filesystem;

Result<size_t> RepairMemories::syncLocked() {
  const fs::path log = stateDir_ / "repairs.jsonl";
  std::error_code ec;
  const auto size = fs::file_size(log, ec);
  if (ec || size <= offset_) return size_t{0};
  auto kb = knowledge_->get();
  if (!kb) return fail(kb.error());
  std::ifstream in(log, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset_));
  std::vector<kb::MemoryDraft> drafts;
  size_t lines = 0;
  std::uintmax_t consumed = offset_;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written (no newline yet): next time
    consumed += line.size() + 1;
    ++lines;
    if (auto d = kb::repairMemory(line)) drafts.push_back(std::move(*d));
  }
  if (!drafts.empty())
    if (auto r = (*kb)->rememberMany(drafts); !r) return fail(r.error());
  offset_ = consumed;
  return lines;
}

Result<size_t> RepairMemories::syncRepairLog() {
  std::lock_guard lock(mu_);
  auto n = syncLocked();
  if (!n) return n;
  const size_t total = *n + unreported_;
  unreported_ = 0;
  return total;
}

namespace {
// Remembers what the mechanic finishes, whoever drove it (an agent's tool
// call or a daemon): the one path repairs and cascades take into the
// knowledge base. Failures are dropped here: the next sync retries them.
class MemoryObserver final : public mechanic::MechanicObserver {
 public:
  explicit MemoryObserver(std::weak_ptr<RepairMemories> m) : memories_(std::move(m)) {}
  void sandboxCommitted(const mechanic::SandboxStatus&, std::int64_t, const mechanic::CommitResult&) override { sync(); }
  void sandboxHalted(const mechanic::SandboxStatus&, std::int64_t) override { sync(); }
  void epochAborted(std::int64_t) override { sync(); }
  void epochLanded(const mechanic::CascadeStatus& st, const mechanic::FinishResult& f) override {
    if (auto m = memories_.lock()) (void)m->rememberCascade(st, f);  // its outcome: landedOutcome()
  }

 private:
  void sync() {
    if (auto m = memories_.lock()) (void)m->syncInBackground();
  }
  std::weak_ptr<RepairMemories> memories_;
};
}  // namespace

std::optional<std::string> RepairMemories::landedOutcome(std::int64_t epoch) {
  std::lock_guard lock(mu_);
  auto it = landed_.find(epoch);
  if (it == landed_.end()) return std::nullopt;
  return it->second;
}

Result<size_t> RepairMemories::syncInBackground() {
  std::lock_guard lock(mu_);
  auto n = syncLocked();
  if (n) unreported_ += *n;
  return n;
}

std::shared_ptr<mechanic::MechanicObserver> RepairMemories::observer() {
  return std::make_shared<MemoryObserver>(weak_from_this());
}

Result<void> RepairMemories::rememberCascadeLocked(const mechanic::CascadeStatus& st, const mechanic::FinishResult& f) {
  if (auto r = syncLocked(); !r) return fail(r.error());
  auto kb = knowledge_->get();
  if (!kb) return fail(kb.error());
  kb::MemoryDraft d;
  d.kind = "cascade";
  const std::string firstChange = st.intentChange.substr(0, st.intentChange.find('\n'));
  d.title = kb::truncateUtf8("Cascade epoch " + std::to_string(st.epoch) + " landed on " + st.userRef +
                                 (firstChange.empty() ? "" : ": " + firstChange),
                             kb::kMaxTitleChars);
  std::string body = "Intent change:\n" + st.intentChange + "\nServices, in wave order:\n";
  d.tags = {"cascade", "landed"};
  for (const auto& q : st.queue) {
    body += "- wave " + std::to_string(q.wave) + " " + q.service + ": " + q.status +
            (q.note.empty() ? "" : " (" + q.note + ")") + "\n";
    if (d.tags.size() < kb::kMaxTags) d.tags.push_back(q.service);
  }
  body += "Moved " + f.userRef + " " + f.oldCommit.substr(0, 12) + " -> " + f.newCommit.substr(0, 12) + "\n" +
          f.gauntlet.summary();
  d.body = kb::truncateUtf8(body, kb::kMaxBodyChars);
  d.sourceKey = "cascade:e" + std::to_string(st.epoch) + ":" + f.newCommit;
  d.cite = "cascade epoch " + std::to_string(st.epoch) + ", commit " + f.newCommit.substr(0, 12) + " on " + f.userRef;
  if (auto r = (*kb)->remember(d); !r) return fail(r.error());
  return {};
}

Result<void> RepairMemories::rememberCascade(const mechanic::CascadeStatus& st, const mechanic::FinishResult& f) {
  std::lock_guard lock(mu_);
  auto r = rememberCascadeLocked(st, f);
  landed_[st.epoch] = r ? std::string() : r.error().message;
  return r;
}

}  // namespace flywheel::tools
