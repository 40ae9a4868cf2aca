// parallel_for over the process-wide pool (sim/src/internal/parallel.h): every task once,
// worker indices inside the requested range, nested and concurrent loops, failures.
#include "internal/parallel.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace greenlight::sim::internal {
namespace {

TEST_CASE("clamp_range cuts a slice to one rank's people") {
  using Range = std::pair<std::uint32_t, std::uint32_t>;
  CHECK(clamp_range({10, 20}, 0, 100) == Range{10, 20});   // inside
  CHECK(clamp_range({10, 20}, 15, 100) == Range{15, 20});  // overlapping below
  CHECK(clamp_range({10, 20}, 0, 12) == Range{10, 12});    // overlapping above
  CHECK(clamp_range({10, 20}, 30, 40) == Range{30, 30});   // before the rank: empty
  CHECK(clamp_range({50, 60}, 30, 40) == Range{40, 40});   // after the rank: empty
}

TEST_CASE("parallel_for runs every task once, on workers below the thread count") {
  for (const std::uint32_t threads : {1u, 2u, 3u, 8u}) {
    for (const std::uint32_t tasks : {0u, 1u, 2u, 7u, 1000u}) {
      CAPTURE(threads, tasks);
      std::vector<std::atomic<int>> runs(tasks);
      std::atomic<std::uint32_t> bad_worker{0};
      std::mutex m;
      std::set<std::uint32_t> workers;
      for (int round = 0; round < 20; ++round) {
        parallel_for(threads, tasks, [&](std::uint32_t task, std::uint32_t worker) {
          runs[task].fetch_add(1);
          if (worker >= std::min(threads, tasks)) bad_worker.fetch_add(1);
          const std::lock_guard lock(m);
          workers.insert(worker);
        });
      }
      for (const auto& r : runs) REQUIRE(r.load() == 20);
      CHECK(bad_worker.load() == 0);
      CHECK(workers.size() <= std::max(1u, std::min(threads, tasks)));
    }
  }
}

TEST_CASE("a worker index is used by one thread at a time within a loop") {
  // Callers keep per-worker state (one GaenExpander per worker): two threads with the same
  // index in one loop would share it.
  std::vector<std::atomic<int>> busy(4);
  std::atomic<int> clashes{0};
  for (int round = 0; round < 50; ++round) {
    parallel_for(4, 64, [&](std::uint32_t, std::uint32_t worker) {
      if (busy[worker].fetch_add(1) != 0) clashes.fetch_add(1);
      std::this_thread::yield();
      busy[worker].fetch_sub(1);
    });
  }
  CHECK(clashes.load() == 0);
}

TEST_CASE("parallel loops nest and run from several threads at once") {
  std::atomic<std::uint64_t> sum{0};
  auto outer = [&] {
    parallel_for(2, 16, [&](std::uint32_t i, std::uint32_t) {
      parallel_for(2, 16, [&](std::uint32_t j, std::uint32_t) { sum.fetch_add(i * 16 + j); });
    });
  };
  std::vector<std::thread> callers;
  for (int k = 0; k < 3; ++k) callers.emplace_back(outer);
  outer();
  for (auto& t : callers) t.join();
  // Each of the four callers adds 0 + 1 + ... + 255.
  CHECK(sum.load() == 4u * (255u * 256u / 2));
}

TEST_CASE("an exception on the calling thread's task reaches the caller after the loop") {
  // The caller's first task fails once the helper has joined; the helper holds its first
  // task until then. The loop must let the helper finish before it rethrows.
  std::atomic<bool> helper_joined{false};
  std::atomic<bool> failed{false};
  std::atomic<int> helper_tasks{0};
  CHECK_THROWS_AS(parallel_for(2, 200,
                               [&](std::uint32_t, std::uint32_t worker) {
                                 if (worker == 0) {
                                   while (!helper_joined) std::this_thread::yield();
                                   failed = true;
                                   throw std::runtime_error("task failed");
                                 }
                                 helper_joined = true;
                                 while (!failed) std::this_thread::yield();
                                 helper_tasks.fetch_add(1);
                               }),
                  std::runtime_error);
  // Returned only after the helper ran out of tasks: every task but the failed one ran.
  CHECK(helper_tasks.load() == 199);
  // The pool is still usable afterwards.
  std::atomic<int> again{0};
  parallel_for(2, 10, [&](std::uint32_t, std::uint32_t) { again.fetch_add(1); });
  CHECK(again.load() == 10);
}

}  // namespace
}  // namespace greenlight::sim::internal
