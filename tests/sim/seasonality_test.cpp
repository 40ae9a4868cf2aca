// Seasonal forcing of transmission (disease.seasonality_amplitude, seasonality_peak_day_of_year;
// docs/simulation.md "Disease, testing and behaviour"): the per-contact hazard follows the
// calendar, highest on the peak's day of each year.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

constexpr std::int64_t kDay = 86400;
// 2024-01-01 00:00 UTC and 2024-07-01 00:00 UTC.
constexpr std::int64_t kNewYear2024 = 1704067200;
constexpr std::int64_t kJuly2024 = 1719792000;

}  // namespace

TEST_CASE("seasonality: the factor follows the calendar") {
  DiseaseConfig d;
  CHECK(d.seasonal_factor(kNewYear2024) == 1.0);  // none by default
  d.seasonality_amplitude = 0.267;
  // Highest on 1 January (day 1), of 1970 and of 2024 (54 mean years later, within a day).
  CHECK(d.seasonal_factor(0) == Approx(1.267).epsilon(1e-12));
  CHECK(d.seasonal_factor(kNewYear2024 + kDay / 2) == Approx(1.267).margin(1e-4));
  // The whole day has one factor.
  CHECK(d.seasonal_factor(kNewYear2024) == d.seasonal_factor(kNewYear2024 + kDay - 1));
  // Lowest half a year later (2 July), 1 at the quarters.
  CHECK(d.seasonal_factor(kJuly2024 + kDay) == Approx(0.733).margin(1e-4));
  CHECK(d.seasonal_factor(kNewYear2024 + 91 * kDay) == Approx(1.0).margin(0.01));
  // A peak on day 200 (18 July 2024, a leap year): highest then, lowest in mid-January.
  d.seasonality_peak_day_of_year = 200;
  CHECK(d.seasonal_factor(kNewYear2024 + 199 * kDay) == Approx(1.267).margin(1e-3));
  CHECK(d.seasonal_factor(kNewYear2024 + 17 * kDay) == Approx(0.733).margin(1e-3));
  // Before 1970 (negative times) the days go on.
  d.seasonality_peak_day_of_year = 1;
  CHECK(d.seasonal_factor(-1) == d.seasonal_factor(-kDay));
  CHECK(d.seasonal_factor(-1) < d.seasonal_factor(0));
}

TEST_CASE("seasonality: a run is the run with each day's factor as a change of transmission") {
  SimConfig seasonal = small(3000, 50, 4);
  seasonal.disease.initial_infections = 20;
  seasonal.disease.seasonality_amplitude = 0.4;
  seasonal.disease.seasonality_peak_day_of_year = 80;
  SimConfig changes = small(3000, 50, 4);
  changes.disease.initial_infections = 20;
  for (std::uint32_t t = 0; t < 50; ++t) {
    const double f =
        seasonal.disease.seasonal_factor(seasonal.run.start_unix_seconds + t * kDay + kDay / 2);
    changes.disease.transmission_changes.push_back({static_cast<double>(t), f});
  }
  REQUIRE(validate_config(seasonal));
  REQUIRE(validate_config(changes));
  InMemoryPublisher p1;
  InMemoryPublisher p2;
  const auto a = ran(seasonal, p1);
  const auto b = ran(changes, p2);
  CHECK(daily_csv(a->daily()) == daily_csv(b->daily()));
  CHECK(a->daily().back().cumulative_infections > 40);
}

TEST_CASE("seasonality: an epidemic started at the trough grows slower than at the peak") {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    SimConfig c = small(4000, 40, seed);
    c.disease.initial_infections = 20;
    c.disease.seasonality_amplitude = 0.5;  // x1.5 in January, x0.5 in July
    c.run.start_unix_seconds = kNewYear2024;
    InMemoryPublisher p1;
    const auto winter = ran(c, p1);
    c.run.start_unix_seconds = kJuly2024;
    InMemoryPublisher p2;
    const auto summer = ran(c, p2);
    CHECK(summer->daily().back().cumulative_infections * 2 <
          winter->daily().back().cumulative_infections);
  }
}

TEST_CASE("seasonality: the settings are checked, read back and named in the report") {
  SimConfig c;
  REQUIRE(apply_override(c, "disease.seasonality_amplitude=0.267"));
  REQUIRE(apply_override(c, "disease.seasonality_peak_day_of_year=15"));
  REQUIRE(validate_config(c));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->disease.seasonality_amplitude == 0.267);
  CHECK(back->disease.seasonality_peak_day_of_year == 15);
  for (const auto& [bad, message] : std::vector<std::pair<std::string, std::string>>{
           {"disease.seasonality_amplitude=1", "disease.seasonality_amplitude must be in [0, 1)"},
           {"disease.seasonality_amplitude=-0.1",
            "disease.seasonality_amplitude must be in [0, 1)"},
           {"disease.seasonality_peak_day_of_year=0",
            "disease.seasonality_peak_day_of_year must be in [1, 366]"},
           {"disease.seasonality_peak_day_of_year=367",
            "disease.seasonality_peak_day_of_year must be in [1, 366]"}}) {
    CAPTURE(bad);
    CHECK(refusal(bad) == message);
  }
  // A year from 1 January 2024: the whole range; 30 days from 1 July: near the trough.
  c.run.start_unix_seconds = kNewYear2024;
  c.run.days = 366;
  c.disease.seasonality_peak_day_of_year = 1;
  CHECK(policy_lines(c).find("seasonality: the per-contact hazard x1.27 on day 1 of each year, "
                             "x0.73 half a year later; x0.73 to x1.27 over this run's days\n") !=
        std::string::npos);
  c.run.start_unix_seconds = kJuly2024;
  c.run.days = 30;
  CHECK(policy_lines(c).find("; x0.73 to x0.76 over this run's days\n") != std::string::npos);
  c.disease.seasonality_amplitude = 0;
  CHECK(policy_lines(c).find("seasonality") == std::string::npos);
}

}  // namespace greenlight::sim
