// Scanning service code for observed references (see reality.h).
#include "universe/reality.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>

namespace fs = std::filesystem;

namespace flywheel::universe {

namespace {

Diagnostic warning(const std::string& file, SourcePos pos, std::string message) {
  return Diagnostic{Severity::Warning, file, pos, std::move(message)};
}

/// `session-token` -> `session_token`; `session-token` -> `SessionToken`.
std::string snakeOf(const std::string& kebab) {
  std::string out = kebab;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}
std::string camelOf(const std::string& kebab) {
  std::string out;
  bool upper = true;
  for (char c : kebab) {
    if (c == '-' || c == '_') { upper = true; continue; }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

/// The Rust names of one service's symbols, built on first use.
class NameIndex {
 public:
  explicit NameIndex(const Graph& g) : g_(g), byService_(g.serviceCount()) {}

  const std::unordered_map<std::string, SymbolId>& of(ServiceId s) {
    auto& slot = byService_[s];
    if (slot) return *slot;
    slot = std::make_unique<std::unordered_map<std::string, SymbolId>>();
    size_t prefix = g_.serviceName(s).size() + 1;
    for (SymbolId id : g_.symbolsOf(s)) {
      std::string local = g_.symbolName(id).substr(prefix);
      switch (g_.symbolKind(id)) {
        case SymbolKind::Type:
        case SymbolKind::Enum:
        case SymbolKind::Alias: slot->emplace(local, id); break;
        case SymbolKind::Rpc:
        case SymbolKind::Pattern:
          slot->emplace(snakeOf(local), id);
          slot->emplace(camelOf(local), id);
          break;
        default: break;
      }
    }
    return *slot;
  }

 private:
  const Graph& g_;
  std::vector<std::unique_ptr<std::unordered_map<std::string, SymbolId>>> byService_;
};

/// Every .rs file under `dir` (recursively, no symlinks), sorted, except
/// the machine-owned src/generated.rs.
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
    if (e.path().extension() != ".rs" || !e.is_regular_file(ec)) continue;
    if (e.path().parent_path() == src && e.path().filename() == "generated.rs") continue;
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<const RustFileRefs> readAndExtract(const fs::path& path, const std::string& rel, uintmax_t size,
                                                   Diagnostics& warnings) {
  if (size > kMaxRustFileBytes) {
    warnings.push_back(warning(rel, {}, "Rust file of " + std::to_string(size) + " bytes is over the " +
                                            std::to_string(kMaxRustFileBytes) +
                                            "-byte scanning limit; its references are not observed"));
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    warnings.push_back(warning(rel, {}, "cannot read this Rust file; its references are not observed (check its permissions)"));
    return nullptr;
  }
  return std::make_shared<RustFileRefs>(extractRustRefs(text));
}

}  // namespace

std::shared_ptr<const RustFileRefs> RealityCache::refs(const fs::path& path, const std::string& rel,
                                                       Diagnostics& warnings, Stats& stats) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  int64_t mtime = ec ? 0 : static_cast<int64_t>(fs::last_write_time(path, ec).time_since_epoch().count());
  ++stats.files;
  std::string key = path.string();
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.size == size && it->second.mtime == mtime && it->second.refs) {
      it->second.seen = true;
      return it->second.refs;
    }
  }
  ++stats.parsed;
  auto refs = readAndExtract(path, rel, ec ? 0 : size, warnings);
  std::lock_guard lock(mutex_);
  entries_[key] = Entry{size, mtime, refs, true};
  return refs;
}

void RealityCache::sweep() {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!it->second.seen) it = entries_.erase(it);
    else (it++)->second.seen = false;
  }
}

namespace {

/// Resolves one service's references and keeps the undeclared ones.
class ServiceScan {
 public:
  ServiceScan(const Graph& g, const Service& svc, ServiceId id, NameIndex& names,
              const std::unordered_map<std::string, ServiceId>& crates)
      : g_(g), id_(id), names_(names), crates_(crates) {
    for (const auto& use : svc.uses)
      for (const auto& n : use.names)
        if (auto s = g.findSymbol(use.service + "/" + n.name)) declared_.push_back(*s);
    std::sort(declared_.begin(), declared_.end());
    for (ServiceId d : g.dependencies(id)) dependsOn_.push_back(d);
  }

  void file(const std::string& rel, const RustFileRefs& refs, size_t& references) {
    auto crateOf = [&](const std::string& first) -> std::optional<ServiceId> {
      auto alias = refs.crateAliases.find(first);
      auto it = crates_.find(alias != refs.crateAliases.end() ? alias->second : first);
      if (it == crates_.end() || it->second == id_) return std::nullopt;
      return it->second;
    };
    for (const auto& p : refs.paths) {
      auto target = crateOf(p.first);
      if (!target) continue;
      const auto& index = names_.of(*target);
      if (auto it = index.find(p.name); it != index.end()) note(*target, it->second, rel, p.line, references);
    }
    for (const auto& glob : refs.globCrates) {
      auto target = crateOf(glob);
      if (!target) continue;
      const auto& index = names_.of(*target);
      for (const auto& [name, line] : refs.bareNames)
        if (auto it = index.find(name); it != index.end()) note(*target, it->second, rel, line, references);
    }
  }

  void emit(std::vector<ObservedEdge>& out) {
    for (auto& [sym, e] : found_) out.push_back(std::move(e));
  }

 private:
  bool declared(SymbolId sym) const {
    if (std::binary_search(declared_.begin(), declared_.end(), sym)) return true;
    for (SymbolId user : g_.usedBy(sym))
      if (g_.owner(user) == id_) return true;
    return false;
  }

  void note(ServiceId target, SymbolId sym, const std::string& rel, uint32_t line, size_t& references) {
    ++references;
    auto it = found_.find(sym);
    if (it != found_.end()) {
      ++it->second.count;
      return;
    }
    if (declared(sym)) return;
    bool depends = std::binary_search(dependsOn_.begin(), dependsOn_.end(), target);
    found_.emplace(sym, ObservedEdge{id_, sym, rel, line, !depends, 1});
  }

  const Graph& g_;
  ServiceId id_;
  NameIndex& names_;
  const std::unordered_map<std::string, ServiceId>& crates_;
  std::vector<SymbolId> declared_;
  std::vector<ServiceId> dependsOn_;
  std::map<SymbolId, ObservedEdge> found_;  // first reference in file order, then line order
};

}  // namespace

namespace {

struct CodeFile {
  size_t service;  // index into Universe::services
  fs::path path;
  std::string rel;
  std::shared_ptr<const RustFileRefs> refs;
};

/// Reads (from the cache, or by parsing) every file's references, on a few
/// threads when there are many files: parsing is the expensive part.
void extractAll(std::vector<CodeFile>& files, RealityCache& cache, Diagnostics& warnings, RealityCache::Stats& stats) {
  size_t threads = files.size() < 64 ? 1 : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  std::atomic<size_t> nextFile{0};
  std::vector<Diagnostics> w(threads);
  std::vector<RealityCache::Stats> st(threads);
  auto work = [&](size_t t) {
    for (size_t i; (i = nextFile.fetch_add(1)) < files.size();) files[i].refs = cache.refs(files[i].path, files[i].rel, w[t], st[t]);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (size_t t = 0; t < threads; ++t) {
    warnings.insert(warnings.end(), w[t].begin(), w[t].end());
    stats.files += st[t].files;
    stats.parsed += st[t].parsed;
  }
}

}  // namespace

RealityScan scanReality(const fs::path& root, const Universe& u, const Graph& g, RealityCache* cache) {
  auto start = std::chrono::steady_clock::now();
  RealityScan scan;
  RealityCache local;
  RealityCache& c = cache ? *cache : local;
  std::vector<CodeFile> files;
  for (size_t k = 0; k < u.services.size(); ++k) {
    std::string dir = u.services[k].dir.empty() ? "src" : u.services[k].dir + "/src";
    for (auto& path : rustFiles(root / dir)) {
      std::string rel = dir + "/" + path.lexically_relative(root / dir).generic_string();
      files.push_back({k, std::move(path), std::move(rel), nullptr});
    }
  }
  RealityCache::Stats stats;
  extractAll(files, c, scan.warnings, stats);
  c.sweep();

  std::unordered_map<std::string, ServiceId> crates;
  for (ServiceId i = 0; i < g.serviceCount(); ++i)
    if (const Service* s = u.findService(g.serviceName(i))) crates.emplace(s->crateName, i);
  NameIndex names(g);
  for (size_t f = 0; f < files.size();) {
    const Service& svc = u.services[files[f].service];
    auto id = g.findService(svc.name);
    std::optional<ServiceScan> ss;
    if (id) ss.emplace(g, svc, *id, names, crates);
    for (size_t k = files[f].service; f < files.size() && files[f].service == k; ++f) {
      const auto& file = files[f];
      if (!file.refs) continue;
      if (file.refs->syntaxError)
        scan.warnings.push_back(warning(file.rel, file.refs->errorPos,
                                        "Rust syntax error; observed references in this file may be incomplete until it parses"));
      if (ss) ss->file(file.rel, *file.refs, scan.references);
    }
    if (ss) ss->emit(scan.edges);
  }
  scan.files = stats.files;
  scan.parsed = stats.parsed;
  std::sort(scan.edges.begin(), scan.edges.end(), [](const ObservedEdge& a, const ObservedEdge& b) {
    return a.service != b.service ? a.service < b.service : a.symbol < b.symbol;
  });
  std::stable_sort(scan.warnings.begin(), scan.warnings.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.pos.line, a.pos.col) < std::tie(b.file, b.pos.line, b.pos.col);
  });
  scan.millis = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return scan;
}

std::string observedWhere(const ObservedEdge& e) { return e.file + ":" + std::to_string(e.line); }

}  // namespace flywheel::universe
