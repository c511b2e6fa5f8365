// Building the reality mirror (see mirror.h): listing, caching, parsing.
#include "drift/mirror.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace flywheel::drift {

namespace u = flywheel::universe;

namespace {

constexpr uintmax_t kMaxFileBytes = 4u << 20;

u::Diagnostic warning(const std::string& file, uint32_t line, std::string message) {
  return u::Diagnostic{u::Severity::Warning, file, {line, line ? 1u : 0u}, std::move(message)};
}

std::shared_ptr<const RustFileApi> readAndExtract(const fs::path& path, const std::string& rel, uintmax_t size,
                                                  u::Diagnostics& warnings) {
  if (size > kMaxFileBytes) {
    warnings.push_back(warning(rel, 0, "Rust file of " + std::to_string(size) + " bytes is over the " +
                                           std::to_string(kMaxFileBytes) + "-byte limit; it is left out of the mirror"));
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    warnings.push_back(warning(rel, 0, "cannot read this Rust file; it is left out of the mirror (check its permissions)"));
    return nullptr;
  }
  return std::make_shared<RustFileApi>(extractRustApi(text));
}

/// A .rs file found under a crate's src/, with what the cache keys on.
struct Listed {
  fs::path path;
  uintmax_t size = 0;
  int64_t mtime = 0;
};

/// Every .rs file under `src` (recursively, no symlinks, no target/), sorted.
/// One fstatat per entry, relative to its directory: at 10,000 crates the
/// warm audit is mostly this walk, so it avoids re-resolving long paths.
void listRust(const fs::path& dirPath, std::vector<Listed>& out, int depth = 0) {
  if (depth > 32) return;
  DIR* dir = ::opendir(dirPath.c_str());
  if (!dir) return;
  int fd = ::dirfd(dir);
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st {};
    if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (n != "target") subdirs.emplace_back(n);
    } else if (S_ISREG(st.st_mode) && n.size() > 3 && n.substr(n.size() - 3) == ".rs") {
      int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      out.push_back({dirPath / std::string(n), static_cast<uintmax_t>(st.st_size), mtime});
    }
  }
  ::closedir(dir);
  for (const auto& sub : subdirs) listRust(dirPath / sub, out, depth + 1);
}

std::vector<Listed> rustFiles(const fs::path& src) {
  std::vector<Listed> out;
  listRust(src, out);
  std::sort(out.begin(), out.end(), [](const Listed& a, const Listed& b) { return a.path < b.path; });
  return out;
}

struct Job {
  size_t crate;
  Listed listed;
  MirrorFile file;
};

/// The files of every crate, listed on a few threads when there are many
/// crates (the walk waits on the file system more than on the CPU).
std::vector<Job> listJobs(const fs::path& root, std::vector<CrateMirror>& crates) {
  std::vector<std::vector<Job>> per(crates.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k; (k = next.fetch_add(1)) < crates.size();) {
      std::string src = crates[k].dir.empty() ? "src" : crates[k].dir + "/src";
      const fs::path base = root / src;
      const size_t prefix = base.native().size() + 1;
      for (auto& listed : rustFiles(base)) {
        MirrorFile f;
        f.local = listed.path.native().substr(prefix);
        f.path = src + "/" + f.local;
        f.generated = f.local == "generated.rs";
        per[k].push_back({k, std::move(listed), std::move(f)});
      }
    }
  };
  size_t threads = crates.size() < 64 ? 1 : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  std::vector<Job> jobs;
  for (auto& v : per)
    for (auto& j : v) jobs.push_back(std::move(j));
  return jobs;
}

void extractAll(std::vector<Job>& jobs, MirrorCache& cache, Mirror& m) {
  size_t threads = jobs.size() < 64 ? 1 : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  std::atomic<size_t> next{0}, parsed{0};
  std::vector<u::Diagnostics> w(threads);
  auto work = [&](size_t t) {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      bool p = false;
      const Listed& l = jobs[i].listed;
      jobs[i].file.api = cache.get(l.path, jobs[i].file.path, l.size, l.mtime, w[t], p);
      if (p) ++parsed;
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (auto& d : w) m.warnings.insert(m.warnings.end(), d.begin(), d.end());
  m.files += jobs.size();
  m.parsed += parsed;
}

}  // namespace

const MirrorFile* CrateMirror::file(const std::string& local) const {
  for (const auto& f : files)
    if (f.local == local) return &f;
  return nullptr;
}

const CrateMirror* Mirror::crate(const std::string& service) const {
  auto it = std::lower_bound(crates.begin(), crates.end(), service,
                             [](const CrateMirror& c, const std::string& s) { return c.service < s; });
  return it != crates.end() && it->service == service ? &*it : nullptr;
}

std::shared_ptr<const RustFileApi> MirrorCache::get(const fs::path& path, const std::string& rel, uintmax_t size,
                                                    int64_t mtime, u::Diagnostics& warnings, bool& parsed) {
  const std::string& key = path.native();
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.size == size && it->second.mtime == mtime && it->second.api)
      return it->second.api;
  }
  parsed = true;
  auto api = readAndExtract(path, rel, size, warnings);
  std::lock_guard lock(mutex_);
  entries_[key] = Entry{size, mtime, api};
  return api;
}

size_t MirrorCache::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

Mirror buildMirror(const fs::path& root, const u::Universe& un, MirrorCache* cache,
                   const std::vector<std::string>& services) {
  auto start = std::chrono::steady_clock::now();
  Mirror m;
  MirrorCache local;
  for (const auto& s : un.services) {
    if (!services.empty() && std::find(services.begin(), services.end(), s.name) == services.end()) continue;
    m.crates.push_back({s.name, s.crateName, s.dir, {}});
  }
  auto jobs = listJobs(root, m.crates);
  extractAll(jobs, cache ? *cache : local, m);
  for (auto& j : jobs) {
    if (!j.file.api) continue;
    if (j.file.api->syntaxError)
      m.warnings.push_back(warning(j.file.path, j.file.api->errorLine,
                                   "Rust syntax error; the mirror of this file may be incomplete until it parses"));
    m.crates[j.crate].files.push_back(std::move(j.file));
  }
  std::stable_sort(m.warnings.begin(), m.warnings.end(),
                   [](const u::Diagnostic& a, const u::Diagnostic& b) { return a.file < b.file; });
  m.millis = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return m;
}

CrateMirror mirrorCrate(const fs::path& root, const std::string& service, const std::string& dir, MirrorCache* cache,
                        u::Diagnostics& warnings) {
  Mirror m;
  m.crates.push_back({service, u::crateNameOf(service), dir, {}});
  MirrorCache local;
  auto jobs = listJobs(root, m.crates);
  extractAll(jobs, cache ? *cache : local, m);
  for (auto& j : jobs)
    if (j.file.api) m.crates[0].files.push_back(std::move(j.file));
  warnings.insert(warnings.end(), m.warnings.begin(), m.warnings.end());
  return std::move(m.crates[0]);
}

CrateNames crateNamesOf(const u::Universe& un) {
  CrateNames out;
  for (const auto& s : un.services) out.emplace(s.crateName, s.name);
  return out;
}

}  // namespace flywheel::drift
