#include "mechanic/worktrees.h"

#include <chrono>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "mechanic/git.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kManifestFormat = 1;

Result<void> checkName(const std::string& name) {
  static const std::regex kName("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$");
  if (!std::regex_match(name, kName))
    return fail(Error::invalidArgument("worktree name '" + name.substr(0, 120) +
                                       "' must be 1-100 characters of [A-Za-z0-9._-], starting with a letter or digit"));
  return {};
}

Result<void> checkSpec(const WorktreeSpec& s) {
  if (auto r = checkName(s.name); !r) return r;
  auto line = [](const std::string& v) { return !v.empty() && v.size() <= 200 && v.find('\n') == std::string::npos; };
  if (!line(s.kind)) return fail(Error::invalidArgument("worktree " + s.name + ": kind must be one line of 1-200 characters"));
  if (!line(s.owner))
    return fail(Error::invalidArgument("worktree " + s.name + ": owner must be one line of 1-200 characters, e.g. "
                                       "\"learn replay 3\""));
  return {};
}

// A copy of a warm target dir: the first build then redoes only what differs
// (bench/mechanic measures it). A partial copy is worth less than a cold start.
void seedBuildDir(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (from.empty() || fs::exists(to, ec) || !fs::is_directory(from, ec)) return;
  fs::create_directories(to.parent_path(), ec);
  fs::copy(from, to, fs::copy_options::recursive, ec);
  if (ec) fs::remove_all(to, ec);
}

}  // namespace

std::string epochOwner(std::int64_t epoch) { return "epoch " + std::to_string(epoch); }

std::optional<std::int64_t> ownerEpoch(const std::string& owner) {
  static const std::regex kEpoch("^epoch ([0-9]{1,18})$");
  std::smatch m;
  if (!std::regex_match(owner, m, kEpoch)) return std::nullopt;
  return std::stoll(m[1].str());
}

Worktrees::Worktrees(fs::path repoRoot, fs::path stateDir, std::string prefix)
    : repoRoot_(std::move(repoRoot)), stateDir_(std::move(stateDir)), prefix_(std::move(prefix)) {}

fs::path Worktrees::path(const std::string& name) const { return stateDir_ / "sandboxes" / name; }
fs::path Worktrees::universeDir(const std::string& name) const {
  return prefix_.empty() ? path(name) : path(name) / prefix_;
}
fs::path Worktrees::buildDir(const std::string& name) const { return stateDir_ / "builds" / name; }
fs::path Worktrees::manifestPath(const std::string& name) const { return stateDir_ / "worktrees" / (name + ".json"); }

WorktreeInfo Worktrees::describe(const std::string& name) const {
  WorktreeInfo w{.name = name, .path = path(name), .universeDir = universeDir(name), .buildDir = buildDir(name)};
  std::error_code ec;
  w.worktreeExists = fs::exists(w.path, ec);
  w.buildDirExists = fs::exists(w.buildDir, ec);
  return w;
}

Result<std::optional<WorktreeInfo>> Worktrees::readManifest(const std::string& name) const {
  auto text = readFile(manifestPath(name));
  if (!text) {
    if (text.error().code == "not_found") return std::optional<WorktreeInfo>();
    return fail(text.error());
  }
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.value("owner", json()).is_string())
    return fail(Error::io("worktree manifest " + manifestPath(name).string() +
                          " is not readable JSON with an owner; remove it to let the mechanic judge the worktree"));
  WorktreeInfo w = describe(name);
  w.hasManifest = true;
  w.kind = j.value("kind", "");
  w.owner = j.value("owner", "");
  w.branch = j.value("branch", "");
  w.commit = j.value("commit", "");
  w.ownsBranch = j.value("owns_branch", false);
  w.createdAt = j.value("created_at", 0.0);
  return std::optional<WorktreeInfo>(std::move(w));
}

Result<std::optional<WorktreeInfo>> Worktrees::find(const std::string& name) const {
  if (auto r = checkName(name); !r) return fail(r.error());
  auto m = readManifest(name);
  if (!m || *m) return m;
  WorktreeInfo w = describe(name);
  if (!w.worktreeExists && !w.buildDirExists) return std::optional<WorktreeInfo>();
  return std::optional<WorktreeInfo>(std::move(w));
}

Result<std::vector<WorktreeInfo>> Worktrees::list() const {
  std::set<std::string> names;
  auto scan = [&](const fs::path& dir, const std::string& suffix) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string n = it->path().filename().string();
      if (!suffix.empty()) {
        if (!n.ends_with(suffix)) continue;  // temp files of an atomic write
        n.resize(n.size() - suffix.size());
      }
      if (checkName(n)) names.insert(n);
    }
  };
  scan(stateDir_ / "worktrees", ".json");
  scan(stateDir_ / "sandboxes", "");
  scan(stateDir_ / "builds", "");
  std::vector<WorktreeInfo> out;
  for (const auto& n : names) {
    auto w = find(n);
    if (!w) {  // an unreadable manifest: owned by someone unknown, so nobody's clean-up takes it
      WorktreeInfo u = describe(n);
      u.hasManifest = true;
      out.push_back(std::move(u));
    } else if (*w) {
      out.push_back(std::move(**w));
    }
  }
  return out;
}

Result<WorktreeInfo> Worktrees::open(const WorktreeSpec& spec) const {
  if (auto r = checkSpec(spec); !r) return fail(r.error());
  auto old = readManifest(spec.name);
  if (!old) return fail(old.error());
  if (*old && (*old)->owner != spec.owner)
    return fail(Error::failedPrecondition("worktree " + spec.name + " belongs to " + (*old)->owner + ", not " +
                                          spec.owner + "; pick another name or let its owner remove it"));
  auto repo = GitRepo::open(repoRoot_);
  if (!repo) return fail(repo.error());
  if (auto r = repo->removeWorktree(spec.name, path(spec.name)); !r) return fail(r.error());
  WorktreeInfo w = describe(spec.name);
  w.kind = spec.kind;
  w.owner = spec.owner;
  w.commit = spec.commit;
  w.ownsBranch = spec.branch.empty();
  w.branch = w.ownsBranch ? "flywheel/wt/" + spec.name : spec.branch;
  w.hasManifest = true;
  w.createdAt = wallNow();
  json m = {{"format", kManifestFormat}, {"name", w.name},     {"kind", w.kind},
            {"owner", w.owner},          {"branch", w.branch}, {"owns_branch", w.ownsBranch},
            {"commit", w.commit},        {"created_at", w.createdAt}};
  // The manifest comes first: whatever a crash leaves on disk has an owner.
  if (auto r = writeFileAtomic(manifestPath(spec.name), m.dump() + "\n"); !r) return fail(r.error());
  if (auto r = repo->createBranch(w.branch, spec.commit, true); !r) return fail(r.error());
  if (auto r = repo->addWorktree(spec.name, w.path, w.branch); !r) return fail(r.error());
  seedBuildDir(spec.seedBuildFrom, w.buildDir);
  w.worktreeExists = true;
  std::error_code ec;
  w.buildDirExists = fs::exists(w.buildDir, ec);
  return w;
}

Result<void> Worktrees::remove(const std::string& name) const {
  if (auto r = checkName(name); !r) return r;
  auto m = readManifest(name);
  auto repo = GitRepo::open(repoRoot_);
  if (!repo) return fail(repo.error());
  if (auto r = repo->removeWorktree(name, path(name)); !r) return r;
  std::error_code ec;
  fs::remove_all(buildDir(name), ec);
  if (ec) return fail(Error::io("removing the build dir " + buildDir(name).string() + ": " + ec.message()));
  if (m && *m && (*m)->ownsBranch)
    if (auto r = repo->deleteBranch((*m)->branch); !r) return r;
  fs::remove(manifestPath(name), ec);
  if (ec) return fail(Error::io("removing the manifest " + manifestPath(name).string() + ": " + ec.message()));
  return {};
}

Result<std::vector<WorktreeInfo>> Worktrees::removeDead(const std::function<bool(const WorktreeInfo&)>& isDead) const {
  auto all = list();
  if (!all) return fail(all.error());
  std::vector<WorktreeInfo> removed;
  for (auto& w : *all) {
    if (!w.hasManifest || !isDead(w)) continue;
    if (auto r = remove(w.name); !r) return fail(r.error());
    removed.push_back(std::move(w));
  }
  return removed;
}

}  // namespace flywheel::mechanic
