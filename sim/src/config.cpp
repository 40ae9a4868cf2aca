#include "greenlight/sim/config.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <map>
#include <numbers>
#include <numeric>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

#include "greenlight/client/risk.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/sim/risk.h"

namespace greenlight::sim {
namespace json = boost::json;

namespace {

// One table of every field: each section lists (name, member) pairs, so that reading,
// writing and overriding share a single description of the schema.
template <typename Visitor>
void visit_fields(SimConfig& c, Visitor&& v) {
  auto& p = c.population;
  v("population", "people", p.people);
  v("population", "household_size_weights", p.household_size_weights);
  v("population", "adult_age_weights", p.adult_age_weights);
  v("population", "employment_rate", p.employment_rate);
  v("population", "school_size", p.school_size);
  v("population", "mean_workplace_size", p.mean_workplace_size);
  v("population", "elderly_group_size", p.elderly_group_size);
  v("population", "shops_per_1000", p.shops_per_1000);
  v("population", "restaurants_per_1000", p.restaurants_per_1000);
  v("population", "event_venues_per_1000", p.event_venues_per_1000);
  v("population", "regions", p.regions);
  v("population", "region_weights", p.region_weights);
  v("population", "commuter_share", p.commuter_share);
  v("population", "commuting_matrix", p.commuting_matrix);
  v("population", "commuting_flows", p.commuting_flows);

  auto& k = c.contacts;
  v("contacts", "school_links", k.school_links);
  v("contacts", "work_links", k.work_links);
  v("contacts", "elderly_links", k.elderly_links);
  v("contacts", "daily_link_fraction", k.daily_link_fraction);
  v("contacts", "random_mean_child", k.random_mean_child);
  v("contacts", "random_mean_adult", k.random_mean_adult);
  v("contacts", "random_mean_elderly", k.random_mean_elderly);
  v("contacts", "shop_visit_probability", k.shop_visit_probability);
  v("contacts", "restaurant_visit_probability", k.restaurant_visit_probability);
  v("contacts", "event_visit_probability", k.event_visit_probability);
  v("contacts", "shop_contacts", k.shop_contacts);
  v("contacts", "restaurant_contacts", k.restaurant_contacts);
  v("contacts", "event_contacts", k.event_contacts);
  v("contacts", "household_hours_min", k.household_hours_min);
  v("contacts", "household_hours_max", k.household_hours_max);
  v("contacts", "distance_shape", k.distance_shape);
  v("contacts", "distance_scale", k.distance_scale);
  v("contacts", "household_distance_shape", k.household_distance_shape);
  v("contacts", "household_distance_scale", k.household_distance_scale);
  v("contacts", "random_duration_pareto_shape", k.random_duration_pareto_shape);
  v("contacts", "random_duration_scale_minutes", k.random_duration_scale_minutes);
  v("contacts", "link_minutes_min", k.link_minutes_min);
  v("contacts", "link_minutes_mean", k.link_minutes_mean);
  v("contacts", "travel_share", k.travel_share);
  v("contacts", "travel_matrix", k.travel_matrix);
  v("contacts", "travel_flows", k.travel_flows);

  auto& r = c.radio;
  v("radio", "model", r.model);
  v("radio", "lovett_intercept", r.lovett_intercept);
  v("radio", "lovett_slope", r.lovett_slope);
  v("radio", "rssi_correction_db", r.rssi_correction_db);
  v("radio", "contact_noise_sigma", r.contact_noise_sigma);
  v("radio", "pocket_probability", r.pocket_probability);
  v("radio", "pocket_loss_db", r.pocket_loss_db);
  v("radio", "household_wall_probability", r.household_wall_probability);
  v("radio", "wall_loss_db", r.wall_loss_db);
  v("radio", "scan_noise_sd_db", r.scan_noise_sd_db);
  v("radio", "detection_limit_db", r.detection_limit_db);
  v("radio", "perfect", r.perfect);
  v("radio", "env_intercept_db", r.env_intercept_db);
  v("radio", "env_slope_db_per_decade", r.env_slope_db_per_decade);
  v("radio", "env_shadowing_sd_db", r.env_shadowing_sd_db);
  v("radio", "random_environment_shares", r.random_environment_shares);
  v("radio", "carriage_shares", r.carriage_shares);
  v("radio", "carriage_loss_db", r.carriage_loss_db);
  v("radio", "orientation_sd_db", r.orientation_sd_db);
  v("radio", "phone_models", r.phone_models);
  v("radio", "model_tx_residual_sd_db", r.model_tx_residual_sd_db);
  v("radio", "model_rx_residual_sd_db", r.model_rx_residual_sd_db);
  v("radio", "fading_sd_db", r.fading_sd_db);
  v("radio", "missed_scan_probability", r.missed_scan_probability);
  v("radio", "scan_window_seconds", r.scan_window_seconds);
  v("radio", "advertising_interval_ms", r.advertising_interval_ms);
  v("radio", "sensitivity_db", r.sensitivity_db);
  v("radio", "sensitivity_width_db", r.sensitivity_width_db);

  auto& d = c.disease;
  v("disease", "infectious_rate", d.infectious_rate);
  v("disease", "infectious_mean_days", d.infectious_mean_days);
  v("disease", "infectious_sd_days", d.infectious_sd_days);
  v("disease", "incubation_mean_days", d.incubation_mean_days);
  v("disease", "incubation_sd_days", d.incubation_sd_days);
  v("disease", "asymptomatic_fraction", d.asymptomatic_fraction);
  v("disease", "mild_fraction", d.mild_fraction);
  v("disease", "susceptibility", d.susceptibility);
  v("disease", "asymptomatic_infectiousness", d.asymptomatic_infectiousness);
  v("disease", "mild_infectiousness", d.mild_infectiousness);
  v("disease", "infectiousness_sd", d.infectiousness_sd);
  v("disease", "household_weight", d.household_weight);
  v("disease", "dose_minutes", d.dose_minutes);
  v("disease", "dose_distance_m", d.dose_distance_m);
  v("disease", "infectious_days", d.infectious_days);
  v("disease", "initial_infections", d.initial_infections);
  v("disease", "seed_region", d.seed_region);
  v("disease", "imports_per_day", d.imports_per_day);
  v("disease", "imports_region", d.imports_region);
  v("disease", "false_symptom_rate", d.false_symptom_rate);
  v("disease", "hospitalised_fraction", d.hospitalised_fraction);
  v("disease", "critical_fraction", d.critical_fraction);
  v("disease", "fatality_fraction", d.fatality_fraction);
  v("disease", "hospital_mean_days", d.hospital_mean_days);
  v("disease", "hospital_sd_days", d.hospital_sd_days);
  v("disease", "critical_mean_days", d.critical_mean_days);
  v("disease", "critical_sd_days", d.critical_sd_days);
  v("disease", "death_mean_days", d.death_mean_days);
  v("disease", "death_sd_days", d.death_sd_days);
  v("disease", "ward_stay_mean_days", d.ward_stay_mean_days);
  v("disease", "ward_stay_sd_days", d.ward_stay_sd_days);
  v("disease", "critical_stay_mean_days", d.critical_stay_mean_days);
  v("disease", "critical_stay_sd_days", d.critical_stay_sd_days);
  v("disease", "icu_beds_per_100k", d.icu_beds_per_100k);
  v("disease", "no_icu_fatality_factor", d.no_icu_fatality_factor);
  v("disease", "hospital_beds_per_100k", d.hospital_beds_per_100k);
  v("disease", "no_hospital_critical_factor", d.no_hospital_critical_factor);
  v("disease", "transmission_changes", d.transmission_changes);
  v("disease", "transmission_changes_by_layer", d.transmission_changes_by_layer);
  v("disease", "seasonality_amplitude", d.seasonality_amplitude);
  v("disease", "seasonality_peak_day_of_year", d.seasonality_peak_day_of_year);

  auto& t = c.testing;
  v("testing", "symptom_isolation", t.symptom_isolation);
  v("testing", "symptom_isolation_days", t.symptom_isolation_days);
  v("testing", "household_isolation", t.household_isolation);
  v("testing", "order_delay_days", t.order_delay_days);
  v("testing", "result_delay_days", t.result_delay_days);
  v("testing", "sensitivity", t.sensitivity);
  v("testing", "sensitive_from_day", t.sensitive_from_day);
  v("testing", "sensitive_to_day", t.sensitive_to_day);
  v("testing", "specificity", t.specificity);
  v("testing", "isolation_days", t.isolation_days);
  v("testing", "isolation_adherence", t.isolation_adherence);
  v("testing", "isolation_daily_dropout", t.isolation_daily_dropout);
  v("testing", "tests_per_day_per_100k", t.tests_per_day_per_100k);
  v("testing", "max_wait_days", t.max_wait_days);
  v("testing", "capacity_by_region", t.capacity_by_region);
  v("testing", "screening_per_day_per_100k", t.screening_per_day_per_100k);
  v("testing", "screening_sensitivity", t.screening_sensitivity);
  v("testing", "screening_specificity", t.screening_specificity);
  v("testing", "screening_result_delay_days", t.screening_result_delay_days);

  auto& a = c.app;
  v("app", "uptake", a.uptake);
  v("app", "uptake_by_age", a.uptake_by_age);
  v("app", "uptake_by_region", a.uptake_by_region);
  v("app", "start_day", a.start_day);
  v("app", "ramp_days", a.ramp_days);
  v("app", "ramp_launch_share", a.ramp_launch_share);
  v("app", "dropout_per_day", a.dropout_per_day);
  v("app", "upload_consent", a.upload_consent);
  v("app", "upload_delay_days", a.upload_delay_days);
  v("app", "upload_same_day_share", a.upload_same_day_share);
  v("app", "upload_delay_spread_days", a.upload_delay_spread_days);
  v("app", "symptom_report_share", a.symptom_report_share);
  v("app", "revoke_on_negative", a.revoke_on_negative);
  v("app", "upgrade_on_positive", a.upgrade_on_positive);
  v("app", "checkin_probability", a.checkin_probability);
  v("app", "red_isolation_adherence", a.red_isolation_adherence);
  v("app", "red_isolation_days", a.red_isolation_days);
  v("app", "household_isolation_on_red", a.household_isolation_on_red);
  v("app", "red_quarantine_from_exposure", a.red_quarantine_from_exposure);
  v("app", "red_daily_test_days", a.red_daily_test_days);
  v("app", "red_daily_test_adherence", a.red_daily_test_adherence);
  v("app", "red_release_test_day", a.red_release_test_day);
  v("app", "red_test_probability", a.red_test_probability);
  v("app", "yellow_test_probability", a.yellow_test_probability);
  v("app", "chaff_per_day", a.chaff_per_day);

  auto& rk = c.app.risk;
  v("risk", "attenuation_thresholds_db", rk.attenuation_thresholds_db);
  v("risk", "attenuation_weights", rk.attenuation_weights);
  v("risk", "min_window_minutes", rk.min_window_minutes);
  v("risk", "min_minutes_attenuation_db", rk.min_minutes_attenuation_db);
  v("risk", "drop_trl_at_most", rk.drop_trl_at_most);
  v("risk", "trl_multiplier", rk.trl_multiplier);
  v("risk", "dsos_infectiousness", rk.dsos_infectiousness);
  v("risk", "infectiousness_when_dsos_missing", rk.infectiousness_when_dsos_missing);
  v("risk", "high_threshold_minutes", rk.high_threshold_minutes);
  v("risk", "max_encounter_age_days", rk.max_encounter_age_days);
  v("risk", "venue_warning_days", rk.venue_warning_days);

  auto& u = c.run;
  v("run", "seed", u.seed);
  v("run", "days", u.days);
  v("run", "threads", u.threads);
  v("run", "start_unix_seconds", u.start_unix_seconds);
  v("run", "server", u.server);
  v("run", "baseline", u.baseline);
  v("run", "verify_phones", u.verify_phones);
  v("run", "probe_all_runs", u.probe_all_runs);

  auto& hc = c.health_code;
  v("health_code", "enabled", hc.enabled);
  v("health_code", "shadow", hc.shadow);
  v("health_code", "coverage", hc.coverage);
  v("health_code", "trace_days_before", hc.trace_days_before);
  v("health_code", "red_days", hc.red_days);
  v("health_code", "red_adherence", hc.red_adherence);
  v("health_code", "secondary_days", hc.secondary_days);
  v("health_code", "companion_days", hc.companion_days);
  v("health_code", "companion_lookback_days", hc.companion_lookback_days);
  v("health_code", "yellow_adherence", hc.yellow_adherence);

  auto& ad = c.adversary;
  v("adversary", "relay_venue_share", ad.relay_venue_share);
  v("adversary", "relay_delay_minutes", ad.relay_delay_minutes);
  v("adversary", "relay_victims", ad.relay_victims);
  v("adversary", "relay_attenuation_db", ad.relay_attenuation_db);
  v("adversary", "relay_max_minutes", ad.relay_max_minutes);

  auto& l = c.lockdown;
  v("lockdown", "start_day", l.start_day);
  v("lockdown", "days", l.days);
  v("lockdown", "repeat_every_days", l.repeat_every_days);
  v("lockdown", "trigger_incidence", l.trigger_incidence);
  v("lockdown", "trigger_admissions", l.trigger_admissions);
  v("lockdown", "release_fraction", l.release_fraction);
  v("lockdown", "min_days", l.min_days);
  v("lockdown", "regional", l.regional);
  v("lockdown", "elderly_start_day", l.elderly_start_day);
  v("lockdown", "elderly_days", l.elderly_days);
  v("lockdown", "school_work_multiplier", l.school_work_multiplier);
  v("lockdown", "random_multiplier", l.random_multiplier);
  v("lockdown", "venue_multiplier", l.venue_multiplier);
  v("lockdown", "household_multiplier", l.household_multiplier);
  v("lockdown", "windows", l.windows);
  v("lockdown", "schools_closed", l.schools_closed);

  auto& m = c.manual_tracing;
  v("manual_tracing", "enabled", m.enabled);
  v("manual_tracing", "start_day", m.start_day);
  v("manual_tracing", "delay_days", m.delay_days);
  v("manual_tracing", "workers_per_100k", m.workers_per_100k);
  v("manual_tracing", "interviews_per_worker_day", m.interviews_per_worker_day);
  v("manual_tracing", "notifications_per_worker_day", m.notifications_per_worker_day);
  v("manual_tracing", "trace_days", m.trace_days);
  v("manual_tracing", "traceable_fraction", m.traceable_fraction);
  v("manual_tracing", "quarantine_days", m.quarantine_days);
  v("manual_tracing", "quarantine_compliance", m.quarantine_compliance);
  v("manual_tracing", "test_probability", m.test_probability);
  v("manual_tracing", "backward_days", m.backward_days);
  v("manual_tracing", "quarantine_from_meeting", m.quarantine_from_meeting);
  v("manual_tracing", "guest_lists", m.guest_lists);
  v("manual_tracing", "lists_last", m.lists_last);
  v("manual_tracing", "call_within_days", m.call_within_days);
  v("manual_tracing", "self_notify_after_days", m.self_notify_after_days);
  v("manual_tracing", "self_notify_reach", m.self_notify_reach);
  v("manual_tracing", "daily_test_days", m.daily_test_days);
  v("manual_tracing", "daily_test_adherence", m.daily_test_adherence);
  v("manual_tracing", "release_test_day", m.release_test_day);

  auto& vc = c.vaccination;
  v("vaccination", "people_per_day_per_100k", vc.people_per_day_per_100k);
  v("vaccination", "start_day", vc.start_day);
  v("vaccination", "uptake_by_age", vc.uptake_by_age);
  v("vaccination", "efficacy_factor_by_age", vc.efficacy_factor_by_age);
  v("vaccination", "oldest_first", vc.oldest_first);
  v("vaccination", "days_to_protect", vc.days_to_protect);
  v("vaccination", "efficacy_infection", vc.efficacy_infection);
  v("vaccination", "efficacy_symptoms", vc.efficacy_symptoms);
  v("vaccination", "efficacy_severe", vc.efficacy_severe);
  v("vaccination", "first_dose_protect_days", vc.first_dose_protect_days);
  v("vaccination", "first_dose_efficacy_infection", vc.first_dose_efficacy_infection);
  v("vaccination", "first_dose_efficacy_symptoms", vc.first_dose_efficacy_symptoms);
  v("vaccination", "first_dose_efficacy_severe", vc.first_dose_efficacy_severe);
  v("vaccination", "waning_half_life_days", vc.waning_half_life_days);
  v("vaccination", "booster_after_days", vc.booster_after_days);
  v("vaccination", "booster_uptake", vc.booster_uptake);
  v("vaccination", "booster_protect_days", vc.booster_protect_days);

  auto& va = c.variant;
  v("variant", "day", va.day);
  v("variant", "imports", va.imports);
  v("variant", "relative_transmissibility", va.relative_transmissibility);
  v("variant", "vaccine_escape_infection", va.vaccine_escape_infection);
  v("variant", "vaccine_escape_symptoms", va.vaccine_escape_symptoms);
  v("variant", "vaccine_escape_severe", va.vaccine_escape_severe);
  v("variant", "immunity_escape_infection", va.immunity_escape_infection);
  v("variant", "immunity_escape_symptoms", va.immunity_escape_symptoms);
  v("variant", "immunity_escape_severe", va.immunity_escape_severe);

  auto& im = c.immunity;
  v("immunity", "reinfection", im.reinfection);
  v("immunity", "efficacy_infection", im.efficacy_infection);
  v("immunity", "efficacy_symptoms", im.efficacy_symptoms);
  v("immunity", "efficacy_severe", im.efficacy_severe);
  v("immunity", "waning_half_life_days", im.waning_half_life_days);

  auto& h = c.hospital;
  v("hospital", "staff_per_100k", h.staff_per_100k);
  v("hospital", "ward_contacts", h.ward_contacts);
  v("hospital", "icu_contacts", h.icu_contacts);
  v("hospital", "max_staff_contacts", h.max_staff_contacts);
  v("hospital", "transmission_factor", h.transmission_factor);
  v("hospital", "app_paused_at_work", h.app_paused_at_work);
  v("hospital", "staff_test_every_days", h.staff_test_every_days);

  auto& ch = c.care_homes;
  v("care_homes", "residents_per_100k", ch.residents_per_100k);
  v("care_homes", "residents_per_home", ch.residents_per_home);
  v("care_homes", "staff_per_resident", ch.staff_per_resident);
  v("care_homes", "resident_contacts", ch.resident_contacts);
  v("care_homes", "staff_contacts", ch.staff_contacts);
  v("care_homes", "transmission_factor", ch.transmission_factor);
  v("care_homes", "app_paused_at_work", ch.app_paused_at_work);
  v("care_homes", "staff_test_every_days", ch.staff_test_every_days);
  v("care_homes", "resident_test_every_days", ch.resident_test_every_days);
  v("care_homes", "death_in_home", ch.death_in_home);
  v("care_homes", "visits_per_week", ch.visits_per_week);
  v("care_homes", "visits_closed_days", ch.visits_closed_days);
  v("care_homes", "outbreak_testing", ch.outbreak_testing);
  v("care_homes", "outbreak_agency_days", ch.outbreak_agency_days);
  v("care_homes", "staff_symptom_isolation", ch.staff_symptom_isolation);
  v("care_homes", "staff_units", ch.staff_units);
  v("care_homes", "resident_zoning", ch.resident_zoning);
  v("care_homes", "agency_share", ch.agency_share);
  v("care_homes", "agency_pool_homes", ch.agency_pool_homes);
}

std::string path_of(std::string_view section, std::string_view name) {
  return std::string(section) + "." + std::string(name);
}

// The edits (insertions, deletions, substitutions) that turn a into b.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean X?)" for the known setting closest to the unknown `path` (section.key),
// within a third of its length in edits; the same key in another section counts as one edit.
// Empty when none is that close.
template <typename Known>
std::string did_you_mean(std::string_view path, const Known& known) {
  const std::string_view key = path.substr(path.find('.') + 1);
  std::string best;
  std::size_t best_distance = path.size() / 3 + 1;
  for (const auto& [section, keys] : known) {
    for (const auto& [name, unused] : keys) {
      const std::string candidate = path_of(section, name);
      const std::size_t d = name == key ? 1 : edit_distance(path, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
  }
  return best.empty() ? std::string() : " (did you mean " + best + "?)";
}

Status type_error(std::string_view section, std::string_view name, std::string_view expected,
                  const json::value& got) {
  return make_error(ErrorCode::kInvalidArgument, path_of(section, name) + ": expected " +
                                                     std::string(expected) + ", got " +
                                                     json::serialize(got));
}

template <typename T>
struct IsVector : std::false_type {};
template <typename E, typename A>
struct IsVector<std::vector<E, A>> : std::true_type {};

template <typename T>
Status read_value(std::string_view section, std::string_view name, const json::value& in, T& out) {
  if constexpr (std::is_same_v<T, bool>) {
    // The numbers 0 and 1 too, so that a sweep's or a fit's --vary (numbers) can switch it.
    if (in.is_number() && (in.to_number<double>() == 0 || in.to_number<double>() == 1)) {
      out = in.to_number<double>() == 1;
      return ok();
    }
    if (!in.is_bool()) return type_error(section, name, "true or false (or 0 or 1)", in);
    out = in.get_bool();
  } else if constexpr (std::is_same_v<T, double>) {
    if (!in.is_number()) return type_error(section, name, "a number", in);
    out = in.to_number<double>();
    if (!std::isfinite(out)) return type_error(section, name, "a finite number", in);
  } else if constexpr (std::is_integral_v<T>) {
    std::error_code ec;
    const T v = in.to_number<T>(ec);
    if (ec) {
      // The range when the value is a whole number beyond it (1e12 for a 32-bit count).
      const bool whole = in.is_number() &&
                         std::trunc(in.to_number<double>()) == in.to_number<double>() &&
                         (std::is_signed_v<T> || in.to_number<double>() >= 0);
      const std::string range = "an integer in [" + std::to_string(std::numeric_limits<T>::min()) +
                                ", " + std::to_string(std::numeric_limits<T>::max()) + "]";
      return type_error(section, name,
                        whole                 ? range
                        : std::is_signed_v<T> ? "an integer"
                                              : "a non-negative integer",
                        in);
    }
    out = v;
  } else if constexpr (std::is_same_v<T, ServerMode>) {
    if (!in.is_string())
      return type_error(section, name, "\"none\", \"inprocess\" or \"loopback\"", in);
    auto mode = server_mode_from_name(in.get_string());
    if (!mode) return type_error(section, name, "\"none\", \"inprocess\" or \"loopback\"", in);
    out = *mode;
  } else if constexpr (std::is_same_v<T, RadioModelKind>) {
    if (!in.is_string()) return type_error(section, name, "\"clean\" or \"calibrated\"", in);
    auto kind = radio_model_from_name(in.get_string());
    if (!kind) return type_error(section, name, "\"clean\" or \"calibrated\"", in);
    out = *kind;
  } else if constexpr (IsVector<T>::value) {
    if (!in.is_array()) return type_error(section, name, "an array", in);
    T parsed(in.get_array().size());
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      auto st = read_value(section, std::string(name) + "[" + std::to_string(i) + "]",
                           in.get_array()[i], parsed[i]);
      GL_RETURN_IF_ERROR(st);
    }
    out = std::move(parsed);
  } else {
    // std::array<E, N>
    if (!in.is_array() || in.get_array().size() != out.size()) {
      return type_error(section, name, "an array of " + std::to_string(out.size()) + " numbers",
                        in);
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      auto st = read_value(section, std::string(name) + "[" + std::to_string(i) + "]",
                           in.get_array()[i], out[i]);
      GL_RETURN_IF_ERROR(st);
    }
  }
  return ok();
}

template <typename T>
json::value write_value(const T& v) {
  if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T>) {
    return json::value(v);
  } else if constexpr (std::is_same_v<T, ServerMode>) {
    return json::value(server_mode_name(v));
  } else if constexpr (std::is_same_v<T, RadioModelKind>) {
    return json::value(radio_model_name(v));
  } else {
    json::array a;
    for (const auto& e : v) a.push_back(write_value(e));
    return a;
  }
}

Status check(bool condition, std::string_view what) {
  if (condition) return ok();
  return make_error(ErrorCode::kInvalidArgument, std::string(what));
}

bool is_probability(double p) { return p >= 0 && p <= 1; }

}  // namespace

std::string_view server_mode_name(ServerMode mode) {
  switch (mode) {
    case ServerMode::kNone:
      return "none";
    case ServerMode::kInProcess:
      return "inprocess";
    case ServerMode::kLoopback:
      return "loopback";
  }
  return "none";
}

Result<ServerMode> server_mode_from_name(std::string_view name) {
  if (name == "none") return ServerMode::kNone;
  if (name == "inprocess") return ServerMode::kInProcess;
  if (name == "loopback") return ServerMode::kLoopback;
  return make_error(
      ErrorCode::kInvalidArgument,
      "server mode must be none, inprocess or loopback, got '" + std::string(name) + "'");
}

std::string_view radio_model_name(RadioModelKind kind) {
  return kind == RadioModelKind::kClean ? "clean" : "calibrated";
}

Result<RadioModelKind> radio_model_from_name(std::string_view name) {
  if (name == "clean") return RadioModelKind::kClean;
  if (name == "calibrated") return RadioModelKind::kCalibrated;
  return make_error(ErrorCode::kInvalidArgument,
                    "radio model must be clean or calibrated, got '" + std::string(name) + "'");
}

namespace {

// config_from_json, with the ranges checked (validate_config) or only the types.
// The events of Boost.JSON's parser (basic_parser), kept only to find a key given twice in
// one object: json::parse keeps the last without a word, so a second "population" section
// dropped the first one's settings.
class DuplicateKeyFinder {
 public:
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  using ec_t = std::error_code;
  using sv = json::string_view;

  // "section.key" (or "section") of the first key given twice; empty if none.
  const std::string& duplicate() const { return duplicate_; }

  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) {
    open_.push_back({});
    return true;
  }
  bool on_object_end(std::size_t, ec_t&) {
    open_.pop_back();
    return true;
  }
  bool on_array_begin(ec_t&) {
    open_.push_back({.array = true});
    return true;
  }
  bool on_array_end(std::size_t, ec_t&) {
    open_.pop_back();
    return true;
  }
  bool on_key_part(sv s, std::size_t, ec_t&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv s, std::size_t, ec_t&) {
    part_.append(s.data(), s.size());
    Level& level = open_.back();
    if (!level.keys.insert(part_).second && duplicate_.empty()) {
      for (std::size_t i = 0; i + 1 < open_.size(); ++i) {
        if (!open_[i].array) duplicate_ += open_[i].key + ".";
      }
      duplicate_ += part_;
    }
    level.key = std::move(part_);
    part_.clear();
    return true;
  }
  bool on_string_part(sv, std::size_t, ec_t&) { return true; }
  bool on_string(sv, std::size_t, ec_t&) { return true; }
  bool on_number_part(sv, ec_t&) { return true; }
  bool on_int64(std::int64_t, sv, ec_t&) { return true; }
  bool on_uint64(std::uint64_t, sv, ec_t&) { return true; }
  bool on_double(double, sv, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(sv, ec_t&) { return true; }
  bool on_comment(sv, ec_t&) { return true; }

 private:
  struct Level {
    bool array = false;
    std::string key;  // the latest key of this object
    std::set<std::string> keys;
  };
  std::vector<Level> open_;
  std::string part_;
  std::string duplicate_;
};

Result<SimConfig> read_config(std::string_view text, const SimConfig& base, bool validate) {
  std::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec)
    return make_error(ErrorCode::kInvalidArgument, "config is not valid JSON: " + ec.message());
  {
    json::basic_parser<DuplicateKeyFinder> finder{json::parse_options{}};
    finder.write_some(false, text.data(), text.size(), ec);
    if (!ec && !finder.handler().duplicate().empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "config: " + finder.handler().duplicate() +
                            " is given twice (JSON keeps only the last: remove one)");
    }
  }
  if (!doc.is_object()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "config must be a JSON object, got " + json::serialize(doc));
  }
  SimConfig config = base;
  // Collect the known keys per section, then read every key present in the document.
  std::map<std::string, std::map<std::string, int>> known;
  visit_fields(config, [&](std::string_view s, std::string_view n, auto&) {
    known[std::string(s)][std::string(n)] = 0;
  });
  for (const auto& [section_key, section_value] : doc.get_object()) {
    const std::string section(section_key);
    if (!known.contains(section)) {
      std::string sections;
      for (const auto& [name, keys] : known) sections += (sections.empty() ? "" : ", ") + name;
      return make_error(ErrorCode::kInvalidArgument, "unknown config section '" + section +
                                                         "' (the sections: " + sections + ")");
    }
    if (!section_value.is_object()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "config section '" + section + "' must be an object");
    }
    for (const auto& [key, value] : section_value.get_object()) {
      if (!known[section].contains(std::string(key))) {
        const std::string path = path_of(section, key);
        return make_error(ErrorCode::kInvalidArgument,
                          "unknown config key '" + path + "'" + did_you_mean(path, known));
      }
    }
  }
  Status status = ok();
  visit_fields(config, [&](std::string_view s, std::string_view n, auto& field) {
    if (!status) return;
    const auto* section = doc.get_object().if_contains(s);
    if (section == nullptr) return;
    const auto* value = section->get_object().if_contains(n);
    if (value == nullptr) return;
    status = read_value(s, n, *value, field);
  });
  GL_RETURN_IF_ERROR(status);
  if (validate) {
    auto valid = validate_config(config);
    GL_RETURN_IF_ERROR(valid);
  }
  return config;
}

// "section.key=value" as (section, key, value); bare words are taken as strings.
// "section.key[i]=value" sets element i of an array setting (index >= 0).
struct Assignment {
  std::string section;
  std::string key;
  json::value value;
  std::int64_t index = -1;  // the element of an array setting, or -1: the whole setting
};

Result<Assignment> parse_assignment(std::string_view assignment) {
  const auto eq = assignment.find('=');
  const auto dot = assignment.find('.');
  if (eq == std::string_view::npos || dot == std::string_view::npos || dot > eq) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "override must look like section.key=value, got '" + std::string(assignment) + "'");
  }
  Assignment out{std::string(assignment.substr(0, dot)),
                 std::string(assignment.substr(dot + 1, eq - dot - 1)),
                 {}};
  if (const auto open = out.key.find('['); open != std::string::npos) {
    const std::string digits = out.key.substr(open + 1, out.key.size() - open - 2);
    if (out.key.back() != ']' || digits.empty() || digits.size() > 6 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "override must look like section.key=value or section.key[INDEX]=value "
                        "(INDEX from 0), got '" +
                            std::string(assignment) + "'");
    }
    out.index = std::stoll(digits);
    out.key.resize(open);
  }
  const std::string_view raw = assignment.substr(eq + 1);
  std::error_code ec;
  out.value = json::parse(raw, ec);
  if (ec) out.value = json::string(raw);
  return out;
}

// For an element assignment (section.key[i]=v): the whole array setting with element i
// replaced, starting from `current` (the setting's value so far). Errors name the setting.
Status set_element(Assignment& a, const json::value& current) {
  // No such setting: reading the assignment names it as unknown.
  if (a.index < 0 || current.is_null()) return ok();
  const std::string name = path_of(a.section, a.key);
  if (!current.is_array())
    return make_error(ErrorCode::kInvalidArgument, name + " is not a list: no [index] for it");
  json::array values = current.get_array();
  if (values.empty()) {
    return make_error(ErrorCode::kInvalidArgument, name + "[" + std::to_string(a.index) +
                                                       "]: the list is empty; set it whole, " +
                                                       name + "=[...]");
  }
  if (static_cast<std::size_t>(a.index) >= values.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      name + "[" + std::to_string(a.index) + "]: it has " +
                          std::to_string(values.size()) + " values (indexes 0 to " +
                          std::to_string(values.size() - 1) + ")");
  }
  values[static_cast<std::size_t>(a.index)] = a.value;
  a.value = std::move(values);
  a.index = -1;
  return ok();
}

// The JSON value of config's setting section.key (null: no such setting).
json::value setting_value(const SimConfig& config, std::string_view section, std::string_view key) {
  SimConfig copy = config;
  json::value out;
  visit_fields(copy, [&](std::string_view s, std::string_view n, auto& field) {
    if (s == section && n == key) out = write_value(field);
  });
  return out;
}

}  // namespace

Result<SimConfig> config_from_json(std::string_view text, const SimConfig& base,
                                   bool check_ranges) {
  return read_config(text, base, check_ranges);
}

std::string config_to_json(const SimConfig& config) {
  SimConfig copy = config;
  json::object root;
  visit_fields(copy, [&](std::string_view s, std::string_view n, auto& field) {
    auto& section = root[s];
    if (!section.is_object()) section = json::object();
    section.get_object()[n] = write_value(field);
  });
  // Pretty print: one key per line, arrays inline.
  std::string out = "{\n";
  bool first_section = true;
  for (const auto& [s, section] : root) {
    if (!first_section) out += ",\n";
    first_section = false;
    out += "  \"" + std::string(s) + "\": {\n";
    bool first = true;
    for (const auto& [n, v] : section.get_object()) {
      if (!first) out += ",\n";
      first = false;
      out += "    \"" + std::string(n) + "\": " + json::serialize(v);
    }
    out += "\n  }";
  }
  out += "\n}\n";
  return out;
}

Status apply_override(SimConfig& config, std::string_view assignment) {
  auto a = parse_assignment(assignment);
  GL_RETURN_IF_ERROR(a);
  GL_RETURN_IF_ERROR(set_element(*a, setting_value(config, a->section, a->key)));
  json::object doc;
  doc[a->section] = json::object{{a->key, a->value}};
  auto updated = config_from_json(json::serialize(doc), config);
  GL_RETURN_IF_ERROR(updated);
  config = *updated;
  return ok();
}

Status apply_overrides(SimConfig& config, std::span<const std::string> assignments) {
  json::object doc;
  for (const auto& assignment : assignments) {
    auto a = parse_assignment(assignment);
    GL_RETURN_IF_ERROR(a);
    auto& section = doc[a->section];
    if (!section.is_object()) section = json::object();
    // An element of a setting assigned earlier in the list changes that assignment.
    if (a->index >= 0) {
      const auto* earlier = section.get_object().if_contains(a->key);
      GL_RETURN_IF_ERROR(set_element(
          *a, earlier != nullptr ? *earlier : setting_value(config, a->section, a->key)));
    }
    section.get_object()[a->key] = a->value;
  }
  auto updated = read_config(json::serialize(doc), config, false);
  GL_RETURN_IF_ERROR(updated);
  config = *updated;
  return ok();
}

std::vector<std::string> config_warnings(const SimConfig& c) {
  std::vector<std::string> out;
  const std::uint32_t days = c.run.days;
  const auto after = [&](const std::string& what, double day) {
    if (day >= days) {
      out.push_back(what + " begins on day " + std::to_string(static_cast<std::uint64_t>(day)) +
                    ", after the run's last day (" + std::to_string(days - 1) +
                    "): it changes nothing");
    }
  };
  for (const auto& w : c.lockdown.schools_closed) after("lockdown.schools_closed's window", w[0]);
  for (const auto& ch : c.disease.transmission_changes) {
    after("a disease.transmission_changes entry", ch[0]);
  }
  for (const auto& ch : c.disease.transmission_changes_by_layer) {
    after("a disease.transmission_changes_by_layer entry", ch[0]);
  }
  if (c.variant.enabled()) after("the variant (variant.day)", c.variant.day);
  if (c.vaccination.enabled())
    after("vaccination (vaccination.start_day)", c.vaccination.start_day);
  if (c.lockdown.days > 0) after("the lockdown (lockdown.start_day)", c.lockdown.start_day);
  for (const auto& w : c.lockdown.windows) after("a lockdown.windows window", w[0]);
  if (c.lockdown.elderly_days > 0) {
    after("the elderly's lockdown (lockdown.elderly_start_day)", c.lockdown.elderly_start_day);
  }
  if (c.app.uptake > 0) after("the app (app.start_day)", c.app.start_day);
  if (c.manual_tracing.enabled) {
    after("manual tracing (manual_tracing.start_day)", c.manual_tracing.start_day);
  }
  // Movement between regions needs several regions.
  if (c.population.regions == 1) {
    if (c.population.commuter_share != PopulationConfig{}.commuter_share) {
      out.push_back(
          "population.commuter_share moves workers between regions, and the run has one "
          "(population.regions): it changes nothing");
    }
    if (c.contacts.travel_share != ContactConfig{}.travel_share) {
      out.push_back(
          "contacts.travel_share sends random encounters to other regions, and the run has one "
          "(population.regions): it changes nothing");
    }
  }
  // A radio setting of the other model than the run's changes nothing.
  const RadioConfig& r = c.radio;
  const RadioConfig d;
  const auto unused = [&](bool changed, const char* key) {
    if (!changed) return;
    const bool clean_key = r.model == RadioModelKind::kCalibrated;
    out.push_back(std::string("radio.") + key + " belongs to the " +
                  (clean_key ? "clean" : "calibrated") + " radio model, and the run's is " +
                  std::string(radio_model_name(r.model)) + ": it changes nothing");
  };
  if (r.model == RadioModelKind::kCalibrated) {
    unused(r.lovett_intercept != d.lovett_intercept, "lovett_intercept");
    unused(r.lovett_slope != d.lovett_slope, "lovett_slope");
    unused(r.rssi_correction_db != d.rssi_correction_db, "rssi_correction_db");
    unused(r.contact_noise_sigma != d.contact_noise_sigma, "contact_noise_sigma");
    unused(r.pocket_probability != d.pocket_probability, "pocket_probability");
    unused(r.pocket_loss_db != d.pocket_loss_db, "pocket_loss_db");
    unused(r.scan_noise_sd_db != d.scan_noise_sd_db, "scan_noise_sd_db");
    unused(r.detection_limit_db != d.detection_limit_db, "detection_limit_db");
  } else {
    unused(r.env_intercept_db != d.env_intercept_db, "env_intercept_db");
    unused(r.env_slope_db_per_decade != d.env_slope_db_per_decade, "env_slope_db_per_decade");
    unused(r.env_shadowing_sd_db != d.env_shadowing_sd_db, "env_shadowing_sd_db");
    unused(r.random_environment_shares != d.random_environment_shares, "random_environment_shares");
    unused(r.carriage_shares != d.carriage_shares, "carriage_shares");
    unused(r.carriage_loss_db != d.carriage_loss_db, "carriage_loss_db");
    unused(r.orientation_sd_db != d.orientation_sd_db, "orientation_sd_db");
    unused(r.phone_models != d.phone_models, "phone_models");
    unused(r.model_tx_residual_sd_db != d.model_tx_residual_sd_db, "model_tx_residual_sd_db");
    unused(r.model_rx_residual_sd_db != d.model_rx_residual_sd_db, "model_rx_residual_sd_db");
    unused(r.fading_sd_db != d.fading_sd_db, "fading_sd_db");
    unused(r.missed_scan_probability != d.missed_scan_probability, "missed_scan_probability");
    unused(r.scan_window_seconds != d.scan_window_seconds, "scan_window_seconds");
    unused(r.advertising_interval_ms != d.advertising_interval_ms, "advertising_interval_ms");
    unused(r.sensitivity_db != d.sensitivity_db, "sensitivity_db");
    unused(r.sensitivity_width_db != d.sensitivity_width_db, "sensitivity_width_db");
  }
  return out;
}

Status validate_config(const SimConfig& c) {
  Status st = ok();
  auto need = [&](bool condition, std::string_view what) {
    if (st) st = check(condition, what);
  };
  // The setting `key` (section.key) is a probability.
  auto probability = [&](std::string_view key, double value) {
    if (st && !is_probability(value)) st = check(false, std::string(key) + " must be in [0, 1]");
  };
  need(c.population.people >= 10, "population.people must be at least 10");
  need(c.population.people <= 50'000'000, "population.people must be at most 50000000");
  double hh = 0;
  for (double w : c.population.household_size_weights) {
    need(w >= 0 && w <= 1e6, "population.household_size_weights must be in [0, 1e6]");
    hh += w;
  }
  need(hh > 0, "population.household_size_weights must not all be zero");
  double adults = 0;
  for (std::size_t g = 2; g < kAgeGroups; ++g) adults += c.population.adult_age_weights[g];
  for (const double w : c.population.adult_age_weights) {
    need(w >= 0 && w <= 1e6, "population.adult_age_weights must be in [0, 1e6]");
  }
  need(adults > 0, "population.adult_age_weights must give some weight to ages 20+");
  probability("population.employment_rate", c.population.employment_rate);
  // Sizes up to 100,000 (beyond, a school became one complete graph, and a workplace size
  // of 1e300 overflowed into workplaces of two).
  need(c.population.school_size >= 2 && c.population.school_size <= 100000,
       "population.school_size must be in [2, 100000]");
  need(c.population.mean_workplace_size >= 2 && c.population.mean_workplace_size <= 100000,
       "population.mean_workplace_size must be in [2, 100000]");
  need(c.population.elderly_group_size >= 2 && c.population.elderly_group_size <= 100000,
       "population.elderly_group_size must be in [2, 100000]");
  // Every kind of venue exists (its visits need somewhere to go: a population rounds to at
  // least one of each); at most one venue per 10 people (the venues' keys are drawn up
  // front). A negative density crashed the run, a huge one ran out of memory.
  for (const auto& [key, per_1000] :
       {std::pair{"population.shops_per_1000", c.population.shops_per_1000},
        std::pair{"population.restaurants_per_1000", c.population.restaurants_per_1000},
        std::pair{"population.event_venues_per_1000", c.population.event_venues_per_1000}}) {
    need(per_1000 > 0 && per_1000 <= 100, std::string(key) + " must be in (0, 100]");
  }
  const std::uint32_t regions = c.population.regions;
  need(regions >= 1 && regions <= 10000, "population.regions must be in [1, 10000]");
  need(regions == 1 || c.population.people >= 100 * std::uint64_t{regions},
       "population.regions: every region needs at least 100 people on average "
       "(population.people >= 100 x regions)");
  need(c.population.region_weights.empty() || c.population.region_weights.size() == regions,
       "population.region_weights must be empty or have one weight per region");
  for (const double w : c.population.region_weights) {
    need(w > 0 && w <= 1e6, "population.region_weights must be in (0, 1e6]");
  }
  if (st && !c.population.region_weights.empty()) {
    const auto& w = c.population.region_weights;
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    need(*std::min_element(w.begin(), w.end()) / total * c.population.people >= 10,
         "population.region_weights: every region needs at least 10 people");
  }
  probability("population.commuter_share", c.population.commuter_share);
  probability("contacts.travel_share", c.contacts.travel_share);
  const auto check_matrix = [&](const std::vector<std::vector<double>>& m, const char* name) {
    if (m.empty()) return;
    need(regions > 1, std::string(name) + " needs several regions (population.regions)");
    need(regions <= kMaxMatrixRegions, std::string(name) + ": at most " +
                                           std::to_string(kMaxMatrixRegions) +
                                           " regions (the matrix is dense)");
    need(m.size() == regions, std::string(name) + " must have one row per region (" +
                                  std::to_string(regions) + "), got " + std::to_string(m.size()));
    for (std::size_t r = 0; st && r < m.size(); ++r) {
      const std::string row = std::string(name) + "[" + std::to_string(r) + "]";
      need(m[r].size() == regions, row + " must have one weight per region (" +
                                       std::to_string(regions) + "), got " +
                                       std::to_string(m[r].size()));
      need(std::all_of(m[r].begin(), m[r].end(), [](double w) { return w >= 0 && w <= 1e12; }),
           row + ": weights must be in [0, 1e12]");
      need(std::accumulate(m[r].begin(), m[r].end(), 0.0) > 0,
           row + " must give some weight to a region");
    }
  };
  check_matrix(c.population.commuting_matrix, "population.commuting_matrix");
  check_matrix(c.contacts.travel_matrix, "contacts.travel_matrix");
  const auto check_flows = [&](const std::vector<std::vector<double>>& f, const char* name,
                               const std::vector<std::vector<double>>& matrix,
                               const char* matrix_name) {
    if (f.empty()) return;
    const std::string n(name);
    need(regions > 1, n + " needs several regions (population.regions)");
    need(matrix.empty(), n + ": give " + matrix_name + " or " + n + ", not both");
    need(f.size() <= kMaxFlows, n + ": at most " + std::to_string(kMaxFlows) + " entries");
    if (!st) return;
    const auto region = [&](double x) { return x >= 0 && x < regions && x == std::floor(x); };
    std::vector<std::uint64_t> pairs;
    std::vector<std::uint8_t> weighted(regions, 0);
    for (std::size_t i = 0; i < f.size(); ++i) {
      const auto& t = f[i];
      const auto entry = [&] { return n + "[" + std::to_string(i) + "]"; };
      if (t.size() != 3) {
        return need(false, entry() + " must be [from, to, weight], got " +
                               std::to_string(t.size()) + " numbers");
      }
      if (!region(t[0]) || !region(t[1])) {
        return need(false, entry() + ": from and to must be regions in [0, " +
                               std::to_string(regions) + ")");
      }
      if (!(t[2] >= 0 && t[2] <= 1e12)) {
        return need(false, entry() + ": the weight must be in [0, 1e12]");
      }
      const auto from = static_cast<std::uint32_t>(t[0]);
      pairs.push_back(std::uint64_t{from} * regions + static_cast<std::uint32_t>(t[1]));
      if (t[2] > 0) weighted[from] = 1;
    }
    std::sort(pairs.begin(), pairs.end());
    const auto twice = std::adjacent_find(pairs.begin(), pairs.end());
    need(twice == pairs.end(), twice == pairs.end()
                                   ? n
                                   : n + ": from " + std::to_string(*twice / regions) + " to " +
                                         std::to_string(*twice % regions) + " is given twice");
    const auto none = std::find(weighted.begin(), weighted.end(), 0);
    need(none == weighted.end(),
         n + ": region " + std::to_string(none - weighted.begin()) +
             " needs a positive weight from it (e.g. [r, r, 1] keeps it at home)");
  };
  check_flows(c.population.commuting_flows, "population.commuting_flows",
              c.population.commuting_matrix, "population.commuting_matrix");
  check_flows(c.contacts.travel_flows, "contacts.travel_flows", c.contacts.travel_matrix,
              "contacts.travel_matrix");
  need(c.app.uptake_by_region.empty() || c.app.uptake_by_region.size() == regions,
       "app.uptake_by_region must be empty or have one value per region");
  for (const double w : c.app.uptake_by_region) {
    need(w >= 0 && w <= 100, "app.uptake_by_region must be in [0, 100]");
  }
  need(c.disease.seed_region >= -1 && c.disease.seed_region < static_cast<std::int64_t>(regions),
       "disease.seed_region must be -1 (anywhere) or a region in [0, population.regions)");
  need(c.disease.imports_per_day >= 0 && c.disease.imports_per_day <= 100000,
       "disease.imports_per_day must be in [0, 100000]");
  need(c.disease.imports_region >= -1 &&
           c.disease.imports_region < static_cast<std::int64_t>(regions),
       "disease.imports_region must be -1 (anywhere) or a region in [0, population.regions)");
  probability("contacts.daily_link_fraction", c.contacts.daily_link_fraction);
  need(is_probability(c.contacts.shop_visit_probability) &&
           is_probability(c.contacts.restaurant_visit_probability) &&
           is_probability(c.contacts.event_visit_probability),
       "contacts.*_visit_probability must be in [0, 1]");
  need(c.contacts.household_hours_min > 0 &&
           c.contacts.household_hours_max >= c.contacts.household_hours_min &&
           c.contacts.household_hours_max <= 16,
       "contacts.household_hours_min/max must satisfy 0 < min <= max <= 16");
  need(c.contacts.distance_shape > 0 && c.contacts.distance_scale > 0 &&
           c.contacts.household_distance_shape > 0 && c.contacts.household_distance_scale > 0,
       "contacts distance parameters must be positive");
  need(c.contacts.random_duration_pareto_shape > 1,
       "contacts.random_duration_pareto_shape must be > 1");
  // Ranges that keep each draw finite and within its type (a negative minute wrapped to
  // 65,000; a mean of 1e200 made the gamma's shape NaN and the draw loop for ever; 1e9
  // contacts per visit drew for ever; a huge distance scale made the table NaN, which set
  // the transmission rate to 0).
  const auto in = [&](double value, double lo, double hi, const std::string& what) {
    need(value >= lo && value <= hi, what);
  };
  const auto& k = c.contacts;
  for (const auto& [key, links] :
       {std::pair{"school_links", k.school_links}, std::pair{"work_links", k.work_links},
        std::pair{"elderly_links", k.elderly_links}}) {
    in(links, 0, 100, "contacts." + std::string(key) + " must be in [0, 100]");
  }
  for (const auto& [key, mean] : {std::pair{"random_mean_child", k.random_mean_child},
                                  std::pair{"random_mean_adult", k.random_mean_adult},
                                  std::pair{"random_mean_elderly", k.random_mean_elderly}}) {
    in(mean, 0, 50,
       "contacts." + std::string(key) + " must be in [0, 50] (a day's count is capped at 60)");
  }
  for (const auto& [key, n] : {std::pair{"shop_contacts", k.shop_contacts},
                               std::pair{"restaurant_contacts", k.restaurant_contacts},
                               std::pair{"event_contacts", k.event_contacts}}) {
    in(n, 0, 100, "contacts." + std::string(key) + " must be in [0, 100]");
  }
  for (const auto& [key, v] : {std::pair{"distance_shape", k.distance_shape},
                               std::pair{"distance_scale", k.distance_scale},
                               std::pair{"household_distance_shape", k.household_distance_shape},
                               std::pair{"household_distance_scale", k.household_distance_scale}}) {
    need(v <= 100, "contacts." + std::string(key) + " must be in (0, 100]");
  }
  in(k.random_duration_pareto_shape, 1, 100,
     "contacts.random_duration_pareto_shape must be > 1 and at most 100");
  need(k.random_duration_scale_minutes > 0 && k.random_duration_scale_minutes <= 240,
       "contacts.random_duration_scale_minutes must be in (0, 240] (minutes; a random "
       "encounter lasts at most 240)");
  need(k.link_minutes_min > 0 && k.link_minutes_min <= 480,
       "contacts.link_minutes_min must be in (0, 480] (minutes; a contact lasts at most 480)");
  in(k.link_minutes_mean, 0, 480, "contacts.link_minutes_mean must be in [0, 480] (minutes)");
  probability("radio.pocket_probability", c.radio.pocket_probability);
  probability("radio.household_wall_probability", c.radio.household_wall_probability);
  need(c.radio.contact_noise_sigma >= 0 && c.radio.scan_noise_sd_db >= 0,
       "radio noise must be non-negative");
  {
    const auto& r = c.radio;
    double env_share = 0;
    for (std::size_t e = 0; e < kRadioEnvironments; ++e) {
      need(r.env_shadowing_sd_db[e] >= 0, "radio.env_shadowing_sd_db must be non-negative");
      need(r.random_environment_shares[e] >= 0,
           "radio.random_environment_shares must be non-negative");
      env_share += r.random_environment_shares[e];
    }
    need(env_share > 0, "radio.random_environment_shares must not all be zero");
    double carriage = 0;
    for (std::size_t k = 0; k < kCarriageStates; ++k) {
      need(r.carriage_shares[k] >= 0, "radio.carriage_shares must be non-negative");
      need(r.carriage_loss_db[k] >= 0, "radio.carriage_loss_db must be non-negative");
      carriage += r.carriage_shares[k];
    }
    need(carriage > 0, "radio.carriage_shares must not all be zero");
    need(r.orientation_sd_db >= 0 && r.model_tx_residual_sd_db >= 0 &&
             r.model_rx_residual_sd_db >= 0 && r.fading_sd_db >= 0,
         "radio standard deviations must be non-negative");
    need(r.phone_models >= 1 && r.phone_models <= 1000, "radio.phone_models must be in [1, 1000]");
    probability("radio.missed_scan_probability", r.missed_scan_probability);
    need(r.scan_window_seconds > 0 && r.advertising_interval_ms > 0 && r.sensitivity_width_db > 0,
         "radio.scan_window_seconds, advertising_interval_ms and sensitivity_width_db must be "
         "positive");
    // Levels, losses and spreads within what a one-byte attenuation can show (none was
    // checked: a negative loss was a gain, a slope of 1e300 ran as if valid).
    const auto db = [&](double v, int lo, int hi, const char* key) {
      need(v >= lo && v <= hi, std::string("radio.") + key + " must be in [" + std::to_string(lo) +
                                   ", " + std::to_string(hi) + "] dB");
    };
    db(r.pocket_loss_db, 0, 100, "pocket_loss_db");
    db(r.wall_loss_db, 0, 100, "wall_loss_db");
    db(r.detection_limit_db, 0, 255, "detection_limit_db");
    db(r.sensitivity_db, 0, 255, "sensitivity_db");
    db(r.rssi_correction_db, -100, 100, "rssi_correction_db");
    db(r.scan_noise_sd_db, 0, 50, "scan_noise_sd_db");
    db(r.fading_sd_db, 0, 50, "fading_sd_db");
    db(r.orientation_sd_db, 0, 50, "orientation_sd_db");
    db(r.model_tx_residual_sd_db, 0, 50, "model_tx_residual_sd_db");
    db(r.model_rx_residual_sd_db, 0, 50, "model_rx_residual_sd_db");
    db(r.sensitivity_width_db, 0, 50, "sensitivity_width_db");
    for (std::size_t e = 0; e < kRadioEnvironments; ++e) {
      db(r.env_intercept_db[e], 0, 255, "env_intercept_db");
      db(r.env_slope_db_per_decade[e], 0, 100, "env_slope_db_per_decade");
      db(r.env_shadowing_sd_db[e], 0, 50, "env_shadowing_sd_db");
    }
    for (std::size_t k = 0; k < kCarriageStates; ++k)
      db(r.carriage_loss_db[k], 0, 100, "carriage_loss_db");
    // Lovett's fit: |rssi| = exp(intercept + slope ln d) stays within a byte's dB.
    need(r.lovett_intercept >= 0 && r.lovett_intercept <= 5 && r.lovett_slope >= 0 &&
             r.lovett_slope <= 2 && r.contact_noise_sigma <= 2,
         "radio.lovett_intercept must be in [0, 5], lovett_slope in [0, 2] and "
         "contact_noise_sigma in [0, 2]");
    // A scan hears at least one advertisement (a shorter window was taken as one, silently).
    need(r.scan_window_seconds <= 300 && r.advertising_interval_ms >= 20 &&
             r.advertising_interval_ms <= 10240 &&
             r.scan_window_seconds * 1000 >= r.advertising_interval_ms,
         "radio.scan_window_seconds must be in (0, 300] and at least one "
         "radio.advertising_interval_ms, which must be in [20, 10240] (BLE's range)");
  }
  need(c.disease.infectious_rate >= 0, "disease.infectious_rate must be non-negative");
  // A gamma of a far smaller sd than mean has a shape the sampler never accepts a value of (a
  // standard deviation of 1e-160 days hung the run): standard deviations from 0.1 day.
  need(c.disease.infectious_mean_days >= 0.1 && c.disease.infectious_mean_days <= 60 &&
           c.disease.incubation_mean_days >= 0.1 && c.disease.incubation_mean_days <= 60 &&
           c.disease.infectious_sd_days >= 0.1 && c.disease.infectious_sd_days <= 60 &&
           c.disease.incubation_sd_days >= 0.1 && c.disease.incubation_sd_days <= 60,
       "disease.infectious_mean_days and incubation_mean_days must be in [0.1, 60], "
       "infectious_sd_days and incubation_sd_days in [0.1, 60]");
  // Factors on the transmission of one kind of case or one layer (negative ones turned the
  // calibration of the infection rate upside down).
  need(c.disease.asymptomatic_infectiousness >= 0 && c.disease.asymptomatic_infectiousness <= 10 &&
           c.disease.mild_infectiousness >= 0 && c.disease.mild_infectiousness <= 10 &&
           c.disease.household_weight >= 0 && c.disease.household_weight <= 100,
       "disease.asymptomatic_infectiousness and mild_infectiousness must be in [0, 10], "
       "household_weight in [0, 100]");
  need(c.disease.infectious_days >= 1 && c.disease.infectious_days <= 60,
       "disease.infectious_days must be in [1, 60]");
  need((c.disease.initial_infections >= 1 || c.disease.imports_per_day > 0) &&
           c.disease.initial_infections <= c.population.people,
       "disease.initial_infections must be in [1, population.people] (0 only with "
       "disease.imports_per_day)");
  for (std::size_t g = 0; g < kAgeGroups; ++g) {
    need(is_probability(c.disease.asymptomatic_fraction[g]) &&
             is_probability(c.disease.mild_fraction[g]),
         "disease.asymptomatic_fraction and mild_fraction must be in [0, 1]");
    need(is_probability(c.disease.hospitalised_fraction[g]) &&
             is_probability(c.disease.critical_fraction[g]) &&
             is_probability(c.disease.fatality_fraction[g]),
         "disease.hospitalised_fraction, critical_fraction and fatality_fraction must be in [0, "
         "1]");
    need(c.disease.susceptibility[g] >= 0, "disease.susceptibility must be non-negative");
  }
  {
    const auto& d = c.disease;
    const bool positive = d.hospital_mean_days > 0 && d.hospital_sd_days >= 0.1 &&
                          d.critical_mean_days > 0 && d.critical_sd_days >= 0.1 &&
                          d.death_mean_days > 0 && d.death_sd_days >= 0.1 &&
                          d.ward_stay_mean_days > 0 && d.ward_stay_sd_days >= 0.1 &&
                          d.critical_stay_mean_days > 0 && d.critical_stay_sd_days >= 0.1;
    const bool bounded = d.hospital_mean_days <= 60 && d.critical_mean_days <= 60 &&
                         d.death_mean_days <= 60 && d.ward_stay_mean_days <= 60 &&
                         d.critical_stay_mean_days <= 60 && d.hospital_sd_days <= 60 &&
                         d.critical_sd_days <= 60 && d.death_sd_days <= 60 &&
                         d.ward_stay_sd_days <= 60 && d.critical_stay_sd_days <= 60;
    need(positive && bounded,
         "disease hospital, critical, death and stay delays must have means in (0, 60] days and "
         "standard deviations in [0.1, 60]");
    need(d.icu_beds_per_100k >= 0 && d.icu_beds_per_100k <= 100000,
         "disease.icu_beds_per_100k must be in [0, 100000] (0: no limit)");
    need(d.no_icu_fatality_factor >= 1 && d.no_icu_fatality_factor <= 100,
         "disease.no_icu_fatality_factor must be in [1, 100]");
    need(d.hospital_beds_per_100k >= 0 && d.hospital_beds_per_100k <= 100000,
         "disease.hospital_beds_per_100k must be in [0, 100000] (0: no limit)");
    need(d.no_hospital_critical_factor >= 1 && d.no_hospital_critical_factor <= 100,
         "disease.no_hospital_critical_factor must be in [1, 100]");
    // A limit that rounds to no bed at all would turn every patient away.
    need(!(d.icu_beds_per_100k > 0) || per_100k(d.icu_beds_per_100k, c.population.people) > 0,
         "disease.icu_beds_per_100k gives no bed for population.people (at least one bed, or 0: "
         "no limit)");
    need(!(d.hospital_beds_per_100k > 0) ||
             per_100k(d.hospital_beds_per_100k, c.population.people) > 0,
         "disease.hospital_beds_per_100k gives no bed for population.people (at least one bed, "
         "or 0: no limit)");
  }
  const auto& changes = c.disease.transmission_changes;
  need(changes.size() <= DiseaseConfig::kMaxTransmissionChanges,
       "disease.transmission_changes: at most 100 changes");
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto& [day, factor] = changes[i];
    need(day >= 0 && day <= 2000 && day == std::floor(day) && factor >= 0 && factor <= 10 &&
             (i == 0 || day > changes[i - 1][0]),
         "disease.transmission_changes: each change is [day, factor], whole days in [0, 2000] in "
         "increasing order, factors in [0, 10]");
  }
  // Gamma(1 / sd^2): a tiny sd (1e-160) is a shape the sampler never accepts a value of.
  need(c.disease.infectiousness_sd == 0 ||
           (c.disease.infectiousness_sd >= 0.01 && c.disease.infectiousness_sd <= 5),
       "disease.infectiousness_sd must be 0 (none) or in [0.01, 5]");
  need(c.disease.seasonality_amplitude >= 0 && c.disease.seasonality_amplitude < 1,
       "disease.seasonality_amplitude must be in [0, 1)");
  need(c.disease.seasonality_peak_day_of_year >= 1 && c.disease.seasonality_peak_day_of_year <= 366,
       "disease.seasonality_peak_day_of_year must be in [1, 366]");
  const auto& by_layer = c.disease.transmission_changes_by_layer;
  need(by_layer.size() <= DiseaseConfig::kMaxTransmissionChanges,
       "disease.transmission_changes_by_layer: at most 100 changes");
  for (std::size_t i = 0; i < by_layer.size(); ++i) {
    const auto& change = by_layer[i];
    bool factors = true;
    for (std::size_t k = 1; k < change.size(); ++k)
      factors = factors && change[k] >= 0 && change[k] <= 10;
    need(change[0] >= 0 && change[0] <= 2000 && change[0] == std::floor(change[0]) && factors &&
             (i == 0 || change[0] > by_layer[i - 1][0]),
         "disease.transmission_changes_by_layer: each change is [day, household, school_work, "
         "random, venue], whole days in [0, 2000] in increasing order, factors in [0, 10]");
  }
  probability("disease.false_symptom_rate", c.disease.false_symptom_rate);
  need(c.disease.dose_minutes > 0 && c.disease.dose_distance_m > 0,
       "disease.dose_minutes and dose_distance_m must be positive");
  probability("testing.symptom_isolation", c.testing.symptom_isolation);
  probability("testing.sensitivity", c.testing.sensitivity);
  probability("testing.specificity", c.testing.specificity);
  probability("testing.isolation_adherence", c.testing.isolation_adherence);
  probability("testing.isolation_daily_dropout", c.testing.isolation_daily_dropout);
  // Longer isolations would overflow the days they end on (a uint32 day plus the length).
  need(c.testing.symptom_isolation_days <= 365 && c.testing.isolation_days <= 365 &&
           c.app.red_isolation_days <= 365,
       "testing.symptom_isolation_days, testing.isolation_days and app.red_isolation_days must "
       "be at most 365");
  need(c.testing.order_delay_days <= 14 && c.testing.result_delay_days <= 14,
       "testing delays must be at most 14 days");
  need(c.testing.sensitive_from_day <= c.testing.sensitive_to_day,
       "testing.sensitive_from_day must not exceed sensitive_to_day");
  need(c.testing.tests_per_day_per_100k >= 0 && c.testing.tests_per_day_per_100k <= 100000,
       "testing.tests_per_day_per_100k must be in [0, 100000] (0: no limit)");
  need(c.testing.max_wait_days <= 60, "testing.max_wait_days must be at most 60");
  need(!(c.testing.tests_per_day_per_100k > 0) ||
           per_100k(c.testing.tests_per_day_per_100k, c.population.people) > 0,
       "testing.tests_per_day_per_100k gives no test a day for population.people (at least one, "
       "or 0: no limit)");
  // Orders of the health phase itself (symptoms, a self-report, an admission) are sampled at
  // once with no delay, after the day's capacity was given.
  need(!(c.testing.tests_per_day_per_100k > 0) || c.testing.order_delay_days > 0,
       "testing.order_delay_days must be at least 1 with a test capacity "
       "(testing.tests_per_day_per_100k)");
  need(!c.testing.capacity_by_region ||
           (c.testing.tests_per_day_per_100k > 0 && c.population.regions > 1),
       "testing.capacity_by_region needs a test capacity (testing.tests_per_day_per_100k) and "
       "several regions (population.regions)");
  need(c.testing.screening_per_day_per_100k >= 0 && c.testing.screening_per_day_per_100k <= 100000,
       "testing.screening_per_day_per_100k must be in [0, 100000] (0: no screening)");
  need(is_probability(c.testing.screening_sensitivity) &&
           is_probability(c.testing.screening_specificity),
       "testing.screening_sensitivity and screening_specificity must be in [0, 1]");
  need(c.testing.screening_result_delay_days <= 14,
       "testing.screening_result_delay_days must be at most 14");
  for (const double w : c.app.uptake_by_age) {
    need(w >= 0 && w <= 100, "app.uptake_by_age must be in [0, 100]");
  }
  probability("app.uptake", c.app.uptake);
  probability("app.upload_consent", c.app.upload_consent);
  probability("app.checkin_probability", c.app.checkin_probability);
  probability("app.red_isolation_adherence", c.app.red_isolation_adherence);
  probability("app.red_test_probability", c.app.red_test_probability);
  probability("app.yellow_test_probability", c.app.yellow_test_probability);
  const auto& r = c.app.risk;
  need(r.attenuation_thresholds_db[0] < r.attenuation_thresholds_db[1] &&
           r.attenuation_thresholds_db[1] < r.attenuation_thresholds_db[2],
       "risk.attenuation_thresholds_db must be increasing");
  // The client's thresholds are whole dB of a one-byte attenuation (a fraction was cut off).
  const auto whole_db = [](double db) { return db >= 0 && db <= 255 && db == std::floor(db); };
  need(whole_db(r.attenuation_thresholds_db[0]) && whole_db(r.attenuation_thresholds_db[1]) &&
           whole_db(r.attenuation_thresholds_db[2]) && whole_db(r.min_minutes_attenuation_db),
       "risk.attenuation_thresholds_db and min_minutes_attenuation_db must be whole dB in "
       "[0, 255]");
  for (double w : r.attenuation_weights) {
    need(w >= 0 && w <= 2.5, "risk.attenuation_weights must be in [0, 2.5]");
  }
  for (auto v : r.dsos_infectiousness)
    need(v <= 2, "risk.dsos_infectiousness values must be 0, 1 or 2");
  need(r.infectiousness_when_dsos_missing <= 2,
       "risk.infectiousness_when_dsos_missing must be 0, 1 or 2");
  need(r.max_encounter_age_days >= 1 && r.max_encounter_age_days <= 14,
       "risk.max_encounter_age_days must be in [1, 14]");
  need(r.drop_trl_at_most <= 8, "risk.drop_trl_at_most must be in [0, 8]");
  need(r.trl_multiplier >= 0 && r.trl_multiplier <= 2.5, "risk.trl_multiplier must be in [0, 2.5]");
  need(r.min_window_minutes >= 0 && std::isfinite(r.min_window_minutes),
       "risk.min_window_minutes must be a number of minutes >= 0");
  need(r.high_threshold_minutes >= 0 && std::isfinite(r.high_threshold_minutes),
       "risk.high_threshold_minutes must be a number of minutes >= 0");
  // The phones score with the client library's rules: what it refuses (its checks, with the
  // rules above by the simulator's names) is refused here too, not only with
  // run.verify_phones, where the client checks it.
  if (st) {
    if (const Status client_ok = client::validate(to_client_risk_config(r)); !client_ok) {
      st = check(false,
                 "risk: the client library refuses these settings: " + client_ok.error().message);
    }
  }
  need(r.venue_warning_days == RiskConfig{}.venue_warning_days,
       "risk.venue_warning_days is no longer used (leave it at 10): a venue warning keeps the "
       "phone YELLOW as the client's colour rule does, risk.max_encounter_age_days full days "
       "after the visit");
  need(c.app.red_daily_test_days <= 14,
       "app.red_daily_test_days must be in [0, 14] (0: quarantine on RED, no daily self-tests)");
  need(c.app.red_daily_test_adherence == -1 || is_probability(c.app.red_daily_test_adherence),
       "app.red_daily_test_adherence must be -1 (as red_isolation_adherence) or in [0, 1]");
  need(c.app.red_release_test_day == 0 || c.app.red_release_test_day < c.app.red_isolation_days,
       "app.red_release_test_day must be 0 (no test to end the quarantine) or below "
       "app.red_isolation_days");
  need(c.app.red_release_test_day == 0 || c.app.red_daily_test_days == 0,
       "app.red_release_test_day needs a quarantine on RED: not with app.red_daily_test_days");
  need(c.app.upload_delay_days <= 14, "app.upload_delay_days must be in [0, 14]");
  need(c.app.upload_delay_spread_days == 0 || c.app.upload_delay_days > 0,
       "app.upload_delay_spread_days needs a delay (app.upload_delay_days)");
  need(c.app.longest_upload_delay() <= 14,
       "app.upload_delay_days + app.upload_delay_spread_days must be at most 14");
  probability("app.symptom_report_share", c.app.symptom_report_share);
  need(!c.app.revoke_on_negative || c.app.symptom_report_share > 0,
       "app.revoke_on_negative needs symptom self-reports (app.symptom_report_share)");
  need(!c.app.upgrade_on_positive || c.app.symptom_report_share > 0,
       "app.upgrade_on_positive needs symptom self-reports (app.symptom_report_share)");
  probability("app.upload_same_day_share", c.app.upload_same_day_share);
  need(c.app.upload_same_day_share == 0 || c.app.upload_delay_days > 0,
       "app.upload_same_day_share needs a delay (app.upload_delay_days)");
  need(c.app.start_day <= 2000, "app.start_day must be at most 2000");
  need(c.app.ramp_days <= 2000, "app.ramp_days must be at most 2000");
  probability("app.ramp_launch_share", c.app.ramp_launch_share);
  need(c.app.ramp_launch_share == 0 || c.app.ramp_days > 0,
       "app.ramp_launch_share needs a gradual uptake (app.ramp_days)");
  need(c.app.dropout_per_day >= 0 && c.app.dropout_per_day < 1,
       "app.dropout_per_day must be in [0, 1)");
  need(c.app.chaff_per_day >= 0 && c.app.chaff_per_day <= 24,
       "app.chaff_per_day must be in [0, 24]");
  const auto& hc = c.health_code;
  need(is_probability(hc.coverage) && is_probability(hc.red_adherence) &&
           is_probability(hc.yellow_adherence),
       "health_code.coverage, red_adherence and yellow_adherence must be in [0, 1]");
  need(hc.trace_days_before <= 10 && hc.companion_lookback_days <= 14 && hc.red_days <= 60 &&
           hc.secondary_days <= 60 && hc.companion_days <= 60,
       "health_code: trace_days_before at most 10, companion_lookback_days at most 14, colour "
       "days at most 60");
  const auto& ad = c.adversary;
  probability("adversary.relay_venue_share", ad.relay_venue_share);
  need(ad.relay_delay_minutes >= 0 && ad.relay_delay_minutes <= 720,
       "adversary.relay_delay_minutes must be in [0, 720]");
  need(ad.relay_victims <= 1000 && ad.relay_max_minutes >= 5 && ad.relay_max_minutes <= 240,
       "adversary.relay_victims must be at most 1000, relay_max_minutes in [5, 240]");
  // The relay's settings do nothing without a relay.
  const AdversaryConfig no_relay;
  need(ad.relay_venue_share > 0 || (ad.relay_delay_minutes == no_relay.relay_delay_minutes &&
                                    ad.relay_victims == no_relay.relay_victims &&
                                    ad.relay_attenuation_db == no_relay.relay_attenuation_db &&
                                    ad.relay_max_minutes == no_relay.relay_max_minutes),
       "adversary.relay_delay_minutes, relay_victims, relay_attenuation_db and relay_max_minutes "
       "need adversary.relay_venue_share (no relay without it)");
  need(ad.relay_attenuation_db >= 0 && ad.relay_attenuation_db <= 120,
       "adversary.relay_attenuation_db must be in [0, 120]");
  need(ad.relay_venue_share == 0 || c.run.verify_phones == 0,
       "adversary.relay_venue_share and run.verify_phones cannot be combined (the per-phone "
       "path re-creates sightings at their own time)");
  const auto& l = c.lockdown;
  need(l.start_day <= 2000 && l.days <= 2000 && l.elderly_start_day <= 2000 &&
           l.elderly_days <= 2000,
       "lockdown: start days and lengths must be at most 2000");
  need(is_probability(l.school_work_multiplier) && is_probability(l.random_multiplier) &&
           is_probability(l.venue_multiplier),
       "lockdown.school_work_multiplier, random_multiplier and venue_multiplier must be in "
       "[0, 1]");
  need(l.household_multiplier >= 0 && l.household_multiplier <= 10,
       "lockdown.household_multiplier must be in [0, 10]");
  need(l.trigger_incidence >= 0 && l.trigger_incidence <= 100000,
       "lockdown.trigger_incidence must be in [0, 100000] (0: no trigger)");
  need(l.trigger_admissions >= 0 && l.trigger_admissions <= 100000,
       "lockdown.trigger_admissions must be in [0, 100000] (0: no trigger)");
  need(l.min_days <= 2000, "lockdown.min_days must be at most 2000");
  need(l.windows.size() <= LockdownConfig::kMaxWindows, "lockdown.windows: at most 100 windows");
  for (const auto& w : l.windows) {
    need(w[0] <= w[1] && w[1] <= 2000,
         "lockdown.windows: each window is [first, last] with first <= last <= 2000");
  }
  need(l.schools_closed.size() <= LockdownConfig::kMaxWindows,
       "lockdown.schools_closed: at most 100 windows");
  for (const auto& w : l.schools_closed) {
    need(w[0] <= w[1] && w[1] <= 2000,
         "lockdown.schools_closed: each window is [first, last] with first <= last <= 2000");
  }
  need(l.repeat_every_days == 0 || (l.repeat_every_days > l.days && l.repeat_every_days <= 2000),
       "lockdown.repeat_every_days must be 0 (once) or more than lockdown.days, at most 2000");
  need(l.release_fraction > 0 && l.release_fraction <= 1,
       "lockdown.release_fraction must be in (0, 1] (at 0 a triggered lockdown never ends)");
  const LockdownConfig no_trigger;
  need(l.triggered() || l.min_days == no_trigger.min_days,
       "lockdown.min_days needs a trigger (lockdown.trigger_incidence or trigger_admissions)");
  need(l.triggered() || l.release_fraction == no_trigger.release_fraction,
       "lockdown.release_fraction needs a trigger (lockdown.trigger_incidence or "
       "trigger_admissions)");
  need(l.repeat_every_days == 0 || l.days > 0,
       "lockdown.repeat_every_days needs a lockdown to repeat (lockdown.days)");
  need(!l.regional || (c.population.regions > 1 && l.triggered()),
       "lockdown.regional needs several regions (population.regions) and a trigger "
       "(lockdown.trigger_incidence or trigger_admissions)");
  const auto& m = c.manual_tracing;
  need(m.start_day <= 2000 && m.delay_days <= 30,
       "manual_tracing.start_day must be at most 2000, delay_days at most 30");
  need(m.workers_per_100k >= 0 && m.workers_per_100k <= 100000 &&
           m.interviews_per_worker_day >= 0 && m.interviews_per_worker_day <= 1000 &&
           m.notifications_per_worker_day >= 0 && m.notifications_per_worker_day <= 1000,
       "manual_tracing.workers_per_100k must be in [0, 100000], interviews_per_worker_day and "
       "notifications_per_worker_day in [0, 1000]");
  need(m.trace_days >= 1 && m.trace_days <= 14, "manual_tracing.trace_days must be in [1, 14]");
  need(m.backward_days <= 14, "manual_tracing.backward_days must be in [0, 14]");
  for (double f : m.traceable_fraction)
    need(is_probability(f), "manual_tracing.traceable_fraction values must be in [0, 1]");
  for (double f : m.guest_lists)
    need(is_probability(f),
         "manual_tracing.guest_lists values (shops, restaurants, event halls) must be in [0, 1]");
  need(m.call_within_days <= 60,
       "manual_tracing.call_within_days must be in [0, 60] (0: no limit)");
  need(m.self_notify_after_days == 0 ||
           (m.self_notify_after_days >= m.delay_days && m.self_notify_after_days <= 60),
       "manual_tracing.self_notify_after_days must be 0 (never) or in [delay_days, 60]");
  probability("manual_tracing.self_notify_reach", m.self_notify_reach);
  need(m.daily_test_days <= 14,
       "manual_tracing.daily_test_days must be in [0, 14] (0: quarantine, no daily self-tests)");
  need(m.daily_test_adherence == -1 || is_probability(m.daily_test_adherence),
       "manual_tracing.daily_test_adherence must be -1 (as quarantine_compliance) or in [0, 1]");
  need(m.release_test_day == 0 || m.release_test_day < m.quarantine_days,
       "manual_tracing.release_test_day must be 0 (no test to end the quarantine) or below "
       "manual_tracing.quarantine_days");
  need(m.release_test_day == 0 || m.daily_test_days == 0,
       "manual_tracing.release_test_day needs a quarantine: not with "
       "manual_tracing.daily_test_days");
  need(m.quarantine_days >= 1 && m.quarantine_days <= 60,
       "manual_tracing.quarantine_days must be in [1, 60]");
  need(is_probability(m.quarantine_compliance) && is_probability(m.test_probability),
       "manual_tracing.quarantine_compliance and test_probability must be in [0, 1]");
  const auto& vc = c.vaccination;
  need(vc.people_per_day_per_100k >= 0 && vc.people_per_day_per_100k <= 100000,
       "vaccination.people_per_day_per_100k must be in [0, 100000] (0: no vaccination)");
  need(vc.start_day <= 2000, "vaccination.start_day must be at most 2000");
  for (const double u : vc.uptake_by_age)
    need(is_probability(u), "vaccination.uptake_by_age values must be in [0, 1]");
  for (const double f : vc.efficacy_factor_by_age) {
    need(is_probability(f),
         "vaccination.efficacy_factor_by_age values must be in [0, 1] (a factor on the "
         "efficacies of an age group)");
  }
  need(vc.days_to_protect >= 1 && vc.days_to_protect <= 365,
       "vaccination.days_to_protect must be in [1, 365]");
  need(is_probability(vc.efficacy_infection) && is_probability(vc.efficacy_symptoms) &&
           is_probability(vc.efficacy_severe),
       "vaccination.efficacy_infection, efficacy_symptoms and efficacy_severe must be in [0, 1]");
  need(vc.efficacy_infection <= vc.efficacy_symptoms && vc.efficacy_symptoms <= vc.efficacy_severe,
       "vaccination: efficacy_infection <= efficacy_symptoms <= efficacy_severe is needed (a "
       "person protected from infection is protected from its symptoms and severe disease)");
  need(vc.first_dose_protect_days < vc.days_to_protect,
       "vaccination.first_dose_protect_days must be less than days_to_protect (0: no protection "
       "between the doses)");
  need(vc.first_dose_protect_days == 0 ||
           (is_probability(vc.first_dose_efficacy_infection) &&
            vc.first_dose_efficacy_infection <= vc.first_dose_efficacy_symptoms &&
            vc.first_dose_efficacy_symptoms <= vc.first_dose_efficacy_severe &&
            vc.first_dose_efficacy_infection <= vc.efficacy_infection &&
            vc.first_dose_efficacy_symptoms <= vc.efficacy_symptoms &&
            vc.first_dose_efficacy_severe <= vc.efficacy_severe),
       "vaccination: with first_dose_protect_days, the first dose's efficacies must be in [0, 1], "
       "nested as the full ones, and each at most the full one");
  need(vc.waning_half_life_days >= 0 && vc.waning_half_life_days <= 10000,
       "vaccination.waning_half_life_days must be in [0, 10000] (0: no waning)");
  need(vc.booster_after_days == 0 ||
           (vc.booster_after_days > vc.days_to_protect && vc.booster_after_days <= 2000),
       "vaccination.booster_after_days must be 0 (no boosters) or more than days_to_protect, "
       "at most 2000");
  // Without waning the protection never falls, and a booster restores nothing.
  need(vc.booster_after_days == 0 || vc.waning_half_life_days > 0,
       "vaccination.booster_after_days needs vaccination.waning_half_life_days (without waning "
       "a booster restores nothing)");
  probability("vaccination.booster_uptake", vc.booster_uptake);
  need(vc.booster_protect_days <= 365, "vaccination.booster_protect_days must be at most 365");
  need(c.variant.day <= 2000, "variant.day must be at most 2000");
  need(c.variant.imports <= c.population.people,
       "variant.imports must be at most population.people");
  need(c.variant.relative_transmissibility > 0 && c.variant.relative_transmissibility <= 10,
       "variant.relative_transmissibility must be in (0, 10]");
  const auto& va = c.variant;
  need(is_probability(va.vaccine_escape_infection) && is_probability(va.vaccine_escape_symptoms) &&
           is_probability(va.vaccine_escape_severe),
       "variant.vaccine_escape_infection, vaccine_escape_symptoms and vaccine_escape_severe must "
       "be in [0, 1]");
  const VaccinationConfig escaped = va.against(vc);
  need(escaped.efficacy_infection <= escaped.efficacy_symptoms &&
           escaped.efficacy_symptoms <= escaped.efficacy_severe &&
           (vc.first_dose_protect_days == 0 ||
            (escaped.first_dose_efficacy_infection <= escaped.first_dose_efficacy_symptoms &&
             escaped.first_dose_efficacy_symptoms <= escaped.first_dose_efficacy_severe)),
       "variant: the vaccine's efficacies against the variant, (1 - vaccine_escape_*) times "
       "vaccination.efficacy_* (and first_dose_efficacy_*), must stay nested: infection <= "
       "symptoms <= severe");
  const auto& im = c.immunity;
  need(is_probability(im.efficacy_infection) && is_probability(im.efficacy_symptoms) &&
           is_probability(im.efficacy_severe),
       "immunity.efficacy_infection, efficacy_symptoms and efficacy_severe must be in [0, 1]");
  need(im.efficacy_infection <= im.efficacy_symptoms && im.efficacy_symptoms <= im.efficacy_severe,
       "immunity: efficacy_infection <= efficacy_symptoms <= efficacy_severe is needed (a person "
       "protected from reinfection is protected from its symptoms and severe disease)");
  need(im.waning_half_life_days >= 0 && im.waning_half_life_days <= 10000,
       "immunity.waning_half_life_days must be in [0, 10000] (0: no waning)");
  need(is_probability(va.immunity_escape_infection) &&
           is_probability(va.immunity_escape_symptoms) && is_probability(va.immunity_escape_severe),
       "variant.immunity_escape_infection, immunity_escape_symptoms and immunity_escape_severe "
       "must be in [0, 1]");
  const ImmunityConfig escaped_immunity = im.escaped(
      va.immunity_escape_infection, va.immunity_escape_symptoms, va.immunity_escape_severe);
  need(escaped_immunity.efficacy_infection <= escaped_immunity.efficacy_symptoms &&
           escaped_immunity.efficacy_symptoms <= escaped_immunity.efficacy_severe,
       "variant: the immunity's efficacies against the variant, (1 - immunity_escape_*) times "
       "immunity.efficacy_*, must stay nested: infection <= symptoms <= severe");
  const auto& h = c.hospital;
  need(h.staff_per_100k >= 0 && h.staff_per_100k <= 10000,
       "hospital.staff_per_100k must be in [0, 10000] (0: no infections in hospital)");
  need(h.ward_contacts <= 100 && h.icu_contacts <= 100,
       "hospital.ward_contacts and icu_contacts must be in [0, 100]");
  need(h.max_staff_contacts >= 1 && h.max_staff_contacts <= 1000,
       "hospital.max_staff_contacts must be in [1, 1000]");
  need(h.transmission_factor >= 0 && h.transmission_factor <= 10,
       "hospital.transmission_factor must be in [0, 10]");
  need(h.staff_test_every_days <= 60,
       "hospital.staff_test_every_days must be in [0, 60] (0: no regular testing of staff)");
  // The other hospital settings act on the staff only.
  const HospitalConfig no_staff;
  for (const auto& [key, changed] : std::initializer_list<std::pair<std::string_view, bool>>{
           {"ward_contacts", h.ward_contacts != no_staff.ward_contacts},
           {"icu_contacts", h.icu_contacts != no_staff.icu_contacts},
           {"max_staff_contacts", h.max_staff_contacts != no_staff.max_staff_contacts},
           {"transmission_factor", h.transmission_factor != no_staff.transmission_factor},
           {"app_paused_at_work", h.app_paused_at_work != no_staff.app_paused_at_work},
           {"staff_test_every_days", h.staff_test_every_days != no_staff.staff_test_every_days}}) {
    need(h.staff_per_100k > 0 || !changed,
         "hospital." + std::string(key) + " needs hospital staff (hospital.staff_per_100k)");
  }
  need(!(h.staff_per_100k > 0) || per_100k(h.staff_per_100k, c.population.people) > 0,
       "hospital.staff_per_100k gives no staff for population.people (at least one, or 0: no "
       "infections in hospital)");
  const auto& ch = c.care_homes;
  need(ch.residents_per_100k >= 0 && ch.residents_per_100k <= 10000,
       "care_homes.residents_per_100k must be in [0, 10000] (0: no care homes)");
  need(ch.residents_per_home >= 1 && ch.residents_per_home <= 1000,
       "care_homes.residents_per_home must be in [1, 1000]");
  need(ch.staff_per_resident >= 0 && ch.staff_per_resident <= 10,
       "care_homes.staff_per_resident must be in [0, 10]");
  need(ch.resident_contacts >= 0 && ch.resident_contacts <= 100,
       "care_homes.resident_contacts must be in [0, 100]");
  need(ch.staff_contacts <= 100, "care_homes.staff_contacts must be in [0, 100]");
  need(ch.transmission_factor >= 0 && ch.transmission_factor <= 10,
       "care_homes.transmission_factor must be in [0, 10]");
  need(ch.staff_test_every_days <= 60,
       "care_homes.staff_test_every_days must be in [0, 60] (0: no regular testing of staff)");
  need(ch.resident_test_every_days <= 60,
       "care_homes.resident_test_every_days must be in [0, 60] (0: no regular testing of "
       "residents)");
  probability("care_homes.death_in_home", ch.death_in_home);
  need(ch.visits_per_week >= 0 && ch.visits_per_week <= 7,
       "care_homes.visits_per_week must be in [0, 7] (at most a visit a day)");
  need(ch.visits_closed_days <= 60,
       "care_homes.visits_closed_days must be in [0, 60] (0: visits whatever the home's cases)");
  need(ch.staff_symptom_isolation == -1 || is_probability(ch.staff_symptom_isolation),
       "care_homes.staff_symptom_isolation must be -1 (as testing.symptom_isolation) or in [0, "
       "1]");
  need(ch.staff_units >= 1 && ch.staff_units <= 64,
       "care_homes.staff_units must be in [1, 64] (1: no cohorting of staff)");
  need(is_probability(ch.resident_zoning),
       "care_homes.resident_zoning must be in [0, 1] (the share of a resident's contacts with "
       "residents that stay in its unit)");
  need(is_probability(ch.agency_share),
       "care_homes.agency_share must be in [0, 1] (the share of a home's positions filled by "
       "agency staff)");
  need(ch.agency_pool_homes <= 100000,
       "care_homes.agency_pool_homes must be in [0, 100000] (0: a pool per region)");
  need(ch.outbreak_agency_days <= 14,
       "care_homes.outbreak_agency_days must be in [0, 14] (0: agency workers not in whole-home "
       "testing)");
  need(c.run.days >= 1 && c.run.days <= 2000, "run.days must be in [1, 2000]");
  need(c.run.threads >= 1 && c.run.threads <= 256, "run.threads must be in [1, 256]");
  need(c.run.start_unix_seconds >= 0 && c.run.start_unix_seconds % 86400 == 0,
       "run.start_unix_seconds must be a UTC midnight");
  return st;
}

std::uint64_t per_100k(double figure, std::uint32_t people) {
  return static_cast<std::uint64_t>(std::llround(figure * static_cast<double>(people) / 1e5));
}

std::uint64_t ManualTracingConfig::interviews_per_day(std::uint32_t people) const {
  return per_100k(workers_per_100k * interviews_per_worker_day, people);
}
double DiseaseConfig::seasonal_factor(std::int64_t unix_seconds) const {
  if (seasonality_amplitude == 0) return 1.0;
  // Whole days since 1970-01-01 (day of year 1) against the peak's day in 1970; the mean
  // Gregorian year keeps the peak on its calendar day (within a day over centuries).
  constexpr std::int64_t kDay = 86400;
  constexpr double kYear = 365.2425;
  const std::int64_t day = unix_seconds >= 0 ? unix_seconds / kDay : (unix_seconds + 1) / kDay - 1;
  const double since_peak =
      static_cast<double>(day) - static_cast<double>(seasonality_peak_day_of_year - 1);
  return 1.0 + seasonality_amplitude * std::cos(2 * std::numbers::pi * since_peak / kYear);
}

std::uint64_t ManualTracingConfig::notifications_per_day(std::uint32_t people) const {
  return per_100k(workers_per_100k * notifications_per_worker_day, people);
}

std::string config_hash(const SimConfig& config) {
  // The results do not depend on the thread count: the hash leaves it out.
  SimConfig c = config;
  c.run.threads = 1;
  return to_hex(sha256(as_bytes(config_to_json(c))));
}

Status apply_radio_preset(SimConfig& config, std::string_view name) {
  auto kind = radio_model_from_name(name);
  if (!kind) {
    return make_error(ErrorCode::kInvalidArgument, "unknown radio preset '" + std::string(name) +
                                                       "' (expected calibrated or clean)");
  }
  const bool perfect = config.radio.perfect;
  config.radio = RadioConfig{};
  config.radio.model = *kind;
  config.radio.perfect = perfect;
  return ok();
}

Result<SimConfig> preset(std::string_view name) {
  SimConfig c;
  if (name == "openabm-like" || name == "default") return c;
  if (name == "no-intervention") {
    c.testing.symptom_isolation = 0;
    c.testing.household_isolation = false;
    c.app.uptake = 0;
    c.run.baseline = false;
    return c;
  }
  if (name == "self-isolation") {
    c.app.uptake = 0;
    c.run.baseline = false;
    return c;
  }
  if (name == "openabm-app") {
    c.app.upload_consent = 1;
    c.app.red_isolation_adherence = 0.9;
    c.app.red_isolation_days = 14;
    c.app.household_isolation_on_red = true;
    auto& r = c.app.risk;
    r.min_window_minutes = 0;
    r.drop_trl_at_most = 0;
    r.dsos_infectiousness.fill(1);
    r.attenuation_weights = {1, 1, 1, 1};
    r.high_threshold_minutes = 0;
    r.max_encounter_age_days = 7;
    return c;
  }
  return make_error(
      ErrorCode::kInvalidArgument,
      "unknown preset '" + std::string(name) +
          "' (expected openabm-like, no-intervention, self-isolation or openabm-app)");
}

}  // namespace greenlight::sim
