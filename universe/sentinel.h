// The sentinel: keeps a current, immutable snapshot of the universe (the
// loaded IR and its graph) and notices when intents change.
//
// poll() compares a cheap signature of the working tree's *.lisp and *.rs
// files (path, size, mtime) with the last one seen; on a difference it
// reloads (re-parsing only the Rust files that changed, see reality.h) and
// reports which services' intents changed (added, removed or edited),
// which services' Rust code changed, whether universe-wide files did, and
// whether the observed edges did. start() polls in a background thread
// every `sentinel-interval` seconds (or a given interval); tools also poll on
// demand. Every poll that finds a change, whoever made it, is handed to each
// subscriber (subscribe()), so a change a tool noticed first is not lost to
// the background listeners. A snapshot with broken intents is still served:
// its diagnostics say what is wrong, the rest stays queryable.
//
// Threads: every method is safe to call concurrently; snapshots are shared
// immutable objects, so readers never wait for a reload. Subscribers are
// called one report at a time, on the thread that polled, with no lock of
// the sentinel's snapshot held: a subscriber may call current(), poll() or
// fresh() (a change found by such a nested poll is delivered before it
// returns).
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
  /// Sorted: services one of whose .rs files (generated.rs included) was
  /// edited, added or removed since the previous snapshot.
  std::vector<std::string> changedCodeServices;
  /// Sorted: those .rs files, relative to the universe root ('/' separators).
  std::vector<std::string> changedCodeFiles;
  bool universeFilesChanged = false;         // universe.lisp, macro files
  bool servicesAddedOrRemoved = false;
  bool observedChanged = false;              // the observed edges (service code) differ
  std::shared_ptr<const Snapshot> snapshot;  // the current one after the poll
  /// Intents, universe files, observed edges or any service's .rs code changed.
  bool changed() const {
    return !changedServices.empty() || universeFilesChanged || observedChanged || !changedCodeFiles.empty();
  }
};

/// Called with every report whose changed() is true (see Sentinel::subscribe).
using SentinelListener = std::function<void(const SentinelReport&)>;
using SubscriptionId = uint64_t;

class Sentinel {
 public:
  explicit Sentinel(std::filesystem::path root);
  ~Sentinel();
  Sentinel(const Sentinel&) = delete;
  Sentinel& operator=(const Sentinel&) = delete;

  /// The current snapshot, loaded on first use. Fails only when the root
  /// cannot be read at all.
  [[nodiscard]] Result<std::shared_ptr<const Snapshot>> current();

  /// Checks now; reloads when files changed.
  [[nodiscard]] Result<SentinelReport> poll();

  /// Polls unless the last poll is younger than `maxAge`; returns the current snapshot.
  [[nodiscard]] Result<std::shared_ptr<const Snapshot>> fresh(std::chrono::milliseconds maxAge);

  /// Adds a listener for every change any poll finds (background or on
  /// demand); returns its id for unsubscribe(). Listeners run in
  /// subscription order. Never returns 0.
  SubscriptionId subscribe(SentinelListener listener);
  /// Removes a listener. Unless called from inside a listener, it is not
  /// running when this returns and is never called again. Unknown ids are
  /// ignored.
  void unsubscribe(SubscriptionId id);

  /// Starts background polling (interval 0: the universe's sentinel-interval).
  /// `onChange`, when set, is subscribed and replaces the one a previous
  /// start() subscribed; other subscribers are kept.
  void start(SentinelListener onChange = {}, std::chrono::milliseconds interval = {});
  void stop();

  const std::filesystem::path& root() const { return root_; }

 private:
  using Signature = std::vector<std::tuple<std::string, uintmax_t, int64_t>>;
  [[nodiscard]] Result<SentinelReport> pollLocked();
  [[nodiscard]] Result<SentinelReport> reload(Signature sig);
  void notify(const SentinelReport& report);

  std::filesystem::path root_;
  std::mutex mutex_;         // guards snapshot_, signature_, lastPoll_
  std::mutex pollMutex_;     // one poll at a time
  std::shared_ptr<const Snapshot> snapshot_;
  Signature signature_;
  std::chrono::steady_clock::time_point lastPoll_{};
  uint64_t generation_ = 0;
  RealityCache codeCache_;   // per-file references of the services' Rust code

  std::mutex listenersMutex_;  // guards listeners_, nextListener_, startListener_
  std::vector<std::pair<SubscriptionId, std::shared_ptr<SentinelListener>>> listeners_;
  SubscriptionId nextListener_ = 1;
  SubscriptionId startListener_ = 0;
  std::recursive_mutex notifyMutex_;  // one report at a time; held while listeners run

  std::thread thread_;
  std::mutex stopMutex_;
  std::condition_variable stopCv_;
  bool stopping_ = false;
};

}  // namespace flywheel::universe
