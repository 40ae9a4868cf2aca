// The population simulation: one object runs one seeded epidemic day by day.
//
// Each simulated day t:
//  1. 06:00 sync: the phones fetch what was published since yesterday (KeyPublisher), the
//     new keys are expanded once into the shared table, every phone matches its own
//     encounter log and venue check-ins, scores its exposure windows (RiskScorer) and takes
//     its colour; notified people act on RED (isolate, test) and YELLOW (test).
//  2. 09:00 health: symptom onsets (isolate and order a test), test samples and results,
//     isolation drop-out; a positive app user may upload (12:00) its last 14 daily keys and
//     its venue check-ins of infectious days.
//  3. Contacts: households, schools/workplaces/elderly groups, random encounters and venue
//     visits, each with a start, duration and distance; people who isolate only meet their
//     household. Transmission per contact (DiseaseModel). Phones with the app hear each
//     other through the radio model and store compact runs with the real RPIs of the
//     other phone's TEK (GaenExpander), and check in to venues with their QR payloads.
//  4. Statistics for the day.
// Everything random is drawn from counter-based streams of the seed, and all parallel work
// is split into a fixed number of shards whose results are merged in shard order, so the
// output is the same at any thread count. Over several MPI ranks (ranks.h) each rank stores
// the encounter runs of the phones it owns (contiguous households) and derives their RPIs;
// the rest is computed on every rank, with the day's matches exchanged, so every rank holds
// the same results, identical to one process (docs/simulation.md "MPI"). Not thread-safe
// itself (one caller).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/disease.h"
#include "greenlight/sim/matching.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/ranks.h"
#include "greenlight/sim/risk.h"
#include "greenlight/sim/scenario_metrics.h"

namespace greenlight::sim {

// Where a contact happens. kHospital: a patient in hospital and a healthcare worker who
// cares for the patient (config.hospital; none without staff). kCareHome: two residents of
// a care home, or a resident and a member of the home's staff (config.care_homes).
enum class Layer : std::uint8_t {
  kHousehold = 0,
  kSchoolWork = 1,
  kRandom = 2,
  kVenue = 3,
  kHospital = 4,
  kCareHome = 5
};
inline constexpr std::size_t kLayers = 6;
std::string_view layer_name(Layer layer);

struct DailyStats {
  std::uint32_t day = 0;
  std::uint32_t susceptible = 0;
  std::uint32_t exposed = 0;     // infected, days since infection < 2
  std::uint32_t infectious = 0;  // 2 <= days since infection < infectious_days
  std::uint32_t recovered = 0;   // later, alive (the dead are in deaths only)
  std::uint32_t new_infections = 0;
  std::array<std::uint32_t, kLayers> new_infections_by_layer{};
  std::uint64_t cumulative_infections = 0;
  std::uint32_t new_symptomatic = 0;
  std::uint32_t tests = 0;  // results returned today
  std::uint32_t positives = 0;
  std::uint32_t uploads = 0;
  std::uint32_t keys_fetched = 0;
  std::uint32_t venue_reports_fetched = 0;
  std::uint32_t isolating = 0;
  std::uint32_t notified_red = 0;  // phones newly RED from an exposure
  std::uint32_t notified_yellow = 0;
  std::uint32_t venue_notifications = 0;  // of which from a venue warning
  std::uint32_t green = 0;                // app users by colour after today's sync
  std::uint32_t yellow = 0;
  std::uint32_t red = 0;
  std::uint64_t contacts = 0;
  std::uint64_t app_contacts = 0;  // both people have the app
  std::uint64_t runs_stored = 0;   // encounter runs written today
  std::uint64_t check_ins = 0;
  std::uint32_t new_hospitalised = 0;  // admitted today
  std::uint32_t hospitalised = 0;      // in hospital today, intensive care included
  std::uint32_t critical = 0;          // in intensive care today
  std::uint32_t new_deaths = 0;
  std::uint32_t deaths = 0;  // cumulative
  // Patients who needed intensive care today when every bed was taken
  // (disease.icu_beds_per_100k).
  std::uint32_t icu_denied = 0;
  std::uint32_t lockdown = 0;  // 1: everyone locked down today (scheduled or triggered)
  // Manual tracing (config.manual_tracing): index cases interviewed today, recalled contacts
  // called today, and at the end of the day the cases waiting for an interview and the
  // recalled contacts waiting for a call.
  std::uint32_t manual_interviews = 0;
  std::uint32_t manual_traced = 0;
  std::uint32_t interview_backlog = 0;
  std::uint32_t call_backlog = 0;
  // Patients admitted today when every ward bed was taken (disease.hospital_beds_per_100k):
  // they stay at home.
  std::uint32_t hospital_denied = 0;
  // Vaccination (config.vaccination): people vaccinated today, and so far.
  std::uint32_t new_vaccinated = 0;
  std::uint32_t vaccinated = 0;
  // With a test capacity (testing.tests_per_day_per_100k): people whose sample waits for a
  // free test at the end of the day, and samples given up today after waiting
  // testing.max_wait_days.
  std::uint32_t test_backlog = 0;
  std::uint32_t tests_given_up = 0;
  // With a second variant (config.variant): today's infections with it, imports included.
  std::uint32_t variant_infections = 0;
  // With vaccination: today's infections of people vaccinated days_to_protect days ago or
  // earlier (breakthrough infections: the vaccine did not protect them from infection),
  // imports included (new_infections counts transmissions only).
  std::uint32_t breakthrough_infections = 0;
  // With boosters (vaccination.booster_after_days): people boosted today, and so far.
  std::uint32_t new_boosted = 0;
  std::uint32_t boosted = 0;
  // With immunity.reinfection: today's infections of people infected before (counted in
  // new_infections too).
  std::uint32_t reinfections = 0;
  // With screening (testing.screening_per_day_per_100k): samples given today by people
  // screened.
  std::uint32_t screening_samples = 0;
  // With a regional lockdown (lockdown.regional): the regions locked down today.
  std::uint32_t regions_locked = 0;
  // Imported cases infected today (disease.imports_per_day; not in new_infections, which
  // counts transmissions).
  std::uint32_t imported = 0;
  std::uint32_t schools_closed = 0;  // 1: schools closed today (lockdown.schools_closed)
  // With hospital staff (config.hospital): staff infected today through a contact (any
  // layer; those by patients are new_infections_by_layer's hospital), and staff not at work
  // today (isolating at home, in hospital or dead).
  std::uint32_t new_staff_infections = 0;
  std::uint32_t staff_absent = 0;
  // With care homes (config.care_homes): residents infected today (any layer; in the home's
  // contacts all but imported cases) and residents who died today.
  std::uint32_t new_resident_infections = 0;
  std::uint32_t new_resident_deaths = 0;
  // With app.revoke_on_negative: self-reports whose keys were revoked today (after their
  // upload), and phones whose RED fell away at today's sync with revoked keys.
  std::uint32_t revocations = 0;
  std::uint32_t red_withdrawn = 0;
  // With app.upgrade_on_positive: self-reports upgraded to a confirmed test today (after
  // their upload).
  std::uint32_t upgrades = 0;
};

// One region's counts at the end of a day (population.regions > 1; Simulation::region_daily):
// the DailyStats counts of its people, its app users whose app is on, and its people ever
// infected (an infection's day, not counting reinfections; the day's new infections are the
// difference to the day before).
struct RegionDay {
  std::uint32_t day = 0;
  std::uint32_t region = 0;
  std::uint32_t susceptible = 0;
  std::uint32_t exposed = 0;
  std::uint32_t infectious = 0;
  std::uint32_t recovered = 0;
  std::uint32_t deaths = 0;
  std::uint32_t ever_infected = 0;
  std::uint32_t isolating = 0;
  std::uint32_t app_users = 0;
  std::uint32_t green = 0;
  std::uint32_t yellow = 0;
  std::uint32_t red = 0;
  std::uint32_t new_hospitalised = 0;
  std::uint32_t hospitalised = 0;
  std::uint32_t critical = 0;
  std::uint32_t new_deaths = 0;
  std::uint32_t positives = 0;  // people whose positive test result came today
  std::uint32_t locked = 0;     // 1: the region locked down today (lockdown.regional)
  // Everyone of the region, the dead included.
  std::uint32_t people() const { return susceptible + exposed + infectious + recovered + deaths; }
};

// One infection: with immunity.reinfection a person may be infected more than once
// (Simulation::infections).
struct Infection {
  std::uint32_t person = 0;
  std::uint32_t infector = kNoPerson;  // kNoPerson: an initial case or a variant's import
  std::int32_t day = 0;
  std::int32_t infector_day = -1;  // the day the infector's infection began (-1: none)
  std::uint8_t layer = 0;          // Layer of the infecting contact
  std::uint8_t variant = 0;        // 1: the second variant (config.variant)
  Course course;                   // in days since `day`
};

// A call of manual tracing (config.manual_tracing): on `day` a tracer called `contact`,
// whom the index case `index_case` recalled at its interview on interview_day, the last
// time they met being met_day; backward: named from the backward window
// (manual_tracing.backward_days: met before the trace_days days before the interview);
// from_list: named by a venue's guest list only (manual_tracing.guest_lists; met_day is then
// the day of the overlapping visits), not recalled by the case; by_case: no tracer's call but
// the case informing its contact itself (manual_tracing.self_notify_after_days; interview_day
// is then the day it did).
struct TracingCall {
  std::uint32_t day = 0;
  std::uint32_t interview_day = 0;
  std::uint32_t index_case = 0;
  std::uint32_t contact = 0;
  std::uint32_t met_day = 0;
  bool backward = false;
  bool from_list = false;
  bool by_case = false;
};

// An interview of manual tracing: on `day` a tracer interviewed `index_case`, who named its
// infector (the latest, at the interview) among the people it recalled: kNotNamed, kNamed
// (the last meeting within the trace_days days) or kNamedBackward (before them);
// infector_from_list: the infector was named by a guest list only, not recalled.
struct TracingInterview {
  enum Infector : std::uint8_t { kNotNamed = 0, kNamed = 1, kNamedBackward = 2 };
  std::uint32_t day = 0;
  std::uint32_t index_case = 0;
  Infector infector = kNotNamed;
  bool infector_from_list = false;
};

struct Ratio {
  std::uint64_t hits = 0;
  std::uint64_t total = 0;
  double value() const {
    return total == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(total);
  }
};

struct Offspring;  // offspring.h

// The cases infected on one day and the infections they caused during the run: their case
// reproduction number is secondary / infected.
struct Cohort {
  std::uint32_t infected = 0;
  std::uint32_t secondary = 0;
};
// By day of infection (0 .. days - 1; the initial cases on day 0). Cohorts from day
// `complete` on may still infect after the run's end (disease.infectious_days).
struct Reproduction {
  std::vector<Cohort> cohorts;
  std::uint32_t complete = 0;
  // Secondary infections per case of the complete cohorts of days [first, last] (0 if none).
  double r(std::uint32_t first, std::uint32_t last) const;
};

struct RunSummary {
  std::uint32_t people = 0;
  std::uint32_t app_users = 0;
  std::uint32_t days = 0;
  // Infections, initial cases included (people ever infected; with immunity.reinfection a
  // reinfected person counts again).
  std::uint64_t infections = 0;
  std::uint32_t peak_infectious = 0;
  std::uint32_t peak_day = 0;
  std::uint64_t hospitalisations = 0;  // admissions
  std::uint32_t peak_hospitalised = 0;
  std::uint32_t peak_critical = 0;
  std::uint64_t deaths = 0;
  std::uint64_t icu_denied = 0;               // patients denied intensive care (no bed free)
  std::uint64_t hospital_denied = 0;          // patients denied a hospital bed (none free)
  std::uint32_t lockdown_days = 0;            // days everyone was locked down
  std::uint32_t vaccinated = 0;               // people vaccinated by the end (config.vaccination)
  std::uint32_t peak_test_backlog = 0;        // most people waiting for a test (test capacity)
  std::uint64_t tests_given_up = 0;           // samples given up after waiting (test capacity)
  std::uint64_t variant_infections = 0;       // infected with the second variant (config.variant)
  std::uint64_t breakthrough_infections = 0;  // DailyStats::breakthrough_infections, summed
  std::uint32_t boosted = 0;                  // people boosted by the end
  std::uint64_t reinfections = 0;             // DailyStats::reinfections, summed
  std::uint64_t screening_samples = 0;        // DailyStats::screening_samples, summed
  std::uint64_t region_lockdown_days = 0;     // DailyStats::regions_locked, summed
  std::uint64_t imported = 0;                 // DailyStats::imported, summed
  std::uint32_t app_running_at_end = 0;       // phones running the app on the last day
  // Manual tracing: cases interviewed, contacts called, most cases waiting for an interview.
  std::uint64_t manual_interviews = 0;
  std::uint64_t manual_traced = 0;
  std::uint32_t peak_interview_backlog = 0;
  // Of the calls, those of people named from the backward window (backward_days). The
  // positive results queued for an interview (of the living, from start_day), and of them
  // the people a tracer had called in the quarantine_days days before (cases found by
  // tracing; Belgium's "known contacts"), through a backward call. The interviewed cases
  // infected by a person, of them those who named their infector, in the backward window.
  std::uint64_t manual_traced_backward = 0;
  std::uint64_t tracing_cases = 0;
  std::uint64_t traced_cases = 0;
  std::uint64_t traced_cases_backward = 0;
  std::uint64_t interviewed_with_infector = 0;
  std::uint64_t infectors_named = 0;
  std::uint64_t infectors_named_backward = 0;
  // With guest lists (manual_tracing.guest_lists): the calls of people named by a list only,
  // the cases found through such a call, the infectors named by a list only.
  std::uint64_t manual_traced_from_lists = 0;
  std::uint64_t traced_cases_from_lists = 0;
  std::uint64_t infectors_named_from_lists = 0;
  // With manual_tracing.call_within_days: the names given up when their turn came, their last
  // meeting with the case that many days old or older.
  std::uint64_t manual_names_given_up = 0;
  // With manual_tracing.self_notify_after_days: the cases that informed their contacts
  // themselves (not interviewed in time), the contacts they informed (who acted as called),
  // and the positive results of people a case had informed in the quarantine_days days before
  // (and no tracer called since).
  std::uint64_t self_notifying_cases = 0;
  std::uint64_t self_notified = 0;
  std::uint64_t traced_cases_self_notified = 0;
  // Exposed or infectious people on the last day.
  std::uint32_t active_at_end = 0;
  // The epidemic died out: nobody exposed or infectious at the end, and at most 1 % of the
  // people ever infected (an epidemic that ran its course ends with nobody infectious too).
  bool died_out() const { return active_at_end == 0 && infections * 100 <= people; }
  // By age group (Population::age_group: decades, 80+ last), at the end of the run.
  struct AgeOutcome {
    std::uint32_t people = 0;
    std::uint32_t infected = 0;  // ever, initial cases included (people, not infections)
    std::uint32_t admitted = 0;  // admissions to hospital
    std::uint32_t deaths = 0;
  };
  std::array<AgeOutcome, kAgeGroups> by_age{};
  // Case reproduction number of the cases infected on days 0-27 (Reproduction::r; 0 when
  // those cohorts are not complete).
  double early_r = 0;
  // The secondary infections per case of the complete cohorts (offspring.h): the fitted
  // dispersion k (0 when not overdispersed or without secondary infections) and the
  // smallest share of the cases that caused 80 % of them.
  double dispersion_k = 0;
  double share_for_80 = 0;
  // Hospital staff (config.hospital; all 0 without staff): the staff, of them those ever
  // infected (initial cases included) and the infections of staff by a patient
  // (Layer::kHospital; with reinfection every infection, so a person may count twice); the
  // other working people (Network::kWork) and of them those ever infected; the staff absent
  // (DailyStats::staff_absent) summed over the days and on the worst day.
  std::uint32_t staff = 0;
  std::uint32_t staff_infected = 0;
  std::uint32_t staff_infected_by_patients = 0;
  std::uint32_t other_workers = 0;
  std::uint32_t other_workers_infected = 0;
  std::uint64_t staff_absent_days = 0;
  std::uint32_t peak_staff_absent = 0;
  // Infections (every infection, with reinfection) whose infector is a member of staff, in
  // any layer.
  std::uint64_t staff_onward_infections = 0;
  // First infections per 1,000 susceptible person-days (each person susceptible from day 0
  // until its first infection's day or the run's end) of the staff and of the other workers, and
  // their ratio (the incidence rate ratio; 0 when the other workers had no infection).
  double staff_rate = 0;
  double other_workers_rate = 0;
  double staff_rate_ratio() const {
    return other_workers_rate > 0 ? staff_rate / other_workers_rate : 0.0;
  }
  // Care homes (config.care_homes; all 0 without them): the homes, their residents and staff;
  // residents ever infected (people), and the infections of residents by the home's staff and
  // by another resident (Layer::kCareHome; with reinfection every infection, so a person may
  // count twice); the homes with a resident infected; residents who died of it by the end;
  // staff ever infected, and the infections of staff by a resident. The other "by" counts
  // below count infections the same way.
  std::uint32_t care_homes = 0;
  std::uint32_t residents = 0;
  std::uint32_t care_staff = 0;
  std::uint32_t residents_infected = 0;
  std::uint32_t residents_infected_by_staff = 0;
  std::uint32_t residents_infected_by_residents = 0;
  std::uint32_t care_homes_with_cases = 0;
  std::uint32_t resident_deaths = 0;
  std::uint32_t care_staff_infected = 0;
  std::uint32_t care_staff_infected_by_residents = 0;
  // With visits (care_homes.visits_per_week): residents infected in their home by someone
  // neither resident nor staff (a visitor), and people neither resident nor staff infected
  // in a home by a resident (visitors).
  std::uint32_t residents_infected_by_visitors = 0;
  std::uint32_t visitors_infected_by_residents = 0;
  // With care_homes.visits_closed_days: the days homes were closed to visitors (home-days).
  std::uint64_t care_home_days_closed = 0;
  // With care_homes.outbreak_testing: the whole-home test rounds (home-days), their samples
  // (of them agency workers', care_homes.outbreak_agency_days), and the positive results of
  // those samples.
  std::uint64_t care_outbreak_rounds = 0;
  std::uint64_t care_outbreak_samples = 0;
  std::uint64_t care_outbreak_agency_samples = 0;
  std::uint64_t care_outbreak_positives = 0;
  // With app.red_daily_test_days or manual_tracing.daily_test_days: the daily self-tests of
  // RED or called contacts, and their positive results.
  std::uint64_t self_tests = 0;
  std::uint64_t self_test_positives = 0;
  // With app.red_release_test_day or manual_tracing.release_test_day: the tests ordered to
  // end a quarantine, the quarantines a negative result ended early, and of those the people
  // infected within testing.sensitive_to_day days before (HealthPhase::quarantine).
  std::uint64_t release_tests = 0;
  std::uint64_t quarantines_released = 0;
  std::uint64_t released_infected = 0;
  // With app.symptom_report_share: the symptom self-reports made with consent to upload
  // (each uploaded, after app.upload_delay_days unless the phone stopped or its user died
  // meanwhile), and of them those on symptoms of an infection (the others: false symptoms).
  std::uint64_t symptom_reports = 0;
  std::uint64_t symptom_reports_infected = 0;
  // With app.revoke_on_negative: self-reports revoked on a negative test after their upload,
  // and before it (a delayed upload that then did not happen); of those revoked after the
  // upload, the people infected by the day of the negative sample, in the
  // testing.sensitive_to_day days before it (the test missed the infection); the phones whose
  // RED fell away with the revoked keys, the quarantines that ended then, and of them the
  // people infected in the testing.sensitive_to_day days before.
  std::uint64_t self_reports_revoked = 0;
  std::uint64_t revoked_before_upload = 0;
  std::uint64_t revoked_infected = 0;
  std::uint64_t red_withdrawn = 0;
  std::uint64_t quarantines_withdrawn = 0;
  std::uint64_t withdrawn_infected = 0;
  // With app.upgrade_on_positive: self-reports upgraded to a confirmed test after their
  // upload (one still waiting for a delayed upload goes out as a confirmed test instead).
  std::uint64_t self_reports_upgraded = 0;
  // With agency staff (care_homes.agency_share; residents_infected_by_staff counts them too):
  // the agency workers, those infected and of them by a resident (in a home); residents
  // infected by an agency worker, and of them by one who caught it from a resident of another
  // home (the way from home to home that a home's own staff does not take).
  std::uint32_t care_agency_staff = 0;
  std::uint32_t care_agency_infected = 0;
  std::uint32_t care_agency_infected_by_residents = 0;
  std::uint32_t residents_infected_by_agency = 0;
  std::uint32_t residents_infected_by_agency_from_other_homes = 0;
  std::uint64_t tests = 0;
  std::uint64_t positives = 0;
  std::uint64_t uploads = 0;
  std::uint64_t notifications_red = 0;
  std::uint64_t notifications_yellow = 0;
  std::uint64_t venue_notifications = 0;
  double notifications_per_upload = 0;
  // Against true close contacts (>= 15 minutes within 2 m of an uploaded case on a day its
  // key covered): precision of RED / YELLOW / any notification, and recall.
  Ratio red_precision;
  Ratio yellow_precision;
  Ratio red_recall;
  Ratio any_recall;
  // Notified phones infected by a case whose key they matched (secondary attack rate).
  Ratio notified_infected_by_index;
  // App users infected by an uploaded case on a day its published key covered, notified.
  Ratio infected_contacts_notified;
  // The other way (backward): uploaders whose key of the day they were infected reached their
  // infector's phone while it kept that day (both phones running the app that day), and of
  // them those whose infector's phone matched that key with a window that counted
  // (risk.dsos_infectiousness decides whether days before the uploader's onset count).
  Ratio infectors_warned;
  // Days from infection to notification, for notified phones that were infected.
  double median_days_infection_to_notification = 0;
  double mean_days_infection_to_notification = 0;
  std::uint64_t isolation_person_days = 0;
  // Of them the days of people never infected during the run, and the people never infected
  // who were ever RED or ever YELLOW (the colour seen: the health code's for the people it
  // covers when it is on, else the phone's); ScenarioMetrics has the same counts.
  std::uint64_t needless_isolation_person_days = 0;
  std::uint64_t wrongly_red = 0;
  std::uint64_t wrongly_yellow = 0;
  // Per-phone path check (run.verify_phones): phone-syncs re-matched through the client
  // library (ClientPhoneMatcher), their windows, and how many gave other windows or another
  // colour than the shared path; sightings the client's encounter log evicted or dropped
  // (flood limits) and the client's matcher rejected (time window, TX power).
  std::uint64_t verified_phones = 0;
  std::uint64_t verified_windows = 0;
  std::uint64_t verify_mismatches = 0;
  std::uint64_t verify_colour_mismatches = 0;
  std::uint64_t verified_not_green = 0;  // phone-syncs the client coloured RED or YELLOW
  std::uint64_t verify_client_evictions = 0;
  std::uint64_t verify_client_rejected = 0;
  double beta = 0;  // calibrated hazard scale
};

// What the decentralized server holds at the end, next to what a centralized health-code
// server would hold for the same run.
struct PrivacyView {
  ServerHoldings server;
  std::uint64_t positive_uploaders = 0;
  std::uint64_t warned_venues = 0;  // venues of the uploaded venue reports (all held)
  // Centralized baseline: every contact between app users (both sides report it), every
  // check-in, every test result, linked to phone numbers.
  std::uint64_t central_people = 0;
  std::uint64_t central_contact_records = 0;  // one per phone per contact
  std::uint64_t central_contact_pairs = 0;
  std::uint64_t central_check_ins = 0;
  std::uint64_t central_test_results = 0;
  std::uint64_t central_bytes = 0;
};

// A phone's matched exposure to one published key of a known uploader, on one day, with at
// least one window that counted (ground truth for tests and metrics). Matches whose windows
// the client's rules all dropped, and keys of no known uploader, are not kept: nothing read
// them, and they were 0.4 KB per person at a million people. 16 bytes (run.days <= 2000).
struct ExposureHit {
  std::uint32_t phone = 0;
  std::uint32_t owner = kNoPerson;  // the uploader of the key (simulator bookkeeping)
  std::uint16_t exposure_day = 0;
  std::uint16_t sync_day = 0;
  std::uint16_t windows = 0;  // windows that counted (> 0; at most 65,535 kept)
};

// A phone's colour rose at a sync (ground truth: the notification its user saw), or a
// RED fell to YELLOW when its keys were revoked (the user told the YELLOW the RED hid).
struct Notification {
  std::uint32_t phone = 0;
  std::uint32_t day = 0;  // the sync's day
  Colour colour = Colour::kGreen;
  bool venue = false;      // only venue warnings raised it
  bool withdrawn = false;  // told with a RED's withdrawal (app.revoke_on_negative)
};

struct PhaseTime {
  std::string name;
  double wall_seconds = 0;
  double cpu_seconds = 0;  // process CPU time (all threads)
};

struct Progress {
  std::uint32_t day = 0;
  std::uint32_t days = 0;
  const DailyStats* today = nullptr;
};
using ProgressFn = std::function<void(const Progress&)>;

class Simulation {
 public:
  // publisher must outlive the simulation. With ranks.size() > 1 every rank must create the
  // same simulation and step it in lockstep (step() and run() are collective).
  [[nodiscard]] static Result<std::unique_ptr<Simulation>> create(const SimConfig& config,
                                                                  KeyPublisher& publisher,
                                                                  Ranks ranks = Ranks::single());
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Simulates the next day.
  [[nodiscard]] Status step();
  // Simulates all remaining days, calling progress after each.
  [[nodiscard]] Status run(const ProgressFn& progress = {});

  std::uint32_t days_done() const;
  const SimConfig& config() const;
  const Population& population() const;
  const std::vector<DailyStats>& daily() const;
  // With several regions, each day's regions (day by day, regions in order); else empty.
  const std::vector<RegionDay>& region_daily() const;
  // Over several MPI ranks a collective (each rank holds the exposure hits of its own phones):
  // every rank calls it, at the same point.
  RunSummary summary() const;
  PrivacyView privacy() const;
  // Colours seen, needless isolation, the health code's and the relay's views, chaff.
  ScenarioMetrics scenario_metrics() const;

  // Ground truth. Each person's latest infection (with immunity.reinfection earlier ones are
  // in infections()).
  std::span<const std::int32_t> infection_day() const;    // -1 = never infected
  std::span<const std::uint32_t> infector() const;        // kNoPerson for seeds / never
  std::span<const std::uint8_t> infection_layer() const;  // Layer of the infecting contact
  // Each person's positive test result (-1: none; a reinfection clears an earlier one) and the
  // end of its latest isolation or quarantine (the first day free; drop-out shortens it).
  std::span<const std::int32_t> positive_day() const;
  std::span<const std::int32_t> isolated_until() const;
  // Each person's course (meaningful for the infected): symptoms, hospital, intensive care,
  // death, in days since infection_day().
  std::span<const Course> courses() const;
  // Every infection so far, in person order, each person's in day order (without
  // reinfection: one per infected person, as the spans above).
  std::vector<Infection> infections() const;
  // Who infected whom by the infector's day of infection, over the days run so far.
  Reproduction reproduction() const;
  // The secondary infections per case of the same complete cohorts (offspring.h).
  Offspring offspring() const;
  // Of the phones this rank owns (over several MPI ranks), of every phone in one process.
  const std::deque<ExposureHit>& exposure_hits() const;
  // Every notification so far, in day and phone order (over several MPI ranks: of the phones
  // this rank owns).
  const std::deque<Notification>& notifications() const;
  // (owner, key day) of every published key the phones fetched, with the sync day (over
  // several MPI ranks: of the owners this rank owns).
  struct FetchedKey {
    std::uint32_t owner = kNoPerson;
    std::uint32_t day = 0;
    std::uint32_t sync_day = 0;
  };
  const std::deque<FetchedKey>& fetched_keys() const;
  // Person p's first day with the app (app.start_day, or a day of the ramp with
  // app.ramp_days); meaningful for app users.
  std::uint32_t app_start(std::uint32_t p) const;
  // The day person p gives the app up (app.dropout_per_day; later than every day without):
  // p's phone runs the app on days [app_start(p), app_end(p)); meaningful for app users.
  std::uint32_t app_end(std::uint32_t p) const;
  // Every call of manual tracing so far, in call order (empty when it is off; 24 bytes each).
  const std::vector<TracingCall>& tracing_calls() const;
  // Every interview of manual tracing so far, in interview order (12 bytes each).
  const std::vector<TracingInterview>& tracing_interviews() const;
  // With vaccination (config.vaccination; both empty without): the day each person was
  // vaccinated (-1: not vaccinated), and what each person's vaccine protects against once it
  // protects (days_to_protect days later; with waning, on that day).
  std::span<const std::int32_t> vaccination_day() const;
  std::span<const VaccineProtection> vaccine_protection() const;
  // With a second variant (config.variant; empty without): 1 for people infected with it.
  std::span<const std::uint8_t> variant() const;
  // Peak bytes held by the encounter store (this rank's part).
  std::size_t encounter_store_bytes() const;
  // Over several MPI ranks: the encounter runs this rank's contacts staged, and of them those
  // sent to the ranks owning their broadcasters, over the days so far (0 in one process).
  std::uint64_t runs_staged() const;
  std::uint64_t runs_sent() const;
  // Time spent in each phase of a day, summed over the days so far.
  std::vector<PhaseTime> phase_seconds() const;

 private:
  struct Impl;
  explicit Simulation(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace greenlight::sim
