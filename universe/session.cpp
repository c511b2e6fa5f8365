// Revision snapshots and diffs (see session.h).
#include "universe/session.h"

#include "universe/file_source.h"

namespace flywheel::universe {

UniverseSession::UniverseSession(std::filesystem::path root) : root_(std::move(root)), sentinel_(root_) {}

bool UniverseSession::isWorkingTree(const std::optional<std::string>& revision) {
  return !revision || revision->empty() || *revision == "worktree";
}

Result<std::shared_ptr<const Snapshot>> UniverseSession::snapshot(const std::optional<std::string>& revision,
                                                                  std::chrono::milliseconds maxAge) {
  if (isWorkingTree(revision)) return sentinel_.fresh(maxAge);
  auto resolved = resolveCommit(root_, *revision);
  if (!resolved) return fail(resolved.error());
  {
    std::lock_guard lock(cacheMutex_);
    if (auto it = byCommit_.find(*resolved); it != byCommit_.end()) return it->second;
  }
  std::string commit;
  auto files = readRevision(root_, *resolved, commit);
  if (!files) return fail(files.error());
  auto snap = std::make_shared<Snapshot>();
  std::error_code ec;
  snap->loaded = loadUniverseFromFiles(std::filesystem::weakly_canonical(root_, ec), *files);
  snap->loaded.revision = commit;
  snap->graph = Graph::build(snap->loaded.universe);
  std::lock_guard lock(cacheMutex_);
  if (byCommit_.size() >= 8) byCommit_.erase(byCommit_.begin());
  byCommit_[commit] = snap;
  return std::shared_ptr<const Snapshot>(snap);
}

Result<RevisionDiff> UniverseSession::diff(const std::optional<std::string>& from, const std::optional<std::string>& to) {
  auto a = snapshot(from);
  if (!a) return fail(a.error());
  auto b = snapshot(to);
  if (!b) return fail(b.error());
  RevisionDiff d;
  d.from = *a;
  d.to = *b;
  auto label = [](const std::optional<std::string>& rev, const Snapshot& s) {
    return isWorkingTree(rev) ? std::string("working tree") : *rev + " (" + s.loaded.revision.substr(0, 10) + ")";
  };
  d.fromLabel = label(from, **a);
  d.toLabel = label(to, **b);
  d.changes = diffUniverses(d.from->loaded.universe, d.to->loaded.universe);
  return d;
}

}  // namespace flywheel::universe
