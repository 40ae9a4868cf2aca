#include "greenlight/client/colour.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "greenlight/client/clock.h"

namespace greenlight::client {
namespace {

std::string one_decimal(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

std::string whole_minutes(double minutes) {
  return std::to_string(static_cast<std::int64_t>(std::llround(minutes)));
}

std::int64_t end_of_days_after(std::int64_t day, std::int32_t days) {
  return day + (static_cast<std::int64_t>(days) + 1) * kSecondsPerDay;
}

}  // namespace

Colour rule_colour(ColourRule rule) {
  switch (rule) {
    case ColourRule::kOwnPositiveTest:
    case ColourRule::kHighRiskExposure:
      return Colour::kRed;
    case ColourRule::kLowRiskExposure:
    case ColourRule::kVenueWarning:
      return Colour::kYellow;
    case ColourRule::kNone:
      break;
  }
  return Colour::kGreen;
}

std::int64_t rule_valid_until(ColourRule rule, std::int64_t from, const RiskConfig& config) {
  switch (rule) {
    case ColourRule::kOwnPositiveTest:
      return from + static_cast<std::int64_t>(config.colour.isolation_days) * kSecondsPerDay;
    case ColourRule::kHighRiskExposure:
      return end_of_days_after(from, config.colour.high_risk_days);
    case ColourRule::kLowRiskExposure:
    case ColourRule::kVenueWarning:
      return end_of_days_after(from, config.colour.low_risk_days);
    case ColourRule::kNone:
      break;
  }
  return 0;
}

std::string_view colour_name(Colour colour) {
  switch (colour) {
    case Colour::kGreen:
      return "green";
    case Colour::kYellow:
      return "yellow";
    case Colour::kRed:
      return "red";
  }
  return "green";
}

std::string utc_date(std::int64_t unix_seconds) {
  const std::int64_t days = utc_day_start(unix_seconds) / kSecondsPerDay;
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{static_cast<std::int32_t>(days)}}};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

ColourDecision decide_colour(const ColourInputs& inputs, const RiskConfig& config,
                             std::int64_t now) {
  ColourDecision decision;
  ColourExplanation& e = decision.explanation;

  if (inputs.own_positive_test_time) {
    const std::int64_t test_time = *inputs.own_positive_test_time;
    const std::int64_t until = rule_valid_until(ColourRule::kOwnPositiveTest, test_time, config);
    if (now < until) {
      decision.colour = Colour::kRed;
      e.rule = ColourRule::kOwnPositiveTest;
      e.day = utc_day_start(test_time);
      e.valid_until = until;
      e.text = "Red: you reported a verified positive test on " + utc_date(test_time) +
               ". Isolate until " + utc_date(until) + ".";
      return decision;
    }
  }

  // The latest day at the given level that still applies.
  const auto latest = [&](RiskLevel level, ColourRule rule) -> const DailyRisk* {
    const DailyRisk* best = nullptr;
    for (const DailyRisk& d : inputs.exposure_days) {
      if (d.level != level || d.day > now || now >= rule_valid_until(rule, d.day, config)) continue;
      if (best == nullptr || d.day > best->day) best = &d;
    }
    return best;
  };

  const auto explain_exposure = [&](const DailyRisk& d, ColourRule rule) {
    e.rule = rule;
    e.day = d.day;
    e.minutes = d.exposure_minutes;
    e.score = d.normalized_minutes;
    e.threshold = config.high_risk_normalized_minutes;
    e.valid_until = rule_valid_until(rule, d.day, config);
  };

  if (const DailyRisk* d = latest(RiskLevel::kHigh, ColourRule::kHighRiskExposure)) {
    decision.colour = Colour::kRed;
    explain_exposure(*d, ColourRule::kHighRiskExposure);
    e.text = "Red: on " + utc_date(d->day) + " you were exposed for about " +
             whole_minutes(d->exposure_minutes) + " minutes, a risk score of " +
             one_decimal(d->normalized_minutes) + " (high-risk threshold " +
             one_decimal(config.high_risk_normalized_minutes) + "). This lasts through " +
             utc_date(e.valid_until - 1) + ".";
    return decision;
  }
  if (const DailyRisk* d = latest(RiskLevel::kLow, ColourRule::kLowRiskExposure)) {
    decision.colour = Colour::kYellow;
    explain_exposure(*d, ColourRule::kLowRiskExposure);
    e.text = "Yellow: on " + utc_date(d->day) + " you were exposed for about " +
             whole_minutes(d->exposure_minutes) + " minutes, a risk score of " +
             one_decimal(d->normalized_minutes) + " (below the high-risk threshold " +
             one_decimal(config.high_risk_normalized_minutes) +
             "). Get tested. This lasts through " + utc_date(e.valid_until - 1) + ".";
    return decision;
  }
  const VenueWarningMatch* venue = nullptr;
  for (const VenueWarningMatch& v : inputs.venue_warnings) {
    if (v.day > now || now >= rule_valid_until(ColourRule::kVenueWarning, v.day, config)) continue;
    if (venue == nullptr || v.day > venue->day) venue = &v;
  }
  if (venue != nullptr) {
    decision.colour = Colour::kYellow;
    e.rule = ColourRule::kVenueWarning;
    e.day = venue->day;
    e.minutes = static_cast<double>(venue->overlap_minutes);
    e.valid_until = rule_valid_until(ColourRule::kVenueWarning, venue->day, config);
    e.text = "Yellow: a place you checked in at on " + utc_date(venue->day) +
             " reported a warning that overlaps your visit by " +
             std::to_string(venue->overlap_minutes) + " minutes. Get tested. This lasts through " +
             utc_date(e.valid_until - 1) + ".";
    return decision;
  }
  e.text = "Green: no exposure risk found.";
  return decision;
}

}  // namespace greenlight::client
