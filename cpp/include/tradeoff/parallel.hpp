// tradeoff/parallel.hpp: the CPU driver's thread loop (host only).
//
// parallel_for(n, fn) calls fn(i) for i in [0, n) on up to num_threads() threads, each taking
// contiguous chunks from a shared counter. Exceptions thrown by fn are re-thrown on the
// calling thread (the first one wins), so a bad_alloc in a worker never terminates Python.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "config.hpp"

namespace tradeoff {

inline int& num_threads_setting() {
  static int value = [] {
    if (const char* env = std::getenv("TRADEOFF_NUM_THREADS")) {
      int v = std::atoi(env);
      if (v > 0) return v;
    }
    unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
  }();
  return value;
}

inline int num_threads() { return num_threads_setting(); }
inline void set_num_threads(int n) { num_threads_setting() = n > 0 ? n : 1; }

// True on the threads of a parallel_for with more than one worker: nested work stays serial.
inline bool& in_parallel_region() {
  static thread_local bool inside = false;
  return inside;
}

template <class Fn>
void parallel_for(index_t n, Fn&& fn, index_t grain = 1) {
  if (n <= 0) return;
  const index_t workers = std::min<index_t>(num_threads(), (n + grain - 1) / grain);
  if (workers <= 1) {
    for (index_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<index_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  const index_t chunk = std::max<index_t>(grain, n / (workers * 8));
  auto work = [&] {
    const bool was_inside = in_parallel_region();
    in_parallel_region() = true;
    try {
      for (;;) {
        index_t start = next.fetch_add(chunk);
        if (start >= n) break;
        index_t stop = std::min(n, start + chunk);
        for (index_t i = start; i < stop; ++i) fn(i);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(n);
    }
    in_parallel_region() = was_inside;
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(workers - 1));
  for (index_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace tradeoff
