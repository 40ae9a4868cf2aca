#include "greenlight/sim/risk.h"

#include <catch2/catch.hpp>

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
  w.days_since_onset = 4;
  CHECK(scorer.transmission_risk_level(4, ReportType::kConfirmedTest) == 7);
  CHECK(scorer.score(w).normalized_minutes == Approx(13 * 1.4));
  // Self reports with STANDARD infectiousness have TRL 3; recursive ones TRL 1 (dropped).
  CHECK(scorer.transmission_risk_level(4, ReportType::kSelfReport) == 3);
  w.report_type = ReportType::kRecursive;
  CHECK_FALSE(scorer.score(w).counted);
}

}  // namespace greenlight::sim
