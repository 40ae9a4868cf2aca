#include "greenlight/client/risk.h"

#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "greenlight/client/clock.h"
#include "greenlight/wire/published_layout.h"

namespace greenlight::client {
namespace {

namespace json = boost::json;

constexpr double kMaxWeight = 2.5;

std::int32_t report_type_offset(ReportType type, const RiskConfig& config) {
  switch (type) {
    case ReportType::kConfirmedTest:
      return config.report_type_offset_confirmed_test;
    case ReportType::kConfirmedClinicalDiagnosis:
      return config.report_type_offset_clinical;
    case ReportType::kSelfReport:
      return config.report_type_offset_self_report;
    case ReportType::kRecursive:
      return config.report_type_offset_recursive;
    case ReportType::kUnknown:
    case ReportType::kRevoked:
      break;
  }
  return 0;
}

double attenuation_weight(std::int32_t attenuation, const RiskConfig& config) {
  for (const AttenuationWeight& w : config.attenuation_weights) {
    if (attenuation < w.below_db) return w.weight;
  }
  return 0.0;
}

std::string_view infectiousness_name(Infectiousness i) {
  switch (i) {
    case Infectiousness::kNone:
      return "none";
    case Infectiousness::kStandard:
      return "standard";
    case Infectiousness::kHigh:
      return "high";
  }
  return "none";
}

// Reads JSON fields with messages that name the field, what was expected and what arrived.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  Result<double> number(const json::value& v, std::string_view field) const {
    if (!v.is_number()) return wrong(field, "a number", v);
    json::error_code ec;
    const double d = v.to_number<double>(ec);
    if (ec || !std::isfinite(d)) return wrong(field, "a finite number", v);
    return d;
  }

  Result<std::int32_t> integer(const json::value& v, std::string_view field) const {
    auto d = number(v, field);
    GL_RETURN_IF_ERROR(d);
    if (*d != std::floor(*d) || *d < -1e9 || *d > 1e9) return wrong(field, "an integer", v);
    return static_cast<std::int32_t>(*d);
  }

  Result<std::string> string(const json::value& v, std::string_view field) const {
    if (!v.is_string()) return wrong(field, "a string", v);
    return std::string(v.as_string());
  }

  std::unexpected<Error> wrong(std::string_view field, std::string_view expected,
                               const json::value& got) const {
    std::string shown = json::serialize(got);
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return make_error(ErrorCode::kInvalidArgument, "risk config: " + path_ + std::string(field) +
                                                       " must be " + std::string(expected) +
                                                       ", got " + shown);
  }

  std::unexpected<Error> unknown(std::string_view field) const {
    return make_error(ErrorCode::kInvalidArgument,
                      "risk config: unknown field " + path_ + std::string(field));
  }

 private:
  std::string path_;
};

Result<Infectiousness> parse_infectiousness(const Reader& r, const json::value& v,
                                            std::string_view field) {
  auto s = r.string(v, field);
  GL_RETURN_IF_ERROR(s);
  if (*s == "none") return Infectiousness::kNone;
  if (*s == "standard") return Infectiousness::kStandard;
  if (*s == "high") return Infectiousness::kHigh;
  return r.wrong(field, "\"none\", \"standard\" or \"high\"", v);
}

Result<ReportType> parse_report_type(const Reader& r, const json::value& v,
                                     std::string_view field) {
  auto s = r.string(v, field);
  GL_RETURN_IF_ERROR(s);
  // The one name mapping of the published layout; a key with a missing report type is
  // scored as one of the four real types, never as revoked or unknown.
  auto type = wire::parse_report_type(*s);
  if (!type || *type == ReportType::kRevoked || *type == ReportType::kUnknown) {
    return r.wrong(field, "\"confirmed\", \"clinical\", \"self_report\" or \"recursive\"", v);
  }
  return *type;
}

Status read_int_fields(const json::object& object, const Reader& r,
                       std::initializer_list<std::pair<std::string_view, std::int32_t*>> fields) {
  for (const auto& item : object) {
    bool known = false;
    for (const auto& [name, target] : fields) {
      if (item.key() != name) continue;
      auto value = r.integer(item.value(), name);
      GL_RETURN_IF_ERROR(value);
      *target = *value;
      known = true;
    }
    if (!known) return r.unknown(item.key());
  }
  return ok();
}

Status check(bool condition, std::string message) {
  if (condition) return ok();
  return make_error(ErrorCode::kInvalidArgument, "risk config: " + std::move(message));
}

}  // namespace

std::array<Infectiousness, 29> RiskConfig::default_infectiousness() {
  std::array<Infectiousness, 29> map{};
  for (std::int32_t d = -14; d <= 14; ++d) {
    map[static_cast<std::size_t>(d + 14)] =
        (d >= -2 && d <= 3) ? Infectiousness::kHigh : Infectiousness::kStandard;
  }
  return map;
}

Status validate(const RiskConfig& c) {
  const auto weight_ok = [](double w) { return w >= 0.0 && w <= kMaxWeight; };
  const auto offset_ok = [](std::int32_t o) { return o >= 0 && o <= 8; };
  GL_RETURN_IF_ERROR(check(c.close_attenuation_below_db >= 0 && c.close_attenuation_below_db <= 255,
                           "close_attenuation_below_db must be in 0..255"));
  GL_RETURN_IF_ERROR(check(c.minimum_close_minutes >= 0.0, "minimum_close_minutes must be >= 0"));
  std::int32_t previous = -1;
  for (const AttenuationWeight& w : c.attenuation_weights) {
    GL_RETURN_IF_ERROR(check(w.below_db > previous && w.below_db <= 255,
                             "attenuation_weights edges must increase within 0..255, got " +
                                 std::to_string(w.below_db) + " after " +
                                 std::to_string(previous)));
    GL_RETURN_IF_ERROR(check(weight_ok(w.weight), "attenuation weights must be in [0, 2.5]"));
    previous = w.below_db;
  }
  for (std::int32_t o :
       {c.infectiousness_offset_standard, c.infectiousness_offset_high,
        c.report_type_offset_confirmed_test, c.report_type_offset_clinical,
        c.report_type_offset_self_report, c.report_type_offset_recursive, c.drop_trl_at_most}) {
    GL_RETURN_IF_ERROR(check(
        offset_ok(o), "offsets and drop_trl_at_most must be in 0..8, got " + std::to_string(o)));
  }
  GL_RETURN_IF_ERROR(check(weight_ok(c.trl_multiplier), "trl_multiplier must be in [0, 2.5]"));
  GL_RETURN_IF_ERROR(check(c.report_type_when_missing != ReportType::kUnknown &&
                               c.report_type_when_missing != ReportType::kRevoked,
                           "report_type_when_missing must be a real report type"));
  GL_RETURN_IF_ERROR(check(c.high_risk_normalized_minutes >= 0.0 &&
                               c.minimum_normalized_minutes >= 0.0 &&
                               c.minimum_normalized_minutes <= c.high_risk_normalized_minutes,
                           "thresholds must satisfy 0 <= minimum <= high"));
  GL_RETURN_IF_ERROR(check(c.max_encounter_age_days >= 0 && c.max_encounter_age_days <= 14,
                           "max_encounter_age_days must be in 0..14"));
  for (std::int32_t d :
       {c.colour.isolation_days, c.colour.high_risk_days, c.colour.low_risk_days}) {
    GL_RETURN_IF_ERROR(
        check(d >= 0 && d <= 28, "colour days must be in 0..28, got " + std::to_string(d)));
  }
  return ok();
}

Result<RiskConfig> risk_config_from_json(std::string_view text) {
  json::error_code ec;
  const json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec)
    return make_error(ErrorCode::kInvalidArgument, "risk config: invalid JSON: " + ec.message());
  const Reader r("");
  if (!root.is_object()) return r.wrong("(top level)", "an object", root);
  RiskConfig c;
  for (const auto& item : root.as_object()) {
    const std::string_view key = item.key();
    const json::value& v = item.value();
    if (key == "close_attenuation_below_db") {
      GL_ASSIGN_OR_RETURN(c.close_attenuation_below_db, r.integer(v, key));
    } else if (key == "minimum_close_minutes") {
      GL_ASSIGN_OR_RETURN(c.minimum_close_minutes, r.number(v, key));
    } else if (key == "attenuation_weights") {
      if (!v.is_array()) return r.wrong(key, "an array", v);
      c.attenuation_weights.clear();
      for (const json::value& e : v.as_array()) {
        if (!e.is_object()) return r.wrong("attenuation_weights[]", "an object", e);
        AttenuationWeight w;
        bool have_edge = false;
        bool have_weight = false;
        const Reader er("attenuation_weights[].");
        for (const auto& f : e.as_object()) {
          if (f.key() == "below_db") {
            auto x = er.integer(f.value(), "below_db");
            GL_RETURN_IF_ERROR(x);
            w.below_db = *x;
            have_edge = true;
          } else if (f.key() == "weight") {
            auto x = er.number(f.value(), "weight");
            GL_RETURN_IF_ERROR(x);
            w.weight = *x;
            have_weight = true;
          } else {
            return er.unknown(f.key());
          }
        }
        if (!have_edge || !have_weight) {
          return r.wrong("attenuation_weights[]", "{\"below_db\": N, \"weight\": W}", e);
        }
        c.attenuation_weights.push_back(w);
      }
    } else if (key == "infectiousness_offsets") {
      if (!v.is_object()) return r.wrong(key, "an object", v);
      GL_RETURN_IF_ERROR(read_int_fields(v.as_object(), Reader("infectiousness_offsets."),
                                         {{"standard", &c.infectiousness_offset_standard},
                                          {"high", &c.infectiousness_offset_high}}));
    } else if (key == "report_type_offsets") {
      if (!v.is_object()) return r.wrong(key, "an object", v);
      GL_RETURN_IF_ERROR(read_int_fields(v.as_object(), Reader("report_type_offsets."),
                                         {{wire::report_type_name(ReportType::kConfirmedTest),
                                           &c.report_type_offset_confirmed_test},
                                          {"clinical", &c.report_type_offset_clinical},
                                          {"self_report", &c.report_type_offset_self_report},
                                          {"recursive", &c.report_type_offset_recursive}}));
    } else if (key == "drop_trl_at_most") {
      GL_ASSIGN_OR_RETURN(c.drop_trl_at_most, r.integer(v, key));
    } else if (key == "trl_multiplier") {
      GL_ASSIGN_OR_RETURN(c.trl_multiplier, r.number(v, key));
    } else if (key == "days_since_onset_to_infectiousness") {
      if (!v.is_array() || v.as_array().size() != c.days_since_onset_to_infectiousness.size()) {
        return r.wrong(key, "an array of 29 entries (days -14..14)", v);
      }
      for (std::size_t i = 0; i < c.days_since_onset_to_infectiousness.size(); ++i) {
        GL_ASSIGN_OR_RETURN(c.days_since_onset_to_infectiousness[i],
                            parse_infectiousness(r, v.as_array()[i], key));
      }
    } else if (key == "infectiousness_when_dsos_missing") {
      GL_ASSIGN_OR_RETURN(c.infectiousness_when_dsos_missing, parse_infectiousness(r, v, key));
    } else if (key == "report_type_when_missing") {
      GL_ASSIGN_OR_RETURN(c.report_type_when_missing, parse_report_type(r, v, key));
    } else if (key == "high_risk_normalized_minutes") {
      GL_ASSIGN_OR_RETURN(c.high_risk_normalized_minutes, r.number(v, key));
    } else if (key == "minimum_normalized_minutes") {
      GL_ASSIGN_OR_RETURN(c.minimum_normalized_minutes, r.number(v, key));
    } else if (key == "max_encounter_age_days") {
      GL_ASSIGN_OR_RETURN(c.max_encounter_age_days, r.integer(v, key));
    } else if (key == "colour") {
      if (!v.is_object()) return r.wrong(key, "an object", v);
      GL_RETURN_IF_ERROR(read_int_fields(v.as_object(), Reader("colour."),
                                         {{"isolation_days", &c.colour.isolation_days},
                                          {"high_risk_days", &c.colour.high_risk_days},
                                          {"low_risk_days", &c.colour.low_risk_days}}));
    } else {
      return r.unknown(key);
    }
  }
  GL_RETURN_IF_ERROR(validate(c));
  return c;
}

std::string risk_config_to_json(const RiskConfig& c) {
  json::object o;
  o["close_attenuation_below_db"] = c.close_attenuation_below_db;
  o["minimum_close_minutes"] = c.minimum_close_minutes;
  json::array weights;
  for (const AttenuationWeight& w : c.attenuation_weights) {
    weights.push_back(json::object{{"below_db", w.below_db}, {"weight", w.weight}});
  }
  o["attenuation_weights"] = std::move(weights);
  o["infectiousness_offsets"] = json::object{{"standard", c.infectiousness_offset_standard},
                                             {"high", c.infectiousness_offset_high}};
  o["report_type_offsets"] = json::object{
      {wire::report_type_name(ReportType::kConfirmedTest), c.report_type_offset_confirmed_test},
      {"clinical", c.report_type_offset_clinical},
      {"self_report", c.report_type_offset_self_report},
      {"recursive", c.report_type_offset_recursive}};
  o["drop_trl_at_most"] = c.drop_trl_at_most;
  o["trl_multiplier"] = c.trl_multiplier;
  json::array dsos;
  for (Infectiousness i : c.days_since_onset_to_infectiousness) {
    dsos.push_back(json::string(infectiousness_name(i)));
  }
  o["days_since_onset_to_infectiousness"] = std::move(dsos);
  o["infectiousness_when_dsos_missing"] =
      json::string(infectiousness_name(c.infectiousness_when_dsos_missing));
  o["report_type_when_missing"] = json::string(wire::report_type_name(c.report_type_when_missing));
  o["high_risk_normalized_minutes"] = c.high_risk_normalized_minutes;
  o["minimum_normalized_minutes"] = c.minimum_normalized_minutes;
  o["max_encounter_age_days"] = c.max_encounter_age_days;
  o["colour"] = json::object{{"isolation_days", c.colour.isolation_days},
                             {"high_risk_days", c.colour.high_risk_days},
                             {"low_risk_days", c.colour.low_risk_days}};
  return json::serialize(o);
}

WindowRisk score_window(const ExposureWindow& window, const RiskConfig& config) {
  return score_window(window.scans, window.report_type, window.days_since_onset, config);
}

WindowRisk score_window(std::span<const ScanInstance> scans, ReportType report_type,
                        std::optional<std::int32_t> days_since_onset, const RiskConfig& config) {
  WindowRisk risk;
  for (const ScanInstance& s : scans) {
    const double minutes = s.seconds_since_last_scan / 60.0;
    risk.exposure_minutes += minutes;
    if (s.min_attenuation_db < config.close_attenuation_below_db) risk.close_minutes += minutes;
    risk.weighted_minutes += minutes * attenuation_weight(s.min_attenuation_db, config);
  }
  if (report_type == ReportType::kRevoked) {
    risk.outcome = WindowOutcome::kRevoked;
    return risk;
  }
  const ReportType type =
      report_type == ReportType::kUnknown ? config.report_type_when_missing : report_type;
  Infectiousness infectiousness = config.infectiousness_when_dsos_missing;
  if (days_since_onset && *days_since_onset >= -14 && *days_since_onset <= 14) {
    infectiousness =
        config.days_since_onset_to_infectiousness[static_cast<std::size_t>(*days_since_onset + 14)];
  }
  if (infectiousness == Infectiousness::kNone) {
    risk.outcome = WindowOutcome::kNoInfectiousness;
    return risk;
  }
  if (risk.close_minutes < config.minimum_close_minutes) {
    risk.outcome = WindowOutcome::kTooShortClose;
    return risk;
  }
  const std::int32_t infectiousness_offset = infectiousness == Infectiousness::kHigh
                                                 ? config.infectiousness_offset_high
                                                 : config.infectiousness_offset_standard;
  risk.transmission_risk_level = infectiousness_offset + report_type_offset(type, config);
  if (risk.transmission_risk_level <= config.drop_trl_at_most) {
    risk.outcome = WindowOutcome::kLowTrl;
    return risk;
  }
  risk.normalized_minutes =
      risk.transmission_risk_level * config.trl_multiplier * risk.weighted_minutes;
  risk.outcome = WindowOutcome::kCounted;
  return risk;
}

RiskLevel day_risk_level(double normalized_minutes, const RiskConfig& config) {
  if (normalized_minutes >= config.high_risk_normalized_minutes) return RiskLevel::kHigh;
  if (normalized_minutes > config.minimum_normalized_minutes) return RiskLevel::kLow;
  return RiskLevel::kNone;
}

std::int64_t oldest_counted_day(std::int64_t now, const RiskConfig& config) {
  return utc_day_start(now) -
         static_cast<std::int64_t>(config.max_encounter_age_days) * kSecondsPerDay;
}

RiskSummary score_windows(std::span<const ExposureWindow> windows, const RiskConfig& config,
                          std::int64_t now) {
  const std::int64_t oldest_day = oldest_counted_day(now, config);
  std::map<std::int64_t, DailyRisk> by_day;
  for (const ExposureWindow& window : windows) {
    if (window.day < oldest_day) continue;
    const WindowRisk risk = score_window(window, config);
    if (risk.outcome != WindowOutcome::kCounted) continue;
    DailyRisk& day = by_day[window.day];
    day.day = window.day;
    day.normalized_minutes += risk.normalized_minutes;
    day.exposure_minutes += risk.exposure_minutes;
    ++day.windows;
  }
  RiskSummary summary;
  for (auto& [day_start, day] : by_day) {
    day.level = day_risk_level(day.normalized_minutes, config);
    if (day.level > summary.overall) summary.overall = day.level;
    summary.days.push_back(day);
  }
  return summary;
}

}  // namespace greenlight::client
