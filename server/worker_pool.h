// WorkerPool: a fixed set of threads running submitted jobs in FIFO order.
//
// Tool calls run here, off the transport's reader thread, so that ping,
// cancellation and other requests are answered while a long tool runs.
// Threads: submit() is thread-safe; the destructor (or stop()) stops taking
// jobs, lets running ones finish and discards queued ones.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flywheel::mcp {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues `job`; returns false once the pool is stopping.
  bool submit(std::function<void()> job);
  void stop();

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace flywheel::mcp
