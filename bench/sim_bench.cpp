// Population simulation benchmarks (docs/simulation.md "Performance").
//
//   greenlight_bench_sim --benchmark_filter=SimulateDays/100000
//   greenlight_bench_sim --benchmark_filter=SimulateDays/1000000
//
// SimulateDays/N: one iteration is one simulated day of N people (72 % app uptake, real
// GAEN crypto for every phone, 2 threads), after a 10-day warm-up that fills the encounter
// logs. Counters: person-days per second and the process's peak RSS. Whole runs (200 days,
// epidemic included) are measured with `greenlight sim bench`. SharedTableBuild and the
// LinkMinutes pair time two parts of a day alone (docs/simulation.md "Speed step 5").
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/matching.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/simulation.h"
#include "internal/rng.h"

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

// The shared work of one sync: expanding N published keys into the day tables, with the
// lookup tables (tags_only = 0) or as the tags-only days that the in-memory publisher's syncs
// build (every key has a known uploader: 1).
void BM_SharedTableBuild(benchmark::State& state) {
  const TekSchedule schedule(1, 1709251200);
  std::vector<TemporaryExposureKey> keys;
  for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(state.range(0)); ++i) {
    keys.push_back(schedule.key(i, 1 + i % 14));
  }
  // Every key owned (its uploader known), or none.
  std::vector<std::uint8_t> owned;
  if (state.range(1) != 0) owned.assign(keys.size(), 1);
  GaenExpander expander;
  GaenExpander* const expanders[] = {&expander};
  for (auto _ : state) {
    SharedRpiTable table;
    if (!table.build(keys, schedule, 0, 20, expanders, owned)) {
      state.SkipWithError("build failed");
      break;
    }
    benchmark::DoNotOptimize(table.entries());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SharedTableBuild)
    ->ArgNames({"keys", "tags_only"})
    ->Args({10000, 0})
    ->Args({10000, 1})
    ->Unit(benchmark::kMillisecond);

// The whole minutes of a capped exponential duration (a link's: 10 + Exp(45) minutes, at
// most 8 h), per draw: from the expression (a logarithm per draw) and from WholeMinutes'
// table (the same values).
void BM_LinkMinutesExpression(benchmark::State& state) {
  internal::Rng rng(internal::stream_key(1, internal::kPurposeLinkContacts));
  std::uint64_t sum = 0;
  for (auto _ : state) {
    sum += static_cast<std::uint16_t>(std::min(480.0, 10 + rng.exponential(45)));
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LinkMinutesExpression);

void BM_LinkMinutesTable(benchmark::State& state) {
  const internal::WholeMinutes table(10, 45, 480);
  internal::Rng rng(internal::stream_key(1, internal::kPurposeLinkContacts));
  std::uint64_t sum = 0;
  for (auto _ : state) sum += table.sample(rng);
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LinkMinutesTable);

}  // namespace

BENCHMARK_MAIN();
