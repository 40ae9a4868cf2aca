// Manual contact tracing (config.manual_tracing, sim/src/manual_tracing_phase.cpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <tuple>
#include <utility>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "sim_test_runs.h"
#include "tracing_test_support.h"

namespace greenlight::sim {
namespace {

// 3,000 people without the app, 30 initial cases, tracing with room for everyone.
SimConfig traced(std::uint32_t days, std::uint64_t seed) {
  SimConfig c = small(3000, days, seed);
  c.app.uptake = 0;
  c.disease.initial_infections = 30;
  c.manual_tracing.enabled = true;
  c.manual_tracing.workers_per_100k = 3000;
  c.manual_tracing.quarantine_compliance = 1;
  return c;
}

struct Traced {
  std::vector<DailyStats> daily;
  std::vector<TracingCall> calls;
  Population population;
  RunSummary summary;
  std::vector<TracingInterview> interviews;
  std::vector<std::uint32_t> infector;
  std::vector<std::int32_t> infection_day;
  std::vector<std::uint8_t> infection_layer;
  std::vector<std::int32_t> positive_day;
  std::vector<std::int32_t> isolated_until;
  std::vector<Course> courses;
};

template <typename T>
std::vector<T> copied(std::span<const T> s) {
  return {s.begin(), s.end()};
}

Traced run(const SimConfig& c) {
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  return {sim->daily(),
          sim->tracing_calls(),
          sim->population(),
          sim->summary(),
          sim->tracing_interviews(),
          copied(sim->infector()),
          copied(sim->infection_day()),
          copied(sim->infection_layer()),
          copied(sim->positive_day()),
          copied(sim->isolated_until()),
          copied(sim->courses())};
}

// The day's columns without manual tracing's own.
std::string other_columns(std::span<const DailyStats> days) {
  std::vector<DailyStats> copy(days.begin(), days.end());
  for (auto& d : copy)
    d.manual_interviews = d.manual_traced = d.interview_backlog = d.call_backlog = 0;
  return daily_csv(copy);
}

}  // namespace

TEST_CASE("manual tracing changes nothing before its first call, and quarantines from then on") {
  SimConfig c = traced(40, 3);
  const Traced on = run(c);
  c.manual_tracing.enabled = false;
  const Traced off = run(c);
  REQUIRE(off.calls.empty());
  CHECK(off.summary.manual_interviews == 0);
  std::uint32_t first_positive = 0;
  while (first_positive < 40 && off.daily[first_positive].positives == 0) ++first_positive;
  std::uint32_t first_call = 0;
  while (first_call < 40 && on.daily[first_call].manual_traced == 0) ++first_call;
  REQUIRE(first_call < 40);
  // A case is interviewed delay_days (1) after its result at the earliest.
  CHECK(first_call >= first_positive + 1);
  for (std::uint32_t d = 0; d < first_call; ++d) {
    CAPTURE(d);
    CHECK(on.daily[d].manual_traced == 0);
    CHECK(other_columns(std::span(on.daily).first(d + 1)) ==
          other_columns(std::span(off.daily).first(d + 1)));
  }
  // Called people quarantine (compliance 1) on the day of the call.
  CHECK(on.daily[first_call].isolating > off.daily[first_call].isolating);
  CHECK(on.summary.manual_traced == on.calls.size());
}

TEST_CASE("tracers call only people the case recalls, once per quarantine") {
  SECTION("household recalled alone: its household members") {
    SimConfig c = traced(40, 5);
    c.manual_tracing.traceable_fraction = {1, 0, 0, 0};
    const Traced o = run(c);
    REQUIRE(o.calls.size() > 20);
    for (const auto& k : o.calls) {
      CAPTURE(k.day, k.index_case, k.contact);
      CHECK(o.population.household[k.contact] == o.population.household[k.index_case]);
      CHECK(k.contact != k.index_case);
    }
  }
  SECTION("school and work recalled alone: people linked to the case") {
    SimConfig c = traced(40, 5);
    c.manual_tracing.traceable_fraction = {0, 1, 0, 0};
    const Traced o = run(c);
    REQUIRE(o.calls.size() > 20);
    std::size_t outside_household = 0;
    for (const auto& k : o.calls) {
      CAPTURE(k.day, k.index_case, k.contact);
      const auto links = o.population.links_of(k.index_case);
      CHECK(std::find(links.begin(), links.end(), k.contact) != links.end());
      if (o.population.household[k.contact] != o.population.household[k.index_case])
        ++outside_household;
    }
    CHECK(outside_household > 0);
  }
  SECTION("nothing recalled: interviews but no call") {
    SimConfig c = traced(40, 5);
    c.manual_tracing.traceable_fraction = {0, 0, 0, 0};
    const Traced o = run(c);
    CHECK(o.summary.manual_interviews > 5);
    CHECK(o.calls.empty());
  }
  SECTION("every call follows its interview; nobody is called again while quarantined") {
    const SimConfig c = traced(60, 5);
    const Traced o = run(c);
    REQUIRE(o.calls.size() > 50);
    std::map<std::uint32_t, std::uint32_t> last_call;
    std::vector<std::uint32_t> per_day(60);
    for (const auto& k : o.calls) {
      CAPTURE(k.day, k.contact);
      CHECK(k.day >= k.interview_day);
      if (const auto it = last_call.find(k.contact); it != last_call.end())
        CHECK(k.day >= it->second + c.manual_tracing.quarantine_days);
      last_call[k.contact] = k.day;
      ++per_day[k.day];
    }
    for (std::uint32_t d = 0; d < 60; ++d) CHECK(per_day[d] == o.daily[d].manual_traced);
  }
}

TEST_CASE("interviews and calls stay within the day's capacity; the rest wait") {
  SimConfig c = traced(60, 2);
  c.manual_tracing.delay_days = 0;          // a case is ready on the day of its result
  c.manual_tracing.workers_per_100k = 100;  // 3 tracers
  c.manual_tracing.interviews_per_worker_day = 1;
  c.manual_tracing.notifications_per_worker_day = 2;
  const Traced o = run(c);
  bool interviews_waited = false;
  bool calls_waited = false;
  for (const auto& d : o.daily) {
    CAPTURE(d.day, d.manual_interviews, d.interview_backlog, d.manual_traced, d.call_backlog);
    CHECK(d.manual_interviews <= 3);
    CHECK(d.manual_traced <= 6);
    // Whatever waits at the end of a day waits because the day's capacity was used.
    if (d.interview_backlog > 0) {
      CHECK(d.manual_interviews == 3);
      interviews_waited = true;
    }
    if (d.call_backlog > 0) {
      CHECK(d.manual_traced == 6);
      calls_waited = true;
    }
  }
  CHECK(interviews_waited);
  CHECK(calls_waited);
  CHECK(o.summary.peak_interview_backlog > 3);
}

TEST_CASE(
    "backward tracing names the earlier contacts, calls them after the others, and finds "
    "infectors") {
  SimConfig c = traced(60, 5);
  c.manual_tracing.backward_days = 7;  // contacts of days t - 14 .. t - 8 too
  c.manual_tracing.traceable_fraction = {1, 1, 1, 1};
  const Traced o = run(c);
  REQUIRE(o.calls.size() > 50);
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> named;
  std::uint64_t backward = 0;
  for (std::size_t i = 0; i < o.calls.size(); ++i) {
    const TracingCall& k = o.calls[i];
    CAPTURE(k.day, k.interview_day, k.index_case, k.contact, k.met_day);
    CHECK(k.met_day < k.interview_day);
    CHECK(k.met_day + 14 >= k.interview_day);
    CHECK(k.backward == (k.met_day + 7 < k.interview_day));
    // Named once at an interview, with the last day they met.
    CHECK(named.insert({k.interview_day, k.index_case, k.contact}).second);
    backward += k.backward ? 1 : 0;
    // The day's backward names are called after every other.
    if (i > 0 && o.calls[i - 1].day == k.day && o.calls[i - 1].backward) CHECK(k.backward);
  }
  CHECK(backward > 20);
  CHECK(o.summary.manual_traced_backward == backward);

  // Every meeting is recalled, so a case infected within the 14 days names its infector: in
  // the 7 days when infected there, else in the backward window or (met again) in them.
  REQUIRE(o.interviews.size() == o.summary.manual_interviews);
  std::uint64_t with_infector = 0, infector_named = 0, infector_backward = 0, in_window = 0;
  for (const TracingInterview& iv : o.interviews) {
    const std::uint32_t infector = o.infector[iv.index_case];
    CAPTURE(iv.day, iv.index_case, infector, static_cast<int>(iv.infector));
    if (infector == kNoPerson) {
      CHECK(iv.infector == TracingInterview::kNotNamed);
      continue;
    }
    ++with_infector;
    infector_named += iv.infector != TracingInterview::kNotNamed ? 1 : 0;
    infector_backward += iv.infector == TracingInterview::kNamedBackward ? 1 : 0;
    const auto day = o.infection_day[iv.index_case];
    const auto t = static_cast<std::int32_t>(iv.day);
    if (day >= t - 7 && day < t) CHECK(iv.infector == TracingInterview::kNamed);
    if (day >= t - 14 && day < t - 7) {
      CHECK(iv.infector != TracingInterview::kNotNamed);
      ++in_window;
    }
    if (iv.infector == TracingInterview::kNamedBackward) CHECK(day < t - 7);
  }
  CHECK(in_window > 10);
  CHECK(infector_backward > 0);
  CHECK(o.summary.interviewed_with_infector == with_infector);
  CHECK(o.summary.infectors_named == infector_named);
  CHECK(o.summary.infectors_named_backward == infector_backward);

  // Cases found by tracing: a positive result (of the living) within 14 days of the
  // person's last call (no call follows a positive result).
  std::map<std::uint32_t, TracingCall> last_call;
  for (const TracingCall& k : o.calls) last_call[k.contact] = k;
  std::uint64_t cases = 0, found = 0, found_backward = 0;
  for (std::uint32_t p = 0; p < o.positive_day.size(); ++p) {
    const std::int32_t positive = o.positive_day[p];
    if (positive < 0) continue;
    if (o.infection_day[p] >= 0 &&
        o.courses[p].dead(static_cast<std::uint32_t>(positive - o.infection_day[p])))
      continue;
    ++cases;
    const auto it = last_call.find(p);
    if (it == last_call.end()) continue;
    const auto called = static_cast<std::int32_t>(it->second.day);
    CHECK(called < positive);
    if (positive <= called + 14) {
      ++found;
      if (it->second.backward) ++found_backward;
    }
  }
  CHECK(found > 10);
  CHECK(found_backward > 0);
  CHECK(o.summary.tracing_cases == cases);
  CHECK(o.summary.traced_cases == found);
  CHECK(o.summary.traced_cases_backward == found_backward);

  // Without the backward window: no backward call, no infector named before the 7 days.
  c.manual_tracing.backward_days = 0;
  const Traced f = run(c);
  CHECK(f.summary.manual_traced_backward == 0);
  for (const TracingCall& k : f.calls) CHECK_FALSE(k.backward);
  CHECK(f.summary.infectors_named_backward == 0);
  CHECK(f.summary.infectors_named * o.summary.interviewed_with_infector <
        o.summary.infectors_named * f.summary.interviewed_with_infector);
}

TEST_CASE("with quarantine_from_meeting the quarantine ends 14 days after the last meeting") {
  SimConfig c = traced(60, 5);
  c.manual_tracing.backward_days = 7;
  c.manual_tracing.quarantine_from_meeting = true;
  c.testing.isolation_daily_dropout = 0;
  const Traced o = run(c);
  REQUIRE(o.calls.size() > 50);
  std::map<std::uint32_t, std::uint32_t> next_call;
  std::map<std::uint32_t, TracingCall> last_call;
  bool called_again_early = false;
  for (const TracingCall& k : o.calls) {
    CAPTURE(k.day, k.contact, k.met_day);
    if (const auto it = next_call.find(k.contact); it != next_call.end()) {
      CHECK(k.day >= it->second);
      if (k.day < last_call[k.contact].day + 14) called_again_early = true;
      // Called again the same day only for a name that leaves a quarantine.
      if (k.day == last_call[k.contact].day) CHECK(k.met_day + 14 > k.day);
    }
    // A call that leaves no quarantine lets a later name call again, the same day too.
    next_call[k.contact] = k.met_day + 14 > k.day ? k.met_day + 14 : k.day;
    last_call[k.contact] = k;
  }
  CHECK(called_again_early);
  // Compliance 1, no drop-out: each person quarantined until 14 days after its last call's
  // meeting at least; some no longer (the call came days after the meeting), and some whose
  // quarantine was over were not quarantined by it.
  std::uint64_t shorter = 0, not_quarantined = 0;
  for (const auto& [p, k] : last_call) {
    CAPTURE(p, k.day, k.met_day, o.isolated_until[p]);
    const auto until = static_cast<std::int32_t>(k.met_day + 14);
    const auto day = static_cast<std::int32_t>(k.day);
    if (until > day) CHECK(o.isolated_until[p] >= until);
    if (until > day && o.isolated_until[p] < day + 14) ++shorter;
    if (until <= day && o.isolated_until[p] <= day) ++not_quarantined;
  }
  CHECK(shorter > 10);
  CHECK(not_quarantined > 0);
}

TEST_CASE("manual tracing averts infections") {
  std::uint64_t with = 0;
  std::uint64_t without = 0;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    SimConfig c = traced(60, seed);
    c.manual_tracing.test_probability = 1;
    with += run(c).summary.infections;
    c.manual_tracing.enabled = false;
    without += run(c).summary.infections;
  }
  INFO("infections over seeds 1-3: " << without << " -> " << with);
  CHECK(with * 10 < without * 9);
}

}  // namespace greenlight::sim

namespace greenlight::sim::internal {

TEST_CASE("a contact called after the day's samples, with no order delay, is tested the next day") {
  // Every test positive; no delay before a sample: case 10 (sampled on day 0, positive on
  // day 1, interviewed on day 2) names 20, whose test is ordered after day 2's samples were
  // taken: it is sampled on day 3 (before, its sample day had passed and stayed pending, so
  // no test of 20 was ever taken again).
  SimConfig c = listed({0, 0, 0});
  c.manual_tracing.traceable_fraction = {1, 1, 1, 1};
  c.testing.order_delay_days = 0;
  c.manual_tracing.test_probability = 1;
  c.manual_tracing.quarantine_compliance = 0;
  const Driven d = drive(c, {10}, {}, 10, {{{10, 20}}});
  REQUIRE(d.tracing->calls().size() == 1);
  CHECK(d.tracing->calls()[0].day == 2);
  CHECK(d.health->positive_day(20) == 4);  // sampled on day 3, the result a day later
}

TEST_CASE("a name whose quarantine is over does not stop a later meeting's call that day") {
  // Quarantine 3 days from the meeting. Cases 10 and 11, positive on day 2, are interviewed
  // on day 3: 10 met 20 on day 0 (over on day 3: no quarantine), 11 met 20 on day 2 (until
  // day 5): 20 quarantines until day 5 (before, the first name marked 20 as called and the
  // second was dropped).
  SimConfig c = listed({0, 0, 0});
  c.manual_tracing.traceable_fraction = {1, 1, 1, 1};
  c.manual_tracing.quarantine_from_meeting = true;
  c.manual_tracing.quarantine_days = 3;
  c.manual_tracing.test_probability = 0;
  c.testing.isolation_daily_dropout = 0;
  const Driven d = drive(c, {10, 11}, {}, 8, {{{10, 20}}, {}, {{11, 20}}});
  std::uint32_t calls = 0;
  for (const TracingCall& k : d.tracing->calls()) {
    CAPTURE(k.day, k.index_case, k.met_day);
    if (k.contact == 20) ++calls;
  }
  CHECK(calls >= 1);
  CHECK(d.health->isolated_until()[20] == 5);
}

TEST_CASE("with reinfection tracers skip a contact who tested positive, infected again or not") {
  // 20 and 21 test positive on day 2. Case 10, tested on day 30 (positive on day 32,
  // interviewed on day 33), met 20, 21 and 22 on day 31 and infected 21 again: only 22,
  // never positive, is called (the tracers know a positive result, not who was infected
  // again; before, 21 was called because its reinfection cleared its positive day).
  SimConfig c = listed({0, 0, 0});
  c.manual_tracing.traceable_fraction = {1, 1, 1, 1};
  c.manual_tracing.test_probability = 0;
  without_immunity(c);
  const auto world = make_world(c);
  HealthPhase health(*world);
  ManualTracingPhase tracing(*world);
  for (std::uint32_t t = 0; t < 36; ++t) {
    if (t == 0) {
      health.order_test(20, 0);
      health.order_test(21, 0);
    }
    if (t == 30) health.order_test(10, 30);
    DailyStats st;
    std::vector<std::uint32_t> uploaders;
    health.run(t, st, uploaders);
    tracing.run(t, health, st);
    std::vector<MetPair> met;
    if (t == 0) {
      health.apply_infections({{20, kNoPerson, Layer::kRandom}, {21, kNoPerson, Layer::kRandom}}, 0,
                              st);
    }
    if (t == 31) {
      met = {{10, 20}, {10, 21}, {10, 22}};
      health.apply_infections({{21, 10, Layer::kRandom}}, 31, st);
    }
    tracing.record(t, met, {});
  }
  REQUIRE(health.infection_day()[21] == 31);                    // infected again
  REQUIRE_FALSE(health.tested_positive(21));                    // its positive day cleared
  std::vector<std::pair<std::uint32_t, std::uint32_t>> called;  // (contact, day)
  for (const TracingCall& k : tracing.calls()) called.emplace_back(k.contact, k.day);
  CHECK(called == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{22, 33}});
}

}  // namespace greenlight::sim::internal
