#include "mechanic/git.h"

#include <git2.h>

#include <mutex>

namespace flywheel::mechanic {
namespace fs = std::filesystem;
namespace {

void initOnce() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

template <class T, void (*Free)(T*)>
struct Owned {
  T* p = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  ~Owned() {
    if (p) Free(p);
  }
  T** out() { return &p; }
  T* get() const { return p; }
  T* operator->() const { return p; }
};
using Obj = Owned<git_object, git_object_free>;
using Ref = Owned<git_reference, git_reference_free>;
using Commit = Owned<git_commit, git_commit_free>;
using Tree = Owned<git_tree, git_tree_free>;
using Index = Owned<git_index, git_index_free>;
using Sig = Owned<git_signature, git_signature_free>;
using Diff = Owned<git_diff, git_diff_free>;
using Patch = Owned<git_patch, git_patch_free>;
using Status = Owned<git_status_list, git_status_list_free>;
using Worktree = Owned<git_worktree, git_worktree_free>;

std::string hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

Result<git_oid> parseOid(const std::string& s) {
  git_oid oid;
  if (s.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, s.c_str()) != 0)
    return fail(Error::invalidArgument("not a commit id: '" + s + "' (expected 40 hex digits)"));
  return oid;
}

Result<void> lookupCommit(git_repository* repo, const std::string& id, Commit& out) {
  auto oid = parseOid(id);
  if (!oid) return fail(oid.error());
  if (git_commit_lookup(out.out(), repo, &*oid) != 0) return fail(gitError("looking up commit " + id));
  return {};
}

Result<void> commitTree(git_repository* repo, const std::string& id, Tree& out) {
  Commit c;
  if (auto r = lookupCommit(repo, id, c); !r) return r;
  if (git_commit_tree(out.out(), c.get()) != 0) return fail(gitError("reading the tree of " + id));
  return {};
}

// flywheel commits; the repository's configured user (user.name and
// user.email) authors, so a landed cascade shows whose repository it served.
void signature(Sig& sig) { git_signature_now(sig.out(), "flywheel", "flywheel@localhost"); }

void authorSignature(git_repository* repo, Sig& sig) {
  if (git_signature_default(sig.out(), repo) != 0) signature(sig);
}

}  // namespace

Error gitError(const std::string& what) {
  const git_error* e = git_error_last();
  return Error::io("git: " + what + " failed: " + (e && e->message ? e->message : "unknown error"));
}

Result<GitRepo> GitRepo::discover(const fs::path& path) {
  initOnce();
  git_repository* r = nullptr;
  if (git_repository_open_ext(&r, path.c_str(), 0, nullptr) != 0)
    return fail(Error::notFound("no git repository contains " + path.string() +
                                "; a universe must be inside a git repository (run `git init`)"));
  return GitRepo(r);
}

Result<GitRepo> GitRepo::open(const fs::path& path) {
  initOnce();
  git_repository* r = nullptr;
  if (git_repository_open(&r, path.c_str()) != 0) return fail(gitError("opening repository " + path.string()));
  return GitRepo(r);
}

GitRepo::GitRepo(GitRepo&& o) noexcept : repo_(o.repo_) { o.repo_ = nullptr; }
GitRepo& GitRepo::operator=(GitRepo&& o) noexcept {
  std::swap(repo_, o.repo_);
  return *this;
}
GitRepo::~GitRepo() {
  if (repo_) git_repository_free(repo_);
}

fs::path GitRepo::workdir() const {
  const char* w = git_repository_workdir(repo_);
  std::error_code ec;
  auto p = fs::canonical(w ? w : "", ec);
  return ec ? fs::path(w ? w : "") : p;
}
fs::path GitRepo::commonDir() const { return git_repository_commondir(repo_); }

Result<std::string> GitRepo::headBranchRef() const {
  Ref head;
  if (git_reference_lookup(head.out(), repo_, "HEAD") != 0) return fail(gitError("reading HEAD"));
  if (git_reference_type(head.get()) != GIT_REFERENCE_SYMBOLIC)
    return fail(Error::failedPrecondition("HEAD is detached; check out a branch before starting a cascade"));
  return std::string(git_reference_symbolic_target(head.get()));
}

Result<std::string> GitRepo::resolve(const std::string& rev) const {
  if (rev.find('\0') != std::string::npos)  // libgit2 would read "HEAD\0x" as "HEAD"
    return fail(Error::invalidArgument("revision contains a NUL byte; pass a commit id, branch or HEAD~N without it"));
  Obj obj, commit;
  if (git_revparse_single(obj.out(), repo_, rev.c_str()) != 0) return fail(gitError("resolving '" + rev + "'"));
  if (git_object_peel(commit.out(), obj.get(), GIT_OBJECT_COMMIT) != 0)
    return fail(gitError("peeling '" + rev + "' to a commit"));
  return hex(*git_object_id(commit.get()));
}

Result<bool> GitRepo::isDirty(const std::vector<std::string>& paths) const {
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
  std::vector<char*> specs;
  for (const auto& p : paths) specs.push_back(const_cast<char*>(p.c_str()));
  opts.pathspec = {specs.data(), specs.size()};
  Status st;
  if (git_status_list_new(st.out(), repo_, &opts) != 0) return fail(gitError("reading status"));
  return git_status_list_entrycount(st.get()) > 0;
}

Result<std::vector<std::string>> GitRepo::dirtyPaths() const {
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
  Status st;
  if (git_status_list_new(st.out(), repo_, &opts) != 0) return fail(gitError("reading status"));
  std::vector<std::string> out;
  for (size_t i = 0; i < git_status_list_entrycount(st.get()); ++i) {
    const git_status_entry* e = git_status_byindex(st.get(), i);
    const git_diff_delta* d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
    if (d) out.push_back(d->new_file.path ? d->new_file.path : d->old_file.path);
  }
  return out;
}

Result<void> GitRepo::createBranch(const std::string& branch, const std::string& commit, bool force) {
  Commit c;
  if (auto r = lookupCommit(repo_, commit, c); !r) return r;
  Ref ref;
  if (git_branch_create(ref.out(), repo_, branch.c_str(), c.get(), force ? 1 : 0) != 0)
    return fail(gitError("creating branch " + branch));
  return {};
}

Result<void> GitRepo::deleteBranch(const std::string& branch) {
  Ref ref;
  if (git_branch_lookup(ref.out(), repo_, branch.c_str(), GIT_BRANCH_LOCAL) != 0) return {};
  if (git_branch_delete(ref.get()) != 0) return fail(gitError("deleting branch " + branch));
  return {};
}

Result<void> GitRepo::addWorktree(const std::string& name, const fs::path& path, const std::string& branch) {
  Ref ref;
  if (git_reference_lookup(ref.out(), repo_, ("refs/heads/" + branch).c_str()) != 0)
    return fail(gitError("looking up branch " + branch));
  git_worktree_add_options opts = GIT_WORKTREE_ADD_OPTIONS_INIT;
  opts.ref = ref.get();
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  Worktree wt;
  if (git_worktree_add(wt.out(), repo_, name.c_str(), path.c_str(), &opts) != 0)
    return fail(gitError("adding worktree " + name + " at " + path.string()));
  return {};
}

Result<void> GitRepo::removeWorktree(const std::string& name, const fs::path& path) {
  Worktree wt;
  if (git_worktree_lookup(wt.out(), repo_, name.c_str()) == 0) {
    git_worktree_prune_options opts = GIT_WORKTREE_PRUNE_OPTIONS_INIT;
    opts.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_LOCKED | GIT_WORKTREE_PRUNE_WORKING_TREE;
    if (git_worktree_prune(wt.get(), &opts) != 0) return fail(gitError("removing worktree " + name));
  }
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return fail(Error::io("removing " + path.string() + ": " + ec.message()));
  return {};
}

Result<std::vector<std::string>> GitRepo::worktrees() const {
  git_strarray arr{};
  if (git_worktree_list(&arr, repo_) != 0) return fail(gitError("listing worktrees"));
  std::vector<std::string> out(arr.strings, arr.strings + arr.count);
  git_strarray_dispose(&arr);
  return out;
}

Result<std::string> GitRepo::commitAll(const std::string& message, const std::string& pathspec, bool* changed) {
  Index idx;
  if (git_repository_index(idx.out(), repo_) != 0) return fail(gitError("opening the index"));
  char* spec = const_cast<char*>(pathspec.c_str());
  git_strarray specs{&spec, pathspec.empty() ? 0u : 1u};
  if (git_index_add_all(idx.get(), &specs, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr) != 0 ||
      git_index_update_all(idx.get(), &specs, nullptr, nullptr) != 0 || git_index_write(idx.get()) != 0)
    return fail(gitError("staging changes"));
  git_oid treeId;
  if (git_index_write_tree(&treeId, idx.get()) != 0) return fail(gitError("writing the tree"));
  auto head = resolve("HEAD");
  if (!head) return fail(head.error());
  Commit parent;
  if (auto r = lookupCommit(repo_, *head, parent); !r) return fail(r.error());
  if (git_oid_equal(&treeId, git_commit_tree_id(parent.get()))) {
    if (changed) *changed = false;
    return *head;
  }
  Tree tree;
  if (git_tree_lookup(tree.out(), repo_, &treeId) != 0) return fail(gitError("looking up the new tree"));
  Sig sig, author;
  signature(sig);
  authorSignature(repo_, author);
  git_oid out;
  const git_commit* parents[] = {parent.get()};
  if (git_commit_create(&out, repo_, "HEAD", author.get(), sig.get(), nullptr, message.c_str(), tree.get(), 1,
                        parents) != 0)
    return fail(gitError("committing"));
  if (changed) *changed = true;
  return hex(out);
}

Result<std::string> GitRepo::cherryPickOnto(const std::string& commit, const std::string& branch) {
  Commit pick, onto;
  if (auto r = lookupCommit(repo_, commit, pick); !r) return fail(r.error());
  auto ontoId = resolve("refs/heads/" + branch);
  if (!ontoId) return fail(ontoId.error());
  if (auto r = lookupCommit(repo_, *ontoId, onto); !r) return fail(r.error());
  Index idx;
  if (git_cherrypick_commit(idx.out(), repo_, pick.get(), onto.get(), 0, nullptr) != 0)
    return fail(gitError("applying " + commit + " onto " + branch));
  if (git_index_has_conflicts(idx.get())) {
    std::string files;
    git_index_conflict_iterator* it = nullptr;
    const git_index_entry *a, *o, *t;
    if (git_index_conflict_iterator_new(&it, idx.get()) == 0) {
      while (git_index_conflict_next(&a, &o, &t, it) == 0) files += std::string(" ") + (o ? o->path : t ? t->path : "?");
      git_index_conflict_iterator_free(it);
    }
    return fail(Error::conflict("the repair conflicts with the cascade branch " + branch + " in:" + files +
                                "; re-open the sandbox from the current cascade and redo the edit"));
  }
  git_oid treeId, out;
  if (git_index_write_tree_to(&treeId, idx.get(), repo_) != 0) return fail(gitError("writing the merged tree"));
  Tree tree;
  if (git_tree_lookup(tree.out(), repo_, &treeId) != 0) return fail(gitError("looking up the merged tree"));
  Sig sig;
  signature(sig);
  const git_commit* parents[] = {onto.get()};
  if (git_commit_create(&out, repo_, ("refs/heads/" + branch).c_str(), git_commit_author(pick.get()), sig.get(),
                        nullptr, git_commit_message(pick.get()), tree.get(), 1, parents) != 0)
    return fail(gitError("committing onto " + branch));
  return hex(out);
}

Result<void> GitRepo::compareAndSwapRef(const std::string& ref, const std::string& expectedOld,
                                        const std::string& newCommit, const std::string& logMessage) {
  auto oldId = parseOid(expectedOld);
  auto newId = parseOid(newCommit);
  if (!oldId) return fail(oldId.error());
  if (!newId) return fail(newId.error());
  Ref out;
  int rc = git_reference_create_matching(out.out(), repo_, ref.c_str(), &*newId, 1, &*oldId, logMessage.c_str());
  if (rc == GIT_EMODIFIED)
    return fail(Error::conflict(ref + " moved since the cascade started (expected " + expectedOld.substr(0, 12) +
                                "); nothing was changed — start a new cascade from the branch's new head"));
  if (rc != 0) return fail(gitError("updating " + ref));
  return {};
}

Result<void> GitRepo::setRef(const std::string& ref, const std::string& commit, const std::string& logMessage) {
  auto id = parseOid(commit);
  if (!id) return fail(id.error());
  Ref out;
  if (git_reference_create(out.out(), repo_, ref.c_str(), &*id, 1, logMessage.c_str()) != 0)
    return fail(gitError("setting " + ref + " to " + commit));
  return {};
}

Result<void> GitRepo::checkoutTree(const std::string& fromCommit, const std::string& toCommit, bool force,
                                   bool dryRun) {
  Tree from, to;
  if (auto r = commitTree(repo_, fromCommit, from); !r) return r;
  if (auto r = commitTree(repo_, toCommit, to); !r) return r;
  git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
  opts.checkout_strategy = (force ? GIT_CHECKOUT_FORCE : GIT_CHECKOUT_SAFE) | (dryRun ? GIT_CHECKOUT_DRY_RUN : 0);
  opts.baseline = from.get();
  int rc = git_checkout_tree(repo_, reinterpret_cast<git_object*>(to.get()), &opts);
  if (rc == GIT_ECONFLICT)
    return fail(Error::conflict("the working tree has local changes to files the cascade changes; nothing was "
                                "checked out — commit or stash them, then run `git checkout -- .` or retry"));
  if (rc != 0) return fail(gitError("checking out " + toCommit));
  return {};
}

Result<bool> GitRepo::isAncestor(const std::string& ancestor, const std::string& commit) const {
  auto a = resolve(ancestor);
  if (!a) return fail(a.error());
  auto c = resolve(commit);
  if (!c) return fail(c.error());
  if (*a == *c) return true;
  auto aid = parseOid(*a);
  auto cid = parseOid(*c);
  if (!aid || !cid) return fail(Error::invalidArgument("not a commit id: " + *a + " or " + *c));
  int rc = git_graph_descendant_of(repo_, &*cid, &*aid);
  if (rc < 0) return fail(gitError("checking whether " + ancestor + " is an ancestor of " + commit));
  return rc == 1;
}

Result<std::vector<std::string>> GitRepo::changedPaths(const std::string& fromCommit, const std::string& toCommit) const {
  auto files = diffFiles(fromCommit, toCommit);
  if (!files) return fail(files.error());
  std::vector<std::string> out;
  for (const auto& [path, patch] : *files) out.push_back(path);
  return out;
}

Result<std::map<std::string, std::string>> GitRepo::diffFiles(const std::string& fromCommit,
                                                              const std::string& toCommit) const {
  Tree from, to;
  if (auto r = commitTree(repo_, fromCommit, from); !r) return fail(r.error());
  if (auto r = commitTree(repo_, toCommit, to); !r) return fail(r.error());
  Diff diff;
  if (git_diff_tree_to_tree(diff.out(), repo_, from.get(), to.get(), nullptr) != 0)
    return fail(gitError("diffing " + fromCommit + ".." + toCommit));
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    Patch patch;
    git_buf buf = GIT_BUF_INIT;
    if (git_patch_from_diff(patch.out(), diff.get(), i) != 0 || !patch.get()) continue;
    if (git_patch_to_buf(&buf, patch.get()) == 0) {
      const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
      out[d->new_file.path] = std::string(buf.ptr, buf.size);
    }
    git_buf_dispose(&buf);
  }
  return out;
}

}  // namespace flywheel::mechanic
