// The colour rule (spec/protocol.md "Colour"), computed on the phone and never sent.
//
// In order of precedence:
// 1. RED, rule kOwnPositiveTest: the user's own verified positive test, for
//    colour.isolation_days after the test time.
// 2. RED, rule kHighRiskExposure: a day whose exposure score reached the high threshold,
//    until colour.high_risk_days full days after that day (the latest such day counts).
// 3. YELLOW, rule kLowRiskExposure: a day scored above the minimum but below the high
//    threshold, until colour.low_risk_days full days after that day.
// 4. YELLOW, rule kVenueWarning: a venue warning overlapping one of the user's check-ins,
//    until colour.low_risk_days full days after the warned day (input filled in by the
//    venue check-in feature).
// 5. GREEN otherwise.
// "Until N full days after day d" means until d + (N + 1) * 86400 (d is 00:00 UTC).
//
// Every decision carries an explanation: the rule, the day (a UTC date, never a time of
// day), the minutes behind it and when the colour expires, plus an English sentence built
// only from those values. It never names a place, a venue or another person.
//
// Pure function, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "greenlight/client/risk.h"

namespace greenlight::client {

enum class Colour : std::int32_t { kGreen = 0, kYellow = 1, kRed = 2 };

enum class ColourRule : std::int32_t {
  kNone = 0,  // GREEN
  kOwnPositiveTest = 1,
  kHighRiskExposure = 2,
  kLowRiskExposure = 3,
  kVenueWarning = 4,
};

// A venue warning that overlapped one of the user's check-ins (matched on the phone).
struct VenueWarningMatch {
  std::int64_t day = 0;              // 00:00 UTC of the overlap, unix seconds
  std::int64_t overlap_minutes = 0;  // minutes of the check-in inside the warned window
};

struct ColourInputs {
  std::optional<std::int64_t> own_positive_test_time;  // unix seconds
  std::span<const DailyRisk> exposure_days;
  std::span<const VenueWarningMatch> venue_warnings;
};

struct ColourExplanation {
  ColourRule rule = ColourRule::kNone;
  std::int64_t day = 0;          // the day the rule refers to (00:00 UTC), 0 for GREEN
  double minutes = 0.0;          // exposure / overlap minutes behind the rule
  double score = 0.0;            // normalized minutes (exposure rules)
  double threshold = 0.0;        // the high-risk threshold (exposure rules)
  std::int64_t valid_until = 0;  // when this rule stops applying (0 for GREEN)
  std::string text;
};

struct ColourDecision {
  Colour colour = Colour::kGreen;
  ColourExplanation explanation;
};

ColourDecision decide_colour(const ColourInputs& inputs, const RiskConfig& config,
                             std::int64_t now);

// The colour a rule gives (GREEN for kNone) and until when (exclusive, unix seconds) it
// applies: `from` is the test time for kOwnPositiveTest, the day (00:00 UTC) otherwise.
// decide_colour() uses exactly these; the simulator applies them without explanations.
Colour rule_colour(ColourRule rule);
std::int64_t rule_valid_until(ColourRule rule, std::int64_t from, const RiskConfig& config);

std::string_view colour_name(Colour colour);  // "green", "yellow", "red"
// "YYYY-MM-DD" of the UTC day containing unix_seconds.
std::string utc_date(std::int64_t unix_seconds);

}  // namespace greenlight::client
