// The shared services of one universe, built once per process by the
// composition root (cli/services.h) and handed to every tool group and to
// any loop running beside them, so one process never holds two mechanics,
// two knowledge bases or two sentinels of the same universe.
//
// Each handle opens its object on first use: a universe outside git must not
// stop the server from starting (the mechanic's tools then say why they
// cannot run), and a server that is never asked about the knowledge base
// never opens it. Light on purpose: forward declarations only.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "core/error.h"

namespace flywheel::universe {
class UniverseSession;
}
namespace flywheel::mechanic {
class Mechanic;
}
namespace flywheel::kb {
class KnowledgeBase;
}
namespace flywheel::board {
class Board;
}

namespace flywheel::tools {

struct AppConfig {
  std::filesystem::path universeRoot;  // absolute, canonical
  std::filesystem::path stateDir;      // <universeRoot>/.flywheel
  std::filesystem::path sourceDir;     // FLYWHEEL_HOME (schemas/, templates); empty: built in
};

/// An object opened on first use and kept for the process's life. A failed
/// open is retried by the next call, so fixing the cause needs no restart.
template <class T>
class Lazy {
 public:
  using Opener = std::function<Result<std::unique_ptr<T>>()>;
  explicit Lazy(Opener open) : open_(std::move(open)) {}
  [[nodiscard]] Result<T*> get() {
    std::lock_guard lock(mu_);
    if (!value_) {
      auto v = open_();
      if (!v) return fail(v.error());
      value_ = std::move(*v);
    }
    return value_.get();
  }

 private:
  Opener open_;
  std::mutex mu_;
  std::unique_ptr<T> value_;
};

class RepairMemories;  // tools/repair_memory.h
class KbSeeder;        // tools/kb_seed.h

struct Services {
  AppConfig config;
  /// The working tree's snapshot, revision snapshots and the sentinel. Tool
  /// groups subscribe to the sentinel; the composition root starts it.
  std::shared_ptr<universe::UniverseSession> session;
  std::shared_ptr<Lazy<mechanic::Mechanic>> mechanic;    // thread-safe
  std::shared_ptr<Lazy<kb::KnowledgeBase>> knowledge;    // thread-safe
  std::shared_ptr<Lazy<board::Board>> board;               // NOT thread-safe: use under boardMutex
  std::shared_ptr<std::mutex> boardMutex;
  /// What the mechanic did, remembered in the knowledge base.
  std::shared_ptr<RepairMemories> memories;
  /// The knowledge base's picture of the universe: seeded on first use,
  /// kept current from the sentinel's reports.
  std::shared_ptr<KbSeeder> seeder;
};

}  // namespace flywheel::tools
