#include "greenlight/client/cwa_risk.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <set>
#include <utility>

#include "greenlight/client/clock.h"

namespace greenlight::client::cwa {
namespace {

namespace json = boost::json;

// Where a value sits in the file ("trlFilters[0].dropIfTrlInRange.min"), for messages that
// name the member, what was expected and what arrived.
class Path {
 public:
  explicit Path(std::string what) : text_(std::move(what)) {}
  Path member(std::string_view name) const {
    return Path(text_.empty() ? std::string(name) : text_ + "." + std::string(name));
  }
  Path index(std::size_t i) const { return Path(text_ + "[" + std::to_string(i) + "]"); }

  std::unexpected<Error> wrong(std::string_view expected, const json::value& got) const {
    std::string shown = json::serialize(got);
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return fail(text_ + " must be " + std::string(expected) + ", got " + shown);
  }
  std::unexpected<Error> fail(std::string message) const {
    return make_error(ErrorCode::kInvalidArgument, "CWA risk: " + std::move(message));
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

Result<const json::object*> object_at(const json::value& v, const Path& path) {
  if (!v.is_object()) return path.wrong("an object", v);
  return &v.as_object();
}

Result<const json::array*> array_at(const json::value& v, const Path& path) {
  if (!v.is_array()) return path.wrong("an array", v);
  return &v.as_array();
}

Result<double> number_at(const json::value& v, const Path& path) {
  if (!v.is_number()) return path.wrong("a number", v);
  json::error_code ec;
  const double d = v.to_number<double>(ec);
  if (ec || !std::isfinite(d)) return path.wrong("a finite number", v);
  return d;
}

Result<std::int32_t> integer_at(const json::value& v, const Path& path) {
  auto d = number_at(v, path);
  GL_RETURN_IF_ERROR(d);
  if (*d != std::floor(*d) || std::fabs(*d) > 1e9) return path.wrong("an integer", v);
  return static_cast<std::int32_t>(*d);
}

Status only_members(const json::object& object, const Path& path,
                    std::initializer_list<std::string_view> known) {
  for (const auto& item : object) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      return path.fail("unknown member " + path.member(item.key()).text());
    }
  }
  return ok();
}

// protobuf's JSON form leaves out members that hold their default (0, false).
Status read_optional(const json::object& object, const Path& path, std::string_view name,
                     double& out) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr) return ok();
  auto d = number_at(*v, path.member(name));
  GL_RETURN_IF_ERROR(d);
  out = *d;
  return ok();
}

Status read_optional(const json::object& object, const Path& path, std::string_view name,
                     std::int32_t& out) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr) return ok();
  auto i = integer_at(*v, path.member(name));
  GL_RETURN_IF_ERROR(i);
  out = *i;
  return ok();
}

Status read_optional(const json::object& object, const Path& path, std::string_view name,
                     bool& out) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr) return ok();
  if (!v->is_bool()) return path.member(name).wrong("true or false", *v);
  out = v->as_bool();
  return ok();
}

Result<const json::value*> required(const json::object& object, const Path& path,
                                    std::string_view name) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr) return path.fail(path.member(name).text() + " is missing");
  return v;
}

Result<Range> read_range(const json::value& v, const Path& path) {
  auto object = object_at(v, path);
  GL_RETURN_IF_ERROR(object);
  GL_RETURN_IF_ERROR(only_members(**object, path, {"min", "max", "minExclusive", "maxExclusive"}));
  Range range;
  for (auto s : {read_optional(**object, path, "min", range.min),
                 read_optional(**object, path, "max", range.max),
                 read_optional(**object, path, "minExclusive", range.min_exclusive),
                 read_optional(**object, path, "maxExclusive", range.max_exclusive)}) {
    GL_RETURN_IF_ERROR(s);
  }
  return range;
}

Result<Range> read_range_member(const json::object& object, const Path& path,
                                std::string_view name) {
  auto v = required(object, path, name);
  GL_RETURN_IF_ERROR(v);
  return read_range(**v, path.member(name));
}

Result<RiskLevel> read_risk_level(const json::value& v, const Path& path) {
  if (v.is_string()) {
    if (v.as_string() == "LOW") return RiskLevel::kLow;
    if (v.as_string() == "HIGH") return RiskLevel::kHigh;
    if (v.as_string() == "UNSPECIFIED") return RiskLevel::kNone;
    return path.wrong("\"LOW\", \"HIGH\" or \"UNSPECIFIED\"", v);
  }
  auto i = integer_at(v, path);
  GL_RETURN_IF_ERROR(i);
  if (*i < 0 || *i > 2) return path.wrong("0 (UNSPECIFIED), 1 (LOW) or 2 (HIGH)", v);
  return static_cast<RiskLevel>(*i);
}

// Reads a required array member, one element at a time.
template <typename T, typename ReadOne>
Result<std::vector<T>> read_list(const json::object& object, const Path& path,
                                 std::string_view name, ReadOne read_one) {
  auto v = required(object, path, name);
  GL_RETURN_IF_ERROR(v);
  const Path list_path = path.member(name);
  auto array = array_at(**v, list_path);
  GL_RETURN_IF_ERROR(array);
  std::vector<T> out;
  for (std::size_t i = 0; i < (*array)->size(); ++i) {
    const Path item_path = list_path.index(i);
    auto item = object_at((**array)[i], item_path);
    GL_RETURN_IF_ERROR(item);
    auto one = read_one(**item, item_path);
    GL_RETURN_IF_ERROR(one);
    out.push_back(std::move(*one));
  }
  return out;
}

Result<NormalizedTimeToRiskLevel> read_time_mapping(const json::object& object, const Path& path) {
  GL_RETURN_IF_ERROR(only_members(object, path, {"normalizedTimeRange", "riskLevel"}));
  auto range = read_range_member(object, path, "normalizedTimeRange");
  GL_RETURN_IF_ERROR(range);
  auto level_value = required(object, path, "riskLevel");
  GL_RETURN_IF_ERROR(level_value);
  auto level = read_risk_level(**level_value, path.member("riskLevel"));
  GL_RETURN_IF_ERROR(level);
  return NormalizedTimeToRiskLevel{*range, *level};
}

Result<TrlEncoding> read_trl_encoding(const json::object& object, const Path& path) {
  TrlEncoding e;
  const std::initializer_list<std::pair<std::string_view, std::int32_t*>> fields = {
      {"infectiousnessOffsetStandard", &e.infectiousness_offset_standard},
      {"infectiousnessOffsetHigh", &e.infectiousness_offset_high},
      {"reportTypeOffsetRecursive", &e.report_type_offset_recursive},
      {"reportTypeOffsetSelfReport", &e.report_type_offset_self_report},
      {"reportTypeOffsetConfirmedClinicalDiagnosis",
       &e.report_type_offset_confirmed_clinical_diagnosis},
      {"reportTypeOffsetConfirmedTest", &e.report_type_offset_confirmed_test}};
  for (const auto& item : object) {
    const auto* field = std::find_if(fields.begin(), fields.end(),
                                     [&](const auto& f) { return f.first == item.key(); });
    if (field == fields.end()) return path.fail("unknown member " + path.member(item.key()).text());
    GL_RETURN_IF_ERROR(read_optional(object, path, field->first, *field->second));
  }
  return e;
}

// The parameters object inside the file: the file itself or one of CWA's wrappers.
const json::object* parameters_object(const json::object& file) {
  for (std::string_view wrapper :
       {"riskCalculationParameters", "defaultRiskCalculationConfiguration"}) {
    if (const json::value* inner = file.if_contains(wrapper); inner && inner->is_object()) {
      return &inner->as_object();
    }
  }
  return &file;
}

Result<ReportType> read_report_type(const json::value& v, const Path& path) {
  static constexpr std::pair<std::string_view, ReportType> kNames[] = {
      {"CONFIRMED_TEST", ReportType::kConfirmedTest},
      {"CONFIRMED_CLINICAL_DIAGNOSIS", ReportType::kConfirmedClinicalDiagnosis},
      {"SELF_REPORT", ReportType::kSelfReport},
      {"RECURSIVE", ReportType::kRecursive}};
  if (v.is_string()) {
    for (const auto& [name, type] : kNames) {
      if (v.as_string() == name) return type;
    }
    return path.wrong("1..4 or an ENF report type name", v);
  }
  auto i = integer_at(v, path);
  GL_RETURN_IF_ERROR(i);
  // CWA throws on other report types when scoring, not when reading; keep the value.
  if (*i < 0 || *i > 5) return path.wrong("a report type 0..5", v);
  return static_cast<ReportType>(*i);
}

Result<Infectiousness> read_infectiousness(const json::value& v, const Path& path) {
  if (v.is_string()) {
    if (v.as_string() == "STANDARD") return Infectiousness::kStandard;
    if (v.as_string() == "HIGH") return Infectiousness::kHigh;
    return path.wrong("1, 2, \"STANDARD\" or \"HIGH\"", v);
  }
  auto i = integer_at(v, path);
  GL_RETURN_IF_ERROR(i);
  if (*i < 1 || *i > 2) return path.wrong("1 (STANDARD) or 2 (HIGH)", v);
  return static_cast<Infectiousness>(*i);
}

Result<std::int64_t> parse_date(const json::value& v, const Path& path) {
  if (!v.is_string()) return path.wrong("a date \"YYYY-MM-DD\"", v);
  const std::string text(v.as_string());
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || text.size() != 10) {
    return path.wrong("a date \"YYYY-MM-DD\"", v);
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return path.wrong("a valid calendar date", v);
  return std::int64_t{std::chrono::sys_days{ymd}.time_since_epoch().count()} * kSecondsPerDay;
}

Result<std::int64_t> read_window_date(const json::object& object, const Path& path,
                                      std::int64_t today) {
  if (const json::value* age = object.if_contains("ageInDays")) {
    auto days = integer_at(*age, path.member("ageInDays"));
    GL_RETURN_IF_ERROR(days);
    return today - std::int64_t{*days} * kSecondsPerDay;
  }
  if (const json::value* date = object.if_contains("date")) {
    return parse_date(*date, path.member("date"));
  }
  if (const json::value* millis = object.if_contains("dateMillisSinceEpoch")) {
    auto ms = number_at(*millis, path.member("dateMillisSinceEpoch"));
    GL_RETURN_IF_ERROR(ms);
    return utc_day_start(static_cast<std::int64_t>(std::floor(*ms / 1000.0)));
  }
  return path.fail(path.text() + " needs ageInDays, date or dateMillisSinceEpoch");
}

Result<ScanInstance> read_scan(const json::object& object, const Path& path) {
  GL_RETURN_IF_ERROR(
      only_members(object, path, {"minAttenuation", "typicalAttenuation", "secondsSinceLastScan"}));
  ScanInstance scan;
  for (auto s :
       {read_optional(object, path, "minAttenuation", scan.min_attenuation_db),
        read_optional(object, path, "typicalAttenuation", scan.typical_attenuation_db),
        read_optional(object, path, "secondsSinceLastScan", scan.seconds_since_last_scan)}) {
    GL_RETURN_IF_ERROR(s);
  }
  if (scan.seconds_since_last_scan < 0) {
    return path.fail(path.member("secondsSinceLastScan").text() + " must be >= 0, got " +
                     std::to_string(scan.seconds_since_last_scan));
  }
  return scan;
}

Result<Window> read_window(const json::object& object, const Path& path, std::int64_t today) {
  GL_RETURN_IF_ERROR(only_members(object, path,
                                  {"ageInDays", "date", "dateMillisSinceEpoch", "reportType",
                                   "infectiousness", "calibrationConfidence", "scanInstances"}));
  Window window;
  auto date = read_window_date(object, path, today);
  GL_RETURN_IF_ERROR(date);
  window.date = *date;
  if (const json::value* v = object.if_contains("reportType")) {
    auto type = read_report_type(*v, path.member("reportType"));
    GL_RETURN_IF_ERROR(type);
    window.report_type = *type;
  }
  if (const json::value* v = object.if_contains("infectiousness")) {
    auto infectiousness = read_infectiousness(*v, path.member("infectiousness"));
    GL_RETURN_IF_ERROR(infectiousness);
    window.infectiousness = *infectiousness;
  }
  GL_RETURN_IF_ERROR(
      read_optional(object, path, "calibrationConfidence", window.calibration_confidence));
  auto scans = read_list<ScanInstance>(object, path, "scanInstances", read_scan);
  GL_RETURN_IF_ERROR(scans);
  window.scans = std::move(*scans);
  return window;
}

Result<std::int32_t> report_type_offset(ReportType type, const TrlEncoding& e) {
  switch (type) {
    case ReportType::kRecursive:
      return e.report_type_offset_recursive;
    case ReportType::kSelfReport:
      return e.report_type_offset_self_report;
    case ReportType::kConfirmedClinicalDiagnosis:
      return e.report_type_offset_confirmed_clinical_diagnosis;
    case ReportType::kConfirmedTest:
      return e.report_type_offset_confirmed_test;
    case ReportType::kUnknown:
    case ReportType::kRevoked:
      break;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "CWA risk: a window's report type must be 1..4, got " +
                        std::to_string(static_cast<std::int32_t>(type)));
}

Result<RiskLevel> first_level(const std::vector<NormalizedTimeToRiskLevel>& mapping,
                              double normalized_time, std::string_view which) {
  for (const NormalizedTimeToRiskLevel& m : mapping) {
    if (m.normalized_time_range.contains(normalized_time)) return m.risk_level;
  }
  return make_error(ErrorCode::kInvalidArgument, "CWA risk: " + std::string(which) +
                                                     " has no range holding normalized time " +
                                                     std::to_string(normalized_time));
}

double transmission_risk_value(std::int32_t trl, const RiskParameters& p) {
  if (p.transmission_risk_value_mapping.empty()) {
    return trl * p.transmission_risk_level_multiplier.value_or(0.0);
  }
  for (const TransmissionRiskValue& v : p.transmission_risk_value_mapping) {
    if (v.transmission_risk_level == trl) return v.transmission_risk_value;
  }
  return 0.0;
}

std::int32_t distinct_encounters(std::span<const Window> windows,
                                 std::span<const WindowResult> results, std::int64_t date,
                                 RiskLevel level) {
  std::set<std::pair<std::int32_t, std::int32_t>> seen;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    if (results[i].dropped != Drop::kNone || windows[i].date != date ||
        results[i].risk_level != level) {
      continue;
    }
    seen.emplace(results[i].transmission_risk_level, windows[i].calibration_confidence);
  }
  return static_cast<std::int32_t>(seen.size());
}

std::string_view level_name(RiskLevel level) {
  switch (level) {
    case RiskLevel::kLow:
      return "LOW";
    case RiskLevel::kHigh:
      return "HIGH";
    case RiskLevel::kNone:
      break;
  }
  return "UNSPECIFIED";
}

std::string_view drop_name(Drop drop) {
  switch (drop) {
    case Drop::kMinutesAtAttenuation:
      return "minutesAtAttenuationFilter";
    case Drop::kTransmissionRiskLevel:
      return "trlFilter";
    case Drop::kTooOld:
      return "maxEncounterAgeInDays";
    case Drop::kNone:
      break;
  }
  return "";
}

std::string date_text(std::int64_t day) {
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{utc_day_start(day) / kSecondsPerDay}}};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

json::value date_or_null(const std::optional<std::int64_t>& day) {
  return day ? json::value(date_text(*day)) : json::value(nullptr);
}

json::value age_or_null(const std::optional<std::int64_t>& day, std::int64_t today) {
  return day ? json::value((today - *day) / kSecondsPerDay) : json::value(nullptr);
}

}  // namespace

bool Range::contains(double value) const {
  const bool above_min = min_exclusive ? value > min : value >= min;
  const bool below_max = max_exclusive ? value < max : value <= max;
  return above_min && below_max;
}

Result<RiskParameters> risk_parameters_from_json(std::string_view text) {
  json::error_code ec;
  const json::value document = json::parse(text, ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument,
                      "CWA risk: parameters must be JSON: " + ec.message());
  }
  const Path root("");
  auto file = object_at(document, Path("parameters"));
  GL_RETURN_IF_ERROR(file);
  const json::object& object = *parameters_object(**file);

  RiskParameters p;
  auto filters = read_list<MinutesAtAttenuationFilter>(
      object, root, "minutesAtAttenuationFilters",
      [](const json::object& o, const Path& path) -> Result<MinutesAtAttenuationFilter> {
        GL_RETURN_IF_ERROR(only_members(o, path, {"attenuationRange", "dropIfMinutesInRange"}));
        auto attenuation = read_range_member(o, path, "attenuationRange");
        GL_RETURN_IF_ERROR(attenuation);
        auto minutes = read_range_member(o, path, "dropIfMinutesInRange");
        GL_RETURN_IF_ERROR(minutes);
        return MinutesAtAttenuationFilter{*attenuation, *minutes};
      });
  GL_RETURN_IF_ERROR(filters);
  p.minutes_at_attenuation_filters = std::move(*filters);

  auto trl_filters = read_list<Range>(
      object, root, "trlFilters", [](const json::object& o, const Path& path) -> Result<Range> {
        GL_RETURN_IF_ERROR(only_members(o, path, {"dropIfTrlInRange"}));
        return read_range_member(o, path, "dropIfTrlInRange");
      });
  GL_RETURN_IF_ERROR(trl_filters);
  p.trl_filters = std::move(*trl_filters);

  auto weights = read_list<MinutesAtAttenuationWeight>(
      object, root, "minutesAtAttenuationWeights",
      [](const json::object& o, const Path& path) -> Result<MinutesAtAttenuationWeight> {
        GL_RETURN_IF_ERROR(only_members(o, path, {"attenuationRange", "weight"}));
        auto attenuation = read_range_member(o, path, "attenuationRange");
        GL_RETURN_IF_ERROR(attenuation);
        MinutesAtAttenuationWeight w{*attenuation, 0.0};
        GL_RETURN_IF_ERROR(read_optional(o, path, "weight", w.weight));
        return w;
      });
  GL_RETURN_IF_ERROR(weights);
  p.minutes_at_attenuation_weights = std::move(*weights);

  auto per_window = read_list<NormalizedTimeToRiskLevel>(
      object, root, "normalizedTimePerEWToRiskLevelMapping", read_time_mapping);
  GL_RETURN_IF_ERROR(per_window);
  p.normalized_time_per_ew_to_risk_level = std::move(*per_window);

  auto per_day = read_list<NormalizedTimeToRiskLevel>(
      object, root, "normalizedTimePerDayToRiskLevelMapping", read_time_mapping);
  GL_RETURN_IF_ERROR(per_day);
  p.normalized_time_per_day_to_risk_level = std::move(*per_day);

  auto encoding_value = required(object, root, "trlEncoding");
  GL_RETURN_IF_ERROR(encoding_value);
  auto encoding_object = object_at(**encoding_value, root.member("trlEncoding"));
  GL_RETURN_IF_ERROR(encoding_object);
  auto encoding = read_trl_encoding(**encoding_object, root.member("trlEncoding"));
  GL_RETURN_IF_ERROR(encoding);
  p.trl_encoding = *encoding;

  if (object.contains("transmissionRiskValueMapping")) {
    auto values = read_list<TransmissionRiskValue>(
        object, root, "transmissionRiskValueMapping",
        [](const json::object& o, const Path& path) -> Result<TransmissionRiskValue> {
          GL_RETURN_IF_ERROR(
              only_members(o, path, {"transmissionRiskLevel", "transmissionRiskValue"}));
          TransmissionRiskValue v;
          for (auto s :
               {read_optional(o, path, "transmissionRiskLevel", v.transmission_risk_level),
                read_optional(o, path, "transmissionRiskValue", v.transmission_risk_value)}) {
            GL_RETURN_IF_ERROR(s);
          }
          return v;
        });
    GL_RETURN_IF_ERROR(values);
    p.transmission_risk_value_mapping = std::move(*values);
  }
  if (object.contains("transmissionRiskLevelMultiplier")) {
    double multiplier = 0.0;
    GL_RETURN_IF_ERROR(read_optional(object, root, "transmissionRiskLevelMultiplier", multiplier));
    p.transmission_risk_level_multiplier = multiplier;
  }
  if (p.transmission_risk_value_mapping.empty() && !p.transmission_risk_level_multiplier) {
    return root.fail(
        "parameters need transmissionRiskValueMapping or transmissionRiskLevelMultiplier");
  }
  if (object.contains("maxEncounterAgeInDays")) {
    std::int32_t days = 0;
    GL_RETURN_IF_ERROR(read_optional(object, root, "maxEncounterAgeInDays", days));
    // protobuf's JSON form writes 0 for "not set"; CWA then keeps every window.
    if (days > 0) p.max_encounter_age_in_days = days;
  }
  return p;
}

Result<std::vector<Window>> windows_from_json(std::string_view text, std::int64_t today) {
  json::error_code ec;
  const json::value document = json::parse(text, ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument,
                      "CWA risk: windows must be JSON: " + ec.message());
  }
  const Path root("");
  if (document.is_array()) {
    json::object wrapper;
    wrapper["exposureWindows"] = document;
    return read_list<Window>(
        wrapper, root, "exposureWindows",
        [today](const json::object& o, const Path& path) { return read_window(o, path, today); });
  }
  auto object = object_at(document, Path("windows"));
  GL_RETURN_IF_ERROR(object);
  return read_list<Window>(
      **object, root, "exposureWindows",
      [today](const json::object& o, const Path& path) { return read_window(o, path, today); });
}

std::optional<Window> window_from_cwa_export(const ExposureWindow& window) {
  if (window.report_type == ReportType::kRevoked) return std::nullopt;
  Window out;
  out.date = window.day;
  out.report_type =
      window.report_type == ReportType::kUnknown ? ReportType::kConfirmedTest : window.report_type;
  if (window.days_since_onset == 1) {
    out.infectiousness = Infectiousness::kStandard;
  } else if (window.days_since_onset == 2) {
    out.infectiousness = Infectiousness::kHigh;
  } else {
    return std::nullopt;
  }
  out.calibration_confidence = window.calibration_confidence;
  out.scans = window.scans;
  return out;
}

Result<WindowResult> score_window(const Window& window, const RiskParameters& p) {
  WindowResult result;
  for (const MinutesAtAttenuationFilter& filter : p.minutes_at_attenuation_filters) {
    double seconds = 0.0;
    for (const ScanInstance& scan : window.scans) {
      if (filter.attenuation_range.contains(scan.min_attenuation_db)) {
        seconds += scan.seconds_since_last_scan;
      }
    }
    if (filter.drop_if_minutes_in_range.contains(seconds / 60.0)) {
      result.dropped = Drop::kMinutesAtAttenuation;
      return result;
    }
  }
  auto report_offset = report_type_offset(window.report_type, p.trl_encoding);
  GL_RETURN_IF_ERROR(report_offset);
  result.transmission_risk_level =
      *report_offset + (window.infectiousness == Infectiousness::kHigh
                            ? p.trl_encoding.infectiousness_offset_high
                            : p.trl_encoding.infectiousness_offset_standard);
  for (const Range& filter : p.trl_filters) {
    if (filter.contains(result.transmission_risk_level)) {
      result.dropped = Drop::kTransmissionRiskLevel;
      return result;
    }
  }
  result.transmission_risk_value = transmission_risk_value(result.transmission_risk_level, p);
  double weighted_seconds = 0.0;
  for (const ScanInstance& scan : window.scans) {
    const auto weight = std::find_if(
        p.minutes_at_attenuation_weights.begin(), p.minutes_at_attenuation_weights.end(),
        [&](const auto& w) { return w.attenuation_range.contains(scan.min_attenuation_db); });
    if (weight != p.minutes_at_attenuation_weights.end()) {
      weighted_seconds += scan.seconds_since_last_scan * weight->weight;
    }
  }
  result.weighted_minutes = weighted_seconds / 60.0;
  result.normalized_time = result.transmission_risk_value * result.weighted_minutes;
  auto level = first_level(p.normalized_time_per_ew_to_risk_level, result.normalized_time,
                           "normalizedTimePerEWToRiskLevelMapping");
  GL_RETURN_IF_ERROR(level);
  result.risk_level = *level;
  return result;
}

Result<AggregatedResult> aggregate(std::span<const Window> windows, const RiskParameters& p,
                                   std::int64_t today) {
  AggregatedResult out;
  std::map<std::int64_t, double, std::greater<>> time_per_date;
  for (const Window& window : windows) {
    if (p.max_encounter_age_in_days &&
        (today - window.date) / kSecondsPerDay > *p.max_encounter_age_in_days) {
      out.windows.push_back(WindowResult{.dropped = Drop::kTooOld});
      continue;
    }
    auto result = score_window(window, p);
    GL_RETURN_IF_ERROR(result);
    if (result->dropped == Drop::kNone) time_per_date[window.date] += result->normalized_time;
    out.windows.push_back(*result);
  }
  for (const auto& [date, normalized_time] : time_per_date) {
    auto level = first_level(p.normalized_time_per_day_to_risk_level, normalized_time,
                             "normalizedTimePerDayToRiskLevelMapping");
    GL_RETURN_IF_ERROR(level);
    DateResult d{date, normalized_time, *level,
                 distinct_encounters(windows, out.windows, date, RiskLevel::kLow),
                 distinct_encounters(windows, out.windows, date, RiskLevel::kHigh)};
    out.total_minimum_distinct_encounters_with_low_risk +=
        d.minimum_distinct_encounters_with_low_risk;
    out.total_minimum_distinct_encounters_with_high_risk +=
        d.minimum_distinct_encounters_with_high_risk;
    // Newest first, so the first date of a level is its most recent one.
    if (d.risk_level == RiskLevel::kHigh) {
      ++out.number_of_days_with_high_risk;
      if (!out.most_recent_date_with_high_risk) out.most_recent_date_with_high_risk = date;
      out.total_risk_level = RiskLevel::kHigh;
    } else if (d.risk_level == RiskLevel::kLow) {
      ++out.number_of_days_with_low_risk;
      if (!out.most_recent_date_with_low_risk) out.most_recent_date_with_low_risk = date;
    }
    out.dates.push_back(d);
  }
  return out;
}

std::string result_to_json(const AggregatedResult& r, std::int64_t today) {
  json::array dates;
  for (const DateResult& d : r.dates) {
    dates.push_back(json::object{
        {"date", date_text(d.date)},
        {"ageInDays", (today - d.date) / kSecondsPerDay},
        {"normalizedTime", d.normalized_time},
        {"riskLevel", level_name(d.risk_level)},
        {"minimumDistinctEncountersWithLowRisk", d.minimum_distinct_encounters_with_low_risk},
        {"minimumDistinctEncountersWithHighRisk", d.minimum_distinct_encounters_with_high_risk}});
  }
  json::array windows;
  for (const WindowResult& w : r.windows) {
    if (w.dropped != Drop::kNone) {
      json::object dropped{{"droppedBy", drop_name(w.dropped)}};
      if (w.dropped == Drop::kTransmissionRiskLevel) {
        dropped["transmissionRiskLevel"] = w.transmission_risk_level;
      }
      windows.push_back(std::move(dropped));
      continue;
    }
    windows.push_back(json::object{{"transmissionRiskLevel", w.transmission_risk_level},
                                   {"transmissionRiskValue", w.transmission_risk_value},
                                   {"weightedMinutes", w.weighted_minutes},
                                   {"normalizedTime", w.normalized_time},
                                   {"riskLevel", level_name(w.risk_level)}});
  }
  const json::object out{
      {"totalRiskLevel", level_name(r.total_risk_level)},
      {"numberOfDaysWithLowRisk", r.number_of_days_with_low_risk},
      {"numberOfDaysWithHighRisk", r.number_of_days_with_high_risk},
      {"mostRecentDateWithLowRisk", date_or_null(r.most_recent_date_with_low_risk)},
      {"mostRecentDateWithHighRisk", date_or_null(r.most_recent_date_with_high_risk)},
      {"ageOfMostRecentDateWithLowRisk", age_or_null(r.most_recent_date_with_low_risk, today)},
      {"ageOfMostRecentDateWithHighRisk", age_or_null(r.most_recent_date_with_high_risk, today)},
      {"totalMinimumDistinctEncountersWithLowRisk",
       r.total_minimum_distinct_encounters_with_low_risk},
      {"totalMinimumDistinctEncountersWithHighRisk",
       r.total_minimum_distinct_encounters_with_high_risk},
      {"dates", std::move(dates)},
      {"windows", std::move(windows)}};
  return json::serialize(out) + "\n";
}

}  // namespace greenlight::client::cwa
