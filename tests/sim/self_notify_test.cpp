// Self-notification in manual tracing (manual_tracing.self_notify_after_days,
// ManualTracingPhase): a case the tracers do not reach in time informs its contacts itself.
#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "internal/manual_tracing_phase.h"
#include "internal/rng.h"
#include "sim_test_runs.h"
#include "tracing_test_support.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
namespace {

// Cases 10, 11 and 12 positive on day 2, one interview a day from day 3 (in person order);
// a 2-day forward window and 2 days backward; event halls keep full lists.
SimConfig one_interview_a_day(std::uint32_t self_notify_after_days) {
  SimConfig c = listed({0, 0, 1});
  c.manual_tracing.interviews_per_worker_day = 1.0 / 90;  // 90 tracers: 1 interview a day
  c.manual_tracing.trace_days = 2;
  c.manual_tracing.backward_days = 2;
  c.manual_tracing.self_notify_after_days = self_notify_after_days;
  REQUIRE(c.manual_tracing.interviews_per_day(3000) == 1);
  return c;
}

struct CaseDays {
  std::vector<std::vector<MetPair>> recalled;
  std::vector<std::vector<Visit>> visits;
};

// Case 12 recalls 30 on day 0 (backward for an interview on day 4), 32 on day 2 (backward on
// day 5) and 31 and 400 others (1000...1399) on day 3, and was at the hall with 5 on day 3.
CaseDays case_12(const Population& pop) {
  CaseDays d;
  d.recalled.resize(4);
  d.recalled[0] = {{12, 30}};
  d.recalled[2] = {{32, 12}};
  d.recalled[3] = {{12, 31}};
  for (std::uint32_t g = 0; g < 400; ++g) d.recalled[3].push_back({12, 1000 + g});
  const std::uint32_t hall = venues_of(pop, VenueKind::kEvent, 1)[0];
  d.visits.resize(4);
  d.visits[3] = {visit(12, hall, kAt19, 60), visit(5, hall, kAt19, 60)};
  return d;
}

}  // namespace

TEST_CASE("a case not interviewed in time informs the contacts it recalls itself") {
  const SimConfig c = one_interview_a_day(2);
  const auto world = make_world(c);
  const CaseDays days = case_12(world->pop);
  // Days 0-5 (those informed on day 4 and tested would be positive on day 6).
  const Driven d = drive(c, {10, 11, 12}, days.visits, 6, days.recalled);
  // Day 3: 10 interviewed; day 4: 11 interviewed, 12 two days after its result informs its
  // contacts of days 2 and 3 itself: no list name (5), nobody backward (30).
  std::set<std::uint32_t> interviewed;
  for (const TracingInterview& iv : d.tracing->interviews()) interviewed.insert(iv.index_case);
  CHECK(interviewed == std::set<std::uint32_t>{10, 11});
  std::set<std::uint32_t> informed;
  for (const TracingCall& k : d.tracing->calls()) {
    CAPTURE(k.contact);
    CHECK(k.by_case);  // 10 and 11 recalled nobody
    CHECK(k.index_case == 12);
    CHECK(k.day == 4);
    CHECK(k.interview_day == 4);
    CHECK(k.met_day == (k.contact == 32 ? 2u : 3u));
    CHECK_FALSE(k.backward);
    CHECK_FALSE(k.from_list);
    informed.insert(k.contact);
  }
  CHECK(informed.size() == 402);
  CHECK(informed.contains(31));
  CHECK(informed.contains(32));
  CHECK_FALSE(informed.contains(30));
  CHECK_FALSE(informed.contains(5));
  RunSummary s;
  d.tracing->summarise(s);
  CHECK(s.self_notifying_cases == 1);
  CHECK(s.self_notified == 402);
  // The tracers learned none of them.
  CHECK(d.tracing->view().contact_records == 0);

  SECTION("without the setting the case waits for its interview") {
    const Driven w = drive(one_interview_a_day(0), {10, 11, 12}, days.visits, 6, days.recalled);
    std::set<std::uint32_t> all;
    for (const TracingInterview& iv : w.tracing->interviews()) all.insert(iv.index_case);
    CHECK(all == std::set<std::uint32_t>{10, 11, 12});
    std::set<std::uint32_t> called;
    for (const TracingCall& k : w.tracing->calls()) {
      called.insert(k.contact);
      CHECK_FALSE(k.by_case);
      CHECK(k.interview_day == 5);  // interviewed on day 5: 32 backward, 5 from the list
    }
    CHECK(called.size() == 403);
    CHECK(called.contains(32));
    CHECK(called.contains(5));
    CHECK_FALSE(called.contains(30));
    RunSummary ws;
    w.tracing->summarise(ws);
    CHECK(ws.self_notifying_cases == 0);
    CHECK(ws.self_notified == 0);
  }
  SECTION("three days: the case is interviewed on day 5, in time") {
    const Driven l = drive(one_interview_a_day(3), {10, 11, 12}, days.visits, 6, days.recalled);
    CHECK(l.tracing->interviews().size() == 3);
    for (const TracingCall& k : l.tracing->calls()) CHECK_FALSE(k.by_case);
  }
  SECTION("with a reach of one half the case tells those of one draw per contact") {
    SimConfig half = c;
    half.manual_tracing.self_notify_reach = 0.5;
    const Driven h = drive(half, {10, 11, 12}, days.visits, 6, days.recalled);
    std::set<std::uint32_t> told;
    for (const TracingCall& k : h.tracing->calls()) told.insert(k.contact);
    std::set<std::uint32_t> drawn;
    for (const std::uint32_t q : informed) {
      if (world->decision(kPurposeSelfNotify, q, 4, 12).bernoulli(0.5)) drawn.insert(q);
    }
    CHECK(told == drawn);
    CHECK(told.size() > 170);
    CHECK(told.size() < 230);
  }
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {

TEST_CASE("in a run, self-notifying cases are counted and their contacts act as called") {
  SimConfig c = traced_run(3);  // 1 interview and 1 call a day: overloaded
  c.manual_tracing.self_notify_after_days = 2;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const RunSummary s = sim->summary();
  std::uint64_t by_case = 0;
  std::uint64_t by_tracers = 0;
  std::set<std::uint32_t> informing;
  for (const TracingCall& k : sim->tracing_calls()) {
    (k.by_case ? by_case : by_tracers) += 1;
    if (k.by_case) informing.insert(k.index_case);
  }
  CHECK(s.self_notified == by_case);
  CHECK(by_case > 20);
  CHECK(s.manual_traced == by_tracers);  // the tracers' calls only
  CHECK(s.self_notifying_cases >= informing.size());
  CHECK(s.self_notifying_cases + sim->tracing_interviews().size() <= s.tracing_cases);
  CHECK(s.traced_cases_self_notified > 0);
  CHECK(s.traced_cases_self_notified <= s.traced_cases);
  // The report's rows.
  c.manual_tracing.self_notify_reach = 0.5;
  CHECK(policy_lines(c).find("a case not interviewed within 2 days of its result informs its "
                             "contacts itself (reach 0.5)") != std::string::npos);
}

}  // namespace greenlight::sim
