// corridor — a fixed pool of worker threads for the agent engine's parallel passes (private
// header).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace corridor::detail {

/// Passes with fewer items than this run on the calling thread alone.
inline constexpr std::size_t kMinParallelItems = 1024;

// A fixed set of worker threads for the many short parallel passes of a run (a day has one
// pass per round of chained hops, so starting threads per pass would cost more than the work).
// run(n, f) calls f(worker, begin, end) over contiguous chunks of [0, n), the calling thread
// taking chunk 0, and rethrows a worker's exception. Not thread-safe: one caller at a time.
// `spin`: how long a thread that waits (a worker for the next pass, the caller for the workers)
// polls before it sleeps. Waking a sleeping thread takes tens of microseconds, more on a virtual
// machine; a caller whose passes take about a millisecond each, back to back, polls instead.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads, std::chrono::microseconds spin = {})
      : size_(std::max(1u, threads)), spin_(spin), errors_(size_) {
    for (unsigned w = 1; w < size_; ++w) workers_.emplace_back([this, w] { loop(w); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  template <class F>
  void run(std::size_t n, F&& f) {
    if (size_ == 1 || n < kMinParallelItems) {
      f(0u, std::size_t{0}, n);
      return;
    }
    const std::size_t chunk = (n + size_ - 1) / size_;
    each([&f, n, chunk](unsigned w) {
      const std::size_t b = std::min(n, w * chunk);
      f(w, b, std::min(n, b + chunk));
    });
  }

  /// Calls f(worker) once on every thread of the pool (the calling thread is worker 0) and
  /// waits for all of them, for callers that hand out the work themselves (e.g. blocks taken
  /// from an atomic counter, so that a slow or descheduled thread simply takes fewer).
  template <class F>
  void each(F&& f) {
    if (size_ == 1) {
      f(0u);
      return;
    }
    task_ = [&f](unsigned w) { f(w); };
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_ = size_ - 1;
      ++generation_;
    }
    wake_.notify_all();
    try {
      task_(0);
    } catch (...) {
      errors_[0] = std::current_exception();
    }
    poll([this] { return pending_.load() == 0; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_ == 0; });
    }
    task_ = nullptr;
    for (auto& e : errors_) {
      if (e) {
        const std::exception_ptr error = e;
        for (auto& x : errors_) x = nullptr;
        std::rethrow_exception(error);
      }
    }
  }

 private:
  /// Polls until done() or spin_ has passed.
  template <class Done>
  void poll(Done done) const {
    if (spin_.count() == 0 || done()) return;
    const auto until = std::chrono::steady_clock::now() + spin_;
    while (!done() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  }

  void loop(unsigned w) {
    std::uint64_t seen = 0;
    for (;;) {
      poll([&] { return generation_.load() != seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      try {
        task_(w);
      } catch (...) {
        errors_[w] = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --pending_;
      }
      done_.notify_one();
    }
  }

  unsigned size_;
  std::chrono::microseconds spin_;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::thread> workers_;
  std::function<void(unsigned)> task_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  // Changed under mutex_, read without it while polling.
  std::atomic<std::uint64_t> generation_ = 0;
  std::atomic<unsigned> pending_ = 0;
  bool stop_ = false;
};

}  // namespace corridor::detail
