// Reinfection (config.immunity, variant.immunity_escape_*): the protection an infection
// leaves (HealthPhase::immunity_level_on, driven directly), and whole runs in which the
// recovered are infected again.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/disease.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim {
namespace {

// 20,000 people, all infected on day 0 (the initial cases), nobody meets anybody (only the
// health phase runs); after an infection efficacies 0.6 / 0.8 / 0.9 (infection / symptoms /
// severe), halving every `half_life` days. A second variant that never arrives (its day is
// after the run) makes the infections' variant 0 and lets the level against it be read.
SimConfig all_infected(double half_life) {
  SimConfig c;
  c.population.people = 20000;
  c.run.days = 80;
  c.app.uptake = 0;
  c.disease.initial_infections = 20000;
  c.disease.false_symptom_rate = 0;
  c.immunity.reinfection = true;
  c.immunity.efficacy_infection = 0.6;
  c.immunity.efficacy_symptoms = 0.8;
  c.immunity.efficacy_severe = 0.9;
  c.immunity.waning_half_life_days = half_life;
  c.variant.day = 1000;
  c.variant.imports = 1;
  c.variant.immunity_escape_infection = 0.5;
  c.variant.immunity_escape_symptoms = 0.25;
  c.variant.immunity_escape_severe = 0;
  return c;
}

struct Recovered {
  explicit Recovered(const SimConfig& c)
      : world_ptr(internal::make_world(c)), world(*world_ptr), health(world) {
    health.seed_infections();
  }
  // Shares at each level on day t (against `variant`) of the people whose course never
  // takes them to hospital (a patient is protected while in hospital).
  std::array<double, 4> shares(std::uint32_t t, std::uint8_t variant = 0) const {
    std::array<double, 4> n{};
    double people = 0;
    for (std::uint32_t p = 0; p < world.pop.size(); ++p) {
      if (health.course(p).admitted()) continue;
      n[static_cast<std::size_t>(health.immunity_level_on(p, t, variant))] += 1;
      people += 1;
    }
    for (double& x : n) x /= people;
    return n;
  }
  std::unique_ptr<internal::World> world_ptr;
  const internal::World& world;
  internal::HealthPhase health;
};

struct Run {
  std::vector<DailyStats> daily;
  std::vector<Infection> infections;
  std::vector<std::int32_t> infection_day;
  RunSummary summary;
  Reproduction reproduction;
  std::string transmissions;
  std::vector<Simulation::FetchedKey> fetched;
};

Run run(const SimConfig& c) {
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  return {sim->daily(),
          sim->infections(),
          {sim->infection_day().begin(), sim->infection_day().end()},
          sim->summary(),
          sim->reproduction(),
          transmissions_csv(*sim),
          {sim->fetched_keys().begin(), sim->fetched_keys().end()}};
}

// 3,000 people for 240 days, 30 initial cases, self-isolation and the app as by default.
SimConfig long_run(std::uint64_t seed) {
  SimConfig c = small(3000, 240, seed);
  c.disease.initial_infections = 30;
  c.immunity.reinfection = true;
  return c;
}

// long_run(seed) whose infections protect from infection, symptoms and severe disease for
// life (but for a variant's escape).
SimConfig protected_for_life(std::uint64_t seed) {
  SimConfig c = long_run(seed);
  c.immunity.efficacy_infection = 1;
  c.immunity.efficacy_symptoms = 1;
  c.immunity.efficacy_severe = 1;
  c.immunity.waning_half_life_days = 0;
  return c;
}

// Each person's infections, in day order.
std::map<std::uint32_t, std::vector<Infection>> by_person(const std::vector<Infection>& all) {
  std::map<std::uint32_t, std::vector<Infection>> out;
  for (const Infection& i : all) out[i.person].push_back(i);
  return out;
}

}  // namespace

TEST_CASE("an infection protects nobody from reinfection before its course is over") {
  const Recovered r(all_infected(0));
  const std::uint32_t last_infectious = r.world.config.disease.infectious_days - 1;
  for (const std::uint32_t t : {0u, 5u, last_infectious}) {
    CAPTURE(t);
    CHECK(r.shares(t)[3] == 1.0);
    CHECK(r.shares(t, 1)[3] == 1.0);
  }
  // Nor a patient while in hospital after it, nor the dead.
  std::uint32_t in_hospital = 0;
  std::uint32_t dead = 0;
  for (std::uint32_t p = 0; p < r.world.pop.size(); ++p) {
    const Course& course = r.health.course(p);
    for (std::uint32_t k = last_infectious + 1; k < 80; ++k) {
      if (!course.absent(k)) continue;
      if (course.in_hospital(k)) ++in_hospital;
      if (course.dead(k)) ++dead;
      CHECK(r.health.immunity_level_on(p, k) == VaccineProtection::kInfection);
      CHECK(r.health.immunity_level_on(p, k, 1) == VaccineProtection::kInfection);
    }
  }
  CHECK(in_hospital > 100);
  CHECK(dead > 100);
  // Nor a severe course whose admission (or death at home) is still to come: a reinfection
  // then replaced the course, and the admission or death never happened.
  std::uint32_t before_admission = 0;
  for (std::uint32_t p = 0; p < r.world.pop.size(); ++p) {
    const Course& course = r.health.course(p);
    if (course.severity == Severity::kNone) continue;
    for (std::uint32_t k = last_infectious + 1; k < course.end_day; ++k) {
      if (course.absent(k)) continue;
      ++before_admission;
      CHECK(r.health.immunity_level_on(p, k) == VaccineProtection::kInfection);
    }
  }
  CHECK(before_admission > 100);
}

TEST_CASE("once recovered, the shares protected are the efficacies, escaped by the variant") {
  const Recovered r(all_infected(0));
  const std::uint32_t t = r.world.config.disease.infectious_days;
  const auto s = r.shares(t);
  CHECK(s[3] == Approx(0.6).margin(0.012));  // infection
  CHECK(s[2] == Approx(0.2).margin(0.012));  // symptoms only
  CHECK(s[1] == Approx(0.1).margin(0.012));  // severe only
  CHECK(s[0] == Approx(0.1).margin(0.012));  // nothing
  CHECK(r.shares(t + 60) == s);              // no waning
  const auto v = r.shares(t, 1);             // 0.3 / 0.6 / 0.9 against the variant
  CHECK(v[3] == Approx(0.3).margin(0.012));
  CHECK(v[2] == Approx(0.3).margin(0.012));
  CHECK(v[1] == Approx(0.3).margin(0.012));
  CHECK(v[0] == Approx(0.1).margin(0.012));
  // Whoever the infection protects from the variant it protects from the first.
  for (std::uint32_t p = 0; p < r.world.pop.size(); ++p) {
    if (r.health.course(p).admitted()) continue;
    CHECK(r.health.immunity_level_on(p, t, 1) <= r.health.immunity_level_on(p, t, 0));
  }
}

TEST_CASE("immunity after an infection wanes against infection and symptoms, not severe") {
  const Recovered r(all_infected(20));
  const std::uint32_t start = r.world.config.disease.infectious_days;
  std::array<double, 4> before{};
  for (const std::uint32_t since : {0u, 20u, 40u, 70u}) {
    CAPTURE(since);
    const double f = std::exp2(-static_cast<double>(since) / 20);
    const auto s = r.shares(start + since);
    CHECK(s[3] == Approx(0.6 * f).margin(0.012));
    CHECK(s[3] + s[2] == Approx(0.8 * f).margin(0.012));
    CHECK(s[3] + s[2] + s[1] == Approx(0.9).margin(0.012));
    if (since > 0) CHECK(s[3] < before[3]);
    before = s;
  }
}

TEST_CASE("with immunity for life, reinfection switched on changes nothing") {
  const SimConfig on = protected_for_life(4);
  SimConfig off = on;
  off.immunity.reinfection = false;
  const Run a = run(on);
  const Run b = run(off);
  CHECK(a.summary.infections > 300);
  CHECK(a.summary.reinfections == 0);
  CHECK(daily_csv(a.daily) == daily_csv(b.daily));
  CHECK(a.transmissions == b.transmissions);
}

TEST_CASE("without immunity the recovered are infected again, each infection kept") {
  SimConfig c = long_run(5);
  c.immunity.efficacy_infection = 0;
  c.immunity.efficacy_symptoms = 0;
  c.immunity.efficacy_severe = 0;
  const Run r = run(c);
  REQUIRE(r.summary.reinfections > 100);
  // Every infection is listed once, the latest of each person is the one of the spans.
  CHECK(r.infections.size() == r.summary.infections);
  std::uint64_t counted = 0;
  for (const auto& d : r.daily) counted += d.reinfections;
  CHECK(counted == r.summary.reinfections);
  const auto people = by_person(r.infections);
  std::uint64_t again = 0;
  const std::uint32_t infectious_days = c.disease.infectious_days;
  for (const auto& [p, list] : people) {
    CAPTURE(p);
    CHECK(list.back().day == r.infection_day[p]);
    for (std::size_t k = 1; k < list.size(); ++k) {
      ++again;
      const Infection& before = list[k - 1];
      const auto gap = static_cast<std::uint32_t>(list[k].day - before.day);
      // Only after the course was over: past infectious_days, out of hospital (and past the
      // discharge of a severe course), alive.
      CHECK(gap >= infectious_days);
      CHECK_FALSE(before.course.absent(gap));
      if (before.course.severity != Severity::kNone) CHECK(gap >= before.course.end_day);
    }
  }
  CHECK(again == r.summary.reinfections);
  CHECK(people.size() + again == r.summary.infections);
  // A reinfected app user may test positive and upload its keys again: an uploader whose
  // published keys lie further apart than one upload's 14 days.
  std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> key_days;
  for (const auto& k : r.fetched) {
    auto [it, fresh] = key_days.try_emplace(k.owner, k.day, k.day);
    it->second.first = std::min(it->second.first, k.day);
    it->second.second = std::max(it->second.second, k.day);
  }
  std::uint32_t uploaded_twice = 0;
  for (const auto& [owner, days] : key_days) {
    if (days.second - days.first >= 14) ++uploaded_twice;
  }
  CHECK(uploaded_twice > 5);
  // A key uploaded twice (a second upload within 14 days of the first holds the days they
  // share) is published once, as the server keeps the first upload of a key: the phones
  // fetch each uploader's key of a day once.
  std::set<std::pair<std::uint32_t, std::uint32_t>> fetched_once;
  std::uint32_t fetched_again = 0;
  for (const auto& k : r.fetched) {
    if (!fetched_once.emplace(k.owner, k.day).second) ++fetched_again;
  }
  CHECK(fetched_again == 0);
  // Each infection passed on counts for its infector's infection of the time.
  std::uint64_t cohort_infected = 0;
  std::uint64_t cohort_secondary = 0;
  for (const Cohort& k : r.reproduction.cohorts) {
    cohort_infected += k.infected;
    cohort_secondary += k.secondary;
  }
  CHECK(cohort_infected == r.summary.infections);
  std::uint64_t passed_on = 0;
  for (const Infection& i : r.infections) {
    if (i.infector == kNoPerson) continue;
    ++passed_on;
    // The infector was infectious then: infected before, at most infectious_days before.
    bool infectious = false;
    for (const Infection& j : people.at(i.infector)) {
      infectious = infectious || (j.day == i.infector_day && j.day < i.day &&
                                  static_cast<std::uint32_t>(i.day - j.day) < infectious_days);
    }
    CHECK(infectious);
  }
  CHECK(cohort_secondary == passed_on);
  // The transmission log has a row per infection.
  const auto rows = std::count(r.transmissions.begin(), r.transmissions.end(), '\n');
  CHECK(static_cast<std::uint64_t>(rows) == r.summary.infections + 1);
  // The people's outcomes by age add up to the run's admissions and deaths (a course's
  // admission or death is never replaced by a reinfection before it).
  std::uint64_t admitted = 0;
  std::uint64_t died = 0;
  for (const auto& row : r.summary.by_age) {
    admitted += row.admitted;
    died += row.deaths;
  }
  CHECK(admitted == r.summary.hospitalisations);
  CHECK(died == r.summary.deaths);
  // The recovered become susceptible again: on some days there are more susceptible people
  // than the day before (never without reinfection).
  std::uint32_t rising = 0;
  for (std::size_t d = 1; d < r.daily.size(); ++d) {
    if (r.daily[d].susceptible > r.daily[d - 1].susceptible) ++rising;
  }
  CHECK(rising > 10);
}

TEST_CASE("protection from symptoms after an infection gives asymptomatic reinfections") {
  SimConfig c = long_run(6);
  c.immunity.efficacy_infection = 0;
  c.immunity.efficacy_symptoms = 1;
  c.immunity.efficacy_severe = 1;
  c.immunity.waning_half_life_days = 0;  // waning would let symptoms through
  const Run r = run(c);
  REQUIRE(r.summary.reinfections > 100);
  std::uint64_t symptomatic_first = 0;
  for (const auto& [p, list] : by_person(r.infections)) {
    if (list.front().course.symptomatic) ++symptomatic_first;
    for (std::size_t k = 1; k < list.size(); ++k) {
      CHECK_FALSE(list[k].course.symptomatic);
      CHECK_FALSE(list[k].course.admitted());
    }
  }
  CHECK(symptomatic_first > 100);  // first infections keep their symptoms
}

TEST_CASE("a variant that escapes the immunity of an infection reinfects with itself alone") {
  SimConfig c = protected_for_life(7);
  c.variant.day = 60;
  c.variant.imports = 10;
  c.variant.immunity_escape_infection = 1;
  c.variant.immunity_escape_symptoms = 1;
  c.variant.immunity_escape_severe = 1;
  const Run r = run(c);
  REQUIRE(r.summary.reinfections > 50);
  for (const auto& [p, list] : by_person(r.infections)) {
    CAPTURE(p);
    CHECK(list.size() <= 2);
    if (list.size() < 2) continue;
    CHECK(list[0].variant == 0);
    CHECK(list[1].variant == 1);
  }
  // Without reinfection the escape changes nothing; without the escape nobody is infected
  // twice.
  SimConfig lifelong = c;
  lifelong.immunity.reinfection = false;
  const Run escaping = run(lifelong);
  CHECK(escaping.summary.reinfections == 0);
  c.variant.immunity_escape_infection = 0;
  c.variant.immunity_escape_symptoms = 0;
  c.variant.immunity_escape_severe = 0;
  const Run kept = run(c);
  CHECK(kept.summary.reinfections == 0);
  CHECK(daily_csv(escaping.daily) == daily_csv(kept.daily));
}

}  // namespace greenlight::sim
