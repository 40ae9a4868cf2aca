// Infections in hospital (config.hospital, docs/simulation.md "Infections in hospital"): the
// staff, the patients' contacts with them (internal/contacts.h), the infections and absences
// they bring, the summary's figures and the report's section.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "internal/contacts.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim {
namespace {

using internal::Contact;
using internal::ContactGenerator;
using internal::kAbsent;
using internal::kAtHome;
using internal::kMeetsAll;
using internal::Patient;

SimConfig staffed(std::uint32_t people, double per_100k) {
  SimConfig c;
  c.population.people = people;
  c.hospital.staff_per_100k = per_100k;
  return c;
}

// The hospital contacts of one day with these patients and who is at home.
std::vector<Contact> hospital_day(const SimConfig& c, const Population& pop,
                                  const std::vector<Patient>& patients,
                                  const std::vector<std::uint8_t>& isolating) {
  std::vector<Contact> out = internal::contacts_of_day(
      c, pop, isolating, [&](ContactGenerator& g) { g.prepare_hospital(patients); });
  std::erase_if(out, [](const Contact& x) { return x.layer != Layer::kHospital; });
  return out;
}

// A small epidemic with many admissions (hospitalised_fraction 0.5 at every age) and staff
// who catch it from patients readily.
SimConfig hospital_run(bool paused, double factor = 3) {
  SimConfig c = small(20000, 90, 3);
  c.disease.initial_infections = 40;
  c.disease.hospitalised_fraction.fill(0.5);
  c.app.upload_consent = 1;
  c.hospital.staff_per_100k = 500;
  c.hospital.transmission_factor = factor;
  c.hospital.app_paused_at_work = paused;
  return c;
}

// Whether person p of the run is, on day t, in the state `in` of its course (Course's
// in_hospital, absent: in hospital or dead).
bool on_day(const Simulation& sim, std::uint32_t p, std::uint32_t t,
            bool (Course::*in)(std::uint32_t) const) {
  const std::int32_t infected = sim.infection_day()[p];
  return infected >= 0 && static_cast<std::int32_t>(t) >= infected &&
         (sim.courses()[p].*in)(t - static_cast<std::uint32_t>(infected));
}
bool in_hospital(const Simulation& sim, std::uint32_t p, std::uint32_t t) {
  return on_day(sim, p, t, &Course::in_hospital);
}
bool in_hospital_or_dead(const Simulation& sim, std::uint32_t p, std::uint32_t t) {
  return on_day(sim, p, t, &Course::absent);
}

// timeseries.csv's row of a day without the contacts column (the one that counts the
// hospital's contacts too) and without the hospital's three columns (and the care homes'
// three after them, none here), each found by its name in the header.
std::string community_row(const DailyStats& d) {
  const std::string csv = daily_csv(std::vector<DailyStats>{d});
  const auto split = [](std::string_view line) {
    std::vector<std::string> fields;
    std::size_t at = 0;
    while (at <= line.size()) {
      const std::size_t comma = std::min(line.find(',', at), line.size());
      fields.emplace_back(line.substr(at, comma - at));
      at = comma + 1;
    }
    return fields;
  };
  const std::size_t newline = csv.find('\n');
  const std::vector<std::string> header = split(std::string_view(csv).substr(0, newline));
  const std::vector<std::string> fields =
      split(std::string_view(csv).substr(newline + 1, csv.size() - newline - 2));
  REQUIRE(fields.size() == header.size());
  const std::set<std::string> left_out{
      "contacts",           "new_hospital",  "new_staff_infections",
      "staff_absent",       "new_care_home", "new_resident_infections",
      "new_resident_deaths"};
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!left_out.contains(header[i])) out += fields[i] + ",";
  }
  return out;
}

}  // namespace

TEST_CASE("hospital staff: per region, working people, in ascending order; no one else changes") {
  SimConfig c = staffed(30000, 500);
  c.population.regions = 3;
  c.population.region_weights = {0.5, 0.3, 0.2};
  const Population pop = generate_population(c);
  SimConfig none = c;
  none.hospital.staff_per_100k = 0;
  const Population plain = generate_population(none);
  CHECK(plain.staff.empty());
  CHECK_FALSE(plain.is_staff(pop.staff.front()));
  REQUIRE(pop.staff_start.size() == 4);
  CHECK(std::is_sorted(pop.staff.begin(), pop.staff.end()));
  CHECK(std::adjacent_find(pop.staff.begin(), pop.staff.end()) == pop.staff.end());
  for (std::uint32_t r = 0; r < 3; ++r) {
    CAPTURE(r);
    const std::uint32_t people = pop.region_start[r + 1] - pop.region_start[r];
    CHECK(pop.staff_start[r + 1] - pop.staff_start[r] ==
          static_cast<std::uint32_t>(std::llround(500.0 * people / 1e5)));
    for (std::uint32_t i = pop.staff_start[r]; i < pop.staff_start[r + 1]; ++i) {
      const std::uint32_t s = pop.staff[i];
      CHECK(pop.region_of(s) == r);
      CHECK(pop.network[s] == static_cast<std::uint8_t>(Network::kWork));
      CHECK(pop.is_staff(s));
    }
  }
  // The staff are drawn from a stream of their own: everything else is the same population.
  CHECK(pop.age_group == plain.age_group);
  CHECK(pop.links == plain.links);
  CHECK(pop.has_app == plain.has_app);
  CHECK(pop.random_per_day == plain.random_per_day);
  // Staff spread over the region's workers, not its first ones.
  CHECK(pop.staff[pop.staff_start[1] - 1] > pop.region_start[1] - pop.region_start[1] / 4);
  // More staff than workers: every worker of the region.
  SimConfig all = staffed(2000, 10000);
  const Population everyone = generate_population(all);
  const auto workers = static_cast<std::size_t>(std::count(
      everyone.network.begin(), everyone.network.end(), static_cast<std::uint8_t>(Network::kWork)));
  CHECK(everyone.staff.size() == std::min<std::size_t>(workers, 200));
}

TEST_CASE("each patient meets its contacts among its region's staff at work") {
  SimConfig c = staffed(20000, 1000);
  c.population.regions = 2;
  const Population pop = generate_population(c);
  std::vector<std::uint8_t> isolating(pop.size(), kMeetsAll);
  // Every fourth member of staff is at home, one more is in hospital.
  for (std::size_t i = 0; i < pop.staff.size(); i += 4) isolating[pop.staff[i]] = kAtHome;
  isolating[pop.staff[1]] = kAbsent;
  // Ten patients in each region, every third in intensive care, none of them staff.
  std::vector<Patient> patients;
  for (std::uint32_t r = 0; r < 2; ++r) {
    for (std::uint32_t p = pop.region_start[r]; patients.size() < 10 * (r + 1); p += 97) {
      if (pop.is_staff(p)) continue;
      patients.push_back({p, patients.size() % 3 == 0});
      isolating[p] = kAbsent;
    }
  }
  const auto contacts = hospital_day(c, pop, patients, isolating);
  std::map<std::uint32_t, std::uint32_t> met;  // patient -> contacts
  std::set<std::uint32_t> carers;
  for (const Contact& x : contacts) {
    const bool a_cares = pop.is_staff(x.a);
    const std::uint32_t patient = a_cares ? x.b : x.a;
    const std::uint32_t carer = a_cares ? x.a : x.b;
    CAPTURE(patient, carer);
    REQUIRE(pop.is_staff(carer));
    CHECK(x.a < x.b);
    CHECK(isolating[carer] == kMeetsAll);
    CHECK(pop.region_of(carer) == pop.region_of(patient));
    CHECK(x.start_minute + x.minutes < 1440);
    ++met[patient];
    carers.insert(carer);
  }
  for (const Patient& x : patients) {
    CAPTURE(x.person);
    CHECK(met[x.person] == (x.intensive_care ? 9u : 4u));
  }
  CHECK(met.size() == patients.size());
  CHECK(carers.size() > 40);  // drawn among the region's staff, not always the same few

  // No staff of region 1 at work: its patients are cared for by region 0's.
  for (std::uint32_t i = pop.staff_start[1]; i < pop.staff_start[2]; ++i) {
    isolating[pop.staff[i]] = kAtHome;
  }
  for (const Contact& x : hospital_day(c, pop, patients, isolating)) {
    const std::uint32_t carer = pop.is_staff(x.a) ? x.a : x.b;
    CHECK(pop.region_of(carer) == 0);
  }
  // No patients, no hospital contacts; the day's other contacts do not change.
  CHECK(hospital_day(c, pop, {}, isolating).empty());
}

TEST_CASE("more patients than the staff can see: their contacts are scaled down to the cap") {
  SimConfig c = staffed(20000, 500);  // 100 staff
  c.hospital.max_staff_contacts = 2;
  const Population pop = generate_population(c);
  std::vector<std::uint8_t> isolating(pop.size(), kMeetsAll);
  std::vector<Patient> patients;
  for (std::uint32_t p = 5; patients.size() < 60; p += 101) {
    if (pop.is_staff(p)) continue;
    patients.push_back({p, true});  // 60 x 9 = 540 contacts wanted, 200 allowed
    isolating[p] = kAbsent;
  }
  const auto contacts = hospital_day(c, pop, patients, isolating);
  // Each patient rounds 9 x 200 / 540 = 3.33 at random: 200 in all, sd 0.47 x sqrt(60) = 3.7.
  CHECK(contacts.size() >= 185);
  CHECK(contacts.size() <= 215);
  std::map<std::uint32_t, std::uint32_t> met;
  for (const Contact& x : contacts) ++met[pop.is_staff(x.a) ? x.b : x.a];
  for (const auto& [patient, n] : met) CHECK((n == 3 || n == 4));
  // Below the cap nothing is scaled.
  c.hospital.max_staff_contacts = 6;
  CHECK(hospital_day(c, pop, patients, isolating).size() == 540);
}

TEST_CASE("staff catch it from patients; the run is the one without staff until they do") {
  const SimConfig c = hospital_run(true, 0.2);
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  SimConfig none = c;
  none.hospital = HospitalConfig{};  // no staff (the other settings refused without them)
  RecordingPublisher other;
  const auto plain = ran(none, other);
  const Population& pop = sim->population();
  REQUIRE(pop.staff.size() == 100);

  const auto hospital = static_cast<std::size_t>(Layer::kHospital);
  std::uint32_t first = 0;
  while (first < 90 && sim->daily()[first].new_infections_by_layer[hospital] == 0) ++first;
  REQUIRE(first < 90);
  std::uint32_t patient_days = 0;
  for (std::uint32_t t = 0; t <= first; ++t) {
    CAPTURE(t);
    const DailyStats& d = sim->daily()[t];
    const DailyStats& p = plain->daily()[t];
    // The same day but for the patients' contacts with staff (4 a day on a ward, 9 in
    // intensive care) and, on the first day a patient infects a member of staff, that
    // infection.
    if (t < first) CHECK(community_row(d) == community_row(p));
    CHECK(d.contacts - p.contacts == 4ull * (d.hospitalised - d.critical) + 9ull * d.critical);
    CHECK(p.new_infections_by_layer[hospital] == 0);
    if (t < first) patient_days += d.hospitalised;
  }
  CHECK(patient_days > 20);  // patients in hospital on the days before
  // Every infection in hospital: a member of staff by a patient in hospital that day.
  std::uint32_t by_patients = 0;
  for (const Infection& i : sim->infections()) {
    if (i.layer != static_cast<std::uint8_t>(Layer::kHospital)) continue;
    CAPTURE(i.person, i.infector, i.day);
    CHECK(pop.is_staff(i.person));
    CHECK(in_hospital(*sim, i.infector, static_cast<std::uint32_t>(i.day)));
    ++by_patients;
  }
  // The summary's figures, counted again.
  const RunSummary s = sim->summary();
  std::array<double, 2> infected{};
  std::array<double, 2> person_days{};
  std::uint32_t workers = 0;
  std::uint32_t staff_by_contacts = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.network[p] != static_cast<std::uint8_t>(Network::kWork)) continue;
    const std::size_t g = pop.is_staff(p) ? 0 : 1;
    workers += static_cast<std::uint32_t>(g);
    const std::int32_t day = sim->infection_day()[p];
    person_days[g] += day < 0 ? 90.0 : day;
    if (day < 0) continue;
    ++infected[g];
    if (g == 0 && sim->infector()[p] != kNoPerson) ++staff_by_contacts;
  }
  CHECK(s.staff == 100);
  CHECK(s.staff_infected == Approx(infected[0]));
  CHECK(s.staff_infected_by_patients == by_patients);
  CHECK(by_patients > 5);
  CHECK(s.other_workers == workers);
  CHECK(s.other_workers_infected == Approx(infected[1]));
  CHECK(s.staff_rate == Approx(1000 * infected[0] / person_days[0]));
  CHECK(s.other_workers_rate == Approx(1000 * infected[1] / person_days[1]));
  CHECK(s.staff_rate_ratio() == Approx(s.staff_rate / s.other_workers_rate));
  CHECK(s.staff_rate_ratio() > 1.5);  // exposed to every patient
  std::uint64_t onward = 0;
  for (const std::uint32_t by : sim->infector()) onward += by != kNoPerson && pop.is_staff(by);
  CHECK(s.staff_onward_infections == onward);
  CHECK(onward > 10);
  std::uint64_t staff_infections = 0;
  std::uint64_t absent = 0;
  std::uint32_t peak = 0;
  for (const DailyStats& d : sim->daily()) {
    CHECK(d.staff_absent <= 100);
    staff_infections += d.new_staff_infections;
    absent += d.staff_absent;
    peak = std::max(peak, d.staff_absent);
  }
  CHECK(staff_infections == staff_by_contacts);
  // Staff at home (ill, tested positive, household of a case) are absent too, beyond those
  // in hospital or dead.
  std::uint64_t away = 0;
  for (const std::uint32_t m : pop.staff) {
    for (std::uint32_t t = 0; t < 90; ++t) away += in_hospital_or_dead(*sim, m, t) ? 1u : 0u;
  }
  CHECK(absent > away + 100);
  CHECK(s.staff_absent_days == absent);
  CHECK(s.peak_staff_absent == peak);
  CHECK(peak > 0);
  // With transmission_factor 0 the patients meet their staff and infect none of them.
  RecordingPublisher third;
  const auto harmless = ran(hospital_run(true, 0), third);
  CHECK(harmless->summary().staff_infected_by_patients == 0);
  CHECK(harmless->daily()[first].contacts == sim->daily()[first].contacts);
  // Nothing of it without staff.
  const RunSummary q = plain->summary();
  CHECK(q.staff == 0);
  CHECK(q.staff_absent_days == 0);
  CHECK(format_staff(none.hospital, q, nullptr).empty());
}

TEST_CASE("with reinfection the staff's figures count every infection, the rate the first") {
  // Nobody protected by an infection: staff infected again, by patients and others.
  SimConfig c = hospital_run(false);
  without_immunity(c);
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  const RunSummary s = sim->summary();
  const auto hospital = static_cast<std::uint8_t>(Layer::kHospital);
  std::uint64_t by_patients = 0;
  std::uint64_t onward = 0;
  std::uint32_t staff_again = 0;
  std::map<std::uint32_t, std::int32_t> first;  // each worker's first infection day
  for (const Infection& i : sim->infections()) {
    if (i.infector != kNoPerson && pop.is_staff(i.infector)) ++onward;
    if (pop.network[i.person] != static_cast<std::uint8_t>(Network::kWork)) continue;
    if (pop.is_staff(i.person) && i.layer == hospital) ++by_patients;
    const auto [it, fresh] = first.try_emplace(i.person, i.day);
    it->second = std::min(it->second, i.day);
    if (!fresh && pop.is_staff(i.person)) ++staff_again;
  }
  REQUIRE(staff_again > 5);
  // The latest infections alone count fewer (the summary before the fix).
  std::uint64_t latest_by_patients = 0;
  std::uint64_t latest_onward = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (sim->infector()[p] != kNoPerson && pop.is_staff(sim->infector()[p])) ++latest_onward;
    if (pop.is_staff(p) && sim->infection_day()[p] >= 0 && sim->infection_layer()[p] == hospital) {
      ++latest_by_patients;
    }
  }
  CHECK(s.staff_infected_by_patients == by_patients);
  CHECK(s.staff_onward_infections == onward);
  CHECK(onward > latest_onward);
  std::uint64_t daily_by_patients = 0;
  for (const DailyStats& d : sim->daily()) {
    daily_by_patients += d.new_infections_by_layer[static_cast<std::size_t>(Layer::kHospital)];
  }
  CHECK(daily_by_patients == by_patients);
  CHECK(by_patients > latest_by_patients);
  // The rate: first infections over the person-days before them.
  std::array<double, 2> infected{};
  std::array<double, 2> person_days{};
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.network[p] != static_cast<std::uint8_t>(Network::kWork)) continue;
    const std::size_t g = pop.is_staff(p) ? 0 : 1;
    const auto it = first.find(p);
    person_days[g] += it == first.end() ? 90.0 : it->second;
    if (it != first.end()) ++infected[g];
  }
  CHECK(s.staff_infected == Approx(infected[0]));
  CHECK(s.staff_infected <= s.staff);
  CHECK(s.other_workers_infected == Approx(infected[1]));
  CHECK(s.staff_rate == Approx(1000 * infected[0] / person_days[0]));
  CHECK(s.other_workers_rate == Approx(1000 * infected[1] / person_days[1]));
}

TEST_CASE("staff phones paused at work record no patient; recording, they are warned of them") {
  // Exposure hits of staff phones from keys of people in hospital on the exposure day:
  // patients meet only staff, so those are the hospital's contacts.
  const auto hits_from_patients = [](bool paused, std::uint64_t* red_staff) {
    RecordingPublisher publisher;
    const auto sim = ran(hospital_run(paused), publisher);
    const Population& pop = sim->population();
    std::uint64_t n = 0;
    for (const ExposureHit& h : sim->exposure_hits()) {
      if (h.owner != kNoPerson && pop.is_staff(h.phone) &&
          in_hospital(*sim, h.owner, h.exposure_day))
        ++n;
    }
    *red_staff = 0;
    for (const Notification& x : sim->notifications()) {
      if (pop.is_staff(x.phone) && x.colour == Colour::kRed) ++*red_staff;
    }
    return n;
  };
  std::uint64_t red_paused = 0;
  std::uint64_t red_recording = 0;
  CHECK(hits_from_patients(true, &red_paused) == 0);
  CHECK(hits_from_patients(false, &red_recording) > 20);
  CHECK(red_recording > red_paused);
}

TEST_CASE("staff absent: at home, in hospital or dead; without isolation those in hospital") {
  SimConfig c = hospital_run(true, 0.4);
  c.app.uptake = 0;
  c.testing.symptom_isolation = 0;
  c.testing.household_isolation = false;
  c.testing.isolation_adherence = 0;
  c.disease.fatality_fraction.fill(0.5);
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::uint64_t absent_days = 0;
  for (const DailyStats& d : sim->daily()) {
    CAPTURE(d.day);
    const auto away = static_cast<std::uint32_t>(
        std::count_if(pop.staff.begin(), pop.staff.end(),
                      [&](std::uint32_t m) { return in_hospital_or_dead(*sim, m, d.day); }));
    CHECK(d.staff_absent == away);
    absent_days += away;
  }
  CHECK(absent_days > 10);
}

TEST_CASE("manual tracers do not trace the care of a patient") {
  // Only household and school/work contacts are recalled: a member of staff called for a
  // case must share its household or have a link to it; a patient's carers are neither.
  SimConfig c = hospital_run(true, 0.4);
  c.app.uptake = 0;
  c.manual_tracing.enabled = true;
  c.manual_tracing.workers_per_100k = 3000;
  c.manual_tracing.traceable_fraction = {1, 1, 0, 0};
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::uint32_t cases_in_hospital = 0;
  for (const TracingCall& call : sim->tracing_calls()) {
    if (in_hospital(*sim, call.index_case, call.interview_day)) ++cases_in_hospital;
    if (!pop.is_staff(call.contact)) continue;
    CAPTURE(call.index_case, call.contact);
    const auto links = pop.links_of(call.index_case);
    CHECK((pop.household[call.contact] == pop.household[call.index_case] ||
           std::find(links.begin(), links.end(), call.contact) != links.end()));
  }
  CHECK(cases_in_hospital > 20);  // interviewed patients, whose carers were not called
}

TEST_CASE("staff tested regularly: each member at work on its own days, once every N days") {
  // Nobody infected, no false symptoms or results, no isolation dropped: the 100 staff but
  // the 10 sent home test every 3 days.
  SimConfig c = staffed(20000, 500);
  c.hospital.staff_test_every_days = 3;
  const auto run = internal::staff_testing_days(
      c, [](const Population& pop) { return std::span<const std::uint32_t>(pop.staff); }, 10, 30);
  REQUIRE(run.staff == 100);
  const auto& days = run.days;
  for (std::uint32_t t = 0; t < 30; ++t) {
    CAPTURE(t);
    CHECK(days[t].screening_samples > 15);  // about a third of the 90 each day
    CHECK(days[t].positives == 0);
    if (t >= 2) {
      CHECK(days[t - 2].screening_samples + days[t - 1].screening_samples +
                days[t].screening_samples ==
            90);
    }
  }
}

TEST_CASE("staff tested regularly find their infections early: fewer infected by staff") {
  const auto onward = [](std::uint32_t every) {
    SimConfig c = hospital_run(true);
    c.testing.screening_sensitivity = 1;
    c.testing.screening_result_delay_days = 0;
    c.testing.isolation_adherence = 1;
    c.hospital.staff_test_every_days = every;
    InMemoryPublisher publisher;
    const auto sim = ran(c, publisher);
    return sim->summary().staff_onward_infections;
  };
  const std::uint64_t untested = onward(0);
  const std::uint64_t tested = onward(2);
  CAPTURE(untested, tested);
  CHECK(tested * 3 < untested * 2);
}

TEST_CASE("the staff plot's data: absent each day, infected so far, with and without the app") {
  std::vector<DailyStats> app(3);
  std::vector<DailyStats> base(2);
  for (std::uint32_t t = 0; t < 3; ++t) {
    app[t].day = t;
    app[t].staff_absent = 2 * t;
    app[t].new_staff_infections = t + 1;
  }
  base[0].new_staff_infections = 4;
  base[1].staff_absent = 7;
  base[1].new_staff_infections = 1;
  CHECK(staff_plot_data(app, base) == "0 0 1 0 4\n1 2 3 7 5\n2 4 6 NaN NaN\n");
  CHECK(staff_plot_data(app, {}) == "0 0 1 NaN NaN\n1 2 3 NaN NaN\n2 4 6 NaN NaN\n");
  // Without staff, no plot and no warning.
  const PlotResult none = write_staff_plot("/nonexistent/dir", 0, app, base);
  CHECK(none.files.empty());
  CHECK(none.warning.empty());
}

TEST_CASE("hospital settings: defaults, refusals and the report's section") {
  const SimConfig d;
  CHECK(d.hospital.staff_per_100k == 0);
  CHECK(d.hospital.ward_contacts == 4);
  CHECK(d.hospital.icu_contacts == 9);
  CHECK(d.hospital.max_staff_contacts == 20);
  CHECK(d.hospital.transmission_factor == 0.4);
  CHECK(d.hospital.app_paused_at_work);
  CHECK(refusal("hospital.staff_per_100k=10001") ==
        "hospital.staff_per_100k must be in [0, 10000] (0: no infections in hospital)");
  CHECK(refusal("hospital.icu_contacts=101") ==
        "hospital.ward_contacts and icu_contacts must be in [0, 100]");
  CHECK(refusal("hospital.max_staff_contacts=0") ==
        "hospital.max_staff_contacts must be in [1, 1000]");
  CHECK(refusal("hospital.transmission_factor=-1") ==
        "hospital.transmission_factor must be in [0, 10]");
  CHECK(refusal("hospital.staff_test_every_days=61") ==
        "hospital.staff_test_every_days must be in [0, 60] (0: no regular testing of staff)");
  // Without staff the other settings would do nothing; a share that rounds to nobody
  // would leave the staff out (5,000 people: 9 per 100,000 is half a person).
  for (const std::string key :
       {"ward_contacts=5", "icu_contacts=1", "max_staff_contacts=7", "transmission_factor=1",
        "app_paused_at_work=false", "staff_test_every_days=3"}) {
    CAPTURE(key);
    CHECK(refusal("hospital." + key) == "hospital." + key.substr(0, key.find('=')) +
                                            " needs hospital staff (hospital.staff_per_100k)");
  }
  CHECK(refusal("hospital.staff_per_100k=9") ==
        "hospital.staff_per_100k gives no staff for population.people (at least one, or 0: no "
        "infections in hospital)");
  SimConfig c;
  REQUIRE(apply_override(c, "hospital.staff_per_100k=10"));
  REQUIRE(apply_override(c, "hospital.staff_per_100k=69"));
  REQUIRE(apply_override(c, "hospital.app_paused_at_work=false"));
  REQUIRE(apply_override(c, "hospital.staff_test_every_days=4"));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->hospital.staff_per_100k == 69);
  CHECK_FALSE(back->hospital.app_paused_at_work);
  CHECK(back->hospital.staff_test_every_days == 4);
  CHECK(config_hash(*back) != config_hash(SimConfig{}));

  RunSummary a;
  a.staff = 69;
  a.staff_infected = 30;
  a.staff_infected_by_patients = 21;
  a.other_workers = 40000;
  a.other_workers_infected = 10000;
  a.staff_rate = 6;
  a.other_workers_rate = 2.5;
  a.staff_absent_days = 900;
  a.peak_staff_absent = 23;
  a.staff_onward_infections = 44;
  RunSummary b = a;
  b.staff_absent_days = 700;
  const std::string text = format_staff(c.hospital, a, &b);
  CAPTURE(text);
  CHECK(text.find("Hospital staff (69 people, hospital.staff_per_100k 69; their phones "
                  "recording at work; tested every 4 days)") != std::string::npos);
  CHECK(text.find("  infections caused by staff             44 ") != std::string::npos);
  CHECK(text.find("  staff infected                         30 (43.5 %)") != std::string::npos);
  CHECK(text.find("    by a patient                         21 ") != std::string::npos);
  CHECK(text.find("  other workers infected                 10000 (25.0 %)") != std::string::npos);
  CHECK(text.find("6.000 / 2.500 (x 2.40)") != std::string::npos);
  CHECK(text.find("900 / 23 (33.3 %)        700 / 23 (33.3 %)") != std::string::npos);
}

}  // namespace greenlight::sim
