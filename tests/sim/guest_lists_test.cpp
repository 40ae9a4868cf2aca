// Source investigation at venues (manual_tracing.guest_lists, ManualTracingPhase): an
// interviewed case's venue visits and the guest lists the tracers ask for.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/scenario.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/manual_tracing_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "tracing_test_support.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
TEST_CASE("a guest list names those whose visits overlapped the case's at the venue") {
  const SimConfig c = listed({1, 0, 1});  // shops and event halls keep full lists
  const auto world = make_world(c);
  const std::uint32_t hall = venues_of(world->pop, VenueKind::kEvent, 1)[0];
  const std::uint32_t shop = venues_of(world->pop, VenueKind::kShop, 1)[0];
  const std::uint32_t restaurant = venues_of(world->pop, VenueKind::kRestaurant, 1)[0];
  // The case (10) at the hall from 19:00 to 21:00 on day 0, and at a restaurant at noon.
  std::vector<std::vector<Visit>> visits(2);
  visits[0] = {
      visit(10, hall, kAt19, 120),
      visit(20, hall, kAt19 + 30, 60),   // overlaps: named
      visit(21, hall, kAt19 + 120, 30),  // arrives as the case leaves
      visit(22, hall, kAt19 - 60, 60),   // leaves as the case arrives
      visit(27, hall, kAt19 - 60, 300),  // there before and after: named
      visit(23, shop, kAt19, 120),       // a venue the case was not at
      visit(10, restaurant, 12 * 60, 60),
      visit(24, restaurant, 12 * 60 + 10, 30),  // restaurants keep no list
  };
  visits[1] = {visit(25, hall, kAt19, 120)};  // the hall on a day the case was not there
  const Driven d = drive(c, {10}, visits, 4);
  // Positive on day 2, interviewed on day 3 (delay 1): the window's days 0-2.
  REQUIRE(d.health->positive_day(10) == 2);
  REQUIRE(d.tracing->interviews().size() == 1);
  std::set<std::uint32_t> called;
  for (const TracingCall& k : d.tracing->calls()) {
    CAPTURE(k.contact);
    CHECK(k.index_case == 10);
    CHECK(k.day == 3);
    CHECK(k.met_day == 0);
    CHECK(k.from_list);
    CHECK_FALSE(k.backward);
    called.insert(k.contact);
  }
  CHECK(called == std::set<std::uint32_t>{20, 27});
  RunSummary s;
  d.tracing->summarise(s);
  CHECK(s.manual_traced_from_lists == 2);
  CHECK(d.tracing->view().contact_records == 2);
  // Learned by name: the case's hall visit and the two listed guests' (not its restaurant
  // visit: no list asked for).
  CHECK(d.tracing->view().venue_visits == 3);

  SECTION("without lists nobody is named") {
    const Driven none = drive(listed({0, 0, 0}), {10}, visits, 4);
    CHECK(none.tracing->interviews().size() == 1);
    CHECK(none.tracing->calls().empty());
  }
  SECTION("a person the case recalls is no list name; the last meeting counts") {
    // The case recalls 15 on day 0 and 20 (also on the hall's list) on day 1.
    const std::vector<std::vector<MetPair>> recalled{{{10, 15}}, {{20, 10}}};
    const Driven r = drive(c, {10}, visits, 4, recalled);
    std::map<std::uint32_t, TracingCall> by_contact;
    for (const TracingCall& k : r.tracing->calls()) by_contact[k.contact] = k;
    REQUIRE(by_contact.size() == 3);
    CHECK_FALSE(by_contact[15].from_list);
    CHECK(by_contact[15].met_day == 0);
    CHECK_FALSE(by_contact[20].from_list);
    CHECK(by_contact[20].met_day == 1);
    CHECK(by_contact[27].from_list);
    RunSummary rs;
    r.tracing->summarise(rs);
    CHECK(rs.manual_traced_from_lists == 1);
  }
  SECTION("a restaurant's list names its overlapping guest") {
    const Driven r = drive(listed({0, 1, 0}), {10}, visits, 4);
    REQUIRE(r.tracing->calls().size() == 1);
    CHECK(r.tracing->calls()[0].contact == 24);
  }
}

TEST_CASE("a guest list holds each visit with its share, the same for every case asking") {
  SimConfig c = listed({0, 0.5, 0});
  c.manual_tracing.trace_days = 1;     // forward: the day before the interview
  c.manual_tracing.backward_days = 3;  // backward: the 3 days before that
  const auto world = make_world(c);
  const std::uint32_t restaurant = venues_of(world->pop, VenueKind::kRestaurant, 1)[0];
  // Cases 10 and 11 at the restaurant from noon to 14:00 on day 0 with 400 guests; case 11
  // again on day 2 with 100 guests. Interviews on day 3: day 2 is forward, day 0 backward.
  std::vector<std::vector<Visit>> visits(3);
  visits[0] = {visit(10, restaurant, 12 * 60, 120), visit(11, restaurant, 12 * 60, 120)};
  for (std::uint32_t g = 0; g < 400; ++g) {
    visits[0].push_back(visit(1000 + g, restaurant, 12 * 60 + static_cast<int>(g % 100), 30));
  }
  visits[2] = {visit(11, restaurant, 12 * 60, 120)};
  for (std::uint32_t g = 0; g < 100; ++g) {
    visits[2].push_back(visit(2000 + g, restaurant, 12 * 60 + static_cast<int>(g), 30));
  }
  const Driven d = drive(c, {10, 11}, visits, 4);
  REQUIRE(d.tracing->interviews().size() == 2);
  // Who is on the lists: one draw per visit (person, day, venue).
  const auto on_list = [&](std::uint32_t p, std::uint32_t day) {
    return world->decision(kPurposeGuestList, p, day, restaurant).bernoulli(0.5);
  };
  std::set<std::uint32_t> day0, day2;
  for (std::uint32_t g = 0; g < 400; ++g) {
    if (on_list(1000 + g, 0)) day0.insert(1000 + g);
  }
  for (std::uint32_t g = 0; g < 100; ++g) {
    if (on_list(2000 + g, 2)) day2.insert(2000 + g);
  }
  CHECK(day0.size() > 170);
  CHECK(day0.size() < 230);
  std::map<std::uint32_t, std::set<std::uint32_t>> by_case;
  std::set<std::uint32_t> forward, backward;
  bool backward_seen = false;
  for (const TracingCall& k : d.tracing->calls()) {
    CAPTURE(k.index_case, k.contact, k.met_day);
    CHECK(k.from_list);
    by_case[k.index_case].insert(k.contact);
    (k.backward ? backward : forward).insert(k.contact);
    CHECK(k.backward == (k.met_day == 0));
    // Forward names are called before backward ones.
    if (backward_seen) CHECK(k.backward);
    backward_seen = backward_seen || k.backward;
  }
  CHECK(forward == day2);
  CHECK(backward == day0);
  // The day-0 list named the same guests for both cases: each is called once (the second
  // naming finds them in quarantine), and both interviews counted them.
  std::set<std::uint32_t> both;
  for (const auto& [index_case, named] : by_case) both.insert(named.begin(), named.end());
  CHECK(both.size() == day0.size() + day2.size());
  const std::uint64_t case_on_list = (on_list(10, 0) ? 1u : 0u) + (on_list(11, 0) ? 1u : 0u);
  CHECK(d.tracing->view().contact_records == 2 * day0.size() + day2.size() + case_on_list);
  // The venue visits learned: each listed guest's once, and the cases' own three.
  CHECK(d.tracing->view().venue_visits == day0.size() + day2.size() + 3);
}

namespace {

// The contacts case 10 names at its interview on day 3 (positive on day 2), in the order the
// tracers call them, two calls a day: with trace_days 1 the forward window is day 2, the
// backward one days 0 and 1 (backward_days 2).
std::vector<std::pair<std::uint32_t, std::uint32_t>> call_order(bool lists_last) {
  SimConfig c = listed({0, 0, 1});                           // event halls keep full lists
  c.manual_tracing.notifications_per_worker_day = 2.0 / 90;  // 90 tracers: 2 calls a day
  c.manual_tracing.trace_days = 1;
  c.manual_tracing.backward_days = 2;
  c.manual_tracing.lists_last = lists_last;
  const auto world = make_world(c);
  REQUIRE(c.manual_tracing.notifications_per_day(3000) == 2);
  const std::uint32_t hall = venues_of(world->pop, VenueKind::kEvent, 1)[0];
  // Recalled: 15 and 16 on day 2 (forward), 17 on day 0 (backward). Listed at the hall: 5
  // and 6 on day 0 (backward), 7 on day 2 (forward).
  const std::vector<std::vector<MetPair>> recalled{{{10, 17}}, {}, {{10, 15}, {16, 10}}};
  std::vector<std::vector<Visit>> visits(3);
  visits[0] = {visit(10, hall, kAt19, 60), visit(5, hall, kAt19, 60), visit(6, hall, kAt19, 60)};
  visits[2] = {visit(10, hall, kAt19, 60), visit(7, hall, kAt19, 60)};
  const Driven d = drive(c, {10}, visits, 6, recalled);
  REQUIRE(d.tracing->interviews().size() == 1);
  REQUIRE(d.tracing->interviews()[0].day == 3);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> order;  // (day, contact)
  for (const TracingCall& k : d.tracing->calls()) {
    CHECK(k.index_case == 10);
    CHECK(k.from_list == (k.contact < 10));
    order.emplace_back(k.day, k.contact);
  }
  return order;
}

}  // namespace

TEST_CASE("with lists_last the guest lists' names wait until every recalled name is called") {
  using Calls = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  // Without: forward names in person order (the list's 7 first), then the backward ones.
  CHECK(call_order(false) == Calls{{3, 7}, {3, 15}, {4, 16}, {4, 5}, {5, 6}, {5, 17}});
  // With: the recalled forward, the recalled backward, then the lists' (in person order,
  // forward or backward alike).
  CHECK(call_order(true) == Calls{{3, 15}, {3, 16}, {4, 17}, {4, 5}, {5, 6}, {5, 7}});
}

TEST_CASE("with call_within_days the tracers give up a name whose meeting is that old") {
  SimConfig c = listed({0, 0, 0});
  c.manual_tracing.traceable_fraction = {1, 1, 1, 1};
  c.manual_tracing.notifications_per_worker_day = 2.0 / 90;  // 2 calls a day
  // Case 10 recalls 15, 16 and 17 on day 0, 18 on day 2; interviewed on day 3, its four names
  // take two days of calls: 17 (met on day 0) comes up on day 4.
  const std::vector<std::vector<MetPair>> recalled{{{10, 15}, {10, 16}, {10, 17}}, {}, {{10, 18}}};
  const auto calls = [&](std::uint32_t within) {
    c.manual_tracing.call_within_days = within;
    const Driven d = drive(c, {10}, {}, 6, recalled);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> order;  // (day, contact)
    for (const TracingCall& k : d.tracing->calls()) order.emplace_back(k.day, k.contact);
    RunSummary s;
    d.tracing->summarise(s);
    return std::pair{order, s.manual_names_given_up};
  };
  using Calls = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  const Calls all{{3, 15}, {3, 16}, {4, 17}, {4, 18}};
  CHECK(calls(0) == std::pair{all, std::uint64_t{0}});  // no limit
  CHECK(calls(5) == std::pair{all, std::uint64_t{0}});  // day 4 is 4 days after day 0
  // 4 days: 17 is given up on day 4 and its call goes to 18 (met on day 2).
  CHECK(calls(4) == std::pair{Calls{{3, 15}, {3, 16}, {4, 18}}, std::uint64_t{1}});
  // 3 days: 15, 16 and 17 (met 3 days before the first calls) are given up, 18 called.
  CHECK(calls(3) == std::pair{Calls{{3, 18}}, std::uint64_t{3}});
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {

TEST_CASE("in a run, guest lists alone name people and find cases, counted in the summary") {
  SimConfig c = traced_run(3000);
  c.manual_tracing.traceable_fraction = {0, 0, 0, 0};
  c.manual_tracing.guest_lists = {1, 1, 1};
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const auto& calls = sim->tracing_calls();
  REQUIRE(calls.size() > 20);
  for (const TracingCall& k : calls) CHECK(k.from_list);
  const RunSummary s = sim->summary();
  CHECK(s.manual_traced_from_lists == calls.size());
  CHECK(s.manual_traced == calls.size());
  // Cases found through a list call (the last call within 14 days before the result).
  std::map<std::uint32_t, std::uint32_t> last_call;
  for (const TracingCall& k : calls) last_call[k.contact] = k.day;
  const auto positive = sim->positive_day();
  std::uint64_t found = 0;
  for (const auto& [p, day] : last_call) {
    if (positive[p] >= 0 && static_cast<std::uint32_t>(positive[p]) <= day + 14) ++found;
  }
  CHECK(s.traced_cases_from_lists <= found);
  CHECK(s.traced_cases_from_lists == s.traced_cases);
  CHECK(s.traced_cases > 0);
  std::uint64_t infectors = 0;
  for (const TracingInterview& iv : sim->tracing_interviews()) {
    if (iv.infector != TracingInterview::kNotNamed) {
      CHECK(iv.infector_from_list);
      ++infectors;
    }
  }
  CHECK(s.infectors_named_from_lists == infectors);
  CHECK(s.infectors_named == infectors);

  // With the usual recall the lists add names on top of the recalled ones.
  c.manual_tracing.traceable_fraction = {1, 0.8, 0.05, 0.05};
  InMemoryPublisher publisher_both;
  const auto both = ran(c, publisher_both);
  c.manual_tracing.guest_lists = {0, 0, 0};
  InMemoryPublisher publisher_recall;
  const auto recall_only = ran(c, publisher_recall);
  CHECK(recall_only->summary().manual_traced_from_lists == 0);
  for (const TracingCall& k : recall_only->tracing_calls()) CHECK_FALSE(k.from_list);
  const RunSummary b = both->summary();
  CHECK(b.manual_traced_from_lists > 0);
  CHECK(b.manual_traced_from_lists < b.manual_traced);
}

TEST_CASE("sim compare counts the visits the guest lists told the tracers") {
  SimConfig c = small(3000, 40, 5);
  c.disease.initial_infections = 30;
  c.manual_tracing.guest_lists = {0, 1, 1};
  auto a = run_comparison(c);
  REQUIRE(a);
  const ManualTracingView& known = a->arms[3].outcome.scenario.manual_tracing;
  CHECK(known.venue_visits > 10);
  const std::string table = format_comparison(*a);
  const auto at = table.find("\nvenue visits (place codes)");
  REQUIRE(at != std::string::npos);
  CHECK(table.substr(at, table.find('\n', at + 1) - at)
            .ends_with(" " + std::to_string(known.venue_visits)));
}

}  // namespace greenlight::sim
