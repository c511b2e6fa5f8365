// Polling the working tree and swapping immutable snapshots (see sentinel.h).
#include "universe/sentinel.h"

#include <algorithm>
#include <map>

#include "universe/file_source.h"

namespace flywheel::universe {

Sentinel::Sentinel(std::filesystem::path root) : root_(std::move(root)) {}

Sentinel::~Sentinel() { stop(); }

Result<SentinelReport> Sentinel::reload(Signature sig) {
  auto loaded = loadUniverse(root_);
  if (!loaded) return fail(loaded.error());
  auto snap = std::make_shared<Snapshot>();
  snap->loaded = std::move(*loaded);
  snap->graph = Graph::build(snap->loaded.universe);
  SentinelReport report;
  std::shared_ptr<const Snapshot> previous;
  {
    std::lock_guard lock(mutex_);
    previous = snapshot_;
    snap->generation = ++generation_;
    snapshot_ = snap;
    signature_ = std::move(sig);
  }
  report.snapshot = snap;
  if (!previous) return report;
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
  const auto& a = previous->loaded.universe;
  const auto& b = snap->loaded.universe;
  report.universeFilesChanged = a.settings.name != b.settings.name || a.settings.macrosFile != b.settings.macrosFile ||
                                a.settings.gates != b.settings.gates || a.settings.maxRepairCycles != b.settings.maxRepairCycles ||
                                a.settings.sentinelIntervalSeconds != b.settings.sentinelIntervalSeconds ||
                                a.settings.serviceGlobs != b.settings.serviceGlobs || a.macros.size() != b.macros.size();
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

void Sentinel::start(std::function<void(const SentinelReport&)> onChange, std::chrono::milliseconds interval) {
  stop();
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this, onChange = std::move(onChange), interval] {
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
      auto report = poll();
      if (report && report->changed() && onChange) onChange(*report);
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
