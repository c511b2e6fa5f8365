// Reading a universe's files from a git revision with libgit2 (no checkout).
#include <git2.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>

#include "universe/file_source.h"
#include "universe/sexp.h"

namespace fs = std::filesystem;

namespace flywheel::universe {

namespace {

void initLibgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string lastGitError() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

template <class T, void (*Free)(T*)>
struct GitPtr {
  T* p = nullptr;
  ~GitPtr() { if (p) Free(p); }
  T** out() { return &p; }
};

struct WalkState {
  git_repository* repo;
  SourceFiles* files;
  std::string error;
};

int onEntry(const char* dir, const git_tree_entry* entry, void* payload) {
  auto* st = static_cast<WalkState*>(payload);
  std::string name = git_tree_entry_name(entry);
  if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) return isSkippedDirectory(name) ? 1 : 0;
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB || name.size() < 5 || name.substr(name.size() - 5) != ".lisp") return 0;
  GitPtr<git_blob, git_blob_free> blob;
  if (git_blob_lookup(blob.out(), st->repo, git_tree_entry_id(entry)) != 0) {
    st->error = "cannot read blob " + std::string(dir) + name + ": " + lastGitError();
    return -1;
  }
  auto size = static_cast<size_t>(git_blob_rawsize(blob.p));
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.p));
  st->files->emplace_back(std::string(dir) + name, std::string(data, std::min(size, kMaxKeptBytes + 1)));
  return 0;
}

/// libgit2 reads a revision as a C string: "HEAD\0x" would silently be
/// "HEAD". Refuse NUL (and other control characters) instead.
Result<void> checkRevision(const std::string& revision) {
  auto bad = [](unsigned char c) { return c < 0x20 || c == 0x7f; };
  auto it = std::find_if(revision.begin(), revision.end(), bad);
  if (it == revision.end()) return {};
  std::string shown;
  for (unsigned char c : revision) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", c);
    shown += bad(c) ? std::string(hex) : std::string(1, static_cast<char>(c));
  }
  return fail(Error::invalidArgument("revision '" + shown + "' contains " + (*it == 0 ? "a NUL byte" : "a control character") +
                                     "; pass a commit id, branch or HEAD~N without it"));
}

}  // namespace

Result<std::string> resolveCommit(const fs::path& root, const std::string& revision) {
  if (auto r = checkRevision(revision); !r) return fail(r.error());
  initLibgit2();
  GitPtr<git_repository, git_repository_free> repo;
  if (git_repository_open_ext(repo.out(), root.c_str(), 0, nullptr) != 0)
    return fail(Error::failedPrecondition("universe root " + root.string() +
                                          " is not inside a git repository; revisions need git (run git init)"));
  GitPtr<git_object, git_object_free> obj;
  if (git_revparse_single(obj.out(), repo.p, revision.c_str()) != 0)
    return fail(Error::notFound("revision '" + revision + "' does not resolve: " + lastGitError() +
                                "; pass a commit, branch or HEAD~N"));
  GitPtr<git_object, git_object_free> commit;
  if (git_object_peel(commit.out(), obj.p, GIT_OBJECT_COMMIT) != 0)
    return fail(Error::invalidArgument("revision '" + revision + "' is not a commit: " + lastGitError()));
  char hex[GIT_OID_HEXSZ + 1] = {0};
  git_oid_tostr(hex, sizeof hex, git_object_id(commit.p));
  return std::string(hex);
}

Result<SourceFiles> readRevision(const fs::path& root, const std::string& revision, std::string& commitId) {
  if (auto r = checkRevision(revision); !r) return fail(r.error());
  initLibgit2();
  GitPtr<git_repository, git_repository_free> repo;
  if (git_repository_open_ext(repo.out(), root.c_str(), 0, nullptr) != 0)
    return fail(Error::failedPrecondition("universe root " + root.string() +
                                          " is not inside a git repository; revisions need git (run git init)"));
  const char* workdir = git_repository_workdir(repo.p);
  if (!workdir) return fail(Error::failedPrecondition("repository of " + root.string() + " is bare; use a work tree"));
  std::error_code ec;
  fs::path rel = fs::weakly_canonical(root, ec).lexically_relative(fs::weakly_canonical(workdir, ec));
  std::string prefix = rel.generic_string();
  if (prefix == ".") prefix.clear();
  if (prefix.starts_with("..")) return fail(Error::invalidArgument("universe root " + root.string() + " is outside its repository's work tree"));

  GitPtr<git_object, git_object_free> obj;
  if (git_revparse_single(obj.out(), repo.p, revision.c_str()) != 0)
    return fail(Error::notFound("revision '" + revision + "' does not resolve in " + std::string(workdir) + ": " +
                                lastGitError() + "; pass a commit, branch or HEAD~N"));
  GitPtr<git_object, git_object_free> commit;
  if (git_object_peel(commit.out(), obj.p, GIT_OBJECT_COMMIT) != 0)
    return fail(Error::invalidArgument("revision '" + revision + "' is not a commit: " + lastGitError()));
  char hex[GIT_OID_HEXSZ + 1] = {0};
  git_oid_tostr(hex, sizeof hex, git_object_id(commit.p));
  commitId = hex;

  GitPtr<git_tree, git_tree_free> tree;
  if (git_commit_tree(tree.out(), reinterpret_cast<git_commit*>(commit.p)) != 0)
    return fail(Error::io("cannot read the tree of " + commitId + ": " + lastGitError()));
  GitPtr<git_tree, git_tree_free> sub;
  git_tree* top = tree.p;
  if (!prefix.empty()) {
    GitPtr<git_tree_entry, git_tree_entry_free> entry;
    if (git_tree_entry_bypath(entry.out(), tree.p, prefix.c_str()) != 0)
      return SourceFiles{};  // the universe did not exist yet at that revision
    if (git_tree_lookup(sub.out(), repo.p, git_tree_entry_id(entry.p)) != 0) return SourceFiles{};
    top = sub.p;
  }
  SourceFiles files;
  WalkState st{repo.p, &files, {}};
  if (git_tree_walk(top, GIT_TREEWALK_PRE, onEntry, &st) < 0 && !st.error.empty())
    return fail(Error::io(st.error));
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace flywheel::universe
