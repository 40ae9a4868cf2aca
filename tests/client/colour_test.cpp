#include "greenlight/client/colour.h"

#include <catch2/catch.hpp>

#include "client_test_support.h"
#include "greenlight/client/clock.h"

namespace greenlight::client {
namespace {

using test::kDay0;

DailyRisk day_risk(std::int64_t day, RiskLevel level, double score, double minutes) {
  DailyRisk d;
  d.day = day;
  d.level = level;
  d.normalized_minutes = score;
  d.exposure_minutes = minutes;
  d.windows = 1;
  return d;
}

TEST_CASE("each rule's colour and end are what decide_colour applies", "[colour]") {
  RiskConfig config;
  config.colour = {3, 5, 7};
  CHECK(rule_colour(ColourRule::kOwnPositiveTest) == Colour::kRed);
  CHECK(rule_colour(ColourRule::kHighRiskExposure) == Colour::kRed);
  CHECK(rule_colour(ColourRule::kLowRiskExposure) == Colour::kYellow);
  CHECK(rule_colour(ColourRule::kVenueWarning) == Colour::kYellow);
  CHECK(rule_colour(ColourRule::kNone) == Colour::kGreen);
  CHECK(rule_valid_until(ColourRule::kOwnPositiveTest, kDay0 + 100, config) ==
        kDay0 + 100 + 3 * kSecondsPerDay);
  CHECK(rule_valid_until(ColourRule::kHighRiskExposure, kDay0, config) ==
        kDay0 + 6 * kSecondsPerDay);
  CHECK(rule_valid_until(ColourRule::kLowRiskExposure, kDay0, config) ==
        kDay0 + 8 * kSecondsPerDay);
  const DailyRisk high = day_risk(kDay0, RiskLevel::kHigh, 20, 30);
  ColourInputs inputs;
  inputs.exposure_days = {&high, 1};
  const ColourDecision d = decide_colour(inputs, config, kDay0 + 3600);
  CHECK(d.colour == rule_colour(d.explanation.rule));
  CHECK(d.explanation.valid_until ==
        rule_valid_until(ColourRule::kHighRiskExposure, kDay0, config));
}

TEST_CASE("GREEN without any input", "[colour]") {
  const ColourDecision d = decide_colour({}, RiskConfig{}, kDay0);
  CHECK(d.colour == Colour::kGreen);
  CHECK(d.explanation.rule == ColourRule::kNone);
  CHECK(d.explanation.text == "Green: no exposure risk found.");
}

TEST_CASE("own positive test is RED for the isolation period", "[colour]") {
  RiskConfig config;
  config.colour.isolation_days = 10;
  ColourInputs inputs;
  const std::int64_t test_time = kDay0 + 2 * 86400 + 9 * 3600;
  inputs.own_positive_test_time = test_time;
  const ColourDecision red = decide_colour(inputs, config, test_time + 86400);
  CHECK(red.colour == Colour::kRed);
  CHECK(red.explanation.rule == ColourRule::kOwnPositiveTest);
  CHECK(red.explanation.day == kDay0 + 2 * 86400);
  CHECK(red.explanation.valid_until == test_time + 10 * 86400);
  CHECK(red.explanation.text ==
        "Red: you reported a verified positive test on 2024-05-03. Isolate until 2024-05-13.");
  CHECK(decide_colour(inputs, config, test_time + 10 * 86400 - 1).colour == Colour::kRed);
  CHECK(decide_colour(inputs, config, test_time + 10 * 86400).colour == Colour::kGreen);
}

TEST_CASE("colour transitions GREEN -> YELLOW -> RED and expires", "[colour]") {
  const RiskConfig config;  // 10 days RED after a high-risk day, 10 days YELLOW after a low one
  const std::int64_t day3 = kDay0 + 3 * 86400;
  const std::int64_t day5 = kDay0 + 5 * 86400;
  std::vector<DailyRisk> days;
  ColourInputs inputs;

  inputs.exposure_days = days;
  CHECK(decide_colour(inputs, config, day3 + 3600).colour == Colour::kGreen);

  days.push_back(day_risk(day3, RiskLevel::kLow, 6.2, 9.4));
  inputs.exposure_days = days;
  const ColourDecision yellow = decide_colour(inputs, config, day3 + 20 * 3600);
  CHECK(yellow.colour == Colour::kYellow);
  CHECK(yellow.explanation.rule == ColourRule::kLowRiskExposure);
  CHECK(yellow.explanation.day == day3);
  CHECK(yellow.explanation.minutes == Approx(9.4));
  CHECK(yellow.explanation.text ==
        "Yellow: on 2024-05-04 you were exposed for about 9 minutes, a risk score of 6.2 (below "
        "the high-risk threshold 13.0). Get tested. This lasts through 2024-05-14.");

  days.push_back(day_risk(day5, RiskLevel::kHigh, 18.44, 25.0));
  inputs.exposure_days = days;
  const ColourDecision red = decide_colour(inputs, config, day5 + 20 * 3600);
  CHECK(red.colour == Colour::kRed);
  CHECK(red.explanation.rule == ColourRule::kHighRiskExposure);
  CHECK(red.explanation.day == day5);
  CHECK(red.explanation.score == Approx(18.44));
  CHECK(red.explanation.threshold == Approx(13.0));
  CHECK(red.explanation.text ==
        "Red: on 2024-05-06 you were exposed for about 25 minutes, a risk score of 18.4 "
        "(high-risk threshold 13.0). This lasts through 2024-05-16.");

  // RED lasts through the 10th day after day 5; YELLOW of day 3 has expired by then.
  CHECK(decide_colour(inputs, config, day5 + 11 * 86400 - 1).colour == Colour::kRed);
  CHECK(decide_colour(inputs, config, day5 + 11 * 86400).colour == Colour::kGreen);
  // Between the two expiries of a later low day the colour falls back to YELLOW.
  days.push_back(day_risk(day5 + 5 * 86400, RiskLevel::kLow, 3.0, 5.0));
  inputs.exposure_days = days;
  CHECK(decide_colour(inputs, config, day5 + 12 * 86400).colour == Colour::kYellow);
}

TEST_CASE("precedence: own test, then high risk, then low risk, then venue", "[colour]") {
  const RiskConfig config;
  const std::int64_t day = kDay0 + 4 * 86400;
  const std::vector<DailyRisk> high{day_risk(day, RiskLevel::kHigh, 20, 30)};
  const std::vector<DailyRisk> low{day_risk(day, RiskLevel::kLow, 2, 5)};
  const std::vector<VenueWarningMatch> venue{VenueWarningMatch{day, 45}};
  const std::int64_t now = day + 86400;

  ColourInputs inputs;
  inputs.venue_warnings = venue;
  const ColourDecision v = decide_colour(inputs, config, now);
  CHECK(v.colour == Colour::kYellow);
  CHECK(v.explanation.rule == ColourRule::kVenueWarning);
  CHECK(v.explanation.minutes == 45);
  CHECK(v.explanation.text ==
        "Yellow: a place you checked in at on 2024-05-05 reported a warning that overlaps your "
        "visit by 45 minutes. Get tested. This lasts through 2024-05-15.");

  inputs.exposure_days = low;
  CHECK(decide_colour(inputs, config, now).explanation.rule == ColourRule::kLowRiskExposure);
  inputs.exposure_days = high;
  CHECK(decide_colour(inputs, config, now).explanation.rule == ColourRule::kHighRiskExposure);
  inputs.own_positive_test_time = now - 3600;
  CHECK(decide_colour(inputs, config, now).explanation.rule == ColourRule::kOwnPositiveTest);
}

TEST_CASE("explanations carry dates, never times of day", "[colour]") {
  const RiskConfig config;
  const std::vector<DailyRisk> high{day_risk(kDay0, RiskLevel::kHigh, 20, 30)};
  ColourInputs inputs;
  inputs.exposure_days = high;
  const ColourDecision d = decide_colour(inputs, config, kDay0 + 15 * 3600 + 17 * 60);
  CHECK(d.explanation.text.find(':', 4) == std::string::npos);  // only "Red:" has a colon
  CHECK(utc_date(kDay0 + 86399) == "2024-05-01");
  CHECK(colour_name(d.colour) == "red");
}

}  // namespace
}  // namespace greenlight::client
