// Polling the working tree and swapping immutable snapshots (see sentinel.h).
#include "universe/sentinel.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "universe/file_source.h"

namespace flywheel::universe {

void attachReality(Snapshot& snap, const std::filesystem::path& root, RealityCache& cache) {
  auto scan = scanReality(snap.loaded.universe.root.empty() ? root : snap.loaded.universe.root, snap.loaded.universe,
                          snap.graph, &cache);
  snap.graph.setObserved(std::move(scan.edges));
  snap.codeScanned = true;
  snap.codeFiles = scan.files;
  snap.codeFilesParsed = scan.parsed;
  snap.codeScanMillis = scan.millis;
  if (scan.warnings.empty()) return;
  auto& diags = snap.loaded.diagnostics;
  diags.insert(diags.end(), scan.warnings.begin(), scan.warnings.end());
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.pos.line, a.pos.col) < std::tie(b.file, b.pos.line, b.pos.col);
  });
}

namespace {

bool sameObserved(const Graph& a, const Graph& b) {
  auto x = a.observed(), y = b.observed();
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (a.serviceName(x[i].service) != b.serviceName(y[i].service) || a.symbolName(x[i].symbol) != b.symbolName(y[i].symbol) ||
        x[i].file != y[i].file || x[i].line != y[i].line)
      return false;
  }
  return true;
}

bool isRust(const std::string& path) { return path.size() > 3 && path.compare(path.size() - 3, 3, ".rs") == 0; }

/// The .rs files whose (path, size, mtime) differ between two signatures.
std::vector<std::string> changedRustFiles(const std::vector<std::tuple<std::string, uintmax_t, int64_t>>& before,
                                          const std::vector<std::tuple<std::string, uintmax_t, int64_t>>& after) {
  std::vector<std::tuple<std::string, uintmax_t, int64_t>> diff;
  std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(diff));
  std::vector<std::string> out;
  for (const auto& [path, size, mtime] : diff)
    if (isRust(path) && (out.empty() || out.back() != path)) out.push_back(path);
  return out;
}

/// The service whose directory holds `file` (the deepest one), if any.
const Service* owningService(const Universe& u, const std::string& file) {
  const Service* best = nullptr;
  for (const auto& s : u.services) {
    bool inside = s.dir.empty() || (file.size() > s.dir.size() && file.compare(0, s.dir.size(), s.dir) == 0 &&
                                    file[s.dir.size()] == '/');
    if (inside && (!best || s.dir.size() > best->dir.size())) best = &s;
  }
  return best;
}

/// Fills the report's code fields: which .rs files changed, and whose they are.
void noteCodeChanges(SentinelReport& report, std::vector<std::string> files, const Universe& before,
                     const Universe& after) {
  std::set<std::string> services;
  for (const auto& f : files) {
    const Service* s = owningService(after, f);
    if (!s) s = owningService(before, f);
    if (s) services.insert(s->name);
  }
  report.changedCodeFiles = std::move(files);
  report.changedCodeServices.assign(services.begin(), services.end());
}

}  // namespace

Sentinel::Sentinel(std::filesystem::path root) : root_(std::move(root)) {}

Sentinel::~Sentinel() { stop(); }

Result<SentinelReport> Sentinel::reload(Signature sig) {
  auto loaded = loadUniverse(root_);
  if (!loaded) return fail(loaded.error());
  auto snap = std::make_shared<Snapshot>();
  snap->loaded = std::move(*loaded);
  snap->graph = Graph::build(snap->loaded.universe);
  attachReality(*snap, root_, codeCache_);
  SentinelReport report;
  std::shared_ptr<const Snapshot> previous;
  std::vector<std::string> codeFiles;
  {
    std::lock_guard lock(mutex_);
    previous = snapshot_;
    if (previous) codeFiles = changedRustFiles(signature_, sig);
    snap->generation = ++generation_;
    snapshot_ = snap;
    signature_ = std::move(sig);
  }
  report.snapshot = snap;
  if (!previous) return report;
  noteCodeChanges(report, std::move(codeFiles), previous->loaded.universe, snap->loaded.universe);
  std::map<std::string, const std::string*> before, after;
  for (const auto& s : previous->loaded.universe.services) before[s.name] = &s.sourceText;
  for (const auto& s : snap->loaded.universe.services) after[s.name] = &s.sourceText;
  for (const auto& [name, text] : before) {
    auto it = after.find(name);
    if (it == after.end() || *it->second != *text) report.changedServices.push_back(name);
    report.servicesAddedOrRemoved |= it == after.end();
  }
  for (const auto& [name, text] : after) {
    if (before.count(name)) continue;
    report.changedServices.push_back(name);
    report.servicesAddedOrRemoved = true;
  }
  std::sort(report.changedServices.begin(), report.changedServices.end());
  report.observedChanged = !sameObserved(previous->graph, snap->graph);
  const auto& a = previous->loaded.universe;
  const auto& b = snap->loaded.universe;
  report.universeFilesChanged = a.settings.name != b.settings.name || a.settings.macrosFile != b.settings.macrosFile ||
                                a.settings.gates != b.settings.gates || a.settings.maxRepairCycles != b.settings.maxRepairCycles ||
                                a.settings.sentinelIntervalSeconds != b.settings.sentinelIntervalSeconds ||
                                a.settings.serviceGlobs != b.settings.serviceGlobs || a.macros.size() != b.macros.size() ||
                                a.settings.e2eCommand != b.settings.e2eCommand || a.settings.templatesDir != b.settings.templatesDir ||
                                a.settings.distillThreshold != b.settings.distillThreshold ||
                                a.settings.metaUtilityThreshold != b.settings.metaUtilityThreshold ||
                                a.settings.agentCommand != b.settings.agentCommand || a.settings.slots != b.settings.slots ||
                                a.settings.agentDeadlineSeconds != b.settings.agentDeadlineSeconds;
  return report;
}

Result<std::shared_ptr<const Snapshot>> Sentinel::current() {
  {
    std::lock_guard lock(mutex_);
    if (snapshot_) return snapshot_;
  }
  auto r = poll();
  if (!r) return fail(r.error());
  return r->snapshot;
}

Result<SentinelReport> Sentinel::poll() {
  auto report = pollLocked();
  if (report && report->changed()) notify(*report);
  return report;
}

Result<SentinelReport> Sentinel::pollLocked() {
  std::lock_guard pollLock(pollMutex_);
  Signature sig = workingTreeSignature(root_);
  {
    std::lock_guard lock(mutex_);
    lastPoll_ = std::chrono::steady_clock::now();
    if (snapshot_ && sig == signature_) {
      SentinelReport same;
      same.snapshot = snapshot_;
      return same;
    }
  }
  return reload(std::move(sig));
}

Result<std::shared_ptr<const Snapshot>> Sentinel::fresh(std::chrono::milliseconds maxAge) {
  {
    std::lock_guard lock(mutex_);
    if (snapshot_ && std::chrono::steady_clock::now() - lastPoll_ < maxAge) return snapshot_;
  }
  auto r = poll();
  if (!r) return fail(r.error());
  return r->snapshot;
}

SubscriptionId Sentinel::subscribe(SentinelListener listener) {
  std::lock_guard lock(listenersMutex_);
  SubscriptionId id = nextListener_++;
  listeners_.emplace_back(id, std::make_shared<SentinelListener>(std::move(listener)));
  return id;
}

void Sentinel::unsubscribe(SubscriptionId id) {
  std::lock_guard notifying(notifyMutex_);  // waits for a report being delivered on another thread
  std::lock_guard lock(listenersMutex_);
  std::erase_if(listeners_, [id](const auto& l) { return l.first == id; });
}

void Sentinel::notify(const SentinelReport& report) {
  std::lock_guard notifying(notifyMutex_);
  std::vector<std::pair<SubscriptionId, std::shared_ptr<SentinelListener>>> now;
  {
    std::lock_guard lock(listenersMutex_);
    now = listeners_;
  }
  for (const auto& [id, listener] : now) {
    {
      // Skip one unsubscribed by an earlier listener of this same report.
      std::lock_guard lock(listenersMutex_);
      if (std::none_of(listeners_.begin(), listeners_.end(), [id](const auto& l) { return l.first == id; })) continue;
    }
    if (*listener) (*listener)(report);
  }
}

void Sentinel::start(SentinelListener onChange, std::chrono::milliseconds interval) {
  stop();
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = false;
  }
  if (onChange) {
    SubscriptionId previous;
    {
      std::lock_guard lock(listenersMutex_);
      previous = startListener_;
      startListener_ = 0;
    }
    if (previous) unsubscribe(previous);
    SubscriptionId id = subscribe(std::move(onChange));
    std::lock_guard lock(listenersMutex_);
    startListener_ = id;
  }
  thread_ = std::thread([this, interval] {
    while (true) {
      auto period = interval;
      if (period.count() <= 0) {
        auto snap = current();
        int secs = snap ? (*snap)->loaded.universe.settings.sentinelIntervalSeconds : 30;
        period = std::chrono::seconds(secs);
      }
      {
        std::unique_lock lock(stopMutex_);
        if (stopCv_.wait_for(lock, period, [this] { return stopping_; })) return;
      }
      (void)poll();  // a change reaches every subscriber
    }
  });
}

void Sentinel::stop() {
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = true;
  }
  stopCv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace flywheel::universe
