#include "greenlight/client/risk.h"

#include <catch2/catch.hpp>

#include "client_test_support.h"

namespace greenlight::client {
namespace {

using test::kDay0;

ExposureWindow window(std::int64_t day, ReportType type, std::optional<std::int32_t> dsos,
                      std::vector<ScanInstance> scans) {
  ExposureWindow w;
  w.day = day;
  w.start_time = day + 10 * 3600;
  w.report_type = type;
  w.days_since_onset = dsos;
  w.scans = std::move(scans);
  return w;
}

ScanInstance scan(int min_attenuation, int seconds) {
  return ScanInstance{min_attenuation + 2, min_attenuation, seconds};
}

TEST_CASE("a window is scored as hand-computed with the CWA v2 defaults", "[risk]") {
  const RiskConfig config;
  // Confirmed test (offset 6), symptom onset today (HIGH, offset 2): TRL 8, TRV 1.6.
  // 15 min at 55 dB (w 0.8), 5 min at 70 dB (w 1.0), 2 min at 75 dB (w 0.1), 5 min at 85 dB (w 0).
  const ExposureWindow w = window(
      kDay0, ReportType::kConfirmedTest, 0,
      {scan(55, 300), scan(55, 300), scan(55, 300), scan(70, 300), scan(75, 120), scan(85, 300)});
  const WindowRisk risk = score_window(w, config);
  CHECK(risk.outcome == WindowOutcome::kCounted);
  CHECK(risk.transmission_risk_level == 8);
  CHECK(risk.exposure_minutes == Approx(27.0));
  CHECK(risk.close_minutes == Approx(22.0));
  CHECK(risk.weighted_minutes == Approx(12.0 + 5.0 + 0.2));
  CHECK(risk.normalized_minutes == Approx(1.6 * 17.2));
}

TEST_CASE("windows are dropped by the CWA rules", "[risk]") {
  RiskConfig config;
  SECTION("fewer than 5 minutes below 79 dB") {
    const ExposureWindow w =
        window(kDay0, ReportType::kConfirmedTest, 0, {scan(60, 120), scan(60, 120), scan(80, 300)});
    CHECK(score_window(w, config).outcome == WindowOutcome::kTooShortClose);
  }
  SECTION("TRL 1 or 2: recursive report, standard infectiousness") {
    const ExposureWindow w =
        window(kDay0, ReportType::kRecursive, 10, {scan(50, 300), scan(50, 300)});
    const WindowRisk risk = score_window(w, config);
    CHECK(risk.transmission_risk_level == 1);
    CHECK(risk.outcome == WindowOutcome::kLowTrl);
  }
  SECTION("infectiousness NONE") {
    config.days_since_onset_to_infectiousness[14 + 9] = Infectiousness::kNone;
    const ExposureWindow w =
        window(kDay0, ReportType::kConfirmedTest, 9, {scan(50, 300), scan(50, 300)});
    CHECK(score_window(w, config).outcome == WindowOutcome::kNoInfectiousness);
  }
  SECTION("revoked") {
    const ExposureWindow w = window(kDay0, ReportType::kRevoked, 0, {scan(50, 300), scan(50, 300)});
    CHECK(score_window(w, config).outcome == WindowOutcome::kRevoked);
  }
  SECTION("unknown report type and missing onset use the configured defaults") {
    const ExposureWindow w =
        window(kDay0, ReportType::kUnknown, std::nullopt, {scan(50, 300), scan(50, 300)});
    const WindowRisk risk = score_window(w, config);
    CHECK(risk.outcome == WindowOutcome::kCounted);
    CHECK(risk.transmission_risk_level == 7);  // confirmed test (6) + standard (1)
    CHECK(risk.normalized_minutes == Approx(1.4 * 8.0));
  }
}

TEST_CASE("daily sums decide LOW and HIGH days", "[risk]") {
  const RiskConfig config;
  const std::int64_t day1 = kDay0 + 86400;
  const std::int64_t day2 = kDay0 + 2 * 86400;
  // Self report (2) + standard (1) = TRL 3, TRV 0.6: 10 min at 60 dB -> 8 weighted -> 4.8.
  const ExposureWindow low =
      window(day1, ReportType::kSelfReport, 10, {scan(60, 300), scan(60, 300)});
  // Confirmed (6) + standard (1) = TRL 7, TRV 1.4: 5 min at 65 dB + 2 min at 60 dB ->
  // 5 + 1.6 = 6.6 weighted -> 9.24.
  const ExposureWindow mid =
      window(day2, ReportType::kConfirmedTest, 10, {scan(65, 300), scan(60, 120)});
  const ExposureWindow dropped =
      window(day2, ReportType::kRecursive, 10, {scan(50, 300), scan(50, 300)});
  const ExposureWindow low2 =
      window(day2, ReportType::kSelfReport, 10, {scan(60, 300), scan(60, 300)});
  const std::vector<ExposureWindow> all{low, mid, low, dropped, low2};

  const RiskSummary summary = score_windows(all, config, day2 + 12 * 3600);
  REQUIRE(summary.days.size() == 2);
  CHECK(summary.days[0].day == day1);
  CHECK(summary.days[0].windows == 2);
  CHECK(summary.days[0].normalized_minutes == Approx(9.6));
  CHECK(summary.days[0].level == RiskLevel::kLow);
  CHECK(summary.days[1].day == day2);
  CHECK(summary.days[1].windows == 2);
  CHECK(summary.days[1].normalized_minutes == Approx(9.24 + 4.8));  // 14.04 >= 13
  CHECK(summary.days[1].exposure_minutes == Approx(7.0 + 10.0));
  CHECK(summary.days[1].level == RiskLevel::kHigh);
  CHECK(summary.overall == RiskLevel::kHigh);

  // Windows older than max_encounter_age_days no longer count.
  const RiskSummary later = score_windows(all, config, day1 + 11 * 86400);
  REQUIRE(later.days.size() == 1);
  CHECK(later.days[0].day == day2);
}

TEST_CASE("the risk configuration round-trips through JSON", "[risk]") {
  RiskConfig config;
  config.high_risk_normalized_minutes = 15;
  config.attenuation_weights = {{55, 1.0}, {63, 0.5}};
  config.colour.isolation_days = 7;
  config.days_since_onset_to_infectiousness[0] = Infectiousness::kNone;
  config.report_type_when_missing = ReportType::kSelfReport;
  const std::string text = risk_config_to_json(config);
  auto parsed = risk_config_from_json(text);
  REQUIRE(parsed);
  CHECK(parsed->high_risk_normalized_minutes == 15);
  REQUIRE(parsed->attenuation_weights.size() == 2);
  CHECK(parsed->attenuation_weights[1].below_db == 63);
  CHECK(parsed->attenuation_weights[1].weight == 0.5);
  CHECK(parsed->colour.isolation_days == 7);
  CHECK(parsed->days_since_onset_to_infectiousness == config.days_since_onset_to_infectiousness);
  CHECK(parsed->report_type_when_missing == ReportType::kSelfReport);
  CHECK(risk_config_to_json(*parsed) == text);
}

TEST_CASE("a partial JSON configuration keeps the defaults", "[risk]") {
  auto parsed = risk_config_from_json(
      R"({"high_risk_normalized_minutes": 20, "report_type_offsets": {"recursive": 1}})");
  REQUIRE(parsed);
  CHECK(parsed->high_risk_normalized_minutes == 20);
  CHECK(parsed->report_type_offset_recursive == 1);
  CHECK(parsed->report_type_offset_confirmed_test == 6);
  CHECK(parsed->close_attenuation_below_db == 79);
}

TEST_CASE("bad JSON configurations are rejected with a message", "[risk]") {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case c = GENERATE(
      Case{"[1]", "must be an object"},
      Case{"{\"high_risk_normalized_minutes\": \"13\"}",
           "high_risk_normalized_minutes must be a number"},
      Case{"{\"hihg_risk_normalized_minutes\": 13}", "unknown field hihg_risk_normalized_minutes"},
      Case{"{\"attenuation_weights\": [{\"below_db\": 63, \"weight\": 3.0}]}", "[0, 2.5]"},
      Case{"{\"attenuation_weights\": [{\"below_db\": 73, \"weight\": 1}, {\"below_db\": 63, "
           "\"weight\": 1}]}",
           "must increase"},
      Case{"{\"colour\": {\"isolation_days\": 7.5}}", "colour.isolation_days must be an integer"},
      Case{"{\"days_since_onset_to_infectiousness\": [\"high\"]}", "29 entries"},
      Case{"{\"report_type_when_missing\": \"revoked\"}", "report_type_when_missing must be"},
      // One spelling of report types everywhere (wire/published_layout.h).
      Case{"{\"report_type_when_missing\": \"confirmed_test\"}", "\"confirmed\""},
      Case{"{\"report_type_offsets\": {\"confirmed_test\": 6}}", "confirmed_test"},
      Case{"{", "invalid JSON"});
  CAPTURE(c.json);
  auto parsed = risk_config_from_json(c.json);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(parsed.error().message, Catch::Contains(c.message));
}

}  // namespace
}  // namespace greenlight::client
