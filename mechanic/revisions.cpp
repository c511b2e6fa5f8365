#include "mechanic/revisions.h"

#include "mechanic/git.h"
#include "mechanic/paths.h"
#include "mechanic/store.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;

namespace {

bool isWorktree(const std::optional<std::string>& rev) { return rev && (rev->empty() || *rev == "worktree"); }

// True when an intent file of the universe has staged, unstaged or untracked changes.
Result<bool> dirtyIntent(const GitRepo& repo, const fs::path& root) {
  std::string prefix = root.lexically_relative(repo.workdir()).generic_string();
  if (prefix == "." || prefix.empty()) prefix.clear();
  else if (prefix.back() != '/') prefix += '/';
  auto dirty = repo.dirtyPaths();
  if (!dirty) return fail(dirty.error());
  for (const auto& p : *dirty)
    if (p.size() > 5 && p.ends_with(".lisp") && p.rfind(prefix, 0) == 0 && p.find(".flywheel/") == std::string::npos)
      return true;
  return false;
}

}  // namespace

std::string RevisionRange::text() const { return "comparing " + from + ".." + to + " (" + why + ")"; }

Result<RevisionRange> chooseRevisions(const fs::path& universeRoot, std::optional<std::string> from,
                                      std::optional<std::string> to, const std::optional<std::string>& lastLanded) {
  std::error_code ec;
  const fs::path root = fs::canonical(universeRoot, ec);
  if (ec) return fail(Error::notFound("universe root " + universeRoot.string() + " does not exist"));
  auto repo = GitRepo::discover(root);
  if (!repo) return fail(repo.error());
  if (from && to) return RevisionRange{*from, isWorktree(to) ? "worktree" : *to, "as asked"};
  RevisionRange r;
  if (!to) {
    auto dirty = dirtyIntent(*repo, root);
    if (!dirty) return fail(dirty.error());
    to = *dirty ? "worktree" : "HEAD";
  }
  r.to = isWorktree(to) ? "worktree" : *to;
  if (from) {
    r.from = *from;
    r.why = "from as asked";
  } else if (r.to == "worktree") {
    r.from = "HEAD";
    r.why = "uncommitted intent changes in the working tree";
  } else if (r.to != "HEAD") {
    r.from = r.to + "~1";
    r.why = "the commit " + r.to;
  } else if (lastLanded && repo->isAncestor(*lastLanded, "HEAD").value_or(false)) {
    r.from = lastLanded->substr(0, 12);
    const bool nothing = repo->resolve("HEAD").value_or("") == *lastLanded;
    r.why = nothing ? "nothing committed since the last landed cascade" : "the commits since the last landed cascade";
  } else if (!repo->resolve("HEAD~1")) {
    r.from = "HEAD";
    r.why = "HEAD is the repository's first commit: nothing before it to compare";
  } else {
    r.from = "HEAD~1";
    r.why = "the last commit";
  }
  return r;
}

Result<std::optional<std::string>> lastLandedCascade(const fs::path& universeRoot) {
  const fs::path db = universeRoot / ".flywheel" / "kb.sqlite";
  std::error_code ec;
  if (!fs::exists(db, ec)) return std::optional<std::string>();
  auto store = Store::open(db);
  if (!store) return fail(store.error());
  auto epochs = (*store)->epochs();
  if (!epochs) return fail(epochs.error());
  for (auto it = epochs->rbegin(); it != epochs->rend(); ++it)
    if (it->state == "finished" && !it->targetCommit.empty()) return std::optional<std::string>(it->targetCommit);
  return std::optional<std::string>();
}

Result<RevisionRange> defaultRevisions(const fs::path& universeRoot, std::optional<std::string> from,
                                       std::optional<std::string> to) {
  std::optional<std::string> landed;
  if (!from) {
    auto l = lastLandedCascade(universeRoot);
    if (!l) return fail(l.error());
    landed = *l;
  }
  return chooseRevisions(universeRoot, std::move(from), std::move(to), landed);
}

}  // namespace flywheel::mechanic
