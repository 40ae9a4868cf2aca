// Attack A2, the relay (wormhole) adversary, measured in the simulator as false warnings
// caused (docs/security-tests.md). The defence asserted: phones accept an RPI only within
// +-2 hours of its interval, so a relay slower than that causes no warning at all, while a
// faster one does.
#include <catch2/catch.hpp>

#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/scenario.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

SimConfig relayed(double delay_minutes) {
  SimConfig c;
  c.population.people = 2500;
  c.run.days = 35;
  c.run.seed = 11;
  c.run.threads = 2;
  c.run.baseline = false;
  c.disease.initial_infections = 25;
  c.app.upload_consent = 1;
  c.adversary.relay_venue_share = 1;  // a receiver at every venue
  c.adversary.relay_victims = 10;
  c.adversary.relay_delay_minutes = delay_minutes;
  return c;
}

}  // namespace

TEST_CASE("a relay inside the +-2 h acceptance window causes false warnings") {
  auto r = run_once(relayed(30));
  REQUIRE(r);
  const RelayView& v = r->scenario.relay;
  CHECK(v.captured_visits > 0);
  CHECK(v.relayed_runs > 0);
  CHECK(v.relay_only_hits > 0);
  CHECK(v.false_warnings > 0);
  CHECK(v.warned_only_by_relay <= v.false_warnings);
  CHECK(v.warned_only_by_relay > 0);
  CHECK(format_relay(v).find("false warnings caused by relays") != std::string::npos);
}

TEST_CASE("before the app's launch a relay captures nothing") {
  SimConfig c = relayed(30);
  c.app.start_day = 30;  // the last 5 of 35 days
  auto r = run_once(c);
  REQUIRE(r);
  auto all = run_once(relayed(30));
  REQUIRE(all);
  const RelayView& v = r->scenario.relay;
  CHECK(v.captured_visits > 0);
  // About 5 of 35 days' visits (visits per day vary little).
  CHECK(static_cast<double>(v.captured_visits) <
        0.25 * static_cast<double>(all->scenario.relay.captured_visits));
}

TEST_CASE("a relay slower than the acceptance window causes none") {
  auto slow = run_once(relayed(180));
  REQUIRE(slow);
  const RelayView& v = slow->scenario.relay;
  CHECK(v.relayed_runs > 0);      // the replays reached the victims' phones ...
  CHECK(v.relay_only_hits == 0);  // ... and matched nothing
  CHECK(v.false_warnings == 0);
  CHECK(v.warned_only_by_relay == 0);
  // The run is the run without the adversary: same epidemic, same notifications.
  SimConfig off = relayed(180);
  off.adversary = AdversaryConfig{};  // no relay (its other settings need one)
  auto clean = run_once(off);
  REQUIRE(clean);
  CHECK(clean->scenario.relay.relayed_runs == 0);
  CHECK(slow->summary.infections == clean->summary.infections);
  CHECK(slow->summary.notifications_red == clean->summary.notifications_red);
  CHECK(slow->summary.notifications_yellow == clean->summary.notifications_yellow);
  CHECK(slow->summary.uploads == clean->summary.uploads);
}

TEST_CASE("a dead victim's phone hears no replay") {
  // Every app user runs the app from day 0 to the end: a victim's phone is off only once
  // the victim is dead.
  SimConfig lived = relayed(180);
  lived.disease.initial_infections = 250;
  lived.disease.fatality_fraction.fill(0);
  auto alive = run_once(lived);
  REQUIRE(alive);
  CHECK(alive->summary.deaths == 0);
  CHECK(alive->scenario.relay.relayed_runs > 0);
  CHECK(alive->scenario.relay.off_runs == 0);

  SimConfig fatal = lived;
  every_course_fatal(fatal);
  auto died = run_once(fatal);
  REQUIRE(died);
  REQUIRE(died->summary.deaths > 0);
  CHECK(died->scenario.relay.relayed_runs > 0);
  CHECK(died->scenario.relay.off_runs > 0);
  CHECK(format_relay(died->scenario.relay).find("replays to phones that were off") !=
        std::string::npos);
}

TEST_CASE("the relay cannot be combined with the per-phone check") {
  SimConfig c = relayed(30);
  c.run.verify_phones = 2;
  CHECK_FALSE(validate_config(c));
}

}  // namespace greenlight::sim
