// A second variant (config.variant, HealthPhase::import_variant).
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <span>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

struct Run {
  std::vector<DailyStats> daily;
  std::vector<std::uint8_t> variant;
  std::vector<std::int32_t> infection_day;
  std::vector<std::uint32_t> infector;
  RunSummary summary;
};

Run run(const SimConfig& c) {
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  return {sim->daily(),
          {sim->variant().begin(), sim->variant().end()},
          {sim->infection_day().begin(), sim->infection_day().end()},
          {sim->infector().begin(), sim->infector().end()},
          sim->summary()};
}

// 3,000 people, 30 initial cases; 10 people infected with the variant on day 20.
SimConfig with_variant(std::uint64_t seed, double relative) {
  SimConfig c = small(3000, 70, seed);
  c.disease.initial_infections = 30;
  c.variant.day = 20;
  c.variant.imports = 10;
  c.variant.relative_transmissibility = relative;
  return c;
}

}  // namespace

TEST_CASE("a second variant arrives on its day and passes from infector to infected") {
  const SimConfig c = with_variant(9, 1.67);
  const Run v = run(c);
  SimConfig off = c;
  off.variant.imports = 0;
  const Run plain = run(off);
  CHECK(plain.variant.empty());
  // Before the imports the runs are the same, day for day.
  CHECK(daily_csv(std::span(v.daily).first(20)) == daily_csv(std::span(plain.daily).first(20)));
  std::uint32_t imported = 0;
  std::uint32_t spread = 0;
  std::uint64_t infected = 0;
  for (std::uint32_t p = 0; p < v.variant.size(); ++p) {
    if (v.infection_day[p] < 0) {
      CHECK(v.variant[p] == 0);
      continue;
    }
    ++infected;
    CAPTURE(p, v.infection_day[p]);
    if (v.infector[p] == kNoPerson) {
      // The initial cases (day 0) have the first variant, the imports (day 20) the second.
      CHECK(v.variant[p] == (v.infection_day[p] == 20 ? 1 : 0));
      imported += v.variant[p];
      continue;
    }
    CHECK(v.variant[p] == v.variant[v.infector[p]]);
    spread += v.variant[p];
  }
  CHECK(imported == 10);
  CHECK(spread > 50);
  std::uint64_t column = 0;
  for (const DailyStats& d : v.daily) column += d.variant_infections;
  CHECK(column == imported + spread);
  CHECK(v.summary.variant_infections == column);
  CHECK(v.summary.infections == infected);  // the imports count as infections
  CHECK(v.daily[20].variant_infections >= 10);
}

TEST_CASE("a more transmissible variant infects more per case") {
  // Cases infected on days 20-40 (complete cohorts by day 70): secondary infections per case
  // of each variant, over three seeds.
  std::array<std::uint64_t, 2> cases{};
  std::array<std::uint64_t, 2> secondary{};
  std::uint64_t variant_share_low = 0;
  std::uint64_t variant_share_high = 0;
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    const Run v = run(with_variant(seed, 2.0));
    for (std::uint32_t p = 0; p < v.variant.size(); ++p) {
      if (v.infection_day[p] < 20 || v.infection_day[p] > 40) continue;
      ++cases[v.variant[p]];
    }
    for (std::uint32_t p = 0; p < v.variant.size(); ++p) {
      const std::uint32_t by = v.infector[p];
      if (by == kNoPerson || v.infection_day[by] < 20 || v.infection_day[by] > 40) continue;
      ++secondary[v.variant[by]];
    }
    variant_share_high += v.summary.variant_infections;
    variant_share_low += run(with_variant(seed, 1.0)).summary.variant_infections;
  }
  CAPTURE(cases[0], cases[1], secondary[0], secondary[1]);
  REQUIRE(cases[0] > 100);
  REQUIRE(cases[1] > 100);
  const double r0 = static_cast<double>(secondary[0]) / static_cast<double>(cases[0]);
  const double r1 = static_cast<double>(secondary[1]) / static_cast<double>(cases[1]);
  CHECK(r1 > 1.3 * r0);
  CHECK(variant_share_high > 2 * variant_share_low);
}

}  // namespace greenlight::sim
