// Users who give the app up (app.dropout_per_day; docs/simulation.md "Disease, testing and
// behaviour"): each app user runs the app from its first day for a geometric number of days,
// and a phone that stopped does nothing more.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

SimConfig dropping(double per_day) {
  SimConfig c = small(4000, 60, 7);
  c.disease.initial_infections = 40;
  c.disease.hospitalised_fraction.fill(0);  // nobody dies: every running phone counts a colour
  c.app.upload_consent = 1;
  c.app.dropout_per_day = per_day;
  return c;
}

}  // namespace

TEST_CASE("dropouts: each user runs the app for a geometric number of days from its first") {
  SimConfig c = dropping(0.05);
  c.app.start_day = 3;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::vector<std::uint32_t> running(60, 0);
  double used = 0;
  std::uint32_t users = 0;
  std::uint32_t past_day_30 = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] == 0) continue;
    CAPTURE(p);
    REQUIRE(sim->app_start(p) == 3);
    REQUIRE(sim->app_end(p) > sim->app_start(p));  // at least its first day
    used += sim->app_end(p) - sim->app_start(p);
    ++users;
    if (sim->app_end(p) > 33) ++past_day_30;
    for (std::uint32_t d = sim->app_start(p); d < std::min(sim->app_end(p), 60u); ++d) ++running[d];
  }
  REQUIRE(users > 2500);
  // Days of use: mean 1 / 0.05 = 20 (sd 19.5, so 0.4 for the mean of ~2,900 users); still
  // running after 30 days of use: 0.95^30 = 21.5 %.
  CHECK(used / users == Approx(20).margin(1.5));
  CHECK(static_cast<double>(past_day_30) / users == Approx(std::pow(0.95, 30)).margin(0.03));
  // The colours counted each day are those of the phones running the app that day.
  for (const DailyStats& d : sim->daily()) {
    CAPTURE(d.day);
    CHECK(std::uint64_t{d.green} + d.yellow + d.red == running[d.day]);
  }
  CHECK(sim->summary().app_running_at_end == running[59]);  // sweep.csv's column
  // Pairs of running phones thin out: on day 45 about 0.95^84 of day 3's app contacts.
  const auto& daily = sim->daily();
  CHECK(daily[45].app_contacts * 20 < daily[3].app_contacts);
  // Every exposure is of a day both phones ran the app, found at a sync on a day the
  // listening phone still ran it.
  REQUIRE(sim->exposure_hits().size() > 5);
  for (const ExposureHit& h : sim->exposure_hits()) {
    CAPTURE(h.phone, h.owner, h.exposure_day, h.sync_day);
    CHECK(h.exposure_day < sim->app_end(h.phone));
    CHECK(h.exposure_day < sim->app_end(h.owner));
    CHECK(h.sync_day < sim->app_end(h.phone));
  }
  // Notifications (exposures and venue warnings) reach running phones only.
  std::uint32_t venue_notices = 0;
  REQUIRE(sim->notifications().size() > 5);
  for (const Notification& n : sim->notifications()) {
    CAPTURE(n.phone, n.day, n.venue);
    CHECK(n.day >= sim->app_start(n.phone));
    CHECK(n.day < sim->app_end(n.phone));
    if (n.venue) ++venue_notices;
  }
  CHECK(venue_notices > 0);
  // An upload comes from a running phone: its keys are of days before the upload's, which
  // is a day the app ran, so every key's day is at least two days before the phone stopped.
  const auto owner = key_owners(c, pop, 60);
  REQUIRE(publisher.uploads.size() > 3);
  for (const SimUpload& up : publisher.uploads) {
    for (const auto& k : up.keys) {
      const auto it = owner.find(key_bytes(k));
      REQUIRE(it != owner.end());
      CAPTURE(it->second.first, it->second.second);
      CHECK(it->second.second + 1 < sim->app_end(it->second.first));
    }
  }
}

TEST_CASE("dropouts: the run is the one without them until the first phone stops") {
  RecordingPublisher with_publisher;
  RecordingPublisher without_publisher;
  SimConfig c = dropping(0.02);
  const auto with = ran(c, with_publisher);
  c.app.dropout_per_day = 0;
  const auto without = ran(c, without_publisher);
  std::uint32_t first_stop = 60;
  const Population& pop = with->population();
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] != 0) first_stop = std::min(first_stop, with->app_end(p));
    if (pop.has_app[p] != 0) CHECK(without->app_end(p) > 60);
  }
  REQUIRE(first_stop >= 1);
  REQUIRE(first_stop < 5);
  for (std::uint32_t d = 0; d < first_stop; ++d) {
    CAPTURE(d);
    CHECK(with->daily()[d].app_contacts == without->daily()[d].app_contacts);
    CHECK(with->daily()[d].new_infections == without->daily()[d].new_infections);
  }
  // Nobody dies: without dropouts every user's phone runs at the end.
  CHECK(without->summary().app_running_at_end == without->summary().app_users);
  CHECK(with->summary().app_running_at_end < without->summary().app_users / 2);
  // Fewer phones, fewer notifications and uploads over the run.
  const auto sum = [](const Simulation& s, auto field) {
    std::uint64_t n = 0;
    for (const DailyStats& d : s.daily()) n += d.*field;
    return n;
  };
  CHECK(sum(*with, &DailyStats::notified_red) < sum(*without, &DailyStats::notified_red));
  CHECK(with_publisher.uploads.size() < without_publisher.uploads.size());
  CHECK(sum(*with, &DailyStats::app_contacts) < sum(*without, &DailyStats::app_contacts));
}

TEST_CASE("dropouts: chaff only while the app runs, and the report names the rate") {
  SimConfig c = small(2000, 30, 3);
  c.app.dropout_per_day = 0.05;
  auto run = run_once(c);
  REQUIRE(run);
  const auto phones = static_cast<double>(run->summary.app_users);
  // Chaff at its rate per day the app ran: sum over k < 30 of 0.95^k = 15.7 days a phone.
  const double flows =
      static_cast<double>(run->scenario.chaff.chaff_flows + run->scenario.chaff.real_flows);
  CHECK(flows / phones ==
        Approx(c.app.chaff_per_day * (1 - std::pow(0.95, 30)) / 0.05).epsilon(0.1));
  CHECK(policy_lines(c) ==
        "app: each day 5 % of the phones running it give it up (on average 20 days of use; a "
        "phone that stops does nothing more)\n");
  c.app.dropout_per_day = 0;
  CHECK(policy_lines(c).find("give it up") == std::string::npos);
}

TEST_CASE("dropouts: the setting is range-checked and round-trips") {
  SimConfig c;
  REQUIRE(apply_override(c, "app.dropout_per_day=0.01"));
  CHECK(c.app.dropout_per_day == 0.01);
  CHECK(validate_config(c));
  CHECK(refusal("app.dropout_per_day=1") == "app.dropout_per_day must be in [0, 1)");
  CHECK(refusal("app.dropout_per_day=-0.1") == "app.dropout_per_day must be in [0, 1)");
  const auto json = config_to_json(c);
  const auto back = config_from_json(json);
  REQUIRE(back);
  CHECK(back->app.dropout_per_day == 0.01);
}

}  // namespace greenlight::sim
