// Manual contact tracing (config.manual_tracing, sim/src/manual_tracing_phase.cpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <utility>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "sim_test_runs.h"

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
};

Traced run(const SimConfig& c) {
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  return {sim->daily(), sim->tracing_calls(), sim->population(), sim->summary()};
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
