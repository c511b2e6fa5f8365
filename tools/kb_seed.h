// The architecture memory is there from the first question and stays
// current: the knowledge base's picture of the universe, kept by one object
// per process (tools/services.h).
//
// - Seeded on first use: the first knowledge-base call starts a background
//   import of the universe's intents and the repair log (incremental and
//   idempotent: what is already stored is skipped, unchanged facts are not
//   even re-embedded) and waits a moment for it; a search that comes while
//   it still runs says it is partial and how far the import got.
// - Kept current: the sentinel's reports (wired by the composition root)
//   queue the changed services for re-import, which updates their facts in
//   place and forgets the ones whose declaration is gone.
// - importAll: a full re-import on the caller's thread (the kb_import tool,
//   with progress).
//
// Threads: every method is safe to call concurrently; imports never overlap.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kb/kb_import.h"
#include "tools/services.h"

namespace flywheel::tools {

class KbSeeder {
 public:
  KbSeeder(std::filesystem::path universeRoot, std::shared_ptr<Lazy<kb::KnowledgeBase>> knowledge);
  ~KbSeeder();
  KbSeeder(const KbSeeder&) = delete;
  KbSeeder& operator=(const KbSeeder&) = delete;

  struct State {
    bool seeded = false;   ///< the first import finished (successfully or not)
    bool running = false;  ///< an import runs now
    size_t done = 0, total = 0;  ///< services of the running import
    std::string problem;   ///< why the last import failed, if it did
  };

  /// Starts the first import unless it already ran, waits up to `wait` for
  /// it, and returns where it stands.
  State ensureSeeded(std::chrono::milliseconds wait);
  State state();

  /// The sentinel saw these services' intents change (`everything`: a
  /// universe-wide file did). Ignored until the first import started.
  void changed(const std::vector<std::string>& services, bool everything);

  /// Imports the whole universe and the repair log now; `progress` gets
  /// (services done, services total). Waits for a running import first.
  [[nodiscard]] Result<kb::ImportReport> importAll(const std::function<void(size_t, size_t)>& progress = {});

  /// Blocks until no import is queued or running (tests, shutdown).
  void waitIdle();

 private:
  void run();
  /// Starts the worker once (under mu_); `seed`: its first job is a full import.
  void startWorkerLocked(bool seed);
  [[nodiscard]] Result<kb::ImportReport> importLocked(const std::vector<std::string>& services, bool withRepairs,
                                                      const std::function<void(size_t, size_t)>& progress);

  std::filesystem::path root_;
  std::shared_ptr<Lazy<kb::KnowledgeBase>> knowledge_;
  std::mutex importMu_;  // one import at a time
  std::mutex mu_;        // guards everything below
  std::condition_variable cv_;
  bool started_ = false, seeded_ = false, running_ = false, stopping_ = false, fullPending_ = false;
  std::set<std::string> pending_;
  size_t done_ = 0, total_ = 0;
  std::string problem_;
  std::thread worker_;
};

}  // namespace flywheel::tools
