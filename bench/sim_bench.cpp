// Population simulation benchmarks (docs/simulation.md "Performance").
//
//   greenlight_bench_sim --benchmark_filter=SimulateDays/100000
//   greenlight_bench_sim --benchmark_filter=SimulateDays/1000000
//
// SimulateDays/N: one iteration is one simulated day of N people (72 % app uptake, real
// GAEN crypto for every phone, 2 threads), after a 10-day warm-up that fills the encounter
// logs. Counters: person-days per second and the process's peak RSS. Whole runs (200 days,
// epidemic included) are measured with `greenlight sim bench`.
#include <benchmark/benchmark.h>

#include <memory>

#include "greenlight/crypto/gaen.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/matching.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/simulation.h"

namespace {

using namespace greenlight;
using namespace greenlight::sim;

void BM_SimulateDays(benchmark::State& state) {
  SimConfig config;
  config.population.people = static_cast<std::uint32_t>(state.range(0));
  config.run.days = 2000;
  config.run.threads = 2;
  config.run.baseline = false;
  InMemoryPublisher publisher;
  auto sim = Simulation::create(config, publisher);
  if (!sim) {
    state.SkipWithError(sim.error().message.c_str());
    return;
  }
  for (int d = 0; d < 10; ++d) {
    if (!(*sim)->step()) {
      state.SkipWithError("warm-up failed");
      return;
    }
  }
  for (auto _ : state) {
    if (!(*sim)->step()) {
      state.SkipWithError("step failed");
      return;
    }
  }
  state.counters["person_days_per_s"] = benchmark::Counter(
      static_cast<double>(config.population.people) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = static_cast<double>(peak_rss_bytes()) / 1048576.0;
}
BENCHMARK(BM_SimulateDays)
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(20)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The shared work of one sync: expanding N published keys into the day tables.
void BM_SharedTableBuild(benchmark::State& state) {
  const TekSchedule schedule(1, 1709251200);
  std::vector<TemporaryExposureKey> keys;
  for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(state.range(0)); ++i) {
    keys.push_back(schedule.key(i, 1 + i % 14));
  }
  GaenExpander expander;
  for (auto _ : state) {
    SharedRpiTable table;
    if (!table.build(keys, schedule, 0, 20, expander)) {
      state.SkipWithError("build failed");
      break;
    }
    benchmark::DoNotOptimize(table.entries());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SharedTableBuild)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
