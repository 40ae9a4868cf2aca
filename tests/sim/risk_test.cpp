#include "greenlight/sim/risk.h"

#include <catch2/catch.hpp>

#include "greenlight/client/colour.h"
#include "greenlight/client/risk.h"
#include "greenlight/sim/radio.h"

namespace greenlight::sim {
namespace {

std::vector<TimedScan> scans(std::uint32_t first, std::uint32_t count, std::uint8_t db) {
  std::vector<TimedScan> out;
  for (std::uint32_t i = 0; i < count; ++i) out.push_back({first + i, db, db});
  return out;
}

}  // namespace

TEST_CASE("windows are at most 30 minutes and never cross midnight") {
  std::vector<ExposureWindow> w;
  append_windows(scans(10, 14, 60), 3, ReportType::kConfirmedTest, 0, w);
  REQUIRE(w.size() == 3);
  CHECK(w[0].scans.size() == 6);
  CHECK(w[1].scans.size() == 6);
  CHECK(w[2].scans.size() == 2);
  CHECK(w[0].key_index == 3);
  CHECK(w[1].first_scan_index == 16);
  w.clear();
  append_windows(scans(286, 4, 60), 0, ReportType::kConfirmedTest, 0, w);
  REQUIRE(w.size() == 2);
  CHECK(w[0].day == 0);
  CHECK(w[1].day == 1);
}

TEST_CASE("aggregated scans keep the mean as typical and the minimum as min attenuation") {
  const auto out = aggregate_scans({{5, 60}, {4, 70}, {5, 51}});
  REQUIRE(out.size() == 2);
  CHECK(out[0] == TimedScan{4, 70, 70});
  CHECK(out[1] == TimedScan{5, 56, 51});
}

TEST_CASE("CWA v2 scoring: weights, minimum minutes, TRL") {
  const RiskScorer scorer(RiskConfig{});
  ExposureWindow w;
  w.report_type = ReportType::kConfirmedTest;
  w.days_since_onset = 0;  // HIGH infectiousness: TRL 8, factor 1.6
  for (int i = 0; i < 2; ++i) w.scans.push_back({60, 60, 300});
  // 10 minutes at < 63 dB: weight 0.8 -> 8 weighted minutes x 1.6 = 12.8 (below 13).
  auto s = scorer.score(w);
  CHECK(s.counted);
  CHECK(s.normalized_minutes == Approx(12.8));
  CHECK_FALSE(scorer.is_high(s.normalized_minutes));
  w.scans.push_back({70, 70, 300});
  // + 5 minutes at [63, 73): weight 1.0 -> 13 x 1.6.
  CHECK(scorer.score(w).normalized_minutes == Approx(20.8));
  CHECK(scorer.is_high(scorer.score(w).normalized_minutes));
  // Only 4 minutes below 79 dB: dropped.
  ExposureWindow short_window = w;
  short_window.scans = {{60, 60, 240}, {85, 85, 300}};
  CHECK_FALSE(scorer.score(short_window).counted);
  // Days since onset +10 is NONE: dropped; STANDARD (+4) gives TRL 7.
  w.days_since_onset = 10;
  CHECK_FALSE(scorer.score(w).counted);
  w.days_since_onset = 4;  // STANDARD: TRL 7
  CHECK(scorer.score(w).normalized_minutes == Approx(13 * 1.4));
  // Self reports with STANDARD infectiousness have TRL 3 (counted); recursive ones TRL 1
  // (dropped).
  w.report_type = ReportType::kSelfReport;
  CHECK(scorer.score(w).normalized_minutes == Approx(13 * 0.6));
  w.report_type = ReportType::kRecursive;
  CHECK_FALSE(scorer.score(w).counted);
}

namespace {

// Settings away from every default (the simulator's and the client's).
RiskConfig changed_risk() {
  RiskConfig r;
  r.attenuation_thresholds_db = {55, 67, 80};
  r.attenuation_weights = {1.2, 0.7, 0.3, 0.05};
  r.min_window_minutes = 10;
  r.drop_trl_at_most = 3;
  r.trl_multiplier = 0.35;
  return r;
}

}  // namespace

// The simulator holds no copy of the client's rules: whatever the client computes for a
// window, a day or a colour's duration is what the simulator uses, for any configuration.
TEST_CASE("the simulator's scores are the client's score_window, bit for bit") {
  RiskConfig changed = changed_risk();
  changed.infectiousness_when_dsos_missing = 2;
  for (const RiskConfig& config : {RiskConfig{}, changed}) {
    const RiskScorer scorer(config);
    const client::RiskConfig client_config = to_client_risk_config(config);
    std::uint32_t counted = 0;
    for (std::uint32_t seed = 0; seed < 400; ++seed) {
      ExposureWindow w;
      w.report_type = static_cast<ReportType>(seed % 6);
      if (seed % 7 != 0) w.days_since_onset = static_cast<std::int32_t>(seed % 33) - 16;
      for (std::uint32_t i = 0; i < 1 + seed % 6; ++i) {
        const auto db = static_cast<std::int32_t>(40 + (seed * 13 + i * 29) % 50);
        w.scans.push_back({db + 2, db, static_cast<std::int32_t>(kScanSeconds)});
      }
      const client::WindowRisk expected =
          client::score_window(w.scans, w.report_type, w.days_since_onset, client_config);
      const WindowScore got = scorer.score(w);
      CAPTURE(seed);
      CHECK(got.counted == (expected.outcome == client::WindowOutcome::kCounted));
      CHECK(got.normalized_minutes == expected.normalized_minutes);
      if (got.counted) ++counted;
    }
    CHECK(counted > 50);
  }
}

// The test above compares the scorer with the client on the same conversion: each setting
// is checked here on its own (a conversion that kept the client's default for the
// transmission-risk multiplier passed it).
TEST_CASE("every risk setting reaches the client's configuration") {
  RiskConfig r = changed_risk();
  r.min_minutes_attenuation_db = 71;
  r.dsos_infectiousness.fill(0);
  r.dsos_infectiousness[14] = 2;
  r.dsos_infectiousness[15] = 1;
  r.infectiousness_when_dsos_missing = 0;
  r.high_threshold_minutes = 21;
  r.max_encounter_age_days = 12;
  const client::RiskConfig c = to_client_risk_config(r);
  CHECK(c.close_attenuation_below_db == 71);
  CHECK(c.minimum_close_minutes == 10);
  REQUIRE(c.attenuation_weights.size() == 4);
  CHECK(c.attenuation_weights[0].below_db == 55);
  CHECK(c.attenuation_weights[0].weight == 1.2);
  CHECK(c.attenuation_weights[1].below_db == 67);
  CHECK(c.attenuation_weights[1].weight == 0.7);
  CHECK(c.attenuation_weights[2].below_db == 80);
  CHECK(c.attenuation_weights[2].weight == 0.3);
  CHECK(c.attenuation_weights[3].below_db == 255);
  CHECK(c.attenuation_weights[3].weight == 0.05);
  CHECK(c.drop_trl_at_most == 3);
  CHECK(c.trl_multiplier == 0.35);
  CHECK(c.days_since_onset_to_infectiousness[14] == client::Infectiousness::kHigh);
  CHECK(c.days_since_onset_to_infectiousness[15] == client::Infectiousness::kStandard);
  CHECK(c.days_since_onset_to_infectiousness[0] == client::Infectiousness::kNone);
  CHECK(c.infectiousness_when_dsos_missing == client::Infectiousness::kNone);
  CHECK(c.high_risk_normalized_minutes == 21);
  CHECK(c.max_encounter_age_days == 12);
  CHECK(c.colour.high_risk_days == 12);
  CHECK(c.colour.low_risk_days == 12);
}

TEST_CASE("a changed threshold reaches the simulator exactly as the client applies it") {
  RiskConfig config;
  config.high_threshold_minutes = 21.5;
  config.max_encounter_age_days = 6;
  const RiskScorer scorer(config);
  const client::RiskConfig& c = scorer.client_config();
  CHECK(c.high_risk_normalized_minutes == 21.5);
  for (const double sum : {0.0, 0.01, 13.0, 21.49, 21.5, 40.0}) {
    CAPTURE(sum);
    CHECK(scorer.day_level(sum) == client::day_risk_level(sum, c));
  }
  CHECK(scorer.is_high(21.5));
  CHECK_FALSE(scorer.is_high(21.49));
  // Colours last max_encounter_age_days full days after the exposure day, as decide_colour
  // says for the same configuration.
  const std::int64_t day = 1709251200;
  const client::DailyRisk high{day, 30.0, 20.0, 1, client::RiskLevel::kHigh};
  client::ColourInputs inputs;
  inputs.exposure_days = {&high, 1};
  const std::int64_t until =
      client::rule_valid_until(client::ColourRule::kHighRiskExposure, day, c);
  CHECK(until == day + 7 * 86400);
  CHECK(client::decide_colour(inputs, c, until - 1).colour == Colour::kRed);
  CHECK(client::decide_colour(inputs, c, until).colour == Colour::kGreen);
}

}  // namespace greenlight::sim
