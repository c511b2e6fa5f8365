// The sentinel: keeps a current, immutable snapshot of the universe (the
// loaded IR and its graph) and notices when intents change.
//
// poll() compares a cheap signature of the working tree's *.lisp and *.rs
// files (path, size, mtime) with the last one seen; on a difference it
// reloads (re-parsing only the Rust files that changed, see reality.h) and
// reports which services' intents changed (added, removed or edited),
// whether universe-wide files did, and whether the observed edges did. start() polls in a background thread
// every `sentinel-interval` seconds (or a given interval) and calls back on
// changes; tools also poll on demand. A snapshot with broken intents is still
// served: its diagnostics say what is wrong, the rest stays queryable.
//
// Threads: every method is safe to call concurrently; snapshots are shared
// immutable objects, so readers never wait for a reload.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "universe/graph.h"
#include "universe/ir.h"
#include "universe/reality.h"

namespace flywheel::universe {

struct Snapshot {
  LoadedUniverse loaded;
  Graph graph;               // with observed edges when codeScanned
  uint64_t generation = 0;  // increases on every reload
  /// The working tree's Rust code was scanned for observed references
  /// (reality.h); false for snapshots of git revisions.
  bool codeScanned = false;
  size_t codeFiles = 0, codeFilesParsed = 0;  // .rs files scanned / parsed anew (the rest came from the cache)
  double codeScanMillis = 0;
};

/// Scans the working tree's service code at `root` (reality.h), attaches the
/// observed edges to `snap.graph` and adds the scan's warnings to
/// `snap.loaded.diagnostics`. For snapshots not yet shared.
void attachReality(Snapshot& snap, const std::filesystem::path& root, RealityCache& cache);

struct SentinelReport {
  std::vector<std::string> changedServices;  // sorted: edited, added or removed intents
  bool universeFilesChanged = false;         // universe.lisp, macro files
  bool servicesAddedOrRemoved = false;
  bool observedChanged = false;              // the observed edges (service code) differ
  std::shared_ptr<const Snapshot> snapshot;  // the current one after the poll
  bool changed() const { return !changedServices.empty() || universeFilesChanged || observedChanged; }
};

class Sentinel {
 public:
  explicit Sentinel(std::filesystem::path root);
  ~Sentinel();
  Sentinel(const Sentinel&) = delete;
  Sentinel& operator=(const Sentinel&) = delete;

  /// The current snapshot, loaded on first use. Fails only when the root
  /// cannot be read at all.
  Result<std::shared_ptr<const Snapshot>> current();

  /// Checks now; reloads when files changed.
  Result<SentinelReport> poll();

  /// Polls unless the last poll is younger than `maxAge`; returns the current snapshot.
  Result<std::shared_ptr<const Snapshot>> fresh(std::chrono::milliseconds maxAge);

  /// Starts background polling (interval 0: the universe's sentinel-interval).
  void start(std::function<void(const SentinelReport&)> onChange, std::chrono::milliseconds interval = {});
  void stop();

  const std::filesystem::path& root() const { return root_; }

 private:
  using Signature = std::vector<std::tuple<std::string, uintmax_t, int64_t>>;
  Result<SentinelReport> reload(Signature sig);

  std::filesystem::path root_;
  std::mutex mutex_;         // guards snapshot_, signature_, lastPoll_
  std::mutex pollMutex_;     // one poll at a time
  std::shared_ptr<const Snapshot> snapshot_;
  Signature signature_;
  std::chrono::steady_clock::time_point lastPoll_{};
  uint64_t generation_ = 0;
  RealityCache codeCache_;   // per-file references of the services' Rust code

  std::thread thread_;
  std::mutex stopMutex_;
  std::condition_variable stopCv_;
  bool stopping_ = false;
};

}  // namespace flywheel::universe
