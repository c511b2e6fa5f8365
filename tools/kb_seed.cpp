#include "tools/kb_seed.h"

namespace flywheel::tools {

KbSeeder::KbSeeder(std::filesystem::path root, std::shared_ptr<Lazy<kb::KnowledgeBase>> knowledge)
    : root_(std::move(root)), knowledge_(std::move(knowledge)) {}

KbSeeder::~KbSeeder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

KbSeeder::State KbSeeder::state() {
  std::lock_guard lock(mu_);
  return {seeded_, running_ || fullPending_ || !pending_.empty(), done_, total_, problem_};
}

void KbSeeder::startWorkerLocked(bool seed) {
  if (started_) return;
  started_ = true;
  fullPending_ = seed;
  worker_ = std::thread([this] { run(); });
}

KbSeeder::State KbSeeder::ensureSeeded(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  startWorkerLocked(!seeded_);
  cv_.wait_for(lock, wait, [&] { return seeded_; });
  return {seeded_, running_ || fullPending_ || !pending_.empty(), done_, total_, problem_};
}

void KbSeeder::changed(const std::vector<std::string>& services, bool everything) {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;  // the first import will read the current intents anyway
    if (everything) fullPending_ = true;
    else pending_.insert(services.begin(), services.end());
  }
  cv_.notify_all();
}

void KbSeeder::waitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || !started_ || (!running_ && !fullPending_ && pending_.empty()); });
}

Result<kb::ImportReport> KbSeeder::importAll(const std::function<void(size_t, size_t)>& progress) {
  std::lock_guard guard(importMu_);
  auto r = importLocked({}, true, progress);
  std::lock_guard lock(mu_);
  if (r) {
    seeded_ = true;  // a full import is a seed too
    problem_.clear();
    startWorkerLocked(false);  // from now on, follow the sentinel's reports
  }
  cv_.notify_all();
  return r;
}

Result<kb::ImportReport> KbSeeder::importLocked(const std::vector<std::string>& services, bool withRepairs,
                                                const std::function<void(size_t, size_t)>& progress) {
  auto kb = knowledge_->get();
  if (!kb) return fail(kb.error());
  kb::UniverseImportOptions options{.services = services, .progress = [&](size_t done, size_t total) {
                                      {
                                        std::lock_guard lock(mu_);
                                        done_ = done;
                                        total_ = total;
                                      }
                                      if (progress) progress(done, total);
                                    }};
  auto report = kb::importUniverse(**kb, root_, options);
  if (!report) return report;
  if (withRepairs) {
    auto repairs = kb::importRepairLog(**kb, root_ / ".flywheel" / "repairs.jsonl");
    if (!repairs) return fail(repairs.error());
    report->read += repairs->read;
    report->created += repairs->created;
    report->updated += repairs->updated;
    report->unchanged += repairs->unchanged;
    for (auto& p : repairs->problems)
      if (report->problems.size() < 20) report->problems.push_back(std::move(p));
  }
  return report;
}

void KbSeeder::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || fullPending_ || !pending_.empty(); });
    if (stopping_) return;
    const bool full = fullPending_;
    std::vector<std::string> services(pending_.begin(), pending_.end());
    fullPending_ = false;
    pending_.clear();
    running_ = true;
    lock.unlock();
    Result<kb::ImportReport> r = fail(Error::internal("not run"));
    {
      std::lock_guard guard(importMu_);
      r = importLocked(full ? std::vector<std::string>{} : services, full, {});
    }
    lock.lock();
    running_ = false;
    if (full) seeded_ = true;
    problem_ = r ? std::string() : r.error().message;
    cv_.notify_all();
  }
}

}  // namespace flywheel::tools
