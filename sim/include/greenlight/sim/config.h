// Simulation parameters, their JSON form (Boost.JSON) and overrides.
//
// One SimConfig describes a whole run; with the same config (seed included) a run is
// reproducible byte for byte, at any thread count. The defaults are the built-in
// "openabm-like" preset: OpenABM-Covid19's default contact and disease structure
// (reference/sim.md sections 1.4 and 5) with durations and distances from the
// abesim/Copenhagen fits, the Lovett attenuation model, and the Corona-Warn-App v2 risk
// parameters (reference/gaen.md section 4c). docs/simulation.md lists every field.
//
// JSON: an object with the sections below; every key is optional (missing keys keep
// their defaults) and unknown keys are rejected, naming the key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/result.h"

namespace greenlight::sim {

// Nine age groups: 0-9, 10-19, ..., 70-79, 80+.
inline constexpr std::size_t kAgeGroups = 9;
using AgeTable = std::array<double, kAgeGroups>;

struct PopulationConfig {
  std::uint32_t people = 5000;
  // Household sizes 1..6 (UK-like shares).
  std::array<double, 6> household_size_weights{0.29, 0.35, 0.16, 0.13, 0.05, 0.02};
  // Age of the adults who head a household, by age group (groups 0 and 1 are ignored).
  AgeTable adult_age_weights{0, 0, 0.15, 0.16, 0.16, 0.17, 0.15, 0.12, 0.09};
  double employment_rate = 0.8;  // of people aged 20-69
  std::uint32_t school_size = 300;
  double mean_workplace_size = 20;
  std::uint32_t elderly_group_size = 30;
  double shops_per_1000 = 4;
  double restaurants_per_1000 = 2;
  double event_venues_per_1000 = 0.3;
  // Regions (1: one country without places). With more, the people are split into `regions`
  // blocks of whole households (consecutive person ids; sizes in proportion to
  // region_weights, equal when it is empty); schools, workplaces and groups of elderly people
  // form inside a region, but commuter_share of the workers work in another region, drawn
  // uniformly (or by commuting_matrix); random encounters and venue visits stay inside the
  // region but for contacts.travel_share of them (docs/simulation.md "Regions").
  std::uint32_t regions = 1;
  std::vector<double> region_weights;
  double commuter_share = 0.1;
  // Where the commuters work (empty: any other region alike): row r holds the relative
  // weights of the regions where region r's commuters work, its own included (the diagonal:
  // a commuter who works at home). Any non-negative numbers, e.g. the counts of a census
  // origin-destination table of all workers (then commuter_share = 1). regions x regions, at
  // most kMaxMatrixRegions regions.
  std::vector<std::vector<double>> commuting_matrix;
  // The same in sparse form, for many regions (at most population.regions, kMaxFlows
  // entries): [from, to, weight] triples, regions as whole numbers in [0, regions), each
  // (from, to) at most once, a pair not given of weight 0; every region needs a positive
  // weight from it. At most one of commuting_matrix and commuting_flows.
  std::vector<std::vector<double>> commuting_flows;
};

// The most regions a commuting or travel matrix may have (a dense matrix: 10^6 weights).
inline constexpr std::uint32_t kMaxMatrixRegions = 1000;
// The most [from, to, weight] entries of commuting_flows or travel_flows.
inline constexpr std::size_t kMaxFlows = 10'000'000;

struct ContactConfig {
  // Mean links in the recurring school / work / elderly networks, and the fraction of
  // links met on a given day (OpenABM: 10/7/3, 0.5).
  double school_links = 10;
  double work_links = 7;
  double elderly_links = 3;
  double daily_link_fraction = 0.5;
  // Random encounters per day: negative binomial with mean = sd, by child/adult/elderly.
  double random_mean_child = 2;
  double random_mean_adult = 4;
  double random_mean_elderly = 3;
  // Venue visits per person and day, and contacts per visit.
  double shop_visit_probability = 0.15;
  double restaurant_visit_probability = 0.05;
  double event_visit_probability = 0.02;
  double shop_contacts = 1;
  double restaurant_contacts = 2;
  double event_contacts = 4;
  // Household evening block in hours.
  double household_hours_min = 2;
  double household_hours_max = 6;
  // Distance (metres) of non-household contacts ~ Gamma(shape, scale); household ~ Gamma.
  double distance_shape = 1.472;
  double distance_scale = 1.898;
  double household_distance_shape = 2.0;
  double household_distance_scale = 1.0;
  // Random-encounter duration = Pareto(shape) x scale minutes (abesim: 1.51, 5 min).
  double random_duration_pareto_shape = 1.51;
  double random_duration_scale_minutes = 5;
  // Work and school: minutes = min + Exp(mean).
  double link_minutes_min = 10;
  double link_minutes_mean = 45;
  // With several regions (population.regions): the share of random encounters made with
  // anyone in the country, and of venue visits to a venue anywhere (with travel_matrix: in
  // the regions its row names; the rest stay in the person's region).
  double travel_share = 0.1;
  // Where the travellers go (empty: anywhere, as above): row r holds the relative weights of
  // the regions region r's travelling encounters and visits go to, its own included; a
  // travelling encounter joins the destination's pool (it meets the destination's people), a
  // travelling visit goes to the destination's venues. regions x regions, like
  // population.commuting_matrix.
  std::vector<std::vector<double>> travel_matrix;
  // The same in sparse form, [from, to, weight] triples like population.commuting_flows.
  std::vector<std::vector<double>> travel_flows;
};

// Which radio model turns a contact into attenuations (radio.h, docs/simulation.md "Radio").
//  - kClean: the original Lovett curve with mild noise (the "clean" preset, kept for
//    comparison; it reproduces the earlier runs byte for byte).
//  - kCalibrated: environments, carriage, phone-model calibration residuals, orientation,
//    multipath fading, scan duty cycle and missed scans, fitted to published measurements.
enum class RadioModelKind : std::uint8_t { kClean = 0, kCalibrated = 1 };
std::string_view radio_model_name(RadioModelKind kind);
[[nodiscard]] Result<RadioModelKind> radio_model_from_name(std::string_view name);

// Radio environments of the calibrated model: open air, indoors (homes, offices, schools,
// shops), vehicles (bus, tram, train).
inline constexpr std::size_t kRadioEnvironments = 3;
using EnvironmentTable = std::array<double, kRadioEnvironments>;
// Where a phone is carried: in the hand or on a table, in a trouser pocket, in a bag, or
// with the owner's body between it and the other phone.
inline constexpr std::size_t kCarriageStates = 4;
using CarriageTable = std::array<double, kCarriageStates>;

struct RadioConfig {
  RadioModelKind model = RadioModelKind::kCalibrated;

  // --- clean model -------------------------------------------------------------------
  // Lovett et al. 2020: attenuation = tx - (rssi + correction), rssi = -exp(a + b ln d).
  double lovett_intercept = 3.92;
  double lovett_slope = 0.21;
  double rssi_correction_db = 2.398;
  // Per contact: multiplicative log-normal noise on |rssi|.
  double contact_noise_sigma = 0.1;
  // Phone in a pocket or bag (each phone independently).
  double pocket_probability = 0.5;
  double pocket_loss_db = 5;
  // A wall between household members (both models).
  double household_wall_probability = 0.3;
  double wall_loss_db = 10;
  // Per scan: Gaussian jitter, and scans above the limit are missed.
  double scan_noise_sd_db = 3;
  double detection_limit_db = 90;
  // No noise, no losses, every contact is seen by at least one scan (both models).
  bool perfect = false;

  // --- calibrated model (fitted values: docs/simulation.md "Radio calibration") --------
  // Per environment (open air, indoor, vehicle): median attenuation at 1 m between two
  // phones in the hand after GAEN calibration, its change per decade of distance, and the
  // per-contact shadowing (geometry and multipath of that placement), standard deviation.
  EnvironmentTable env_intercept_db{40.1, 44.1, 65.2};
  EnvironmentTable env_slope_db_per_decade{27.7, 16.8, 0.0};
  EnvironmentTable env_shadowing_sd_db{1.1, 3.8, 1.1};
  // Shares of random encounters in each environment (households, workplaces, schools and
  // venues are indoors).
  EnvironmentTable random_environment_shares{0.3, 0.5, 0.2};
  // Carriage (hand/table, pocket, bag, behind the body): share of phones and extra loss.
  CarriageTable carriage_shares{0.35, 0.35, 0.2, 0.1};
  CarriageTable carriage_loss_db{0, 4, 7, 12};
  // Relative orientation of the two phones' antennas, per contact, standard deviation.
  double orientation_sd_db = 1.5;
  // Phone models: how many, and the standard deviation across models of the TX-power and
  // RSSI errors left after GAEN's per-model calibration (tx_power, rssi_correction).
  std::uint32_t phone_models = 20;
  double model_tx_residual_sd_db = 1.5;
  double model_rx_residual_sd_db = 1.5;
  // Per scan: multipath fading (standard deviation of one scan's mean attenuation), a scan
  // the phone skips altogether (OS scheduling, Doze), and the scan duty cycle: a scan
  // listens for scan_window_seconds to advertisements every advertising_interval_ms; one
  // advertisement is received with probability 1/2 at sensitivity_db of attenuation.
  double fading_sd_db = 4.0;
  double missed_scan_probability = 0.1;
  double scan_window_seconds = 4;
  double advertising_interval_ms = 250;
  double sensitivity_db = 88;
  double sensitivity_width_db = 2;
};

// A figure given per 100,000 people (beds, tracers' interviews and calls) for a population
// of `people`, rounded to the nearest whole number.
std::uint64_t per_100k(double figure, std::uint32_t people);

struct DiseaseConfig {
  // Per-contact hazard scale (OpenABM's infectious_rate, normalised by the mean daily
  // contact dose of the population).
  double infectious_rate = 6.0;
  // Infectiousness over days since infection ~ Gamma(mean, sd) (OpenABM 5.5, 2.14).
  double infectious_mean_days = 5.5;
  double infectious_sd_days = 2.14;
  // Incubation ~ Gamma(mean, sd) (OpenABM 5.42, 2.7).
  double incubation_mean_days = 5.42;
  double incubation_sd_days = 2.7;
  AgeTable asymptomatic_fraction{0.456, 0.412, 0.370, 0.332, 0.296, 0.265, 0.238, 0.214, 0.192};
  AgeTable mild_fraction{0.5, 0.5, 0.5, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25};
  AgeTable susceptibility{0.35, 0.69, 1.03, 1.03, 1.03, 1.03, 1.27, 1.52, 1.52};
  double asymptomatic_infectiousness = 0.33;
  double mild_infectiousness = 0.72;
  // Individual variation of infectiousness (OpenABM's sd_infectiousness_multiplier, 1.4 in
  // its default parameters; 0 here: none): each person's infectiousness is multiplied by a
  // draw of Gamma(shape 1 / sd^2, scale sd^2), mean 1 and this standard deviation, drawn once
  // per person (the same at a reinfection). The mean stays 1, so the calibrated hazard does
  // not change; the secondary infections per case become overdispersed (offspring.h).
  double infectiousness_sd = 0;
  double household_weight = 2.0;
  // Dose of one contact = (1 - exp(-minutes / dose_minutes)) / (1 + (d / dose_distance)^2).
  double dose_minutes = 30;
  double dose_distance_m = 1.5;
  std::uint32_t infectious_days = 14;
  std::uint32_t initial_infections = 10;
  // The region the initial infections are drawn in (-1: anywhere; population.regions).
  std::int32_t seed_region = -1;
  // Imported cases (Covasim's n_imports): each day a Poisson number with this mean of
  // susceptible people, drawn anywhere or in imports_region, are infected from outside (no
  // infector; the first variant). 0: none.
  double imports_per_day = 0;
  std::int32_t imports_region = -1;
  // Daily probability of symptoms that are not COVID-19 (lead to tests).
  double false_symptom_rate = 0.002;
  // Severe courses (symptomatic, not mild), OpenABM's structure and default parameters: a
  // share goes to hospital (hospitalised_fraction) some days after symptom onset; of those a
  // share needs intensive care (critical_fraction), and of those a share dies
  // (fatality_fraction); the others are discharged. Delays ~ Gamma(mean, sd) in whole days.
  // In hospital and after death a person meets nobody (OpenABM's
  // hospitalised_daily_interactions 0); on admission a test is ordered.
  // OpenABM sends its severe courses (1 - asymptomatic - mild of all infections) to hospital
  // with 0.001 ... 0.379 by age; mild_fraction here is a share of the symptomatic and so
  // leaves more severe courses, so hospitalised_fraction is OpenABM's share of all
  // infections (0.000011 ... 0.132) divided by this model's severe share: the same
  // hospitalisations per infection by age with the default asymptomatic and mild fractions.
  AgeTable hospitalised_fraction{4.04e-5, 0.000388, 0.00157, 0.0112, 0.0498,
                                 0.0841,  0.143,    0.187,   0.217};
  AgeTable critical_fraction{0.05, 0.05, 0.05, 0.05, 0.063, 0.122, 0.274, 0.432, 0.709};
  AgeTable fatality_fraction{0.33, 0.25, 0.5, 0.5, 0.5, 0.69, 0.65, 0.88, 1.0};
  // Symptom onset to admission (OpenABM gives the mean only: sd = mean assumed here).
  double hospital_mean_days = 5.14;
  double hospital_sd_days = 5.14;
  double critical_mean_days = 2.27;  // admission to intensive care
  double critical_sd_days = 2.27;
  double death_mean_days = 11.74;  // intensive care to death
  double death_sd_days = 8.79;
  double ward_stay_mean_days = 8.75;  // admission to discharge, no intensive care
  double ward_stay_sd_days = 8.75;
  double critical_stay_mean_days = 18.8;  // intensive care to discharge (survivors)
  double critical_stay_sd_days = 12.21;
  // Intensive-care beds per 100,000 people (0: no limit), Covasim's n_beds_icu: a patient
  // who needs intensive care on a day all beds are taken stays on a ward and dies with
  // no_icu_fatality_factor times fatality_fraction (at most 1; Covasim's no_icu_factor 2).
  double icu_beds_per_100k = 0;
  double no_icu_fatality_factor = 2.0;
  // Hospital beds outside intensive care per 100,000 people (0: no limit), Covasim's
  // n_beds_hosp: a patient admitted on a day all are taken stays at home, and a course that
  // would stay on a ward turns critical with no_hospital_critical_factor times
  // critical_fraction (at most 1; Covasim's no_hosp_factor 2).
  double hospital_beds_per_100k = 0;
  double no_hospital_critical_factor = 2.0;
  // Changes of transmission over time, Covasim's change_beta (none by default): [day,
  // factor] pairs with increasing days; from each day on the per-contact hazard of every
  // layer is factor times the calibrated one (1 before the first day): seasonality, masks,
  // a lasting change of behaviour. At most kMaxTransmissionChanges.
  std::vector<std::array<double, 2>> transmission_changes;
  static constexpr std::size_t kMaxTransmissionChanges = 100;
  double transmission_factor(std::uint32_t day) const {
    double f = 1.0;
    for (const auto& [from, factor] : transmission_changes) {
      if (static_cast<double>(day) < from) break;
      f = factor;
    }
    return f;
  }
  // Seasonal forcing (none by default): the per-contact hazard of every layer times
  // 1 + seasonality_amplitude x cos(2 pi (date - peak) / 365.2425 days), highest (1 + A) on
  // day seasonality_peak_day_of_year of each year (1: 1 January) and lowest (1 - A) half a
  // year later, from the calendar date of each simulated day's noon (run.start_unix_seconds).
  // It multiplies the changes above. Gavenciak et al. 2022 (143 European regions) measured
  // an R_t 42.1 % lower at summer's peak than at winter's: (1 - A) / (1 + A) = 0.579, A = 0.267.
  double seasonality_amplitude = 0;
  std::uint32_t seasonality_peak_day_of_year = 1;
  // The seasonal factor of the day that contains unix_seconds' time (1 without seasonality).
  double seasonal_factor(std::int64_t unix_seconds) const;
  // The same per contact layer (Covasim's change_beta with layers: masks outside the home,
  // schools closed to transmission): [day, household, school/work, random, venue] with
  // increasing days; from each day on each layer's hazard is its factor times the one above
  // (1 before the first day). At most kMaxTransmissionChanges. school/work includes the
  // elderly day groups; the hospital and care-home layers keep their own transmission_factor
  // (none of these four).
  std::vector<std::array<double, 5>> transmission_changes_by_layer;
  std::array<double, 4> layer_factors(std::uint32_t day) const {
    std::array<double, 4> f{1.0, 1.0, 1.0, 1.0};
    for (const auto& change : transmission_changes_by_layer) {
      if (static_cast<double>(day) < change[0]) break;
      f = {change[1], change[2], change[3], change[4]};
    }
    return f;
  }
};

struct TestingConfig {
  // Of people with symptoms, the fraction who isolate (with their household, for
  // symptom_isolation_days) and order a test.
  double symptom_isolation = 0.8;
  std::uint32_t symptom_isolation_days = 7;
  bool household_isolation = true;
  std::uint32_t order_delay_days = 1;
  std::uint32_t result_delay_days = 1;
  double sensitivity = 0.8;
  std::uint32_t sensitive_from_day = 3;  // days since infection
  std::uint32_t sensitive_to_day = 14;
  double specificity = 0.999;
  std::uint32_t isolation_days = 10;      // after a positive test (and the household)
  double isolation_adherence = 0.9;       // after a positive test
  double isolation_daily_dropout = 0.02;  // everyone isolating or quarantined
  // Samples a day per 100,000 people (0: no limit; Covasim's test_num): the day's samples
  // beyond it wait, first come first served, and a sample that has waited max_wait_days
  // days is given up (docs/simulation.md "Disease, testing and behaviour").
  double tests_per_day_per_100k = 0;
  std::uint32_t max_wait_days = 3;
  // With several regions, each region its own daily samples (tests_per_day_per_100k of its
  // people) and its own queue: test sites are local, and a region's spare tests do not serve
  // another's waiting. false (the default): one national pool.
  bool capacity_by_region = false;
  // Screening (0: none, the default): each day every person alive, out of hospital, without a
  // positive result and without a test pending gives a sample with probability
  // screening_per_day_per_100k / 100,000 (a draw of person and day), tested as any other
  // (within a test capacity, in the queue with the day's other samples); mass or workplace
  // testing of people without symptoms.
  double screening_per_day_per_100k = 0;
  // The screening test's own sensitivity (within sensitive_from_day..sensitive_to_day),
  // specificity and result delay: by default the values of the other tests, to be set for a
  // rapid antigen test (less sensitive, its result the same day: delay 0).
  double screening_sensitivity = 0.8;
  double screening_specificity = 0.999;
  std::uint32_t screening_result_delay_days = 1;
};

// Risk scoring on the phone (CWA v2; reference/gaen.md 4c). Attenuation buckets are
// [0, t0), [t0, t1), [t1, t2), [t2, inf).
struct RiskConfig {
  std::array<double, 3> attenuation_thresholds_db{63, 73, 79};
  std::array<double, 4> attenuation_weights{0.8, 1.0, 0.1, 0.0};
  // A window is dropped if its minutes below min_minutes_attenuation_db are fewer than this.
  double min_window_minutes = 5;
  double min_minutes_attenuation_db = 79;
  // TRL = infectiousness offset + report-type offset; TRL <= drop_trl_at_most is dropped.
  std::uint32_t drop_trl_at_most = 2;
  double trl_multiplier = 0.2;
  // Days since onset -14..14 -> 0 NONE, 1 STANDARD, 2 HIGH.
  std::array<std::uint8_t, 29> dsos_infectiousness{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2,
                                                   2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  std::uint8_t infectiousness_when_dsos_missing = 1;
  double high_threshold_minutes = 13;  // per-day sum of normalised minutes
  std::uint32_t max_encounter_age_days = 10;
  // No longer used, kept so that the config files written before read: it must stay 10. A
  // venue warning keeps the phone YELLOW as the client's colour rule does (kVenueWarning:
  // colour.low_risk_days, which is max_encounter_age_days, full days after the visit).
  std::uint32_t venue_warning_days = 10;
};

struct AppConfig {
  double uptake = 0.72;  // fraction of people with the app
  // Uptake by age group, relative: a person of age group g runs the app with probability
  // min(1, uptake x uptake_by_age[g]) (all 1: the same for every age). OpenABM's smartphone
  // profile (app_users_fraction 0.09 ... 0.32 by age) normalised to this population's ages is
  // [0.135, 1.204, 1.46, 1.445, 1.414, 1.294, 1.053, 0.722, 0.482] (docs/simulation.md).
  AgeTable uptake_by_age{1, 1, 1, 1, 1, 1, 1, 1, 1};
  // Uptake by region (population.regions values, relative, times uptake_by_age's; empty:
  // the same everywhere): a person of region r runs the app with probability
  // min(1, uptake x uptake_by_region[r] x uptake_by_age[g]).
  std::vector<double> uptake_by_region;
  // The app's launch day (OpenABM's app_turn_on_time): before it the app users' phones do
  // nothing (no broadcast, record, check-in, colour, upload or chaff); their keys start then.
  std::uint32_t start_day = 0;
  // Gradual uptake after the launch: each app user starts on a day drawn uniformly from
  // [start_day, start_day + ramp_days) (0: everyone on start_day). Before a phone's own first
  // day it does what a phone does before the launch: nothing.
  std::uint32_t ramp_days = 0;
  // With ramp_days: the share of the app users who start on the launch day, the others
  // evenly over the ramp (the launch day included; a draw per person; 0: all evenly).
  // Germany's Corona-Warn-App: 6.45 M downloads by the day after its launch (2020-06-16),
  // 12.2 M after a week, 15 M after three (BMG, RKI): over 40 % of three weeks' users came on
  // the first day.
  double ramp_launch_share = 0;
  // Users who give the app up: from its first day on, each day a phone that ran the app the
  // day before stops with this probability (a constant hazard: on average 1 / dropout_per_day
  // days of use; 0: nobody stops). A stopped phone does what a phone does before its first
  // day: nothing (no broadcast, record, check-in, colour, notification, upload or chaff), and
  // its records are gone with the app.
  double dropout_per_day = 0;
  double upload_consent = 0.72;  // positive app users who upload (NHS: 72 %)
  // Days from a positive result to the upload (0: the result's day, at 12:00): the health
  // authority's code reaching the user and the user entering it (Canada's COVID Alert: a
  // one-time key from a public-health call; England's NHS app: a test booked elsewhere needs
  // a code). At most 14. The consent is the result day's draw; a phone stopped or a user dead
  // by then does not upload. The upload holds the 14 days' keys before its own day, so a
  // delay drops the oldest days. The phone is RED from the result's day on either way.
  std::uint32_t upload_delay_days = 0;
  // With upload_delay_days: the share of consenting positive users who upload on the result's
  // day all the same, the others that many days later (a draw per result). England's NHS app:
  // the result of a test booked through the app reaches it by itself; a test booked elsewhere
  // needs a code.
  double upload_same_day_share = 0;
  // With upload_delay_days: the late uploaders' delay spread over whole days, each of
  // max(1, upload_delay_days - spread) .. upload_delay_days + spread equally likely (a draw per
  // result; 0: all of them upload_delay_days). upload_delay_days + spread is at most 14.
  std::uint32_t upload_delay_spread_days = 0;
  // The first and the last day after the result a late upload may come (with
  // upload_delay_days > 0).
  std::uint32_t shortest_upload_delay() const {
    return upload_delay_days > upload_delay_spread_days
               ? upload_delay_days - upload_delay_spread_days
               : 1;
  }
  std::uint32_t longest_upload_delay() const {
    return upload_delay_days + upload_delay_spread_days;
  }
  // Uploads on reported symptoms (0: none, only positive results upload): the share of app
  // users with symptoms (of an infection or false ones) who report them in the app on the
  // day they start and upload their keys (with upload_consent, after upload_delay_days like a
  // result) as a self-report, the health authority's verification server issuing the code
  // (Google's EN Express "user-report"). The phones weigh a self-report's keys with the
  // report-type offset 2 instead of a confirmed test's 6 (TRL, risk.trl_multiplier), and its
  // days since onset count from the reported day. Nobody reports again within 14 days, and a
  // positive result within 14 days of a report uploads nothing more (the keys are out).
  // OpenABM's trace_on_symptoms (the app_sym scenario, reference/sim.md).
  double symptom_report_share = 0;
  // Revoke a symptom self-report on a negative test (false, the default; needs
  // symptom_report_share): a self-reporter books a test on the day of the report (the app
  // asks it to), and a negative result of a sample taken from that day on, within 14 days of
  // the report, revokes the upload's keys (GAEN's REVOKED report type: the health
  // authority's negative test turns the self-report's keys into revoked ones, and Google's
  // key server exports them as revised keys). Phones drop the revoked keys' exposure
  // windows at their next sync and recompute their colour; a user whose RED falls away is
  // told the warning was withdrawn and ends the quarantine it began on the notification.
  // A self-report still waiting for its delayed upload is not uploaded. OpenABM's
  // test_release_on_negative for the app's traced contacts. Only the in-memory publisher
  // revises keys (greenlight's upload API has no revision: `--server none`).
  bool revoke_on_negative = false;
  // Upgrade a symptom self-report on a positive test (false, the default; needs
  // symptom_report_share): a self-reporter books a test on the day of the report, and a
  // positive result within 14 days of the report turns the upload's keys into a confirmed
  // test's (GAEN's revision, as Google's key server allows from user-report to confirmed;
  // the days since onset stay the report's). Phones score the keys again with the confirmed
  // test's weight; a phone whose colour rises notifies its user. A self-report still waiting
  // for its delayed upload goes out as a confirmed test. Without it such a result uploads
  // nothing (the self-report's keys are out). Only the in-memory publisher revises.
  bool upgrade_on_positive = false;
  double checkin_probability = 0.6;
  // Behaviour on the colours.
  double red_isolation_adherence = 0.7;
  std::uint32_t red_isolation_days = 10;
  bool household_isolation_on_red = false;  // the household quarantines with a RED phone
  // Count the RED quarantine (red_isolation_days, and red_release_test_day's day) from the
  // last day of high-risk exposure the phone found, not from the notification (false, the
  // default): England's and Germany's contacts quarantined 10 days after the contact. A
  // quarantine over by the notification is not kept (the test is still ordered).
  bool red_quarantine_from_exposure = false;
  // Daily contact testing instead of quarantine (0: quarantine for red_isolation_days): a RED
  // phone's user who follows the advice (red_isolation_adherence) does not isolate but takes
  // a self-test each day for this many days from the notification's (at most 14), read the
  // same day, with the screening test's sensitivity and specificity, and outside the test
  // capacity; a positive one is a positive result (isolation, upload). No self-test while
  // another test is pending. England's daily contact testing (Young et al. 2021, Lancet
  // 398:1217: 7 days of lateral flow tests for school contacts, not inferior to isolation).
  std::uint32_t red_daily_test_days = 0;
  // Who follows the advice to self-test daily (-1: red_isolation_adherence, as for the
  // quarantine), on the same draw.
  double red_daily_test_adherence = -1;
  // Test to end the quarantine early (0: none): a RED contact in quarantine gives a sample (a
  // laboratory test with the ordinary test's figures, within the test capacity) on this day
  // of its quarantine (day 0: the notification's, or with red_quarantine_from_exposure the
  // exposure's), or on the first day after it with no test pending, and a negative result of
  // a sample taken from that day on ends its quarantine, unless it isolates for another
  // reason until later (symptoms, a positive result, a household member's, a quarantine
  // without such a test); its household's quarantine (household_isolation_on_red) runs on. Below
  // red_isolation_days; not with red_daily_test_days. The Netherlands from December 2020: a test on
  // day 5 after the contact ends the 10 days of quarantine (cf. OpenABM's
  // test_release_on_negative).
  std::uint32_t red_release_test_day = 0;
  double red_test_probability = 0.8;
  double yellow_test_probability = 0.5;
  // Fake uploads per phone and day (the client's ChaffScheduler: mean interval 3 days). They
  // change nothing in the epidemic; `sim compare` reports what they hide (scenario.h).
  double chaff_per_day = 1.0 / 3;
  RiskConfig risk;
};

// A centralised health code on the same population (docs/simulation.md "Scenarios: greenlight
// against a centralised health code"): the system knows where every covered phone is and
// every test result, and colours people centrally. Modelled on the Chinese health-code
// systems under the 9th edition of the national protocol (2022).
struct HealthCodeConfig {
  bool enabled = false;
  // Shadow mode: the code decides every colour but nobody acts on it (no quarantine, no test
  // order), so its rules can be judged on another arm's epidemic (ScenarioMetrics::shadow_code).
  bool shadow = false;
  // Share of people whose phone the system tracks. The same per-person draw as app users
  // (coverage = app.uptake covers exactly the people who would run the app), on the app's
  // days (app.start_day, ramp_days, dropout_per_day: the same draws).
  double coverage = 0.72;
  // A confirmed case is RED; its close contacts are everyone it met (any distance, any
  // duration: location data cannot tell 1 m from 50 m) from trace_days_before days before
  // its symptom onset (or sample) until the day before the result: RED for red_days (7 days of
  // central quarantine and 3 of home monitoring), enforced with red_adherence, and tested.
  std::uint32_t trace_days_before = 4;
  std::uint32_t red_days = 10;
  double red_adherence = 1.0;
  // Household members of close contacts (secondary contacts): YELLOW, home quarantine.
  std::uint32_t secondary_days = 7;
  // Spatiotemporal companions: people at the same venue on the same day as a case within
  // companion_lookback_days: YELLOW for companion_days, tested, and at home (the code is
  // checked at every door: barred from public places, and in this model from work and
  // school too) with yellow_adherence. Secondary contacts are tested as well.
  std::uint32_t companion_days = 3;
  std::uint32_t companion_lookback_days = 14;
  // YELLOW is checked at every door: the share of YELLOW people who stay home.
  double yellow_adherence = 1.0;
};

// The relay (wormhole) adversary of attack A2 (docs/security-tests.md): receivers at
// relay_venue_share of the venues record the RPIs of the app users who visit, and a
// transmitter replays each recording relay_delay_minutes later to relay_victims app users
// elsewhere, at relay_attenuation_db, for the length of the visit (at most
// relay_max_minutes). Phones accept an RPI only within +-2 hours of its interval.
struct AdversaryConfig {
  double relay_venue_share = 0;  // 0: no relay
  double relay_delay_minutes = 30;
  std::uint32_t relay_victims = 5;
  double relay_attenuation_db = 55;
  std::uint32_t relay_max_minutes = 60;
};

// A lockdown (OpenABM's lockdown_on / lockdown_elderly_on, docs/simulation.md "Lockdown"):
// for `days` days from start_day everyone, and for elderly_days days from elderly_start_day
// people aged 70+ (shielding), keep school_work_multiplier of their school and work links'
// daily meetings (a link is met less when either person is locked down), random_multiplier
// of their random encounters and venue_multiplier of their venue visits; during the
// everyone-lockdown a household contact's hazard is household_multiplier times its usual.
// Multipliers are OpenABM's defaults (venues, which OpenABM has not, take the random
// network's). No lockdown by default (0 days, no trigger).
// With trigger_incidence > 0 everyone is also locked down from the day after the positive
// tests of the last 7 days reach trigger_incidence per 100,000 people, until the day after
// they fall below release_fraction x trigger_incidence (as often as that happens); with
// trigger_admissions > 0 the same with the last 7 days' hospital admissions (with both, either
// triggers, and the release needs both below). A triggered lockdown lasts at least min_days
// days. With `regional` (and several regions, population.regions) the triggers are each
// region's own: a region's people are locked down on its positive tests or admissions of the
// last 7 days per 100,000 of its people, released as above (the scheduled windows still lock
// everyone down).
struct LockdownConfig {
  std::uint32_t start_day = 0;
  std::uint32_t days = 0;
  // 0: the window once; otherwise it starts again every repeat_every_days days (more than
  // `days`: a "circuit breaker" cadence).
  std::uint32_t repeat_every_days = 0;
  double trigger_incidence = 0;
  double trigger_admissions = 0;
  double release_fraction = 0.5;
  std::uint32_t min_days = 0;
  bool regional = false;
  std::uint32_t elderly_start_day = 0;
  std::uint32_t elderly_days = 0;
  double school_work_multiplier = 0.22;
  double random_multiplier = 0.22;
  double venue_multiplier = 0.22;
  double household_multiplier = 1.5;
  // More scheduled windows for everyone, [first, last] days (both included), beside the one
  // above: an irregular series (a country's successive lockdowns). At most kMaxWindows.
  std::vector<std::array<std::uint32_t, 2>> windows;
  static constexpr std::size_t kMaxWindows = 100;
  // School closures, [first, last] days (both included), at most kMaxWindows: on those days
  // children meet none of their school links (the school network's); households, work and
  // elderly links, random encounters and venue visits go on as they would.
  std::vector<std::array<std::uint32_t, 2>> schools_closed;

  // A lockdown triggered by positives or admissions.
  bool triggered() const { return trigger_incidence > 0 || trigger_admissions > 0; }
  // A scheduled window for everyone (start_day and days, or windows).
  bool scheduled() const { return days > 0 || !windows.empty(); }
  // The scheduled windows (a triggered lockdown is decided during the run).
  bool everyone_on(std::uint32_t day) const {
    for (const auto& w : windows) {
      if (day >= w[0] && day <= w[1]) return true;
    }
    if (day < start_day) return false;
    const std::uint32_t k = day - start_day;
    return (repeat_every_days > 0 ? k % repeat_every_days : k) < days;
  }
  bool elderly_on(std::uint32_t day) const {
    return day >= elderly_start_day && day - elderly_start_day < elderly_days;
  }
  bool schools_closed_on(std::uint32_t day) const {
    for (const auto& w : schools_closed) {
      if (day >= w[0] && day <= w[1]) return true;
    }
    return false;
  }
};

// Manual contact tracing (OpenABM's manual_trace_* parameters and defaults, docs/simulation.md
// "Manual tracing"): from start_day, every positive test result makes its person an index
// case whom a tracer interviews delay_days later at the earliest, in the order of the
// results, as far as the day's interviews allow (workers_per_100k x interviews_per_worker_day
// per 100,000 people; left-over cases wait for the next day). The case recalls each of its
// contacts of the trace_days days before the interview with the fraction of its layer
// (drawn once per contact, on the day of the contact); tracers call the recalled people, as
// many a day as notifications_per_worker_day allow (the rest wait), except those tested
// positive, dead, or already in a traced quarantine. A called person quarantines for
// quarantine_days with probability quarantine_compliance (daily drop-out as everyone's,
// testing.isolation_daily_dropout) and orders a test with probability test_probability.
// Backward tracing (backward_days > 0): the case also names the contacts it recalls from the
// backward_days days before that window, to find its infector and the others infected with
// it (Raymenants et al. 2022 went 5 days further back); they are called after the case's
// other names and act alike. With quarantine_from_meeting a called person's quarantine ends
// quarantine_days after its last recalled meeting with the case (the NHS's rule), not after
// the call (OpenABM's); one whose quarantine would be over already is only asked to test.
// Guest lists (guest_lists, by venue kind: shops, restaurants, event halls; none by
// default): source investigation at venues. The case names every venue it visited in its
// window (forward and backward days); the tracers ask the venue for its list of that day,
// and everyone else whose visit overlapped the case's in time and who is on the list
// (that share of visits, drawn once per visit) is named as a recalled contact would be.
// Off by default. With lists_last the names from a list only wait in a queue of their own,
// called after every recalled name (forward and backward; the RKI's contact categories let
// offices put the close contacts first). With call_within_days > 0 the tracers give up a
// name whose last meeting with the case was call_within_days or more days before its turn
// (its quarantine would be nearly over); 0, the default, calls every name however late
// (OpenABM).
// Self-notification (self_notify_after_days > 0; off by default): a case still waiting for
// its interview self_notify_after_days days after its positive result is taken off the
// interview queue and informs the contacts it recalls from the trace_days days before
// itself (each with probability self_notify_reach): they act as called ones (quarantine,
// test) that day, at no tracer's cost; the case names no guest list and nobody backward
// (the German states' appeal of 2022 to inform one's own contacts when the offices cannot).
struct ManualTracingConfig {
  bool enabled = false;
  std::uint32_t start_day = 0;               // manual_trace_time_on
  std::uint32_t delay_days = 1;              // manual_trace_delay
  double workers_per_100k = 30;              // manual_trace_n_workers 300 for its 1,000,000 people
  double interviews_per_worker_day = 6;      // manual_trace_interviews_per_worker_day
  double notifications_per_worker_day = 12;  // manual_trace_notifications_per_worker_day
  std::uint32_t trace_days = 7;              // quarantine_days (contacts of the last 7 days)
  // Recalled share of contacts by layer: household, school/work, random, venue
  // (manual_traceable_fraction household / occupation / random; venues, which OpenABM has
  // not, take the random network's).
  std::array<double, 4> traceable_fraction{1.0, 0.8, 0.05, 0.05};
  std::uint32_t quarantine_days = 14;  // quarantine_length_traced_positive
  double quarantine_compliance = 0.9;  // quarantine_compliance_traced_positive
  double test_probability = 0.8;       // test_on_traced_positive_compliance
  std::uint32_t backward_days = 0;     // 0: forward only (OpenABM)
  bool quarantine_from_meeting = false;
  // Share of visits on a usable guest list: shops, restaurants, event halls (0: no list).
  std::array<double, 3> guest_lists{0.0, 0.0, 0.0};
  bool lists_last = false;                   // names from a list only after the recalled
  std::uint32_t call_within_days = 0;        // 0: no limit
  std::uint32_t self_notify_after_days = 0;  // 0: never (else at least delay_days)
  double self_notify_reach = 1;              // share of its recalled contacts a case informs
  // Daily contact testing instead of quarantine (0: quarantine): a called person who complies
  // takes a self-test each day for this many days from the call's (at most 14), as a RED
  // contact does with app.red_daily_test_days (HealthPhase::test_daily).
  std::uint32_t daily_test_days = 0;
  // Who follows the advice to self-test daily (-1: quarantine_compliance, as for the
  // quarantine), on the same draw, as app.red_daily_test_adherence.
  double daily_test_adherence = -1;
  // Test to end the quarantine early (0: none): a called person in quarantine is tested on
  // this day of its quarantine (counted from the day the quarantine counts from: the call's,
  // or with quarantine_from_meeting the meeting's) as a RED contact is with
  // app.red_release_test_day. Below quarantine_days; not with daily_test_days.
  std::uint32_t release_test_day = 0;

  bool guest_lists_on() const {
    return guest_lists[0] > 0 || guest_lists[1] > 0 || guest_lists[2] > 0;
  }
  // Interviews and calls a day for a population of `people`: per_100k of workers_per_100k x
  // the per-worker figure.
  std::uint64_t interviews_per_day(std::uint32_t people) const;
  std::uint64_t notifications_per_day(std::uint32_t people) const;
};

// Vaccination (off by default: people_per_day_per_100k 0; docs/simulation.md "Vaccination"):
// from start_day, people_per_day_per_100k people a day (per_100k) start their vaccination,
// among those willing (uptake_by_age, drawn once per person), the oldest age group first
// (oldest_first; within a group, and without it, in an order drawn from the seed); the dead
// are skipped. A vaccinated person is protected from days_to_protect days after that day on,
// for the rest of the run, by one draw v per person: v < efficacy_infection: never infected;
// otherwise, if infected, the course is asymptomatic when v < efficacy_symptoms, and never
// admitted to hospital when v < efficacy_severe. So each efficacy is the cut in the risk of
// its outcome for a protected person (needs efficacy_infection <= efficacy_symptoms <=
// efficacy_severe). Defaults: BNT162b2 7 or more days after the second dose, 21 days after
// the first (Dagan et al. 2021, NEJM 384:1412): documented infection 0.92, symptomatic 0.94;
// against hospital the symptomatic figure (its 0.87 against hospitalisation, 95 % CI
// 0.55-1.00, lies below 0.94 within its interval).
struct VaccinationConfig {
  double people_per_day_per_100k = 0;
  std::uint32_t start_day = 0;
  // Share willing by age group (decades, 80+ last): none under 10 (BNT162b2's first
  // authorisations were for 12 or 16 and older), everyone else; a neutral default, not a
  // measured uptake.
  AgeTable uptake_by_age{0, 1, 1, 1, 1, 1, 1, 1, 1};
  bool oldest_first = true;
  std::uint32_t days_to_protect = 28;
  double efficacy_infection = 0.92;
  double efficacy_symptoms = 0.94;
  double efficacy_severe = 0.94;
  // Each efficacy (full course, first dose, waned, escaped) times this factor of the
  // person's age group (decades, 80+ last; each in [0, 1]; all 1, the default: the same for
  // every age). Read as the person's draw v divided by the factor, so its protections stay
  // nested. Estimates for the oldest differ: two doses of BNT162b2 in Israel, 85 and older:
  // infection 94.1 %, symptomatic 96.6 % (Haas et al. 2021); in Bavaria, 80 and older:
  // infection 68.3 %, hospitalisation 73.2 % (Gomes et al. 2021).
  AgeTable efficacy_factor_by_age{1, 1, 1, 1, 1, 1, 1, 1, 1};
  // Protection between the doses (0: none, the default): from first_dose_protect_days after
  // the dose until days_to_protect, the same draw v against the first dose's efficacies
  // (each at most the full one, so protection only grows). Dagan et al. 2021, days 14-20
  // after the first dose: documented infection 0.46, symptomatic 0.57, hospitalisation 0.74.
  std::uint32_t first_dose_protect_days = 0;
  double first_dose_efficacy_infection = 0.46;
  double first_dose_efficacy_symptoms = 0.57;
  double first_dose_efficacy_severe = 0.74;
  // Waning (0: none, the default): from days_to_protect on, the efficacies against infection
  // and symptoms are multiplied by 0.5^(days since / waning_half_life_days), read with the
  // person's same draw, while the protection from severe disease stays (Chemaitelly et al.
  // 2021, NEJM 385:e83: against infection 77.5 % in the first month after the second dose,
  // about 20 % in months 5-7, against severe disease about 95 % for six months: an
  // exponential through the first two gives a half-life of about 84 days).
  double waning_half_life_days = 0;
  // Boosters (0: none, the default): a vaccinated person takes a booster booster_after_days
  // after the first dose with probability booster_uptake (drawn once per person), if alive;
  // from booster_protect_days after it the full course's protection starts again (with the
  // same draw v; with waning, it wanes again from then). Bar-On et al. 2021 (NEJM 385:1393,
  // BNT162b2 boosters in Israel at least five months after the second dose) measured from
  // 12 days after the booster.
  std::uint32_t booster_after_days = 0;
  double booster_uptake = 1;
  std::uint32_t booster_protect_days = 12;

  bool enabled() const { return people_per_day_per_100k > 0; }
  // The efficacies between the doses as a configuration of their own (vaccine_protection).
  VaccinationConfig first_dose() const {
    VaccinationConfig c = *this;
    c.efficacy_infection = first_dose_efficacy_infection;
    c.efficacy_symptoms = first_dose_efficacy_symptoms;
    c.efficacy_severe = first_dose_efficacy_severe;
    return c;
  }
};

// A second variant (off by default: imports 0; docs/simulation.md "Disease, testing and
// behaviour"): on day `day`, `imports` susceptible people (drawn from the seed) are infected
// with it; it spreads as the first with relative_transmissibility times the infectiousness;
// every infection passes on its infector's variant; one infection per person (an infection
// with either protects from both). Default: Covasim's alpha (rel_beta 1.67, Davies et al.
// 2021: 43-90 % more transmissible).
//
// Escape from the vaccine (0, none, by default): against the variant each of the vaccine's
// efficacies, the full course's and the first dose's, is (1 - escape) times its value, read
// with the person's same draw (so whoever the vaccine protects from the variant it protects
// from the first one too); the results must stay nested as the vaccine's (validated).
struct VariantConfig {
  std::uint32_t day = 0;
  std::uint32_t imports = 0;
  double relative_transmissibility = 1.67;
  double vaccine_escape_infection = 0;
  double vaccine_escape_symptoms = 0;
  double vaccine_escape_severe = 0;

  // Escape from the immunity an infection with the first variant left (0, none, by
  // default; without immunity.reinfection it changes nothing): against this variant its
  // efficacies are (1 - escape)
  // times immunity.efficacy_*, read with the same draw, nested as them (validated).
  // Chemaitelly et al. 2022 (J Travel Med 29:taac109): a pre-Omicron infection protected
  // 85.5 % from a pre-Omicron reinfection, 38.1 % from an Omicron one (escape 0.55), and
  // 97.3 % from a severe reinfection whatever the variant (escape 0).
  double immunity_escape_infection = 0;
  double immunity_escape_symptoms = 0;
  double immunity_escape_severe = 0;

  bool enabled() const { return imports > 0; }
  bool escapes_immunity() const {
    return enabled() && (immunity_escape_infection > 0 || immunity_escape_symptoms > 0 ||
                         immunity_escape_severe > 0);
  }
  bool escapes_vaccine() const {
    return enabled() && (vaccine_escape_infection > 0 || vaccine_escape_symptoms > 0 ||
                         vaccine_escape_severe > 0);
  }
  // The vaccination `v` as it acts against this variant.
  VaccinationConfig against(const VaccinationConfig& v) const {
    VaccinationConfig c = v;
    c.efficacy_infection *= 1 - vaccine_escape_infection;
    c.efficacy_symptoms *= 1 - vaccine_escape_symptoms;
    c.efficacy_severe *= 1 - vaccine_escape_severe;
    c.first_dose_efficacy_infection *= 1 - vaccine_escape_infection;
    c.first_dose_efficacy_symptoms *= 1 - vaccine_escape_symptoms;
    c.first_dose_efficacy_severe *= 1 - vaccine_escape_severe;
    return c;
  }
};

// Immunity after an infection (docs/simulation.md "Reinfection"). Off by default
// (reinfection false): an infection protects for life from both variants. On: once the
// course is over (infectious_days after the infection, and out of hospital) the person is
// protected by one draw u per infection, nested all-or-nothing as a vaccine's protection: u
// < efficacy_infection never infected, otherwise an asymptomatic course for u <
// efficacy_symptoms, never admitted to hospital for u < efficacy_severe; with
// waning_half_life_days (0: no waning) the efficacies against infection and symptoms are
// multiplied by 0.5^(days since the course ended / half-life), the one against severe
// disease stays. With a vaccine as well, the better of the two protections counts.
// Defaults from Chemaitelly et al. 2022 (J Travel Med 29:taac109, Qatar, pre-Omicron
// infections): 85.5 % against reinfection, 97.3 % against severe, critical or fatal
// reinfection with no waning; symptoms as infection (the study gives no separate figure); an
// exponential through 85.5 % and the 50 % of their fit in the 22nd month halves in about
// 850 days.
struct ImmunityConfig {
  bool reinfection = false;
  double efficacy_infection = 0.855;
  double efficacy_symptoms = 0.855;
  double efficacy_severe = 0.973;
  double waning_half_life_days = 850;

  // The efficacies against a variant that escapes them by the given factors.
  ImmunityConfig escaped(double infection, double symptoms, double severe) const {
    ImmunityConfig c = *this;
    c.efficacy_infection *= 1 - infection;
    c.efficacy_symptoms *= 1 - symptoms;
    c.efficacy_severe *= 1 - severe;
    return c;
  }
};

// Infections in hospital (off by default: staff_per_100k 0; docs/simulation.md "Infections
// in hospital"), after OpenABM's hospital module. staff_per_100k people (per_100k) staff the
// wards: working people (Network::kWork) drawn per region, in proportion to its people; they
// keep their household, workplace and random contacts. Each day each patient in hospital
// meets ward_contacts (in intensive care icu_contacts) of the staff of its region who are at
// work that day (not isolating, in hospital or dead; the whole country's when its region has
// none), drawn with replacement; a contact's minutes and distance are a workplace contact's,
// and its transmission is multiplied by transmission_factor (Layer::kHospital). Manual
// tracers do not trace these contacts (care in protective equipment is no contact), and with
// app_paused_at_work the staff's phones do not record them (the NHS asked its staff to pause
// the app at work). Defaults: OpenABM's hospital parameters: a ward patient needs 1 doctor
// and 3 nurse interactions a day, an intensive-care patient 3 and 6; its wards (40 x 30
// beds with 5 doctors and 10 nurses, 10 x 10 intensive-care beds with 3 and 6) have 690
// staff, 69 per 100,000 of its 1,000,000 people; a member of staff has at most 20 such
// interactions a day (max_hcw_daily_interactions): when a pool's patients need more than
// max_staff_contacts per member at work, every patient's contacts are scaled down to fit
// (rounded at random); patients' infectiousness in hospital x 0.5 (general and
// icu_infectivity_modifier) times the relative transmission of a doctor's or nurse's
// contact, 0.7-0.9, about 0.8: 0.4.
struct HospitalConfig {
  double staff_per_100k = 0;
  std::uint32_t ward_contacts = 4;
  std::uint32_t icu_contacts = 9;
  std::uint32_t max_staff_contacts = 20;
  double transmission_factor = 0.4;
  bool app_paused_at_work = true;
  // Regular testing of staff (0: none): each member of staff tests every staff_test_every_days
  // days (on its own days: an offset drawn per member), when at work (not at home, in
  // hospital or dead), without a positive result and without a test pending; with the
  // screening test (testing.screening_sensitivity, _specificity, _result_delay_days) and
  // within a test capacity as any sample; counted in DailyStats::screening_samples. The
  // NHS tested its patient-facing staff twice a week with lateral-flow tests (3 or 4 days).
  std::uint32_t staff_test_every_days = 0;
};

// Care homes for older people (off by default: residents_per_100k 0; docs/simulation.md
// "Care homes"). residents_per_100k people of each region (per_100k) live in care homes:
// the oldest first (80+, then 70-79, drawn at random within an age group from a stream of
// their own), each taken out of its household into one of its own (so a resident meets
// nobody of its former household, and household rules such as isolating together leave the
// two apart), in homes of residents_per_home (a region's residents in person order, cut in
// turn; the last home of a region may be smaller). Residents meet nobody outside their home
// (no school, work, random encounter or venue visit). Each home has round(staff_per_resident
// x its residents) staff, working people (Network::kWork) of its region who are not hospital
// staff, drawn per home; they keep their household, workplace and random contacts. Each day
// every resident in the home (not in hospital, not dead) meets on average resident_contacts
// other residents of the home (proposed by either side: Poisson(resident_contacts / 2) each;
// not a resident who isolates: it stays in its room) and staff_contacts of the home's staff
// at work that day (not isolating, in hospital or dead), drawn with replacement. A contact's
// minutes and distance are a workplace contact's, its transmission is multiplied by
// transmission_factor (Layer::kCareHome), and manual tracers recall it with the school/work
// layer's traceable fraction. With app_paused_at_work the staff's phones do not record the
// residents (the NHS app's advice to social care workers wearing medical-grade PPE; the
// residents' contacts with each other are recorded). Defaults: 32 residents a home and 1.5
// staff a resident (VIVALDI survey of England's 9,081 care homes for older people, May-June
// 2020: 293,301 residents, 441,498 staff); 4 + 6 contacts, 10 a day in all: Covasim's
// long-term care layer's 10; transmission_factor 0.25 puts the residents infected over a
// 200-day epidemic near the 40 % found in London care homes with an outbreak (Ladhani et al.
// 2020, Graham et al. 2020; docs/simulation.md "Care homes": hand-fitted, not estimated).
struct CareHomeConfig {
  double residents_per_100k = 0;
  std::uint32_t residents_per_home = 32;
  double staff_per_resident = 1.5;
  double resident_contacts = 4;
  std::uint32_t staff_contacts = 6;
  double transmission_factor = 0.25;
  bool app_paused_at_work = true;
  // Regular testing of the care homes' staff (0: none), as hospital.staff_test_every_days.
  std::uint32_t staff_test_every_days = 0;
  // Regular testing of the residents (0: none): each resident every that many days, on its
  // own days, unless in hospital, positive or waiting for a test or result (isolating in its
  // room does not stop it). England from July 2020: staff weekly, residents every 28 days
  // (GOV.UK press release, July 2020: "Regular retesting rolled out for care home staff and
  // residents").
  std::uint32_t resident_test_every_days = 0;
  // Frailty (0: none): a resident's symptomatic course that is never admitted to hospital
  // (drawn as anyone's of its age) ends in death at home with this probability
  // (DiseaseModel::die_at_home), before a vaccine's protection from severe disease. Residents
  // died more often than people of their age at home: 24.9 % of the PCR-positive residents
  // of a Spanish cohort of 8,021, 16 % within 14 days in Ladhani et al.'s London homes; 0.25
  // makes this model's 9 % of infected residents dying about 25 % (hand-fitted).
  double death_in_home = 0.25;
  // Visits (0: none, the default, as under the visitor bans of 2020): each day each resident
  // there and not isolating has a visit with probability visits_per_week / 7 from one member
  // of the household it left (drawn per visit; none when nobody stayed there), unless that
  // member isolates, is in hospital or is distanced by a lockdown (visits stop in lockdowns).
  // A visit is a care-home contact of a workplace contact's length; the visitor's phone
  // records it.
  double visits_per_week = 0;
  // Visits stopped by a case (0: never): a home takes no visits for this many days after the
  // day a resident or a member of its own staff had a positive result (the Dutch rule of 25
  // May 2020: a visitor a resident only in homes without an infection).
  std::uint32_t visits_closed_days = 0;
  // Of the homes' staff (own and agency) with symptoms, the share who isolate and order a
  // test (-1, the default: testing.symptom_isolation, as everyone). Staff without sick pay
  // may keep working with symptoms: VIVALDI found fewer infections in residents of homes
  // that paid sick pay (ONS, 3 July 2020; Shallcross et al. 2021).
  double staff_symptom_isolation = -1;
  // Staff cohorting (1: none, the default): each home's residents and its own staff (each in
  // person order) are cut into this many units, and a resident's staff contacts are with the
  // staff at work in its unit (the home's, when none of its unit is at work); a home's agency
  // positions are spread over its units. Residents still meet the residents of every unit.
  // VIVALDI found fewer infections in homes that cohorted their staff (Shallcross et al.).
  std::uint32_t staff_units = 1;
  // Zoning of the residents (0: none, the default): with staff_units > 1, this share of a
  // resident's contacts with other residents is with the residents of its own unit (meals and
  // lounges by unit), the rest with the whole home's; 1 makes the units self-contained. With
  // one unit the home is the zone and nothing changes. Nguyen et al. (2021, a model of a
  // Scottish home) found that cohorting residents and staff into smaller, self-contained
  // units reduces the spread in a home.
  double resident_zoning = 0;
  // Agency staff (0: none, the default): this share of each home's round(staff_per_resident x
  // residents) positions is filled each day from an agency's pool of workers shared by the
  // homes of a region (or, with agency_pool_homes > 0, by runs of that many of a region's
  // homes: "bubbles" of homes), instead of by the home's own staff. Each day every worker of a
  // pool at work is sent to one of its pool's positions, drawn at random. VIVALDI (England,
  // May-June 2020) found more infections in residents and staff of homes that used agency or
  // bank staff often (Shallcross et al. 2021).
  double agency_share = 0;
  std::uint32_t agency_pool_homes = 0;
  // Whole-home testing after a case (off by default; England's outbreak testing of residents
  // and staff from 2020): on the day after a resident or a member of a home's own staff had a
  // positive result, every resident of the home and member of its own staff who has not
  // tested positive, waits for no test or result, is not in hospital and (staff) not
  // isolating gives a sample for the screening test (testing.screening_*); a home is tested
  // at most once in kOutbreakRoundDays (7) days, so an outbreak that goes on is tested
  // weekly. Agency workers are not included unless outbreak_agency_days says so.
  bool outbreak_testing = false;
  // With outbreak_testing and agency staff: the agency workers of a home on a day are those
  // sent to one of its positions on one of the outbreak_agency_days days before it (0: none;
  // at most 14). A positive result of one of them starts a round there as a resident's would,
  // and a round tests them as the home's own staff.
  std::uint32_t outbreak_agency_days = 0;
  static constexpr std::uint32_t kOutbreakRoundDays = 7;
  bool enabled() const { return residents_per_100k > 0; }
};

enum class ServerMode { kNone, kInProcess, kLoopback };
std::string_view server_mode_name(ServerMode mode);
[[nodiscard]] Result<ServerMode> server_mode_from_name(std::string_view name);

struct RunConfig {
  std::uint64_t seed = 1;
  std::uint32_t days = 42;
  std::uint32_t threads = 2;
  // Simulated day 0 begins at this UTC midnight (2024-03-01).
  std::int64_t start_unix_seconds = 1709251200;
  // Where positive users upload: an in-memory publisher (none), the real server in this
  // process, or the real server over loopback HTTP.
  ServerMode server = ServerMode::kNone;
  // Also run the same seed without the app, for the with/without comparison.
  bool baseline = true;
  // Number of phones re-matched through the per-phone library path each day to check the
  // shared matching table (0 = off).
  std::uint32_t verify_phones = 0;
  // Probe every stored run against each sync's keys instead of only the runs of the keys'
  // uploaders (SyncPhase::probe). Slower, the same results: a check of the shortcut.
  bool probe_all_runs = false;
};

struct SimConfig {
  PopulationConfig population;
  ContactConfig contacts;
  RadioConfig radio;
  DiseaseConfig disease;
  TestingConfig testing;
  AppConfig app;
  RunConfig run;
  HealthCodeConfig health_code;
  AdversaryConfig adversary;
  LockdownConfig lockdown;
  ManualTracingConfig manual_tracing;
  VaccinationConfig vaccination;
  VariantConfig variant;
  ImmunityConfig immunity;
  HospitalConfig hospital;
  CareHomeConfig care_homes;
};

// Parses a JSON document on top of base (missing keys keep base's values). Errors name
// the key and say what was expected. With check_ranges false only the types are checked: a
// caller that applies more settings (--set, options) checks the result with validate_config.
[[nodiscard]] Result<SimConfig> config_from_json(std::string_view json, const SimConfig& base = {},
                                                 bool check_ranges = true);
// The full configuration as pretty-printed JSON (every key).
std::string config_to_json(const SimConfig& config);
// Applies "section.key=value" (value in JSON syntax; bare words are taken as strings).
[[nodiscard]] Status apply_override(SimConfig& config, std::string_view assignment);
// Applies several assignments as apply_override does, in order (a later one of the same key
// wins), checking each value's type but not the ranges: the caller checks the result with
// validate_config (so settings that depend on each other, such as population.regions and
// population.region_weights, may come in any order).
[[nodiscard]] Status apply_overrides(SimConfig& config, std::span<const std::string> assignments);
// Checks ranges (probabilities in [0, 1], positive sizes, ...).
[[nodiscard]] Status validate_config(const SimConfig& config);
// Settings of a valid configuration that take effect only after the run's last day (a school
// closure, a change of transmission, the variant, the vaccination campaign, a lockdown, the
// app's launch, manual tracing): one sentence each, for the commands to print as warnings.
// Days up to 2000 are accepted whatever run.days is, so that a sweep may vary the run's length.
std::vector<std::string> config_warnings(const SimConfig& config);
// SHA-256 of config_to_json with run.threads 1, hex: identifies a configuration (what the
// results depend on; they are the same at any thread count) in every output.
std::string config_hash(const SimConfig& config);

// Named presets: "openabm-like" (the defaults: CWA thresholds), "no-intervention" (no
// testing, no isolation, no app), "self-isolation" (testing and isolation, no app),
// "openabm-app" (OpenABM's app_pos arm: every matched contact of the last 7 days turns RED
// and quarantines with its household for 14 days at 90 % adherence, every positive app
// user uploads).
[[nodiscard]] Result<SimConfig> preset(std::string_view name);

// Radio presets applied on top of a configuration: "calibrated" (the default radio) or
// "clean" (the earlier, kinder radio; its runs are byte-identical to those before the
// calibrated model existed).
[[nodiscard]] Status apply_radio_preset(SimConfig& config, std::string_view name);

}  // namespace greenlight::sim
