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

/// Walks regular files below root that `relevant` accepts, skipping the
/// ignored directories, never following symlinks.
template <class Fn>
Result<void> walk(const fs::path& root, bool (*relevant)(const fs::path&), Fn&& fn) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return fail(Error::notFound("universe root " + root.string() + " is not a directory; pass --universe DIR"));
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) return fail(Error::io("cannot list " + root.string() + ": " + ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) return fail(Error::io("cannot list under " + root.string() + ": " + ec.message()));
    const auto& entry = *it;
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) {
      if (isSkippedDirectory(entry.path().filename().string())) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec) || !relevant(entry.path())) continue;
    fn(entry);
  }
  return {};
}

}  // namespace

Result<SourceFiles> readWorkingTree(const fs::path& root) {
  SourceFiles files;
  Error readError;
  auto r = walk(root, isIntentFile, [&](const fs::directory_entry& entry) {
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) return;
    std::error_code ec;
    uintmax_t size = entry.file_size(ec);
    std::string content(static_cast<size_t>(std::min<uintmax_t>(ec ? 0 : size, kMaxFileBytes + 1)), '\0');
    in.read(content.data(), static_cast<std::streamsize>(content.size()));
    content.resize(static_cast<size_t>(in.gcount()));
    files.emplace_back(entry.path().lexically_relative(root).generic_string(), std::move(content));
  });
  if (!r) return fail(r.error());
  std::sort(files.begin(), files.end());
  return files;
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
