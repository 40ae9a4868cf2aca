// School closures (lockdown.schools_closed; docs/simulation.md "Lockdown"): on the closed days
// the run's contacts lose the school links; timeseries.csv and the report say when.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "sim_test_runs.h"

namespace greenlight::sim {

TEST_CASE("closed schools: the closed days lose the school links' contacts, and say so") {
  SimConfig c = small(6000, 20, 5);
  InMemoryPublisher open_publisher;
  const auto open = ran(c, open_publisher);
  c.lockdown.schools_closed = {{3, 5}, {10, 10}};
  REQUIRE(validate_config(c));
  InMemoryPublisher closed_publisher;
  const auto closed = ran(c, closed_publisher);
  // The school links' contacts of a day the schools are open: about 2.5 per child.
  const Population& pop = closed->population();
  std::uint32_t children = 0;
  for (const auto n : pop.network) children += n == static_cast<std::uint8_t>(Network::kSchool);
  for (std::uint32_t t = 0; t < 20; ++t) {
    CAPTURE(t);
    const bool shut = (t >= 3 && t <= 5) || t == 10;
    CHECK(closed->daily()[t].schools_closed == (shut ? 1u : 0u));
    CHECK(open->daily()[t].schools_closed == 0);
    // Until the first closed day the runs are the same; on a closed day the contacts fall by
    // the school links' (their number is drawn: between 1.5 and 4 a child).
    if (t < 3) CHECK(closed->daily()[t].contacts == open->daily()[t].contacts);
    if (shut) {
      const double lost = static_cast<double>(open->daily()[t].contacts) -
                          static_cast<double>(closed->daily()[t].contacts);
      CHECK(lost > 1.5 * children);
      CHECK(lost < 4.0 * children);
    }
  }
  ReportInput in;
  in.config = &c;
  in.app = closed->summary();
  in.app_daily = closed->daily();
  CHECK(format_report(in).find(
            "schools closed: days 3-5, 10-10 (children meet none of their school links)\n") !=
        std::string::npos);
  CHECK(daily_csv(closed->daily()).find(",imported,schools_closed,") != std::string::npos);

  // Windows are checked and read back.
  c.lockdown.schools_closed = {{5, 3}};
  CHECK(validate_config(c).error().message ==
        "lockdown.schools_closed: each window is [first, last] with first <= last <= 2000");
  c.lockdown.schools_closed.assign(101, {1, 2});
  CHECK(validate_config(c).error().message == "lockdown.schools_closed: at most 100 windows");
  c.lockdown.schools_closed = {{40, 90}};
  auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->lockdown.schools_closed == c.lockdown.schools_closed);
}

}  // namespace greenlight::sim
