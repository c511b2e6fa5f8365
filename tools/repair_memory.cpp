#include "tools/repair_memory.h"

#include <fstream>

#include "kb/kb_import.h"
#include "kb/memory_rules.h"

namespace flywheel::tools::mechanic_detail {
namespace fs = std::filesystem;

Result<kb::KnowledgeBase*> RepairMemories::open() {
  if (!kb_) {
    auto cfg = kb::EmbedderConfig::fromEnvironment();
    if (!cfg) return fail(cfg.error());
    kb::KbOptions opts;
    opts.embedder = *cfg;
    auto kb = kb::KnowledgeBase::open(stateDir_, opts);
    if (!kb) return fail(kb.error());
    kb_ = std::move(*kb);
  }
  return kb_.get();
}

Result<size_t> RepairMemories::syncLocked() {
  const fs::path log = stateDir_ / "repairs.jsonl";
  std::error_code ec;
  const auto size = fs::file_size(log, ec);
  if (ec || size <= offset_) return size_t{0};
  auto kb = open();
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
  return syncLocked();
}

Result<void> RepairMemories::rememberCascade(const mechanic::CascadeStatus& st, const mechanic::FinishResult& f) {
  std::lock_guard lock(mu_);
  if (auto r = syncLocked(); !r) return fail(r.error());
  auto kb = open();
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
  if (auto r = (*kb)->remember(d); !r) return fail(r.error());
  return {};
}

}  // namespace flywheel::tools::mechanic_detail
