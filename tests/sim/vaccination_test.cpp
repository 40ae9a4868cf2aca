// Vaccination (config.vaccination, HealthPhase::vaccinate, DiseaseModel::protect).
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/disease.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

// 3,000 people, 30 initial cases, 60 people a day vaccinated (2,000 per 100,000).
SimConfig vaccinated(std::uint32_t days, std::uint64_t seed) {
  SimConfig c = small(3000, days, seed);
  c.disease.initial_infections = 30;
  c.vaccination.people_per_day_per_100k = 2000;
  return c;
}

struct Vaccinated {
  std::vector<DailyStats> daily;
  std::vector<std::int32_t> vaccination_day;
  std::vector<VaccineProtection> protection;
  std::vector<std::int32_t> infection_day;
  std::vector<Course> courses;
  Population population;
  RunSummary summary;
  std::vector<std::uint8_t> variant;  // with a second variant
};

Vaccinated run(const SimConfig& c) {
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const Simulation& s = *sim;
  return {s.daily(),
          {s.vaccination_day().begin(), s.vaccination_day().end()},
          {s.vaccine_protection().begin(), s.vaccine_protection().end()},
          {s.infection_day().begin(), s.infection_day().end()},
          {s.courses().begin(), s.courses().end()},
          s.population(),
          s.summary(),
          {s.variant().begin(), s.variant().end()}};
}

// The day's columns without vaccination's own.
std::string other_columns(std::span<const DailyStats> days) {
  std::vector<DailyStats> copy(days.begin(), days.end());
  for (auto& d : copy) d.new_vaccinated = d.vaccinated = d.breakthrough_infections = 0;
  return daily_csv(copy);
}

// Person p was infected on a day its vaccine protected it (days_to_protect after the dose).
bool infected_protected(const Vaccinated& v, std::uint32_t p, std::uint32_t days_to_protect) {
  return v.infection_day[p] >= 0 && v.vaccination_day[p] >= 0 &&
         v.infection_day[p] >= v.vaccination_day[p] + static_cast<std::int32_t>(days_to_protect);
}

}  // namespace

TEST_CASE("vaccination gives the day's doses to the willing, oldest first, skipping the dead") {
  SimConfig c = vaccinated(70, 3);
  c.vaccination.start_day = 5;
  // Many deaths among the old, so that some die before their turn.
  c.disease.initial_infections = 100;
  c.disease.hospitalised_fraction.fill(0.5);
  c.disease.fatality_fraction.fill(1);
  const Vaccinated v = run(c);
  const std::uint32_t n = v.population.size();
  REQUIRE(v.vaccination_day.size() == n);
  std::vector<std::uint32_t> per_day(c.run.days, 0);
  std::uint32_t willing_alive = 0;  // aged 10 or more, alive at the end
  std::uint32_t skipped = 0;        // willing, dead, never vaccinated
  for (std::uint32_t p = 0; p < n; ++p) {
    const std::int32_t day = v.vaccination_day[p];
    const bool dead = v.infection_day[p] >= 0 && v.courses[p].severity == Severity::kDies &&
                      v.infection_day[p] + v.courses[p].end_day < static_cast<int>(c.run.days);
    if (v.population.age_group[p] == 0) {
      CHECK(day == -1);  // uptake 0 under 10
      continue;
    }
    if (!dead) ++willing_alive;
    if (day < 0) {
      // 2,700 willing at 60 a day from day 5: everyone alive had a turn by day 50.
      CHECK(dead);
      ++skipped;
      continue;
    }
    ++per_day[static_cast<std::size_t>(day)];
    // Not dead on the day of the dose.
    if (v.infection_day[p] >= 0 && v.courses[p].severity == Severity::kDies) {
      CHECK(v.infection_day[p] + v.courses[p].end_day > day);
    }
  }
  CHECK(skipped > 0);
  std::uint32_t total = 0;
  for (const DailyStats& d : v.daily) {
    CAPTURE(d.day);
    CHECK(d.new_vaccinated == per_day[d.day]);
    total += d.new_vaccinated;
    CHECK(d.vaccinated == total);
    if (d.day < 5) CHECK(d.new_vaccinated == 0);
  }
  CHECK(v.daily[5].new_vaccinated == 60);
  CHECK(v.daily[40].new_vaccinated == 60);
  CHECK(v.summary.vaccinated == total);
  CHECK(total >= willing_alive);
  // Oldest first: everyone vaccinated on a day is at most as old as those of the days before.
  std::vector<int> youngest(c.run.days, 9);
  std::vector<int> oldest(c.run.days, -1);
  for (std::uint32_t p = 0; p < n; ++p) {
    if (v.vaccination_day[p] < 0) continue;
    const auto day = static_cast<std::size_t>(v.vaccination_day[p]);
    youngest[day] = std::min<int>(youngest[day], v.population.age_group[p]);
    oldest[day] = std::max<int>(oldest[day], v.population.age_group[p]);
  }
  for (std::size_t d = 1; d < c.run.days; ++d) {
    if (oldest[d] < 0) continue;
    for (std::size_t e = 0; e < d; ++e) {
      if (oldest[e] >= 0) CHECK(oldest[d] <= youngest[e]);
    }
  }
  CHECK(oldest[5] == 8);

  // In random order the first day's doses go to several age groups.
  c.vaccination.oldest_first = false;
  const Vaccinated mixed = run(c);
  std::set<int> groups;
  for (std::uint32_t p = 0; p < n; ++p) {
    if (mixed.vaccination_day[p] == 5) groups.insert(mixed.population.age_group[p]);
  }
  CHECK(groups.size() >= 6);
  CHECK(groups.count(0) == 0);
}

TEST_CASE("a vaccine changes nothing before it protects, and nothing if it protects from nothing") {
  SimConfig c = vaccinated(60, 4);
  c.vaccination.start_day = 3;
  c.vaccination.days_to_protect = 14;
  const Vaccinated off = [&] {
    SimConfig o = c;
    o.vaccination.people_per_day_per_100k = 0;
    return run(o);
  }();
  CHECK(off.vaccination_day.empty());
  CHECK(off.protection.empty());
  // No protection: only the vaccination columns differ.
  c.vaccination.efficacy_infection = c.vaccination.efficacy_symptoms = 0;
  c.vaccination.efficacy_severe = 0;
  const Vaccinated none = run(c);
  CHECK(none.summary.vaccinated > 1000);
  CHECK(other_columns(none.daily) == other_columns(off.daily));
  // Full protection: the same days until the first doses protect (day 3 + 14), then fewer
  // infections.
  c.vaccination.efficacy_infection = c.vaccination.efficacy_symptoms = 1;
  c.vaccination.efficacy_severe = 1;
  const Vaccinated full = run(c);
  CHECK(other_columns(std::span(full.daily).first(17)) ==
        other_columns(std::span(off.daily).first(17)));
  CHECK(full.summary.infections < off.summary.infections);
}

TEST_CASE("a protected person is never infected, or its course is cut as the vaccine says") {
  SimConfig c = vaccinated(80, 5);
  c.vaccination.days_to_protect = 7;
  c.vaccination.oldest_first = false;
  c.disease.initial_infections = 60;
  c.disease.asymptomatic_fraction.fill(0.1);
  c.disease.mild_fraction.fill(0);
  c.disease.hospitalised_fraction.fill(1);
  const auto protected_infections = [&](const Vaccinated& v, auto&& each) {
    std::uint32_t count = 0;
    for (std::uint32_t p = 0; p < v.population.size(); ++p) {
      if (!infected_protected(v, p, c.vaccination.days_to_protect)) continue;
      ++count;
      each(p);
    }
    return count;
  };
  SECTION("against infection: never infected once protected") {
    c.vaccination.efficacy_infection = c.vaccination.efficacy_symptoms = 1;
    c.vaccination.efficacy_severe = 1;
    const Vaccinated v = run(c);
    CHECK(protected_infections(v, [](std::uint32_t) {}) == 0);
    CHECK(v.summary.infections > 200);
  }
  SECTION("against symptoms: infected, never ill") {
    c.vaccination.efficacy_infection = 0;
    c.vaccination.efficacy_symptoms = c.vaccination.efficacy_severe = 1;
    const Vaccinated v = run(c);
    const auto count = protected_infections(v, [&](std::uint32_t p) {
      CHECK_FALSE(v.courses[p].symptomatic);
      CHECK(v.courses[p].severity == Severity::kNone);
      CHECK(v.courses[p].infectiousness_factor ==
            static_cast<float>(c.disease.asymptomatic_infectiousness));
    });
    CHECK(count > 50);
  }
  SECTION("against severe disease: ill, never in hospital; the unprotected are admitted") {
    c.vaccination.efficacy_infection = c.vaccination.efficacy_symptoms = 0;
    c.vaccination.efficacy_severe = 1;
    const Vaccinated v = run(c);
    std::uint32_t symptomatic = 0;
    const auto count = protected_infections(v, [&](std::uint32_t p) {
      CHECK(v.courses[p].severity == Severity::kNone);
      if (v.courses[p].symptomatic) ++symptomatic;
    });
    CHECK(count > 50);
    CHECK(symptomatic * 10 > count * 8);  // 0.9 symptomatic
    std::uint32_t unprotected_admitted = 0;
    for (std::uint32_t p = 0; p < v.population.size(); ++p) {
      if (v.infection_day[p] >= 0 && !infected_protected(v, p, 7) && v.courses[p].symptomatic)
        unprotected_admitted += v.courses[p].severity != Severity::kNone ? 1u : 0u;
    }
    CHECK(unprotected_admitted > 50);
  }
}

TEST_CASE("between the doses the first dose protects from its day on, as far as it goes") {
  SimConfig c = vaccinated(80, 5);
  c.vaccination.oldest_first = false;
  c.disease.initial_infections = 60;
  c.vaccination.efficacy_infection = c.vaccination.efficacy_symptoms = 1;
  c.vaccination.efficacy_severe = 1;
  // Infections of vaccinated people between day 7 and day 28 after their dose.
  const auto between = [](const Vaccinated& v) {
    std::uint32_t count = 0;
    for (std::uint32_t p = 0; p < v.population.size(); ++p) {
      if (v.infection_day[p] < 0 || v.vaccination_day[p] < 0) continue;
      const std::int32_t since = v.infection_day[p] - v.vaccination_day[p];
      if (since >= 7 && since < 28) ++count;
    }
    return count;
  };
  const Vaccinated full_only = run(c);
  REQUIRE(between(full_only) > 20);  // the full course protects from day 28 only
  // A first dose that protects from nothing changes nothing.
  c.vaccination.first_dose_protect_days = 7;
  c.vaccination.first_dose_efficacy_infection = c.vaccination.first_dose_efficacy_symptoms = 0;
  c.vaccination.first_dose_efficacy_severe = 0;
  CHECK(daily_csv(run(c).daily) == daily_csv(full_only.daily));
  // One that protects from infection: nobody infected from day 7 after the dose on.
  c.vaccination.first_dose_efficacy_infection = c.vaccination.first_dose_efficacy_symptoms = 1;
  c.vaccination.first_dose_efficacy_severe = 1;
  const Vaccinated early = run(c);
  CHECK(between(early) == 0);
  for (std::uint32_t p = 0; p < early.population.size(); ++p) {
    if (early.infection_day[p] >= 0 && early.vaccination_day[p] >= 0)
      CHECK(early.infection_day[p] < early.vaccination_day[p] + 7);
  }
  CHECK(early.summary.infections < full_only.summary.infections);
}

TEST_CASE("each efficacy is the share protected at least against its outcome") {
  VaccinationConfig vc;
  vc.efficacy_infection = 0.5;
  vc.efficacy_symptoms = 0.7;
  vc.efficacy_severe = 0.9;
  CHECK(vaccine_protection(0.0, vc) == VaccineProtection::kInfection);
  CHECK(vaccine_protection(0.4999, vc) == VaccineProtection::kInfection);
  CHECK(vaccine_protection(0.5, vc) == VaccineProtection::kSymptoms);
  CHECK(vaccine_protection(0.7, vc) == VaccineProtection::kSevere);
  CHECK(vaccine_protection(0.9, vc) == VaccineProtection::kNone);
  // Drawn per person: 20,000 people.
  SimConfig c = vaccinated(1, 6);
  c.population.people = 20000;
  c.vaccination.efficacy_infection = 0.5;
  c.vaccination.efficacy_symptoms = 0.7;
  c.vaccination.efficacy_severe = 0.9;
  const Vaccinated v = run(c);
  std::array<double, 4> share{};
  for (const VaccineProtection level : v.protection) share[static_cast<std::size_t>(level)] += 1;
  for (double& s : share) s /= static_cast<double>(v.protection.size());
  CHECK(share[3] == Approx(0.5).margin(0.015));  // infection
  CHECK(share[2] == Approx(0.2).margin(0.015));  // symptoms, not infection
  CHECK(share[1] == Approx(0.2).margin(0.015));  // severe only
  CHECK(share[0] == Approx(0.1).margin(0.015));
}

TEST_CASE("vaccinating a population averts infections and deaths") {
  std::uint64_t infections[2] = {0, 0};
  std::uint64_t deaths[2] = {0, 0};
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    SimConfig c = vaccinated(150, seed);
    c.population.people = 10000;
    c.disease.initial_infections = 10;
    c.vaccination.people_per_day_per_100k = 500;
    for (const int on : {0, 1}) {
      SimConfig o = c;
      if (on == 0) o.vaccination.people_per_day_per_100k = 0;
      const Vaccinated v = run(o);
      infections[on] += v.summary.infections;
      deaths[on] += v.summary.deaths;
    }
  }
  CAPTURE(infections[0], infections[1], deaths[0], deaths[1]);
  CHECK(infections[1] * 10 < infections[0] * 8);
  CHECK(deaths[1] < deaths[0]);
}

TEST_CASE("a waning vaccine lets the protected be infected once it waned, never severely") {
  SimConfig c = vaccinated(80, 5);
  c.vaccination.days_to_protect = 7;
  c.vaccination.oldest_first = false;
  c.vaccination.efficacy_infection = c.vaccination.efficacy_symptoms = 1;
  c.vaccination.efficacy_severe = 1;
  c.disease.initial_infections = 60;
  c.disease.hospitalised_fraction.fill(1);
  c.vaccination.waning_half_life_days = 10;
  const Vaccinated v = run(c);
  std::uint32_t infected = 0;
  std::uint32_t symptomatic = 0;
  for (std::uint32_t p = 0; p < v.population.size(); ++p) {
    if (!infected_protected(v, p, 7)) continue;
    CAPTURE(p);
    ++infected;
    // Fully protected on its first day (0.5^0 = 1), never from severe disease.
    CHECK(v.infection_day[p] > v.vaccination_day[p] + 7);
    CHECK(v.courses[p].severity == Severity::kNone);
    symptomatic += v.courses[p].symptomatic ? 1u : 0u;
  }
  CHECK(infected > 40);
  CHECK(symptomatic > infected / 2);  // protection from symptoms wanes alike
  CHECK(v.summary.breakthrough_infections == infected);
  // The same campaign without waning: nobody once protected.
  c.vaccination.waning_half_life_days = 0;
  CHECK(run(c).summary.breakthrough_infections == 0);
}

TEST_CASE("a variant escaping the vaccine infects whom it protected, as far as it escapes") {
  // Everyone over 9 vaccinated by day 17 and protected 7 days later from everything; the
  // second variant arrives on day 30.
  SimConfig c = vaccinated(90, 6);
  c.vaccination.people_per_day_per_100k = 5000;
  c.vaccination.days_to_protect = 7;
  c.vaccination.efficacy_infection = c.vaccination.efficacy_symptoms = 1;
  c.vaccination.efficacy_severe = 1;
  c.disease.initial_infections = 60;
  c.disease.asymptomatic_fraction.fill(0.1);
  c.variant.day = 30;
  c.variant.imports = 30;
  c.variant.relative_transmissibility = 2;
  const auto breakthroughs = [&](const Vaccinated& v) {
    std::uint64_t column = 0;
    for (const DailyStats& d : v.daily) column += d.breakthrough_infections;
    CHECK(v.summary.breakthrough_infections == column);
    return column;
  };
  const Vaccinated kept = run(c);
  std::uint32_t kept_count = 0;
  for (std::uint32_t p = 0; p < kept.population.size(); ++p)
    kept_count += infected_protected(kept, p, 7) ? 1u : 0u;
  CHECK(kept_count == 0);  // no escape: nobody infected once protected
  CHECK(breakthroughs(kept) == 0);
  CHECK(kept.summary.variant_infections >= 30);

  // Infected once protected: only by the variant, each counted as a breakthrough; with the
  // vaccine's protection from symptoms kept, never ill; without, mostly ill.
  for (const double symptoms_escape : {0.0, 1.0}) {
    CAPTURE(symptoms_escape);
    SimConfig e = c;
    e.variant.vaccine_escape_infection = 1;
    e.variant.vaccine_escape_symptoms = symptoms_escape;
    REQUIRE(validate_config(e));
    const Vaccinated v = run(e);
    // The same days until the variant arrives.
    CHECK(daily_csv(std::span(v.daily).first(30)) == daily_csv(std::span(kept.daily).first(30)));
    std::uint32_t escaped = 0;
    std::uint32_t ill = 0;
    for (std::uint32_t p = 0; p < v.population.size(); ++p) {
      if (!infected_protected(v, p, 7)) continue;
      CAPTURE(p);
      CHECK(v.variant[p] == 1);
      CHECK(v.courses[p].severity == Severity::kNone);  // severe disease: no escape
      ++escaped;
      ill += v.courses[p].symptomatic ? 1u : 0u;
    }
    CHECK(escaped > 100);
    CHECK(breakthroughs(v) == escaped);
    if (symptoms_escape == 0) {
      CHECK(ill == 0);
    } else {
      CHECK(ill * 10 > escaped * 8);  // 0.9 symptomatic
    }
    CHECK(v.summary.variant_infections > kept.summary.variant_infections + escaped / 2);
  }
}

TEST_CASE("escape from the vaccine changes nothing without vaccination") {
  SimConfig c = small(3000, 60, 8);
  c.disease.initial_infections = 30;
  c.variant.day = 20;
  c.variant.imports = 10;
  const Vaccinated plain = run(c);
  c.variant.vaccine_escape_infection = c.variant.vaccine_escape_symptoms = 1;
  c.variant.vaccine_escape_severe = 1;
  const Vaccinated escaping = run(c);
  CHECK(escaping.summary.variant_infections > 10);
  CHECK(daily_csv(escaping.daily) == daily_csv(plain.daily));
}

}  // namespace greenlight::sim
