// A minimal fork-join helper: runs fn(task, worker) for every task in [0, tasks) on up to
// `threads` threads (the calling thread is worker 0). Tasks are handed out dynamically, so
// callers must make results depend on the task index only, never on the worker.
//
// The helper threads are kept in one process-wide pool and reused: a simulated day runs
// about 16 parallel loops, and starting threads for each cost more than some loops' work.
// Calls may nest and may come from several threads at once: a loop never waits for a
// helper that has not joined it, and the calling thread works through the tasks itself.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>

namespace greenlight::sim::internal {

// [begin, end) of part `part` of `parts` equal slices of n items.
inline std::pair<std::uint32_t, std::uint32_t> split_range(std::uint32_t n, std::uint32_t part,
                                                           std::uint32_t parts) {
  return {static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * part / parts),
          static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * (part + 1) / parts)};
}

// The part of [range.first, range.second) inside [lo, hi) (empty, at a bound, when they do not
// meet): a shard's slice cut to the people one MPI rank owns.
inline std::pair<std::uint32_t, std::uint32_t> clamp_range(
    std::pair<std::uint32_t, std::uint32_t> range, std::uint32_t lo, std::uint32_t hi) {
  return {std::clamp(range.first, lo, hi), std::clamp(range.second, lo, hi)};
}

// One parallel loop as the pool sees it (parallel.cpp).
struct PoolJob {
  void (*run)(void* body, std::uint32_t worker) = nullptr;
  void* body = nullptr;
  std::uint32_t helpers_wanted = 0;  // worker indices 1..helpers_wanted
  std::uint32_t joined = 0;          // the rest is guarded by the pool's mutex
  std::uint32_t finished = 0;
  bool closed = false;
};

// Offers the job to up to helpers_wanted pool threads, runs it as worker 0 on the calling
// thread, then waits for the helpers that joined.
void run_pooled(PoolJob& job);

template <typename Fn>
void parallel_for(std::uint32_t threads, std::uint32_t tasks, Fn&& fn) {
  const std::uint32_t workers = std::max<std::uint32_t>(1, std::min(threads, tasks));
  std::atomic<std::uint32_t> next{0};
  auto body = [&](std::uint32_t worker) {
    for (std::uint32_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) fn(t, worker);
  };
  if (workers == 1) {
    body(0);
    return;
  }
  PoolJob job;
  job.run = [](void* b, std::uint32_t worker) { (*static_cast<decltype(body)*>(b))(worker); };
  job.body = &body;
  job.helpers_wanted = workers - 1;
  run_pooled(job);
}

}  // namespace greenlight::sim::internal
