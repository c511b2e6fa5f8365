// Building the reality mirror (see mirror.h): listing, caching, parsing.
#include "drift/mirror.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

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

/// Every .rs file under `src` (recursively, no symlinks, no target/), sorted.
std::vector<fs::path> rustFiles(const fs::path& src) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(src, ec)) return out;
  fs::recursive_directory_iterator it(src, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const auto& e = *it;
    if (e.is_symlink(ec)) continue;
    if (e.is_directory(ec)) {
      if (e.path().filename() == "target") it.disable_recursion_pending();
      continue;
    }
    if (e.path().extension() == ".rs" && e.is_regular_file(ec)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Job {
  size_t crate;
  fs::path path;
  MirrorFile file;
};

std::vector<Job> listJobs(const fs::path& root, std::vector<CrateMirror>& crates) {
  std::vector<Job> jobs;
  for (size_t k = 0; k < crates.size(); ++k) {
    std::string src = crates[k].dir.empty() ? "src" : crates[k].dir + "/src";
    for (auto& path : rustFiles(root / src)) {
      MirrorFile f;
      f.local = path.lexically_relative(root / src).generic_string();
      f.path = src + "/" + f.local;
      f.generated = f.local == "generated.rs";
      jobs.push_back({k, std::move(path), std::move(f)});
    }
  }
  return jobs;
}

void extractAll(std::vector<Job>& jobs, MirrorCache& cache, Mirror& m) {
  size_t threads = jobs.size() < 64 ? 1 : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  std::atomic<size_t> next{0}, parsed{0};
  std::vector<u::Diagnostics> w(threads);
  auto work = [&](size_t t) {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      bool p = false;
      jobs[i].file.api = cache.get(jobs[i].path, jobs[i].file.path, w[t], p);
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

std::shared_ptr<const RustFileApi> MirrorCache::get(const fs::path& path, const std::string& rel,
                                                    u::Diagnostics& warnings, bool& parsed) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  int64_t mtime = ec ? 0 : static_cast<int64_t>(fs::last_write_time(path, ec).time_since_epoch().count());
  std::string key = path.string();
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.size == size && it->second.mtime == mtime && it->second.api)
      return it->second.api;
  }
  parsed = true;
  auto api = readAndExtract(path, rel, ec ? 0 : size, warnings);
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
