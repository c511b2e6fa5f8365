#include "mechanic/mechanic.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <set>

#include "core/atomic_file.h"
#include "mechanic/git.h"
#include "mechanic/governance.h"
#include "mechanic/paths.h"
#include "mechanic/worktrees.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;

void failpoint(const char* name) {
  const char* fp = std::getenv("FLYWHEEL_FAILPOINT");
  if (fp && std::strcmp(fp, name) == 0) ::kill(::getpid(), SIGKILL);
}

namespace {

// Keeps .flywheel/ (sandboxes, builds, kb.sqlite) out of the user's status.
void excludeStateDir(const GitRepo& repo) {
  fs::path exclude = repo.commonDir() / "info" / "exclude";
  auto cur = readFile(exclude);
  std::string text = cur ? *cur : std::string();
  if (text.find("\n.flywheel/\n") != std::string::npos || text.rfind(".flywheel/\n", 0) == 0) return;
  if (!text.empty() && text.back() != '\n') text += '\n';
  (void)writeFileAtomic(exclude, text + ".flywheel/\n");  // best effort: git status then lists .flywheel/
}

}  // namespace

Result<std::unique_ptr<Mechanic>> Mechanic::open(const fs::path& universeRoot) {
  std::error_code ec;
  fs::path root = fs::canonical(universeRoot, ec);
  if (ec) return fail(Error::notFound("universe root " + universeRoot.string() + " does not exist"));
  auto repo = GitRepo::discover(root);
  if (!repo) return fail(repo.error());
  fs::path work = repo->workdir();
  if (!isWithin(work, root))
    return fail(Error::failedPrecondition("universe " + root.string() + " is not inside the working tree " +
                                          work.string()));
  std::string prefix = root.lexically_relative(work).generic_string();
  if (prefix == ".") prefix.clear();
  excludeStateDir(*repo);
  auto store = Store::open(root / ".flywheel" / "kb.sqlite");
  if (!store) return fail(store.error());
  std::unique_ptr<Mechanic> m(new Mechanic(root, work, prefix, std::move(*store)));
  m->scanLeftovers();
  return m;
}

Mechanic::Mechanic(fs::path root, fs::path repoRoot, std::string prefix, std::unique_ptr<Store> s)
    : root_(std::move(root)), repoRoot_(std::move(repoRoot)), prefix_(std::move(prefix)), store_(std::move(s)) {}

Mechanic::~Mechanic() {
  // Stop whatever this instance still runs (a server shutting down).
  std::lock_guard lock(mu_);
  for (auto& [id, f] : flags_) f->store(true);
}

std::string Mechanic::cascadeWorktreeName(std::int64_t epoch) const { return "e" + std::to_string(epoch) + "-cascade"; }
fs::path Mechanic::worktreePath(const std::string& name) const {
  return Worktrees(repoRoot_, stateDir(), prefix_).path(name);
}
fs::path Mechanic::worktreeUniverse(const std::string& name) const {
  return Worktrees(repoRoot_, stateDir(), prefix_).universeDir(name);
}
fs::path Mechanic::buildDir(const std::string& name) const {
  return Worktrees(repoRoot_, stateDir(), prefix_).buildDir(name);
}

std::shared_ptr<std::atomic<bool>> Mechanic::epochFlag(std::int64_t epoch) {
  std::lock_guard lock(mu_);
  auto& f = flags_[epoch];
  if (!f) f = std::make_shared<std::atomic<bool>>(false);
  return f;
}

std::shared_ptr<std::mutex> Mechanic::sandboxLock(const std::string& id) {
  std::lock_guard lock(mu_);
  auto& m = locks_[id];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

Result<EpochRow> Mechanic::liveEpoch(std::int64_t id) {
  auto e = store_->epoch(id);
  if (!e) return fail(e.error());
  if (e->state == "superseded")
    return fail(Error::superseded(
        "epoch " + std::to_string(id) + " was superseded by epoch " + std::to_string(e->supersededBy.value_or(0)) +
        " (a newer cascade touching the same services); its sandboxes refuse further calls — continue in epoch " +
        std::to_string(e->supersededBy.value_or(0)) + " (cascade_status shows its queue)"));
  if (!epochIsLive(e->state))
    return fail(Error::failedPrecondition("epoch " + std::to_string(id) + " is " + e->state +
                                          "; start a new cascade with cascade_start"));
  return e;
}

SandboxStatus Mechanic::statusOf(const SandboxRow& row, const EpochRow& epoch) const {
  return {row.id,     row.service,        row.state,
          row.phase,  row.cycles,         epoch.config.maxRepairCycles,
          row.validatedGreen && row.validatedSeq == row.editSeq, worktreeUniverse(row.id).string()};
}

Result<void> Mechanic::removeSandboxFiles(const std::string& name) {
  std::lock_guard lock(gitMu_);
  return Worktrees(repoRoot_, stateDir(), prefix_).remove(name);
}

Result<bool> Mechanic::hasUncommittedIntent() {
  auto repo = GitRepo::open(repoRoot_);
  if (!repo) return fail(repo.error());
  auto dirty = repo->dirtyPaths();
  if (!dirty) return fail(dirty.error());
  for (const auto& p : *dirty)
    if (p.size() > 5 && p.ends_with(".lisp") && (prefix_.empty() || p.rfind(prefix_ + "/", 0) == 0) &&
        p.find(".flywheel/") == std::string::npos)
      return true;
  return false;
}

std::vector<Leftover> Mechanic::leftovers() {
  std::lock_guard lock(mu_);
  return leftovers_;
}

void Mechanic::scanLeftovers() {
  std::vector<Leftover> found;
  auto epochs = store_->epochs();
  std::set<std::string> live;  // worktree names that belong to live work
  if (epochs) {
    for (const auto& e : *epochs) {
      if (e.state == "committing")
        found.push_back({"epoch", "epoch " + std::to_string(e.id) + " crashed while landing on " + e.userRef +
                                      "; cleaning completes or rolls back the working-tree update", {}});
      else if (e.state == "starting" || e.state == "finishing")
        found.push_back({"epoch", "epoch " + std::to_string(e.id) + " was interrupted while " + e.state, {}});
      if (epochIsLive(e.state) && e.state != "starting") {
        live.insert(cascadeWorktreeName(e.id));
        if (auto sbs = store_->sandboxesOf(e.id))
          for (const auto& s : *sbs)
            if (s.state == "open") live.insert(s.id);
      }
      if (auto sbs = store_->sandboxesOf(e.id))
        for (const auto& s : *sbs)
          if (s.state == "halted") live.insert(s.id);  // kept for a human, not a leftover
    }
  }
  // The mechanic judges only what its epochs own (and directories from before
  // owned worktrees, which only it made); other owners' worktrees survive.
  auto all = Worktrees(repoRoot_, stateDir(), prefix_).list();
  for (const auto& w : all ? *all : std::vector<WorktreeInfo>{}) {
    if (w.hasManifest && !ownerEpoch(w.owner)) continue;
    if (live.count(w.name)) continue;
    if (w.worktreeExists || !w.buildDirExists)
      found.push_back({"worktree", "orphaned sandbox worktree " + w.name, w.path});
    if (w.buildDirExists) found.push_back({"build-dir", "orphaned build dir " + w.name, w.buildDir});
  }
  std::lock_guard lock(mu_);
  leftovers_ = std::move(found);
}

}  // namespace flywheel::mechanic

namespace flywheel::mechanic {

Result<std::vector<Leftover>> Mechanic::cleanLeftovers() {
  scanLeftovers();
  auto found = leftovers();
  auto epochs = store_->epochs();
  if (!epochs) return fail(epochs.error());
  for (auto& e : *epochs) {
    if (e.state == "committing") {
      std::lock_guard lock(gitMu_);
      auto repo = GitRepo::open(repoRoot_);
      if (!repo) return fail(repo.error());
      auto cur = repo->resolve(e.userRef);
      if (cur && *cur == e.targetCommit) {
        // The ref update landed before the crash: bring the working tree along.
        auto head = repo->headBranchRef();
        if (head && *head == e.userRef)
          if (auto r = repo->checkoutTree(e.baseCommit, e.targetCommit); !r) return fail(r.error());
        e.state = "finished";
      } else {
        e.state = "open";  // the ref never moved: the cascade can be finished again
      }
      e.targetCommit = cur && *cur == e.targetCommit ? e.targetCommit : "";
      if (auto r = store_->updateEpoch(e); !r) return fail(r.error());
    } else if (e.state == "finishing") {
      e.state = "open";
      if (auto r = store_->updateEpoch(e); !r) return fail(r.error());
    } else if (e.state == "starting") {
      e.state = "aborted";
      if (auto r = store_->updateEpoch(e); !r) return fail(r.error());
      if (auto repo = GitRepo::open(repoRoot_))
        if (auto r = repo->deleteBranch(e.cascadeBranch); !r) return fail(r.error());
    }
  }
  scanLeftovers();  // epochs fixed above may have turned live worktrees into orphans
  for (const auto& l : leftovers()) {
    if (l.kind == "worktree") {
      if (auto r = removeSandboxFiles(l.path.filename().string()); !r) return fail(r.error());
    } else if (l.kind == "build-dir") {
      std::error_code ec;
      fs::remove_all(l.path, ec);
    }
  }
  scanLeftovers();
  return found;
}

}  // namespace flywheel::mechanic
