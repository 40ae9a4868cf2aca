#include "greenlight/sim/simulation.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <utility>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

// 3,000 people, 60 days, 30 initial cases: everyone infected falls ill, goes to hospital and
// needs intensive care, and dies with `fatality`.
SimConfig all_severe(double fatality) {
  SimConfig c = small(3000, 60, 4);
  c.disease.initial_infections = 30;
  c.disease.asymptomatic_fraction.fill(0);
  c.disease.mild_fraction.fill(0);
  c.disease.hospitalised_fraction.fill(1);
  c.disease.critical_fraction.fill(1);
  c.disease.fatality_fraction.fill(fatality);
  return c;
}

struct Outcome {
  std::string csv;
  RunSummary summary;
  std::vector<DailyStats> daily;
};

Outcome run(const SimConfig& c) {
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  return {daily_csv(sim->daily()), sim->summary(), sim->daily()};
}

// The people infected by `day` whose course meets pred(course, days since infection) that day.
template <typename Pred>
std::uint32_t courses_on(const Simulation& sim, std::uint32_t day, Pred pred) {
  const auto infection_day = sim.infection_day();
  const auto courses = sim.courses();
  std::uint32_t n = 0;
  for (std::uint32_t p = 0; p < infection_day.size(); ++p) {
    if (infection_day[p] == -1 || infection_day[p] > std::int32_t(day)) continue;
    if (pred(courses[p], day - static_cast<std::uint32_t>(infection_day[p]))) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("the same seed gives the same CSV bytes, at any thread count") {
  SimConfig c = small(1500, 25, 7);
  c.disease.initial_infections = 15;
  const Outcome a = run(c);
  const Outcome b = run(c);
  CHECK(a.csv == b.csv);
  c.run.threads = 1;
  const Outcome one_thread = run(c);
  CHECK(a.csv == one_thread.csv);
  // The run is not trivial: there is an epidemic and the app is used.
  CHECK(a.summary.infections > c.disease.initial_infections);
  CHECK(a.daily.back().runs_stored > 0);
  c.run.seed = 8;
  CHECK(run(c).csv != a.csv);
}

TEST_CASE("probing only the uploaders' runs finds what probing every run finds") {
  // The sync probes the runs of the keys' uploaders only (every key of the in-memory
  // publisher has a known uploader); run.probe_all_runs probes every stored run.
  SimConfig c = small(3000, 40, 9);
  c.disease.initial_infections = 30;
  c.app.upload_consent = 1;
  const auto hits_of = [](const SimConfig& config) {
    InMemoryPublisher publisher;
    const auto sim = ran(config, publisher);
    std::vector<std::array<std::uint32_t, 5>> out;
    for (const auto& h : sim->exposure_hits()) {
      out.push_back({h.phone, h.owner, h.exposure_day, h.sync_day, h.windows});
    }
    return std::pair{daily_csv(sim->daily()), out};
  };
  const auto [csv, hits] = hits_of(c);
  c.run.probe_all_runs = true;
  const auto [csv_all, hits_all] = hits_of(c);
  INFO("exposure hits " << hits.size());
  REQUIRE(hits.size() > 20);
  CHECK(hits == hits_all);
  CHECK(csv == csv_all);
}

TEST_CASE("with uptake 0 nobody is notified") {
  SimConfig c = small(1500, 30, 3);
  c.app.uptake = 0;
  c.disease.initial_infections = 20;
  const Outcome o = run(c);
  CHECK(o.summary.app_users == 0);
  CHECK(o.summary.infections > c.disease.initial_infections);
  CHECK(o.summary.positives > 0);
  CHECK(o.summary.uploads == 0);
  CHECK(o.summary.notifications_red == 0);
  CHECK(o.summary.notifications_yellow == 0);
  for (const auto& d : o.daily) {
    CHECK(d.red + d.yellow + d.green == 0);
    CHECK(d.keys_fetched == 0);
    CHECK(d.runs_stored == 0);
  }
}

TEST_CASE(
    "with uptake 100 % and perfect radio every infected contact of a reported case is notified") {
  SimConfig c = small(2000, 35, 11);
  c.disease.initial_infections = 20;
  c.app.uptake = 1;
  c.app.upload_consent = 1;
  c.testing.symptom_isolation = 1;
  c.testing.sensitivity = 1;
  c.radio.perfect = true;
  // Every matched window counts: no minimum duration, no transmission-risk drop.
  c.app.risk.min_window_minutes = 0;
  c.app.risk.drop_trl_at_most = 0;
  c.app.risk.dsos_infectiousness.fill(2);
  c.app.risk.attenuation_weights = {1, 1, 1, 1};
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const RunSummary s = sim->summary();
  INFO("uploads " << s.uploads << ", infected contacts of uploaded cases "
                  << s.infected_contacts_notified.total);
  REQUIRE(s.uploads > 0);
  REQUIRE(s.infected_contacts_notified.total >= 10);
  CHECK(s.infected_contacts_notified.hits == s.infected_contacts_notified.total);

  // The same from the raw ground truth: for every (case, day) key fetched while the phones
  // still counted its day (max_encounter_age_days, 10), everyone that case infected on that
  // day matched it.
  const auto infection_day = sim->infection_day();
  const auto infector = sim->infector();
  const auto& hits = sim->exposure_hits();
  std::size_t checked = 0;
  for (const auto& k : sim->fetched_keys()) {
    if (k.sync_day - k.day > 10) continue;
    for (std::uint32_t p = 0; p < infector.size(); ++p) {
      if (infector[p] != k.owner || infection_day[p] != static_cast<std::int32_t>(k.day)) continue;
      ++checked;
      bool found = false;
      for (const auto& h : hits) {
        found = found ||
                (h.phone == p && h.owner == k.owner && h.exposure_day == k.day && h.windows > 0);
      }
      CAPTURE(p, k.owner, k.day);
      CHECK(found);
    }
  }
  CHECK(checked == s.infected_contacts_notified.total);

  // Backward: every uploader's key of the day it was infected reached its infector's phone
  // (everyone runs the app from day 0), which matched it.
  std::set<std::pair<std::uint32_t, std::uint32_t>> sources;
  for (const auto& k : sim->fetched_keys()) {
    if (k.sync_day - k.day > 10 || infection_day[k.owner] != static_cast<std::int32_t>(k.day) ||
        infector[k.owner] == kNoPerson) {
      continue;
    }
    sources.insert({k.owner, k.day});
  }
  INFO("uploaders infected by someone on a day their fetched key covers: " << sources.size());
  REQUIRE(sources.size() >= 10);
  CHECK(s.infectors_warned.total == sources.size());
  CHECK(s.infectors_warned.hits == s.infectors_warned.total);

  // With the default mapping of days since onset no day before the uploader's onset - 4
  // counts, and most infectors met the uploader only earlier.
  c.app.risk.dsos_infectiousness = SimConfig{}.app.risk.dsos_infectiousness;
  InMemoryPublisher publisher2;
  const RunSummary d = ran(c, publisher2)->summary();
  INFO("infectors warned: " << s.infectors_warned.hits << " / " << s.infectors_warned.total
                            << " with every day counted, " << d.infectors_warned.hits << " / "
                            << d.infectors_warned.total << " by default");
  REQUIRE(d.infectors_warned.total >= 10);
  CHECK(d.infectors_warned.hits * 10 < d.infectors_warned.total * 9);
}

TEST_CASE("with the app on, fewer people are infected than with it off (same seed)") {
  SimConfig c = small(3000, 45, 5);
  c.disease.initial_infections = 20;
  c.app.upload_consent = 1;
  c.app.uptake = 0;
  const Outcome off = run(c);
  c.app.uptake = 0.9;
  const Outcome on = run(c);
  INFO("infections without app " << off.summary.infections << ", with app "
                                 << on.summary.infections);
  CHECK(on.summary.notifications_red > 0);
  CHECK(on.summary.infections < off.summary.infections);
}

TEST_CASE("isolating people meet only their household") {
  SimConfig c = small(800, 12, 2);
  c.disease.initial_infections = 800;  // everyone infected at once: nobody left to infect
  c.disease.false_symptom_rate = 0;
  c.testing.symptom_isolation = 1;
  const Outcome o = run(c);
  // Contacts fall once symptomatic people isolate.
  CHECK(o.daily.back().isolating > 0);
  CHECK(o.daily.back().contacts < o.daily.front().contacts);
  CHECK(o.summary.infections == 800);
}

TEST_CASE("a lockdown changes nothing before it starts and thins contacts while it lasts") {
  SimConfig c = small(3000, 30, 3);
  c.disease.initial_infections = 30;
  const Outcome free = run(c);
  // Closed: nobody meets anyone outside the household, and households do not infect.
  c.lockdown.start_day = 10;
  c.lockdown.days = 8;
  c.lockdown.school_work_multiplier = 0;
  c.lockdown.random_multiplier = 0;
  c.lockdown.venue_multiplier = 0;
  c.lockdown.household_multiplier = 0;
  const Outcome closed = run(c);
  REQUIRE(closed.daily.size() == 30);
  for (std::uint32_t d = 0; d < 10; ++d) {
    CAPTURE(d);
    CHECK(daily_csv(std::span(closed.daily).first(d + 1)) ==
          daily_csv(std::span(free.daily).first(d + 1)));
  }
  std::uint32_t during = 0;
  for (std::uint32_t d = 10; d < 18; ++d) {
    CAPTURE(d);
    CHECK(closed.daily[d].new_infections == 0);
    CHECK(closed.daily[d].contacts * 3 < free.daily[d].contacts);
    during += free.daily[d].new_infections;
  }
  REQUIRE(during > 20);  // without the lockdown these days infect people
  // After it, people meet again (as many contacts as without it, within the isolations).
  CHECK(closed.daily[20].contacts * 10 > free.daily[20].contacts * 9);

  // Household hazard x3, other contacts as usual: on the first day the same contacts are
  // drawn with the same transmission draws, so every other layer infects the same people and
  // households at least as many.
  c.lockdown.school_work_multiplier = 1;
  c.lockdown.random_multiplier = 1;
  c.lockdown.venue_multiplier = 1;
  c.lockdown.household_multiplier = 3;
  const Outcome homes = run(c);
  const auto household = static_cast<std::size_t>(Layer::kHousehold);
  CHECK(homes.daily[10].contacts == free.daily[10].contacts);
  for (std::size_t layer = 0; layer < kLayers; ++layer) {
    CAPTURE(layer);
    if (layer == household) continue;
    CHECK(homes.daily[10].new_infections_by_layer[layer] ==
          free.daily[10].new_infections_by_layer[layer]);
  }
  CHECK(homes.daily[10].new_infections_by_layer[household] >=
        free.daily[10].new_infections_by_layer[household]);
  std::uint32_t at_home_free = 0;
  std::uint32_t at_home_locked = 0;
  for (std::uint32_t d = 10; d < 18; ++d) {
    at_home_free += free.daily[d].new_infections_by_layer[household];
    at_home_locked += homes.daily[d].new_infections_by_layer[household];
  }
  INFO("household infections on days 10-17: " << at_home_free << " -> " << at_home_locked);
  CHECK(at_home_locked > at_home_free);
}

TEST_CASE("a triggered lockdown follows the 7-day incidence of positive tests") {
  SimConfig c = small(5000, 80, 2);
  c.disease.initial_infections = 30;
  c.lockdown.trigger_incidence = 150;  // 7.5 positives a week among 5,000 people
  c.lockdown.release_fraction = 0.4;   // released below 3 a week
  const Outcome o = run(c);
  // The rule, recomputed from the day columns: locked down from the day after the last 7
  // days' positives reach the trigger until the day after they fall below the release.
  bool on = false;
  std::uint32_t days_on = 0;
  std::uint32_t starts = 0;
  for (std::uint32_t t = 0; t < o.daily.size(); ++t) {
    std::uint32_t week = 0;
    for (std::uint32_t d = t >= 7 ? t - 7 : 0; d < t; ++d) week += o.daily[d].positives;
    const double incidence = week * 1e5 / 5000;
    if (!on && incidence >= 150) {
      on = true;
      ++starts;
    } else if (on && incidence < 60) {
      on = false;
    }
    CAPTURE(t, week);
    CHECK(o.daily[t].lockdown == (on ? 1u : 0u));
    days_on += on ? 1 : 0;
    // A locked-down day has far fewer contacts than the day before it started.
    if (on && t > 0 && o.daily[t - 1].lockdown == 0) {
      CHECK(o.daily[t].contacts * 10 < o.daily[t - 1].contacts * 7);
    }
  }
  REQUIRE(starts >= 1);
  CHECK(o.summary.lockdown_days == days_on);
  CHECK(days_on < 80);
}

TEST_CASE("a lockdown triggered by admissions follows the 7-day admissions, for a minimum") {
  SimConfig c = small(5000, 80, 2);
  c.disease.initial_infections = 30;
  c.disease.hospitalised_fraction.fill(0.5);  // of the severe courses: admissions enough
  c.lockdown.trigger_admissions = 60;         // 3 admissions a week among 5,000 people
  c.lockdown.release_fraction = 0.4;          // released below 1.2 a week: at most 1
  c.lockdown.min_days = 14;
  const Outcome o = run(c);
  bool on = false;
  std::uint32_t since = 0;
  std::uint32_t starts = 0;
  for (std::uint32_t t = 0; t < o.daily.size(); ++t) {
    std::uint32_t week = 0;
    for (std::uint32_t d = t >= 7 ? t - 7 : 0; d < t; ++d) week += o.daily[d].new_hospitalised;
    if (!on && week >= 3) {
      on = true;
      since = t;
      ++starts;
    } else if (on && week <= 1 && t - since >= 14) {
      on = false;
    }
    CAPTURE(t, week);
    CHECK(o.daily[t].lockdown == (on ? 1u : 0u));
  }
  REQUIRE(starts >= 1);
  CHECK(o.summary.lockdown_days >= 14);
}

TEST_CASE("shielding the elderly keeps them from everyone outside their household") {
  SimConfig c = small(4000, 40, 5);
  c.disease.initial_infections = 40;
  const auto elderly_outside = [](Simulation& sim, std::uint32_t from, std::uint32_t to) {
    const auto infection_day = sim.infection_day();
    const auto infector = sim.infector();
    const Population& pop = sim.population();
    std::uint32_t n = 0;
    for (std::uint32_t q = 0; q < pop.size(); ++q) {
      const std::uint32_t p = infector[q];
      if (p == kNoPerson || infection_day[q] < std::int32_t(from) ||
          infection_day[q] >= std::int32_t(to)) {
        continue;
      }
      if ((pop.age_group[q] >= 7 || pop.age_group[p] >= 7) && pop.household[p] != pop.household[q])
        ++n;
    }
    return n;
  };
  InMemoryPublisher publisher;
  const auto free = ran(c, publisher);
  REQUIRE(elderly_outside(*free, 10, 40) > 10);
  c.lockdown.elderly_start_day = 10;
  c.lockdown.elderly_days = 30;
  c.lockdown.school_work_multiplier = 0;
  c.lockdown.random_multiplier = 0;
  c.lockdown.venue_multiplier = 0;
  InMemoryPublisher publisher2;
  const auto shielded = ran(c, publisher2);
  CHECK(elderly_outside(*shielded, 10, 40) == 0);
  CHECK(elderly_outside(*shielded, 0, 10) == elderly_outside(*free, 0, 10));
  // The others still meet: the epidemic goes on among them.
  CHECK(shielded->summary().infections > 200);
}

TEST_CASE("before the app's launch day no phone does anything, from it on they do") {
  SimConfig c = small(3000, 30, 7);
  c.disease.initial_infections = 30;
  c.app.start_day = 12;
  c.app.upload_consent = 1;  // every positive app user with the app uploads
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const auto& daily = sim->daily();
  std::uint64_t positives_before = 0;
  for (const DailyStats& d : daily) {
    CAPTURE(d.day);
    const std::uint64_t colours = std::uint64_t{d.green} + d.yellow + d.red;
    if (d.day < 12) {
      CHECK(d.app_contacts == 0);
      CHECK(d.runs_stored == 0);
      CHECK(d.check_ins == 0);
      CHECK(d.uploads == 0);  // a positive app user before the launch has no app to upload
      CHECK(colours == 0);
      positives_before += d.positives;
    } else {
      CHECK(d.app_contacts > 0);
      CHECK(d.runs_stored > 0);
      CHECK(d.check_ins > 0);
      CHECK(colours + d.deaths >= sim->population().app_users());
    }
  }
  REQUIRE(positives_before >= 5);
  // Uploads carry the keys of the days the app ran: from the launch day, none of the day of
  // upload, and none on the launch day itself (no past key yet).
  const std::int64_t launch_interval = (c.run.start_unix_seconds + 12 * 86400) / 600;
  REQUIRE(publisher.uploads.size() > 3);
  for (const SimUpload& up : publisher.uploads) {
    REQUIRE_FALSE(up.keys.empty());
    for (const auto& k : up.keys) CHECK(k.rolling_start_interval_number.value >= launch_interval);
  }
  CHECK(daily[12].uploads == 0);
  // On the launch day nobody has uploaded yet: RED phones are only those of the day's
  // positive results (a result before the launch reached no app).
  CHECK(daily[12].red <= daily[12].positives);
  CHECK(sim->summary().uploads == publisher.uploads.size());
}

TEST_CASE("a launch-day rush: a share of the app users start on the launch day") {
  // 43 % on day 5 (Corona-Warn-App's first day), the others evenly over days 5-25: the launch
  // day holds 43 % + 57 % / 21 of the users, each later day about 57 % / 21.
  SimConfig c = small(20000, 2, 7);
  c.app.start_day = 5;
  c.app.ramp_days = 21;
  c.app.ramp_launch_share = 0.43;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::vector<double> started(27, 0);
  double users = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] == 0) continue;
    const std::uint32_t day = sim->app_start(p);
    REQUIRE(day >= 5);
    REQUIRE(day <= 25);
    ++started[day];
    ++users;
  }
  REQUIRE(users > 10000);
  CHECK(started[5] / users == Approx(0.43 + 0.57 / 21).margin(0.02));
  for (std::uint32_t day = 6; day <= 25; ++day) {
    CAPTURE(day);
    CHECK(started[day] / users == Approx(0.57 / 21).margin(0.008));
  }
  // Everyone at once; and without the share the ramp's days alike.
  c.app.ramp_launch_share = 1;
  RecordingPublisher all_publisher;
  const auto all = ran(c, all_publisher);
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] != 0) REQUIRE(all->app_start(p) == 5);
  }
  c.app.ramp_launch_share = 0;
  RecordingPublisher even_publisher;
  const auto even = ran(c, even_publisher);
  double on_launch = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] != 0 && even->app_start(p) == 5) ++on_launch;
  }
  CHECK(on_launch / users == Approx(1.0 / 21).margin(0.008));
}

TEST_CASE("a launch-day rush: settings, refusals, round trip and policy line") {
  SimConfig c;
  CHECK(c.app.ramp_launch_share == 0);
  SimConfig bad;
  bad.app.ramp_launch_share = 0.4;
  const Status no_ramp = validate_config(bad);
  REQUIRE_FALSE(no_ramp);
  CHECK(no_ramp.error().message == "app.ramp_launch_share needs a gradual uptake (app.ramp_days)");
  bad.app.ramp_days = 10;
  CHECK(validate_config(bad));
  bad.app.ramp_launch_share = 1.5;
  REQUIRE_FALSE(validate_config(bad));
  CHECK(validate_config(bad).error().message == "app.ramp_launch_share must be in [0, 1]");
  REQUIRE(apply_override(c, "app.ramp_days=21"));
  REQUIRE(apply_override(c, "app.ramp_launch_share=0.43"));
  CHECK(config_from_json(config_to_json(c))->app.ramp_launch_share == 0.43);
  CHECK(policy_lines(c).find("app: launched on day 0, 43 % of its users starting that day and "
                             "the others evenly over days 0-20 (before its first day no phone "
                             "runs it)\n") != std::string::npos);
}

TEST_CASE("with a gradual uptake each phone starts on its own day of the ramp") {
  SimConfig c = small(3000, 40, 7);
  c.disease.initial_infections = 30;
  c.disease.hospitalised_fraction.fill(0);  // nobody dies: every app user counts a colour
  c.app.start_day = 5;
  c.app.ramp_days = 20;  // first days 5 ... 24
  c.app.upload_consent = 1;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::vector<std::uint32_t> started(40);
  double sum = 0;
  std::uint32_t users = 0;
  std::uint32_t lo = 1000;
  std::uint32_t hi = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] == 0) continue;
    const std::uint32_t s0 = sim->app_start(p);
    lo = std::min(lo, s0);
    hi = std::max(hi, s0);
    sum += s0;
    ++users;
    ++started[s0];
  }
  CHECK(lo == 5);
  CHECK(hi == 24);
  CHECK(sum / users == Approx(14.5).margin(0.6));
  // The colours counted each day are those of the phones started by then.
  std::uint32_t on = 0;
  for (const DailyStats& d : sim->daily()) {
    on += started[d.day];
    CAPTURE(d.day);
    CHECK(std::uint64_t{d.green} + d.yellow + d.red == on);
    if (d.day < 5) CHECK(d.runs_stored == 0);
  }
  // On day 5 a twentieth of the phones run: far fewer check-ins and app contacts than once
  // all run (day 30).
  const auto& daily = sim->daily();
  CHECK(daily[5].check_ins * 5 < daily[30].check_ins);
  CHECK(daily[5].app_contacts * 5 < daily[30].app_contacts);
  // Uploads carry keys from the uploader's first day on; exposures are of days both phones
  // ran the app.
  const auto owner = key_owners(c, pop, 40);
  REQUIRE(publisher.uploads.size() > 3);
  for (const SimUpload& up : publisher.uploads) {
    CHECK_FALSE(up.keys.empty());  // no upload on a phone's first day: no past key yet
    for (const auto& k : up.keys) {
      const auto it = owner.find(key_bytes(k));
      REQUIRE(it != owner.end());
      CHECK(it->second.second >= sim->app_start(it->second.first));
    }
  }
  REQUIRE(sim->exposure_hits().size() > 10);
  for (const ExposureHit& h : sim->exposure_hits()) {
    CAPTURE(h.phone, h.owner, h.exposure_day);
    CHECK(h.exposure_day >= sim->app_start(h.phone));
    CHECK(h.exposure_day >= sim->app_start(h.owner));
  }
}

namespace {
// 10,000 people, 60 days, every positive app user uploading and every visit checked in.
SimConfig everyone_checks_in() {
  SimConfig c = small(10000, 60, 3);
  c.app.upload_consent = 1;
  c.app.checkin_probability = 1;
  return c;
}
}  // namespace

TEST_CASE("a case is not notified of its own visits, nor while its own test shows RED") {
  // An upload's venue warnings arrive with its keys at the next sync, while the uploader's
  // phone shows its own positive test: its own visits (and any other exposure then) raise
  // no notification. A phone takes no warning from the check-ins it reported itself,
  // also when it shows no own RED then: after a symptom self-report (no test result), or
  // with a 1-day isolation that is over by the next sync (both were warned: 432 and 82
  // uploaders at the sync with their own keys, by a review on 2026-12-07).
  SimConfig c = everyone_checks_in();
  const int variant = GENERATE(0, 1, 2);
  CAPTURE(variant);
  if (variant == 1) c.app.symptom_report_share = 1;
  if (variant == 2) c.testing.isolation_days = 1;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  std::map<std::uint32_t, std::uint32_t> first_fetch;  // uploader -> first sync with its keys
  for (const auto& k : sim->fetched_keys()) first_fetch.try_emplace(k.owner, k.sync_day);
  REQUIRE(first_fetch.size() > 50);
  std::uint32_t venue = 0;
  std::uint32_t own = 0;
  std::uint32_t own_venue = 0;  // of them, warnings of visits only
  for (const Notification& n : sim->notifications()) {
    if (n.venue) ++venue;
    const auto it = first_fetch.find(n.phone);
    if (it != first_fetch.end() && it->second == n.day) {
      ++own;
      if (n.venue) ++own_venue;
    }
  }
  CHECK(venue > 50);
  CHECK(own_venue == 0);
  // Without an own RED, another case's keys fetched at the same sync (a household member
  // who uploaded the same day) notify as for anyone.
  if (variant == 0) CHECK(own == 0);
}

TEST_CASE("an exposure too old to count at the sync is no match") {
  // Late uploads (5 days after the result) publish keys whose oldest days the phones no
  // longer count (risk.max_encounter_age_days, 10): such a day is no exposure hit, so the
  // statistics of who was matched leave it out.
  SimConfig c = small(20000, 90, 5);
  c.app.upload_consent = 1;
  c.app.upload_delay_days = 5;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  REQUIRE(sim->exposure_hits().size() > 1000);
  std::uint32_t recent = 0;  // hits of the last 3 days before their sync
  for (const ExposureHit& h : sim->exposure_hits()) {
    CAPTURE(h.phone, h.exposure_day, h.sync_day);
    CHECK(h.windows > 0);
    CHECK(h.sync_day - h.exposure_day <= 10);
    if (h.sync_day - h.exposure_day <= 3) ++recent;
  }
  CHECK(recent > 0);
}

TEST_CASE("a venue warning's YELLOW lasts as the client's colour rule says") {
  // No exposure counts (every attenuation weight 0): the only colour is a venue warning's
  // YELLOW, kept colour.low_risk_days = max_encounter_age_days full days after the visit.
  // With 5 days instead of 10 the phones are YELLOW for far fewer days (fewer warnings
  // arrive in time, and each lasts 6 days instead of 11).
  const auto yellow_days = [](std::uint32_t days) {
    SimConfig c = everyone_checks_in();
    c.app.risk.attenuation_weights = {0, 0, 0, 0};
    c.app.risk.max_encounter_age_days = days;
    InMemoryPublisher publisher;
    const auto sim = ran(c, publisher);
    std::uint64_t yellow = 0;
    for (const DailyStats& d : sim->daily()) {
      CHECK(d.notified_red == 0);
      CHECK(d.notified_yellow == d.venue_notifications);
      yellow += d.yellow;
    }
    return yellow;
  };
  const std::uint64_t ten = yellow_days(10);
  const std::uint64_t five = yellow_days(5);
  CAPTURE(ten, five);
  REQUIRE(ten > 500);
  CHECK(five > 0);
  CHECK(five * 2 < ten);
}

TEST_CASE("intensive care holds no more patients than it has beds; the others are denied") {
  // Everyone infected falls ill and needs intensive care about at onset; 3,000 people at
  // 100 per 100,000: 3 beds.
  SimConfig c = all_severe(0.2);
  c.disease.false_symptom_rate = 0;
  const Outcome unlimited = run(c);
  c.disease.icu_beds_per_100k = 100;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const auto& daily = sim->daily();
  std::uint64_t denied = 0;
  std::uint32_t first_denial = 60;
  for (const DailyStats& d : daily) {
    CAPTURE(d.day);
    CHECK(d.critical <= 3);
    // A denial only when every bed is taken (a bed kept after its patient left, or given to
    // nobody, would deny with a bed free).
    if (d.icu_denied > 0) CHECK(d.critical == 3);
    // Today's denials are the patients who needed a bed today and did not get one.
    const std::uint32_t needing = courses_on(
        *sim, d.day, [](const Course& r, std::uint32_t k) { return r.needs_critical_care_on(k); });
    const std::uint32_t without = courses_on(*sim, d.day, [](const Course& r, std::uint32_t k) {
      return r.needs_critical_care_on(k) && r.denied_icu;
    });
    CHECK(d.icu_denied == without);
    CHECK(d.icu_denied <= needing);
    if (d.icu_denied > 0 && first_denial == 60) first_denial = d.day;
    denied += d.icu_denied;
  }
  REQUIRE(first_denial < 60);
  CHECK(denied == sim->summary().icu_denied);
  CHECK(denied > 20);
  // Until the first denial the run is the unlimited one, day for day.
  CHECK(daily_csv(std::span(daily).first(first_denial)) ==
        daily_csv(std::span(unlimited.daily).first(first_denial)));
  // More die without beds (twice the fatality for the denied).
  CHECK(sim->summary().deaths > unlimited.summary.deaths);
}

TEST_CASE("with reinfection each infection denied intensive care has its own draw") {
  // Every infection critical, 3 beds, nobody protected by an infection: people denied
  // intensive care and surviving are denied again at a later infection. A denied patient
  // dies with 0.4 (twice the fatality 0.2): the course's own 0.2, then (0.4 - 0.2) / 0.8 of
  // the others. The first denial's draw again would let every survivor of it survive the
  // second denial but for the course's own 0.2.
  SimConfig c = all_severe(0.2);
  c.run.days = 240;
  c.disease.false_symptom_rate = 0;
  c.disease.icu_beds_per_100k = 100;
  without_immunity(c);
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  std::map<std::uint32_t, std::vector<const Course*>> denied;  // by person, in day order
  for (const Infection& i : sim->infections()) {
    if (i.course.denied_icu) denied[i.person].push_back(&i.course);
  }
  std::uint32_t again = 0;  // denied again after surviving a denial
  std::uint32_t died = 0;   // of them, died at the later denial
  for (const auto& [person, courses] : denied) {
    for (std::size_t k = 1; k < courses.size(); ++k) {
      if (courses[k - 1]->severity != Severity::kCritical) continue;
      ++again;
      if (courses[k]->severity == Severity::kDies) ++died;
    }
  }
  CAPTURE(again, died);
  REQUIRE(again > 300);
  // 0.4 +- 0.019 (one standard deviation at 300 and more) against 0.2 +- 0.016.
  CHECK(died > again * 3 / 10);
  CHECK(died < again / 2);
}

TEST_CASE("the wards hold no more patients than they have beds; the others stay home") {
  // Everyone infected falls ill and goes to hospital; 40 % of them need intensive care
  // (unlimited). 3,000 people at 200 per 100,000: 6 ward beds.
  SimConfig c = all_severe(0.5);
  c.disease.critical_fraction.fill(0.4);
  c.disease.false_symptom_rate = 0;
  const Outcome unlimited = run(c);
  c.disease.hospital_beds_per_100k = 200;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const auto& daily = sim->daily();
  std::uint64_t denied = 0;
  std::uint32_t first_denial = 60;
  for (const DailyStats& d : daily) {
    CAPTURE(d.day);
    CHECK(d.hospitalised - d.critical <= 6);                             // on a ward
    if (d.hospital_denied > 0) CHECK(d.hospitalised - d.critical == 6);  // every bed taken
    // Today's denials are the patients who would have been admitted to a ward today.
    const std::uint32_t without = courses_on(*sim, d.day, [](const Course& r, std::uint32_t k) {
      return r.denied_ward && k == r.hospital_day;
    });
    CHECK(d.hospital_denied == without);
    if (d.hospital_denied > 0 && first_denial == 60) first_denial = d.day;
    denied += d.hospital_denied;
  }
  REQUIRE(first_denial < 60);
  CHECK(denied == sim->summary().hospital_denied);
  CHECK(denied > 20);
  // Until the first denial the run is the unlimited one, day for day.
  CHECK(daily_csv(std::span(daily).first(first_denial)) ==
        daily_csv(std::span(unlimited.daily).first(first_denial)));
  // The denied turn critical more often (0.4 -> 0.8): more intensive care, more deaths.
  std::uint32_t denied_courses = 0;
  std::uint32_t denied_critical = 0;
  for (const Course& course : sim->courses()) {
    if (!course.denied_ward) continue;
    ++denied_courses;
    if (course.severity != Severity::kWard) ++denied_critical;
  }
  REQUIRE(denied_courses == denied);
  CHECK(denied_critical * 10 > denied_courses * 6);
  CHECK(sim->summary().deaths > unlimited.summary.deaths);
}

TEST_CASE("a test capacity takes no more samples a day; the others wait, then give up") {
  // 3,000 people with the app, 60 initial cases; 300 per 100,000: 9 samples a day.
  SimConfig c = small(3000, 50, 8);
  c.disease.initial_infections = 60;
  const Outcome unlimited = run(c);
  c.testing.tests_per_day_per_100k = 300;
  const Outcome limited = run(c);
  std::uint32_t first_wait = 50;
  std::uint64_t given_up = 0;
  for (const DailyStats& d : limited.daily) {
    CAPTURE(d.day);
    CHECK(d.tests <= 9);  // results of the day before's samples (1-day delay)
    if (d.test_backlog > 0 && first_wait == 50) first_wait = d.day;
    given_up += d.tests_given_up;
  }
  REQUIRE(first_wait < 40);
  CHECK(given_up > 0);
  CHECK(limited.summary.tests_given_up == given_up);
  CHECK(limited.summary.peak_test_backlog > 9);
  // Until samples first wait the run is the unlimited one; then fewer tests and positives.
  CHECK(daily_csv(std::span(limited.daily).first(first_wait)) ==
        daily_csv(std::span(unlimited.daily).first(first_wait)));
  CHECK(limited.summary.tests < unlimited.summary.tests);
  CHECK(limited.summary.positives < unlimited.summary.positives);
  // Nobody waits when nobody may (max_wait_days 0): the day's extra samples are given up.
  c.testing.max_wait_days = 0;
  const Outcome impatient = run(c);
  std::uint64_t impatient_given_up = 0;
  for (const DailyStats& d : impatient.daily) {
    CHECK(d.test_backlog == 0);
    CHECK(d.tests <= 9);
    impatient_given_up += d.tests_given_up;
  }
  CHECK(impatient_given_up > given_up);
  // Nobody gives up when everyone may wait 60 days: the queue only grows or is worked off.
  c.testing.max_wait_days = 60;
  const Outcome patient = run(c);
  CHECK(patient.summary.tests_given_up == 0);
  CHECK(patient.summary.peak_test_backlog > limited.summary.peak_test_backlog);
}

TEST_CASE("the cohorts count each day's cases and the infections they caused") {
  SimConfig c = small(3000, 50, 6);
  c.disease.initial_infections = 20;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const Reproduction rep = sim->reproduction();
  const RunSummary s = sim->summary();
  const auto infection_day = sim->infection_day();
  const auto infector = sim->infector();
  REQUIRE(rep.cohorts.size() == 50);
  CHECK(rep.complete == 50 - c.disease.infectious_days);
  std::vector<Cohort> expected(50);
  for (std::uint32_t p = 0; p < infection_day.size(); ++p) {
    if (infection_day[p] == -1) continue;
    ++expected[static_cast<std::size_t>(infection_day[p])].infected;
    if (infector[p] != kNoPerson) {
      ++expected[static_cast<std::size_t>(infection_day[infector[p]])].secondary;
    }
  }
  std::uint64_t infected = 0;
  std::uint64_t secondary = 0;
  for (std::size_t d = 0; d < 50; ++d) {
    CAPTURE(d);
    CHECK(rep.cohorts[d].infected == expected[d].infected);
    CHECK(rep.cohorts[d].secondary == expected[d].secondary);
    infected += rep.cohorts[d].infected;
    secondary += rep.cohorts[d].secondary;
  }
  CHECK(infected == s.infections);
  CHECK(secondary == s.infections - c.disease.initial_infections);  // all but the seeds
  REQUIRE(s.infections > 100);
  // The report's early R is the cohorts' of days 0-27; the initial cases' R is day 0's.
  CHECK(s.early_r == Approx(rep.r(0, 27)));
  CHECK(rep.r(0, 0) == Approx(static_cast<double>(expected[0].secondary) / 20));
  CHECK(rep.r(36, 49) == 0);  // incomplete cohorts do not count
  // A run too short for the first four weeks' cohorts to be complete has no early R (the
  // report's "R of the cases of days 0-27" gave the R of days 0-15 of a 30-day run).
  SimConfig shorter = c;
  shorter.run.days = c.disease.infectious_days + 27;  // cohorts of days 0-26 complete
  InMemoryPublisher other;
  const auto short_sim = ran(shorter, other);
  CHECK(short_sim->summary().early_r == 0);
  CHECK(short_sim->reproduction().r(0, 27) > 0);
  ReportInput in;
  in.config = &shorter;
  in.app = short_sim->summary();
  CHECK(format_report(in).find("R of the cases of days") == std::string::npos);
  shorter.run.days += 1;  // day 27's cohort complete too
  InMemoryPublisher third;
  CHECK(ran(shorter, third)->summary().early_r > 0);
}

TEST_CASE("people in hospital and the dead meet nobody, and the day's columns count them") {
  // Everyone infected falls ill, goes to hospital about at onset and dies there; nobody
  // isolates on symptoms, so only the hospital keeps the ill from others.
  SimConfig c = all_severe(1);
  c.disease.hospital_mean_days = 0.5;
  c.disease.hospital_sd_days = 0.5;
  c.disease.critical_mean_days = 0.5;
  c.disease.critical_sd_days = 0.5;
  c.disease.death_mean_days = 3;
  c.disease.death_sd_days = 1;
  c.disease.false_symptom_rate = 0;
  c.testing.symptom_isolation = 0;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const auto infection_day = sim->infection_day();
  const auto infector = sim->infector();
  const auto courses = sim->courses();
  const Population& pop = sim->population();
  // Nobody was infected by a person in hospital or dead that day.
  std::uint32_t transmissions = 0;
  std::uint32_t after_onset = 0;
  for (std::uint32_t q = 0; q < pop.size(); ++q) {
    const std::uint32_t p = infector[q];
    if (p == kNoPerson) continue;
    ++transmissions;
    const auto k = static_cast<std::uint32_t>(infection_day[q] - infection_day[p]);
    if (k >= courses[p].onset_delay_days) ++after_onset;
    CAPTURE(q, p, k, courses[p].hospital_day, courses[p].end_day);
    CHECK_FALSE(courses[p].absent(k));
  }
  INFO("transmissions " << transmissions << ", on or after the infector's onset " << after_onset);
  REQUIRE(transmissions > 200);
  // The day's hospital, intensive-care and death counts from the courses.
  const auto& daily = sim->daily();
  std::uint64_t new_deaths = 0;
  for (const DailyStats& d : daily) {
    std::uint32_t hospital = 0;
    std::uint32_t critical = 0;
    std::uint32_t dead = 0;
    std::uint32_t admitted = 0;
    std::uint32_t app_alive = 0;
    for (std::uint32_t p = 0; p < pop.size(); ++p) {
      const bool infected = infection_day[p] != -1 && infection_day[p] <= std::int32_t(d.day);
      const auto k = infected ? d.day - static_cast<std::uint32_t>(infection_day[p]) : 0u;
      const bool is_dead = infected && courses[p].dead(k);
      if (pop.has_app[p] != 0 && !is_dead) ++app_alive;
      if (!infected) continue;
      hospital += courses[p].in_hospital(k) ? 1u : 0u;
      critical += courses[p].in_critical_care(k) ? 1u : 0u;
      dead += is_dead ? 1u : 0u;
      admitted += courses[p].severity != Severity::kNone && k == courses[p].hospital_day ? 1u : 0u;
    }
    CAPTURE(d.day);
    CHECK(d.hospitalised == hospital);
    CHECK(d.critical == critical);
    CHECK(d.deaths == dead);
    CHECK(d.new_hospitalised == admitted);
    new_deaths += d.new_deaths;
    CHECK(d.deaths == new_deaths);
    CHECK(d.susceptible + d.exposed + d.infectious + d.recovered + d.deaths == pop.size());
    CHECK(d.green + d.yellow + d.red == app_alive);  // a dead person's phone is off
  }
  const RunSummary s = sim->summary();
  CHECK(s.deaths == daily.back().deaths);
  CHECK(s.deaths > 100);
  CHECK(s.hospitalisations >= s.deaths);
  // By age: the groups add up to the totals, and each group's counts are its people's.
  RunSummary::AgeOutcome sum;
  for (std::size_t g = 0; g < kAgeGroups; ++g) {
    const auto& row = s.by_age[g];
    std::uint32_t people = 0;
    std::uint32_t infected = 0;
    for (std::uint32_t p = 0; p < pop.size(); ++p) {
      if (pop.age_group[p] != g) continue;
      ++people;
      if (infection_day[p] != -1) ++infected;
    }
    CHECK(row.people == people);
    CHECK(row.infected == infected);
    sum.people += row.people;
    sum.infected += row.infected;
    sum.admitted += row.admitted;
    sum.deaths += row.deaths;
  }
  CHECK(sum.people == pop.size());
  CHECK(sum.infected == s.infections);
  CHECK(sum.admitted == s.hospitalisations);
  CHECK(sum.deaths == s.deaths);
}

}  // namespace greenlight::sim

namespace greenlight::sim {

TEST_CASE("a publisher's error names the day, the phase and the publisher") {
  // A key server's error (a full disk under its export, a refusal) came without the day or
  // the phase it stopped.
  class Failing final : public KeyPublisher {
   public:
    explicit Failing(bool on_fetch) : on_fetch_(on_fetch) {}
    std::string_view name() const override { return "failing"; }
    Status publish(const SimUpload& upload, std::int64_t t) override {
      if (!on_fetch_) return make_error(ErrorCode::kInternal, "disk full");
      return inner_.publish(upload, t);
    }
    Result<PublishedBatch> fetch_new(std::int64_t t) override {
      if (on_fetch_ && ++fetches_ > 3) return make_error(ErrorCode::kInternal, "export failed");
      return inner_.fetch_new(t);
    }
    ServerHoldings holdings() const override { return inner_.holdings(); }
    std::vector<EcdsaP256PublicKey> authority_keys() const override {
      return inner_.authority_keys();
    }

   private:
    bool on_fetch_;
    int fetches_ = 0;
    InMemoryPublisher inner_;
  };
  SimConfig c = small(2000, 30, 3);
  c.app.upload_consent = 1;
  Failing uploads(false);
  auto sim = Simulation::create(c, uploads);
  REQUIRE(sim);
  const Status failed = (*sim)->run();
  REQUIRE_FALSE(failed);
  CAPTURE(failed.error().message);
  CHECK(failed.error().message.starts_with("day "));
  CHECK(failed.error().message.ends_with(", uploads (publisher: failing): disk full"));
  Failing fetches(true);
  auto other = Simulation::create(c, fetches);
  REQUIRE(other);
  const Status stopped = (*other)->run();
  REQUIRE_FALSE(stopped);
  CHECK(stopped.error().message == "day 3, the phones' sync (publisher: failing): export failed");
}

}  // namespace greenlight::sim

namespace greenlight::sim {

TEST_CASE("the privacy view counts the venues of every uploaded venue report") {
  // The server holds a report of each; the last day's uploads are held too, though no sync
  // fetched them (the phones' fetched warnings were counted, one venue short).
  const SimConfig c = everyone_checks_in();
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  std::set<VenueLocationTag> venues;
  for (const SimUpload& up : publisher.uploads) {
    for (const auto& w : up.venue_warnings) venues.insert(w.location_tag);
  }
  REQUIRE(venues.size() > 20);
  const PrivacyView v = sim->privacy();
  CHECK(v.warned_venues == venues.size());
  CHECK(v.server.venue_reports >= venues.size());
  CHECK(v.server.read_error[0] == '\0');
  // The view's other counts against the publisher and the days: the uploads it received
  // (positives would count non-users and those who decline), both records of each contact
  // pair of app users, every check-in, every test result, and the bytes they take.
  const RunSummary s = sim->summary();
  std::uint64_t check_ins = 0;
  std::uint64_t app_contacts = 0;
  for (const DailyStats& d : sim->daily()) {
    check_ins += d.check_ins;
    app_contacts += d.app_contacts;
  }
  REQUIRE(s.positives > s.uploads);
  CHECK(v.positive_uploaders == publisher.uploads.size());
  CHECK(v.positive_uploaders == s.uploads);
  CHECK(v.central_contact_pairs == app_contacts);
  CHECK(v.central_contact_records == 2 * app_contacts);
  REQUIRE(check_ins > 0);
  CHECK(v.central_check_ins == check_ins);
  CHECK(v.central_test_results == s.tests);
  CHECK(v.central_people == s.app_users);
  CHECK(v.central_bytes ==
        2 * app_contacts * 24 + check_ins * 20 + s.tests * 16 + std::uint64_t{s.app_users} * 32);
  // The summary's peak, the cases active at the end and the notifications per upload, from
  // the days.
  std::uint32_t peak = 0;
  for (const DailyStats& d : sim->daily()) peak = std::max(peak, d.infectious);
  REQUIRE(peak > 0);
  CHECK(s.peak_infectious == peak);
  REQUIRE(s.peak_day < sim->daily().size());
  CHECK(sim->daily()[s.peak_day].infectious == peak);
  CHECK(s.active_at_end == sim->daily().back().exposed + sim->daily().back().infectious);
  REQUIRE(s.notifications_yellow > 0);
  CHECK(s.notifications_per_upload ==
        static_cast<double>(s.notifications_red + s.notifications_yellow) /
            static_cast<double>(s.uploads));
  // The days from infection to notification, for the notified who were infected by then (one
  // infection each: no reinfection here).
  std::map<std::uint32_t, std::int32_t> infected_on;
  for (const Infection& i : sim->infections()) infected_on.emplace(i.person, i.day);
  std::vector<double> delays;
  for (const Notification& n : sim->notifications()) {
    const auto it = infected_on.find(n.phone);
    if (it != infected_on.end() && it->second <= static_cast<std::int32_t>(n.day))
      delays.push_back(static_cast<double>(static_cast<std::int32_t>(n.day) - it->second));
  }
  REQUIRE(delays.size() > 20);
  std::sort(delays.begin(), delays.end());
  const std::size_t half = delays.size() / 2;
  const double median =
      delays.size() % 2 == 1 ? delays[half] : (delays[half - 1] + delays[half]) / 2;
  CHECK(s.median_days_infection_to_notification == median);
  CHECK(s.mean_days_infection_to_notification ==
        Approx(std::accumulate(delays.begin(), delays.end(), 0.0) /
               static_cast<double>(delays.size())));
  // A store that could not be read is said, not shown as zeros alone.
  PrivacyView unread = v;
  unread.server = ServerHoldings{};
  const std::string why = "database is locked";
  std::copy(why.begin(), why.end(), unread.server.read_error.begin());
  const std::string text = format_privacy(unread, c.population.people, c.run.days);
  CHECK(text.find("(the key server's store could not be read: database is locked; its "
                  "figures below are zero)\n") != std::string::npos);
  CHECK(format_privacy(v, c.population.people, c.run.days).find("could not be read") ==
        std::string::npos);
}

}  // namespace greenlight::sim
