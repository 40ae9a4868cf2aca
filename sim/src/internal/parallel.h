// A minimal fork-join helper: runs fn(task, worker) for every task in [0, tasks) on up to
// `threads` threads (the calling thread is worker 0). Tasks are handed out dynamically, so
// callers must make results depend on the task index only, never on the worker.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

namespace greenlight::sim::internal {

// [begin, end) of part `part` of `parts` equal slices of n items.
inline std::pair<std::uint32_t, std::uint32_t> split_range(std::uint32_t n, std::uint32_t part,
                                                           std::uint32_t parts) {
  return {static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * part / parts),
          static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * (part + 1) / parts)};
}

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
  std::vector<std::jthread> pool;
  pool.reserve(workers - 1);
  for (std::uint32_t w = 1; w < workers; ++w) pool.emplace_back(body, w);
  body(0);
}

}  // namespace greenlight::sim::internal
