// Reading a universe's files from the working tree.
#include <algorithm>
#include <fstream>
#include <tuple>

#include "universe/file_source.h"
#include "universe/sexp.h"

namespace fs = std::filesystem;

namespace flywheel::universe {

bool isSkippedDirectory(std::string_view name) {
  return name == ".git" || name == "target" || name == "node_modules" || name == ".flywheel";
}

namespace {

bool isIntentFile(const fs::path& p) { return p.extension() == ".lisp"; }
bool isWatched(const fs::path& p) { return p.extension() == ".lisp" || p.extension() == ".rs"; }

bool inside(const fs::path& root, const fs::path& p) {
  auto rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

/// Why a symbolic link met during the walk is not read.
std::string linkReason(const fs::path& root, const fs::path& link, bool directory) {
  std::error_code ec;
  fs::path target = fs::read_symlink(link, ec);
  fs::path resolved = fs::weakly_canonical(link, ec);
  bool out = ec || !inside(fs::weakly_canonical(root, ec), resolved);
  std::string what = std::string(directory ? "is a directory symlink" : "is a symbolic link") + " to " +
                     target.string() + (out ? ", outside the universe" : "");
  std::string fix = out ? "flywheel reads only files inside the universe root; copy the file into the universe"
                        : "flywheel never follows links; replace the link with the file itself";
  return "skipped: " + what + "; " + fix;
}

/// Walks regular files below root that `relevant` accepts, skipping the
/// ignored directories, never following symlinks (noting the relevant ones
/// in `skipped`).
template <class Fn>
Result<void> walk(const fs::path& root, bool (*relevant)(const fs::path&), Fn&& fn,
                  std::vector<SkippedFile>* skipped = nullptr) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return fail(Error::notFound("universe root " + root.string() + " is not a directory; pass --universe DIR"));
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) return fail(Error::io("cannot list " + root.string() + ": " + ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) return fail(Error::io("cannot list under " + root.string() + ": " + ec.message()));
    const auto& entry = *it;
    if (entry.is_symlink(ec)) {
      if (!skipped) continue;
      std::string rel = entry.path().lexically_relative(root).generic_string();
      if (entry.is_directory(ec) && fs::exists(entry.path() / "intent.lisp", ec))
        skipped->push_back({rel + "/intent.lisp", linkReason(root, entry.path(), true)});
      else if (relevant(entry.path()))
        skipped->push_back({rel, linkReason(root, entry.path(), false)});
      continue;
    }
    if (entry.is_directory(ec)) {
      if (isSkippedDirectory(entry.path().filename().string())) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(ec) || !relevant(entry.path())) continue;
    fn(entry);
  }
  return {};
}

}  // namespace

Result<SourceFiles> readWorkingTree(const fs::path& root, std::vector<SkippedFile>* skipped) {
  SourceFiles files;
  auto r = walk(
      root, isIntentFile,
      [&](const fs::directory_entry& entry) {
        std::ifstream in(entry.path(), std::ios::binary);
        if (!in) return;
        std::error_code ec;
        uintmax_t size = entry.file_size(ec);
        std::string content(static_cast<size_t>(std::min<uintmax_t>(ec ? 0 : size, kMaxKeptBytes + 1)), '\0');
        in.read(content.data(), static_cast<std::streamsize>(content.size()));
        content.resize(static_cast<size_t>(in.gcount()));
        files.emplace_back(entry.path().lexically_relative(root).generic_string(), std::move(content));
      },
      skipped);
  if (!r) return fail(r.error());
  std::sort(files.begin(), files.end());
  if (skipped) std::sort(skipped->begin(), skipped->end(), [](auto& a, auto& b) { return a.path < b.path; });
  return files;
}

std::string whyNotRead(const fs::path& root, const std::string& relative) {
  std::error_code ec;
  fs::path rel(relative);
  fs::path realRoot = fs::weakly_canonical(root, ec);
  if (rel.is_absolute())
    return "is an absolute path, which leaves the universe; use a path relative to the universe root, inside it";
  fs::path normal = rel.lexically_normal();
  if (!normal.empty() && *normal.begin() == "..")
    return "leaves the universe (it climbs out of the universe root with '..'); keep the file inside the universe";
  fs::path full = root / rel;
  if (fs::is_symlink(full, ec) || !inside(realRoot, fs::weakly_canonical(full, ec))) {
    fs::path resolved = fs::weakly_canonical(full, ec);
    if (!inside(realRoot, resolved))
      return "leaves the universe (it resolves to " + resolved.string() +
             " through a symbolic link); flywheel reads only files inside the universe root: copy the file in";
    return "is a symbolic link, which flywheel never follows; replace the link with the file itself";
  }
  return "does not exist";
}

std::vector<std::tuple<std::string, uintmax_t, int64_t>> workingTreeSignature(const fs::path& root) {
  std::vector<std::tuple<std::string, uintmax_t, int64_t>> sig;
  (void)walk(root, isWatched, [&](const fs::directory_entry& entry) {
    std::error_code ec;
    auto size = entry.file_size(ec);
    auto time = entry.last_write_time(ec).time_since_epoch().count();
    sig.emplace_back(entry.path().lexically_relative(root).generic_string(), size, static_cast<int64_t>(time));
  });
  std::sort(sig.begin(), sig.end());
  return sig;
}

}  // namespace flywheel::universe
