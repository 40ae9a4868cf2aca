#include "greenlight/client/cwa_risk.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "greenlight/client/clock.h"

namespace greenlight::client::cwa {
namespace {

constexpr std::int64_t kToday = 1796256000;  // 2026-12-03 00:00 UTC

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(GREENLIGHT_TEST_DATA_DIR) + "/cwa/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

RiskParameters cwa_parameters() {
  auto p = risk_parameters_from_json(read_data("risk-calculation-parameters.json"));
  REQUIRE(p.has_value());
  return *p;
}

Window window(int age, ReportType type, Infectiousness infectiousness,
              std::vector<ScanInstance> scans, std::int32_t calibration = 0) {
  return Window{kToday - age * kSecondsPerDay, type, infectiousness, calibration, std::move(scans)};
}

ScanInstance scan(int min_attenuation, int seconds) {
  return ScanInstance{min_attenuation + 2, min_attenuation, seconds};
}

TEST_CASE("CWA parameters load from CWA's JSON form", "[cwa_risk]") {
  const RiskParameters p = cwa_parameters();
  REQUIRE(p.minutes_at_attenuation_filters.size() == 1);
  CHECK(p.minutes_at_attenuation_filters[0].attenuation_range.max == 79);
  CHECK(p.minutes_at_attenuation_filters[0].attenuation_range.max_exclusive);
  CHECK_FALSE(p.minutes_at_attenuation_filters[0].attenuation_range.min_exclusive);
  REQUIRE(p.trl_filters.size() == 1);
  CHECK(p.trl_filters[0].max == 2);
  REQUIRE(p.minutes_at_attenuation_weights.size() == 3);
  CHECK(p.minutes_at_attenuation_weights[2].weight == Approx(0.1));
  REQUIRE(p.normalized_time_per_ew_to_risk_level.size() == 2);
  CHECK(p.normalized_time_per_ew_to_risk_level[1].risk_level == RiskLevel::kHigh);
  CHECK(p.normalized_time_per_day_to_risk_level[0].risk_level == RiskLevel::kLow);
  CHECK(p.trl_encoding.report_type_offset_confirmed_test == 7);
  CHECK(p.trl_encoding.infectiousness_offset_high == 1);
  CHECK(p.transmission_risk_value_mapping.size() == 6);
  CHECK(p.max_encounter_age_in_days == 10);
}

TEST_CASE("a range honours exclusive ends", "[cwa_risk]") {
  const Range closed{0, 13, false, false};
  const Range half_open{0, 13, false, true};
  const Range open_below{0, 13, true, false};
  CHECK(closed.contains(0));
  CHECK(closed.contains(13));
  CHECK_FALSE(half_open.contains(13));
  CHECK(half_open.contains(12.999));
  CHECK_FALSE(open_below.contains(0));
  CHECK_FALSE(closed.contains(-0.001));
}

TEST_CASE("CWA windows are scored as hand-computed", "[cwa_risk]") {
  const RiskParameters p = cwa_parameters();
  SECTION("confirmed test, high infectiousness: TRL 8, value 1.6") {
    // 5 min at 60 dB (w 0.8) + 5 min at 65 dB (w 1.0) + 5 min at 75 dB (w 0.1) = 9.5 min.
    auto r = score_window(window(1, ReportType::kConfirmedTest, Infectiousness::kHigh,
                                 {scan(60, 300), scan(65, 300), scan(75, 300)}),
                          p);
    REQUIRE(r.has_value());
    CHECK(r->dropped == Drop::kNone);
    CHECK(r->transmission_risk_level == 8);
    CHECK(r->transmission_risk_value == Approx(1.6));
    CHECK(r->weighted_minutes == Approx(9.5));
    CHECK(r->normalized_time == Approx(15.2));
    CHECK(r->risk_level == RiskLevel::kHigh);
  }
  SECTION("exactly 13 is HIGH (the LOW range excludes its max)") {
    // Clinical (5) + standard (0): TRL 5, value 1.0; 13 min at 65 dB (w 1.0).
    auto r =
        score_window(window(1, ReportType::kConfirmedClinicalDiagnosis, Infectiousness::kStandard,
                            {scan(65, 300), scan(65, 300), scan(65, 180)}),
                     p);
    REQUIRE(r.has_value());
    CHECK(r->transmission_risk_level == 5);
    CHECK(r->normalized_time == Approx(13.0));
    CHECK(r->risk_level == RiskLevel::kHigh);
  }
  SECTION("fewer than 5 minutes below 79 dB: dropped") {
    auto r = score_window(window(1, ReportType::kConfirmedTest, Infectiousness::kHigh,
                                 {scan(78, 180), scan(79, 300), scan(90, 300)}),
                          p);
    REQUIRE(r.has_value());
    CHECK(r->dropped == Drop::kMinutesAtAttenuation);
  }
  SECTION("exactly 5 minutes below 79 dB: kept") {
    auto r = score_window(window(1, ReportType::kConfirmedTest, Infectiousness::kStandard,
                                 {scan(70, 300), scan(85, 300)}),
                          p);
    REQUIRE(r.has_value());
    CHECK(r->dropped == Drop::kNone);
    CHECK(r->transmission_risk_level == 7);
    CHECK(r->normalized_time == Approx(7.0));
    CHECK(r->risk_level == RiskLevel::kLow);
  }
  SECTION("recursive with high infectiousness: TRL 2, dropped") {
    auto r = score_window(
        window(1, ReportType::kRecursive, Infectiousness::kHigh, {scan(40, 300), scan(40, 300)}),
        p);
    REQUIRE(r.has_value());
    CHECK(r->dropped == Drop::kTransmissionRiskLevel);
    CHECK(r->transmission_risk_level == 2);
  }
  SECTION("a report type outside 1..4 is an error, as in CWA's apps") {
    auto r = score_window(
        window(1, ReportType::kUnknown, Infectiousness::kHigh, {scan(40, 300), scan(40, 300)}), p);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("report type must be 1..4, got 0") != std::string::npos);
  }
}

TEST_CASE("CWA aggregation on hand-computed windows", "[cwa_risk]") {
  const RiskParameters p = cwa_parameters();
  auto windows = windows_from_json(read_data("exposure-windows.json"), kToday);
  REQUIRE(windows.has_value());
  REQUIRE(windows->size() == 8);
  CHECK((*windows)[0].date == kToday - kSecondsPerDay);
  auto r = aggregate(*windows, p, kToday);
  REQUIRE(r.has_value());

  // Day -1: 15.2 (HIGH, TRL 8) + 3.36 (LOW, self report TRL 3: 7 min * 0.8 * 0.6) = 18.56.
  // Day -3: 7.0 (TRL 7) + 8.0 (clinical TRL 5, 10 min * 0.8) = 15.0, two LOW windows make a
  //         HIGH day; one window dropped by the minutes filter.
  // Day -5: recursive + high = TRL 2, dropped. Day -6: 10 min * 0.8 * 1.6 = 12.8, LOW.
  // Day -12: older than maxEncounterAgeInDays 10.
  REQUIRE(r->dates.size() == 3);
  CHECK(r->dates[0].date == kToday - 1 * kSecondsPerDay);
  CHECK(r->dates[0].normalized_time == Approx(18.56));
  CHECK(r->dates[0].risk_level == RiskLevel::kHigh);
  CHECK(r->dates[0].minimum_distinct_encounters_with_high_risk == 1);
  CHECK(r->dates[0].minimum_distinct_encounters_with_low_risk == 1);
  CHECK(r->dates[1].date == kToday - 3 * kSecondsPerDay);
  CHECK(r->dates[1].normalized_time == Approx(15.0));
  CHECK(r->dates[1].risk_level == RiskLevel::kHigh);
  CHECK(r->dates[1].minimum_distinct_encounters_with_low_risk == 2);
  CHECK(r->dates[1].minimum_distinct_encounters_with_high_risk == 0);
  CHECK(r->dates[2].date == kToday - 6 * kSecondsPerDay);
  CHECK(r->dates[2].normalized_time == Approx(12.8));
  CHECK(r->dates[2].risk_level == RiskLevel::kLow);

  CHECK(r->total_risk_level == RiskLevel::kHigh);
  CHECK(r->number_of_days_with_high_risk == 2);
  CHECK(r->number_of_days_with_low_risk == 1);
  CHECK(r->most_recent_date_with_high_risk == kToday - 1 * kSecondsPerDay);
  CHECK(r->most_recent_date_with_low_risk == kToday - 6 * kSecondsPerDay);
  CHECK(r->total_minimum_distinct_encounters_with_low_risk == 4);
  CHECK(r->total_minimum_distinct_encounters_with_high_risk == 1);

  REQUIRE(r->windows.size() == 8);
  CHECK(r->windows[3].dropped == Drop::kMinutesAtAttenuation);
  CHECK(r->windows[4].dropped == Drop::kTransmissionRiskLevel);
  CHECK(r->windows[7].dropped == Drop::kTooOld);

  const std::string out = result_to_json(*r, kToday);
  CHECK(out.find("\"totalRiskLevel\":\"HIGH\"") != std::string::npos);
  CHECK(out.find("\"mostRecentDateWithHighRisk\":\"2026-12-02\"") != std::string::npos);
  CHECK(out.find("\"ageOfMostRecentDateWithLowRisk\":6") != std::string::npos);
}

TEST_CASE("no windows: total risk LOW with no dates", "[cwa_risk]") {
  auto r = aggregate({}, cwa_parameters(), kToday);
  REQUIRE(r.has_value());
  CHECK(r->total_risk_level == RiskLevel::kLow);
  CHECK(r->dates.empty());
  CHECK_FALSE(r->most_recent_date_with_low_risk.has_value());
  CHECK(result_to_json(*r, kToday).find("\"mostRecentDateWithLowRisk\":null") != std::string::npos);
}

TEST_CASE("pre-1.15 parameters use transmissionRiskLevelMultiplier", "[cwa_risk]") {
  std::string text = read_data("risk-calculation-parameters.json");
  const auto begin = text.find("\"transmissionRiskValueMapping\"");
  const auto end = text.find(']', begin);
  text.replace(begin, end + 1 - begin, "\"transmissionRiskLevelMultiplier\": 0.2");
  auto p = risk_parameters_from_json(text);
  REQUIRE(p.has_value());
  CHECK(p->transmission_risk_value_mapping.empty());
  auto r = score_window(window(1, ReportType::kConfirmedTest, Infectiousness::kHigh,
                               {scan(60, 300), scan(65, 300), scan(75, 300)}),
                        *p);
  REQUIRE(r.has_value());
  CHECK(r->transmission_risk_value == Approx(1.6));
  CHECK(r->normalized_time == Approx(15.2));
}

TEST_CASE("a normalized time no mapping holds is an error", "[cwa_risk]") {
  RiskParameters p = cwa_parameters();
  p.normalized_time_per_ew_to_risk_level.pop_back();  // nothing at >= 13
  auto r = score_window(window(1, ReportType::kConfirmedTest, Infectiousness::kHigh,
                               {scan(60, 300), scan(65, 300), scan(75, 300)}),
                        p);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("normalizedTimePerEWToRiskLevelMapping") != std::string::npos);
}

TEST_CASE("malformed CWA parameters name the member", "[cwa_risk]") {
  const std::string good = read_data("risk-calculation-parameters.json");
  struct Case {
    std::string from, to, message;
  };
  const Case c = GENERATE(
      Case{"\"maxExclusive\": true }, \"weight\": 0.8", "\"maxExlusive\": true }, \"weight\": 0.8",
           "unknown member minutesAtAttenuationWeights[0].attenuationRange.maxExlusive"},
      Case{"\"weight\": 0.8", "\"weight\": \"0.8\"",
           "minutesAtAttenuationWeights[0].weight must be a number, got \"0.8\""},
      Case{"\"riskLevel\": \"HIGH\"", "\"riskLevel\": 3",
           "normalizedTimePerEWToRiskLevelMapping[1].riskLevel must be 0 (UNSPECIFIED)"},
      Case{"\"trlEncoding\"", "\"trlEncodings\"", "trlEncoding is missing"},
      Case{"\"reportTypeOffsetConfirmedTest\": 7", "\"reportTypeOffsetConfirmedTest\": 7.5",
           "trlEncoding.reportTypeOffsetConfirmedTest must be an integer"});
  CAPTURE(c.from, c.to);
  std::string text = good;
  const auto at = text.find(c.from);
  REQUIRE(at != std::string::npos);
  text.replace(at, c.from.size(), c.to);
  auto p = risk_parameters_from_json(text);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(p.error().message, Catch::Contains(c.message));
  CHECK_FALSE(risk_parameters_from_json("{").has_value());
  CHECK_FALSE(risk_parameters_from_json("[]").has_value());
}

TEST_CASE("windows JSON accepts a bare array, dates and ENF names", "[cwa_risk]") {
  auto w = windows_from_json(
      R"([{"date": "2026-11-30", "reportType": "SELF_REPORT", "infectiousness": "HIGH",
           "scanInstances": [{"minAttenuation": 40, "secondsSinceLastScan": 300}]},
          {"dateMillisSinceEpoch": 1796256000000, "scanInstances": []}])",
      kToday);
  REQUIRE(w.has_value());
  REQUIRE(w->size() == 2);
  CHECK((*w)[0].date == kToday - 3 * kSecondsPerDay);
  CHECK((*w)[0].report_type == ReportType::kSelfReport);
  CHECK((*w)[0].infectiousness == Infectiousness::kHigh);
  CHECK((*w)[0].scans[0].min_attenuation_db == 40);
  CHECK((*w)[1].date == kToday);
  CHECK(windows_from_json(R"([{"date": "2026-02-30", "scanInstances": []}])", kToday)
            .error()
            .message.find("valid calendar date") != std::string::npos);
  CHECK(windows_from_json(R"([{"scanInstances": []}])", kToday)
            .error()
            .message.find("needs ageInDays, date or dateMillisSinceEpoch") != std::string::npos);
  CHECK_FALSE(
      windows_from_json(R"([{"ageInDays": 1, "infectiousness": 0, "scanInstances": []}])", kToday)
          .has_value());
}

TEST_CASE("a window from a CWA export decodes CWA's TRL encoding as ENF does", "[cwa_risk]") {
  ExposureWindow w;
  w.day = kToday;
  w.report_type = ReportType::kUnknown;
  w.days_since_onset = 2;
  w.calibration_confidence = 2;
  w.scans = {scan(50, 300)};
  auto cwa = window_from_cwa_export(w);
  REQUIRE(cwa.has_value());
  CHECK(cwa->infectiousness == Infectiousness::kHigh);
  CHECK(cwa->report_type == ReportType::kConfirmedTest);
  CHECK(cwa->calibration_confidence == 2);
  w.days_since_onset = 1;
  CHECK(window_from_cwa_export(w)->infectiousness == Infectiousness::kStandard);
  w.days_since_onset = 0;
  CHECK_FALSE(window_from_cwa_export(w).has_value());
  w.days_since_onset = 2;
  w.report_type = ReportType::kRevoked;
  CHECK_FALSE(window_from_cwa_export(w).has_value());
}

}  // namespace
}  // namespace greenlight::client::cwa
