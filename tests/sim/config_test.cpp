#include "greenlight/sim/config.h"

#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/client/risk.h"
#include "greenlight/sim/risk.h"

namespace greenlight::sim {

namespace {

// The override is rejected on defaults with a message containing `message`.
void fails(std::string_view assignment, std::string_view message) {
  SimConfig bad;
  const Status st = apply_override(bad, assignment);
  REQUIRE_FALSE(st);
  CAPTURE(st.error().message);
  CHECK(st.error().message.find(message) != std::string::npos);
}

// The override is taken (its type checked), and the settings are then refused with exactly
// `message`.
void fails_validation(const std::string& assignment, std::string_view message) {
  SimConfig c;
  const std::vector<std::string> one{assignment};
  REQUIRE(apply_overrides(c, one));
  const Status st = validate_config(c);
  REQUIRE_FALSE(st);
  CHECK(st.error().message == message);
}

// As fails_validation, the message beginning with `start` (the rest explains the range).
void fails_validation_with(const std::string& assignment, std::string_view start) {
  SimConfig c;
  const std::vector<std::string> one{assignment};
  REQUIRE(apply_overrides(c, one));
  const Status st = validate_config(c);
  REQUIRE_FALSE(st);
  CAPTURE(st.error().message);
  CHECK(st.error().message.starts_with(start));
}

// `c` written as JSON and read back.
SimConfig round_trip(const SimConfig& c) {
  auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  return *back;
}

}  // namespace

TEST_CASE("config JSON round-trips and keeps defaults for missing keys") {
  SimConfig c;
  c.population.people = 1234;
  c.app.uptake = 0.5;
  c.run.server = ServerMode::kLoopback;
  c.app.risk.attenuation_weights = {1, 0.5, 0.25, 0};
  auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(config_to_json(*back) == config_to_json(c));
  CHECK(config_hash(*back) == config_hash(c));
  auto partial = config_from_json(R"({"population": {"people": 99}})");
  REQUIRE(partial);
  CHECK(partial->population.people == 99);
  CHECK(partial->app.uptake == SimConfig{}.app.uptake);
}

TEST_CASE("config hash: every setting but the thread count") {
  // The results are the same at any thread count: so is the hash that report.txt and the sweep
  // journals name a configuration by.
  SimConfig c;
  SimConfig more_threads = c;
  more_threads.run.threads = 4;
  CHECK(config_hash(more_threads) == config_hash(c));
  SimConfig other_seed = c;
  other_seed.run.seed += 1;
  CHECK(config_hash(other_seed) != config_hash(c));
  SimConfig other_uptake = c;
  other_uptake.app.uptake = 0.3;
  CHECK(config_hash(other_uptake) != config_hash(c));
}

TEST_CASE("config errors name the key and what was expected") {
  auto unknown = config_from_json(R"({"population": {"peple": 5}})");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message ==
        "unknown config key 'population.peple' (did you mean population.people?)");
  auto section = config_from_json(R"({"popul": {}})");
  REQUIRE_FALSE(section);
  CHECK(section.error().message.starts_with(
      "unknown config section 'popul' (the sections: adversary, app, care_homes, "));
  // The closest setting is suggested: a key in another section, a few letters off; none when
  // nothing is close.
  fails("testing.uptake=0.5", "unknown config key 'testing.uptake' (did you mean app.uptake?)");
  fails("app.upload_delay=2",
        "unknown config key 'app.upload_delay' (did you mean app.upload_delay_days?)");
  const SimConfig base;
  const std::vector<std::string> far{"app.xyzzy=1"};
  SimConfig c = base;
  const Status none = apply_overrides(c, far);
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "unknown config key 'app.xyzzy'");
  // A whole number beyond a count's range is told the range; a negative or fractional one
  // what the count is.
  auto beyond = config_from_json(R"({"run": {"days": 4294967296}})");
  REQUIRE_FALSE(beyond);
  CHECK(beyond.error().message ==
        "run.days: expected an integer in [0, 4294967295], got 4294967296");
  auto negative = config_from_json(R"({"population": {"people": -5}})");
  REQUIRE_FALSE(negative);
  CHECK(negative.error().message == "population.people: expected a non-negative integer, got -5");
  auto fraction = config_from_json(R"({"population": {"people": 5000.5}})");
  REQUIRE_FALSE(fraction);
  CHECK(fraction.error().message.starts_with(
      "population.people: expected a non-negative integer, got 5.0005E3"));
  auto type = config_from_json(R"({"app": {"uptake": "high"}})");
  REQUIRE_FALSE(type);
  CHECK(type.error().message.find("app.uptake: expected a number") != std::string::npos);
  auto range = config_from_json(R"({"app": {"uptake": 1.5}})");
  REQUIRE_FALSE(range);
  CHECK(range.error().message == "app.uptake must be in [0, 1]");
  // Each probability by its name, also among several.
  fails_validation("app.yellow_test_probability=-0.1",
                   "app.yellow_test_probability must be in [0, 1]");
  fails_validation("testing.isolation_daily_dropout=2",
                   "testing.isolation_daily_dropout must be in [0, 1]");
  fails_validation("radio.household_wall_probability=1.1",
                   "radio.household_wall_probability must be in [0, 1]");
  auto array = config_from_json(R"({"risk": {"attenuation_weights": [1, 2]}})");
  REQUIRE_FALSE(array);
  CHECK(array.error().message.find("array of 4") != std::string::npos);
  CHECK_FALSE(config_from_json("[1, 2]"));
  CHECK_FALSE(config_from_json("{"));
}

TEST_CASE("regions: read, written and checked") {
  auto c = config_from_json(R"({"population": {"regions": 3, "region_weights": [1, 2, 1],
      "commuter_share": 0.2}, "contacts": {"travel_share": 0.05},
      "app": {"uptake_by_region": [1, 0.5, 1.5]}, "disease": {"seed_region": 2}})");
  REQUIRE(c);
  const SimConfig back = round_trip(*c);
  CHECK(back.population.regions == 3);
  CHECK(back.population.region_weights == std::vector<double>{1, 2, 1});
  CHECK(back.population.commuter_share == 0.2);
  CHECK(back.contacts.travel_share == 0.05);
  CHECK(back.app.uptake_by_region == std::vector<double>{1, 0.5, 1.5});
  CHECK(back.disease.seed_region == 2);
  fails("population.regions=0", "population.regions must be in [1, 10000]");
  fails("population.regions=51", "every region needs at least 100 people on average");
  fails("population.region_weights=[1,2]", "one weight per region");
  fails("app.uptake_by_region=[1,1]", "app.uptake_by_region must be empty or have one value");
  fails("disease.seed_region=1", "disease.seed_region must be -1 (anywhere) or a region");
  fails("disease.seed_region=-2", "disease.seed_region must be -1 (anywhere) or a region");
  fails("population.commuter_share=1.5", "population.commuter_share must be in [0, 1]");
  fails("contacts.travel_share=-0.1", "contacts.travel_share must be in [0, 1]");
  const auto refused = [](const char* json, std::string_view message) {
    auto r = config_from_json(json);
    REQUIRE_FALSE(r);
    CAPTURE(r.error().message);
    CHECK(r.error().message.find(message) != std::string::npos);
  };
  refused(R"({"population": {"regions": 2, "region_weights": [1, 0.001]}})",
          "every region needs at least 10 people");
  refused(R"({"population": {"regions": 2, "region_weights": [1, 0]}})",
          "region_weights must be in (0, 1e6]");
  refused(R"({"population": {"regions": 2}, "app": {"uptake_by_region": [1, -1]}})",
          "app.uptake_by_region must be in [0, 100]");
  fails("lockdown.regional=true", "lockdown.regional needs several regions");
  refused(R"({"population": {"regions": 2}, "lockdown": {"regional": true}})",
          "and a trigger (lockdown.trigger_incidence or trigger_admissions)");
  // Several settings at once are checked together (apply_overrides, then validate_config):
  // the order of settings that depend on each other does not matter.
  SimConfig together;
  const std::vector<std::string> sets{"lockdown.regional=true", "population.regions=2",
                                      "lockdown.trigger_incidence=50", "population.people=30000",
                                      "population.regions=300"};
  REQUIRE(apply_overrides(together, sets));
  CHECK(together.population.regions == 300);  // the later of two wins
  CHECK(validate_config(together));
  const std::vector<std::string> bad_type{"population.regions=many"};
  const Status type = apply_overrides(together, bad_type);
  REQUIRE_FALSE(type);
  CHECK(type.error().message.find("population.regions: expected a non-negative integer") !=
        std::string::npos);
}

TEST_CASE("one element of a list setting: section.key[i]=value") {
  SimConfig c;
  REQUIRE(apply_override(c, "manual_tracing.guest_lists[1]=0.5"));
  CHECK(c.manual_tracing.guest_lists == std::array<double, 3>{0, 0.5, 0});
  REQUIRE(apply_override(c, "vaccination.efficacy_factor_by_age[8]=0.74"));
  CHECK(c.vaccination.efficacy_factor_by_age[8] == 0.74);
  CHECK(c.vaccination.efficacy_factor_by_age[7] == 1);
  // An element of a nested list is a list.
  REQUIRE(apply_override(c, "lockdown.windows=[[10,20],[40,50]]"));
  REQUIRE(apply_override(c, "lockdown.windows[1]=[60,70]"));
  REQUIRE(c.lockdown.windows.size() == 2);
  CHECK(c.lockdown.windows[0][0] == 10);
  CHECK(c.lockdown.windows[1][0] == 60);
  CHECK(c.lockdown.windows[1][1] == 70);
  // Several at once build on each other and on the whole setting given before them.
  SimConfig together;
  const std::vector<std::string> sets{"manual_tracing.guest_lists=[0.1,0.2,0.3]",
                                      "manual_tracing.guest_lists[2]=0.9",
                                      "manual_tracing.guest_lists[0]=0"};
  REQUIRE(apply_overrides(together, sets));
  CHECK(together.manual_tracing.guest_lists == std::array<double, 3>{0, 0.2, 0.9});
  // The element's value is checked as the whole setting's.
  fails("manual_tracing.guest_lists[1]=1.5", "guest_lists values");
  fails("manual_tracing.guest_lists[3]=0.5",
        "manual_tracing.guest_lists[3]: it has 3 values (indexes 0 to 2)");
  fails("manual_tracing.enabled[0]=1", "manual_tracing.enabled is not a list");
  fails("app.uptake_by_region[7]=1",
        "app.uptake_by_region[7]: the list is empty; set it whole, app.uptake_by_region=[...]");
  fails("manual_tracing.no_such[1]=1", "unknown config key 'manual_tracing.no_such'");
  fails("manual_tracing.guest_lists[x]=1", "section.key[INDEX]=value (INDEX from 0)");
  fails("manual_tracing.guest_lists[1=1", "section.key[INDEX]=value");
  fails("manual_tracing.guest_lists[]=1", "section.key[INDEX]=value");
  fails("manual_tracing.guest_lists[-1]=1", "section.key[INDEX]=value");
}

TEST_CASE("regions: commuting and travel matrices read, written and checked") {
  auto c = config_from_json(R"({"population": {"regions": 3, "commuter_share": 1,
      "commuting_matrix": [[8, 1, 1], [0, 1, 0], [2, 0, 5]]},
      "contacts": {"travel_matrix": [[1, 1, 0], [0, 2, 1], [0, 0, 1]]}})");
  REQUIRE(c);
  const SimConfig back = round_trip(*c);
  CHECK(back.population.commuting_matrix ==
        std::vector<std::vector<double>>{{8, 1, 1}, {0, 1, 0}, {2, 0, 5}});
  CHECK(back.contacts.travel_matrix ==
        std::vector<std::vector<double>>{{1, 1, 0}, {0, 2, 1}, {0, 0, 1}});
  const auto refused = [](const char* json, std::string_view message) {
    auto r = config_from_json(json);
    REQUIRE_FALSE(r);
    CAPTURE(r.error().message);
    CHECK(r.error().message.find(message) != std::string::npos);
  };
  refused(R"({"population": {"commuting_matrix": [[1]]}})",
          "population.commuting_matrix needs several regions");
  refused(R"({"population": {"regions": 3, "commuting_matrix": [[1, 0, 0], [0, 1, 0]]}})",
          "population.commuting_matrix must have one row per region (3), got 2");
  refused(R"({"population": {"regions": 2}, "contacts": {"travel_matrix": [[1, 0], [1]]}})",
          "contacts.travel_matrix[1] must have one weight per region (2), got 1");
  refused(R"({"population": {"regions": 2}, "contacts": {"travel_matrix": [[1, -1], [0, 1]]}})",
          "contacts.travel_matrix[0]: weights must be in [0, 1e12]");
  refused(R"({"population": {"regions": 2, "commuting_matrix": [[1, 0], [0, 0]]}})",
          "population.commuting_matrix[1] must give some weight to a region");
  refused(R"({"population": {"regions": 2, "commuting_matrix": [[1, "x"], [0, 1]]}})",
          "population.commuting_matrix[0][1]: expected a number");
  refused(R"({"population": {"regions": 2, "commuting_matrix": [1, 0]}})",
          "population.commuting_matrix[0]: expected an array");
  // A dense matrix for at most kMaxMatrixRegions regions.
  SimConfig many;
  many.population.people = 200000;
  many.population.regions = kMaxMatrixRegions + 1;
  many.contacts.travel_matrix.assign(kMaxMatrixRegions + 1,
                                     std::vector<double>(kMaxMatrixRegions + 1, 1.0));
  const Status big = validate_config(many);
  REQUIRE_FALSE(big);
  CHECK(big.error().message ==
        "contacts.travel_matrix: at most 1000 regions (the matrix is dense)");
  // --set takes a matrix as JSON.
  SimConfig set;
  const std::vector<std::string> sets{"population.regions=2",
                                      "population.commuting_matrix=[[3,1],[0,1]]"};
  REQUIRE(apply_overrides(set, sets));
  CHECK(set.population.commuting_matrix == std::vector<std::vector<double>>{{3, 1}, {0, 1}});
  CHECK(validate_config(set));
}

TEST_CASE("regions: commuting and travel flows (the sparse form) read, written and checked") {
  auto c = config_from_json(R"({"population": {"regions": 3, "commuter_share": 1,
      "commuting_flows": [[0, 0, 8], [2, 0, 2], [0, 1, 1], [1, 1, 1], [2, 2, 5]]},
      "contacts": {"travel_flows": [[0, 1, 1], [1, 2, 0.5], [2, 2, 1], [1, 0, 0]]}})");
  REQUIRE(c);
  const SimConfig back = round_trip(*c);
  CHECK(back.population.commuting_flows ==
        std::vector<std::vector<double>>{{0, 0, 8}, {2, 0, 2}, {0, 1, 1}, {1, 1, 1}, {2, 2, 5}});
  CHECK(back.contacts.travel_flows ==
        std::vector<std::vector<double>>{{0, 1, 1}, {1, 2, 0.5}, {2, 2, 1}, {1, 0, 0}});
  const auto refused = [](const char* json, std::string_view message) {
    auto r = config_from_json(json);
    REQUIRE_FALSE(r);
    CAPTURE(r.error().message);
    CHECK(r.error().message == message);
  };
  refused(R"({"population": {"commuting_flows": [[0, 0, 1]]}})",
          "population.commuting_flows needs several regions (population.regions)");
  refused(R"({"population": {"regions": 2, "commuting_matrix": [[1, 0], [0, 1]],
      "commuting_flows": [[0, 0, 1], [1, 1, 1]]}})",
          "population.commuting_flows: give population.commuting_matrix or "
          "population.commuting_flows, not both");
  refused(R"({"population": {"regions": 2}, "contacts": {"travel_flows": [[0, 0, 1], [1, 1]]}})",
          "contacts.travel_flows[1] must be [from, to, weight], got 2 numbers");
  refused(R"({"population": {"regions": 2}, "contacts": {"travel_flows": [[0, 2, 1]]}})",
          "contacts.travel_flows[0]: from and to must be regions in [0, 2)");
  refused(R"({"population": {"regions": 2}, "contacts": {"travel_flows": [[0.5, 1, 1]]}})",
          "contacts.travel_flows[0]: from and to must be regions in [0, 2)");
  refused(R"({"population": {"regions": 2}, "contacts": {"travel_flows": [[0, 1, -1]]}})",
          "contacts.travel_flows[0]: the weight must be in [0, 1e12]");
  refused(R"({"population": {"regions": 2,
      "commuting_flows": [[0, 1, 1], [1, 1, 1], [0, 1, 2]]}})",
          "population.commuting_flows: from 0 to 1 is given twice");
  refused(R"({"population": {"regions": 3,
      "commuting_flows": [[0, 1, 1], [1, 1, 1], [2, 0, 0]]}})",
          "population.commuting_flows: region 2 needs a positive weight from it (e.g. [r, r, 1] "
          "keeps it at home)");
  // More regions than a dense matrix may have.
  SimConfig many;
  many.population.people = 200000;
  many.population.regions = kMaxMatrixRegions + 1;
  for (double r = 0; r <= kMaxMatrixRegions; ++r) many.contacts.travel_flows.push_back({r, r, 1});
  CHECK(validate_config(many));
  // --set takes flows as JSON.
  SimConfig set;
  const std::vector<std::string> sets{"population.regions=2",
                                      "contacts.travel_flows=[[0,1,3],[1,1,1]]"};
  REQUIRE(apply_overrides(set, sets));
  CHECK(set.contacts.travel_flows == std::vector<std::vector<double>>{{0, 1, 3}, {1, 1, 1}});
  CHECK(validate_config(set));
}

TEST_CASE("the hospital path's settings are checked") {
  SimConfig c;
  REQUIRE(apply_override(c, "disease.hospitalised_fraction=[0,0,0,0,0,0,0,0,0.5]"));
  CHECK(c.disease.hospitalised_fraction[8] == 0.5);
  REQUIRE(apply_override(c, "disease.death_mean_days=9"));
  CHECK(c.disease.death_mean_days == 9);
  fails("disease.fatality_fraction=[0,0,0,0,0,0,0,0,1.5]", "fatality_fraction must be in [0, 1]");
  fails("disease.critical_fraction=[0,0,0,0,0,-0.1,0,0,0]", "critical_fraction and fatality");
  fails("disease.hospital_sd_days=0", "standard deviations in [0.1, 60]");
  fails("disease.death_sd_days=1e-160", "standard deviations in [0.1, 60]");
  fails("disease.ward_stay_mean_days=61", "means in (0, 60] days");
  fails("disease.hospitalised_fraction=[1,1]", "array of 9");
  fails("disease.icu_beds_per_100k=-1", "icu_beds_per_100k must be in [0, 100000]");
  fails("disease.no_icu_fatality_factor=0.5", "no_icu_fatality_factor must be in [1, 100]");
  fails("disease.hospital_beds_per_100k=-1", "hospital_beds_per_100k must be in [0, 100000]");
  fails("disease.no_hospital_critical_factor=0.9",
        "no_hospital_critical_factor must be in [1, 100]");
  REQUIRE(apply_override(c, "disease.hospital_beds_per_100k=250"));
  CHECK(c.disease.hospital_beds_per_100k == 250);
  REQUIRE(apply_override(c, "disease.icu_beds_per_100k=27.5"));
  CHECK(c.disease.icu_beds_per_100k == 27.5);
  // A limit that rounds to no bed is refused (5,000 people: 10 per 100,000 is half a bed);
  // one that rounds to a bed is taken.
  fails("disease.icu_beds_per_100k=9.9",
        "disease.icu_beds_per_100k gives no bed for population.people (at least one bed, or 0: "
        "no limit)");
  fails("disease.hospital_beds_per_100k=5", "disease.hospital_beds_per_100k gives no bed");
  REQUIRE(apply_override(c, "disease.icu_beds_per_100k=10"));
  REQUIRE(per_100k(c.disease.icu_beds_per_100k, c.population.people) == 1);
  SimConfig large;
  REQUIRE(apply_override(large, "population.people=100000"));
  REQUIRE(apply_override(large, "disease.hospital_beds_per_100k=5"));
}

TEST_CASE("the lockdown's settings are checked") {
  SimConfig c;
  CHECK_FALSE(c.lockdown.everyone_on(0));  // none by default
  CHECK_FALSE(c.lockdown.elderly_on(0));
  REQUIRE(apply_override(c, "lockdown.start_day=20"));
  REQUIRE(apply_override(c, "lockdown.days=35"));
  CHECK_FALSE(c.lockdown.everyone_on(19));
  CHECK(c.lockdown.everyone_on(20));
  CHECK(c.lockdown.everyone_on(54));
  CHECK_FALSE(c.lockdown.everyone_on(55));
  REQUIRE(apply_override(c, "lockdown.elderly_days=10"));
  CHECK(c.lockdown.elderly_on(0));
  CHECK_FALSE(c.lockdown.elderly_on(10));
  const auto back = round_trip(c);
  CHECK(back.lockdown.days == 35);
  CHECK(back.lockdown.household_multiplier == 1.5);
  fails("lockdown.random_multiplier=1.2", "random_multiplier and venue_multiplier must be in");
  fails("lockdown.household_multiplier=-1", "household_multiplier must be in [0, 10]");
  fails("lockdown.days=2001", "at most 2000");
  fails("lockdown.end_day=3", "end_day");
  fails("app.start_day=2001", "app.start_day must be at most 2000");
  fails("app.ramp_days=2001", "app.ramp_days must be at most 2000");
  fails("lockdown.trigger_incidence=-5", "trigger_incidence must be in [0, 100000]");
  fails("lockdown.release_fraction=1.5", "release_fraction must be in (0, 1]");
  // At 0 a triggered lockdown would never end; without a trigger the release and the
  // least days would do nothing; a repeat needs a lockdown.
  fails("lockdown.release_fraction=0",
        "lockdown.release_fraction must be in (0, 1] (at 0 a triggered lockdown never ends)");
  fails("lockdown.min_days=30",
        "lockdown.min_days needs a trigger (lockdown.trigger_incidence or trigger_admissions)");
  fails("lockdown.release_fraction=0.8", "lockdown.release_fraction needs a trigger");
  fails("lockdown.repeat_every_days=7",
        "lockdown.repeat_every_days needs a lockdown to repeat (lockdown.days)");
  SimConfig triggered;
  REQUIRE(apply_override(triggered, "lockdown.trigger_admissions=5"));
  REQUIRE(apply_override(triggered, "lockdown.min_days=30"));
  REQUIRE(apply_override(triggered, "lockdown.release_fraction=0.8"));
  fails("lockdown.trigger_admissions=-1", "trigger_admissions must be in [0, 100000]");
  fails("lockdown.min_days=2001", "min_days must be at most 2000");
  // Repeated: days 20-54, 120-154, ... (a window every 100 days); not more often than it lasts.
  REQUIRE(apply_override(c, "lockdown.repeat_every_days=100"));
  CHECK(c.lockdown.everyone_on(54));
  CHECK_FALSE(c.lockdown.everyone_on(119));
  CHECK(c.lockdown.everyone_on(120));
  CHECK(c.lockdown.everyone_on(154));
  CHECK_FALSE(c.lockdown.everyone_on(155));
  CHECK(round_trip(c).lockdown.repeat_every_days == 100);
  SimConfig bad;
  REQUIRE(apply_override(bad, "lockdown.days=35"));
  const Status st = apply_override(bad, "lockdown.repeat_every_days=35");
  REQUIRE_FALSE(st);
  CHECK(st.error().message.find("repeat_every_days must be 0 (once) or more than") !=
        std::string::npos);
  // More windows, an irregular series: days 60-62 and 70 beside 20-54, 120-154, ...
  REQUIRE(apply_override(c, "lockdown.windows=[[60,62],[70,70]]"));
  for (const std::uint32_t day : {54u, 60u, 62u, 70u, 120u}) CHECK(c.lockdown.everyone_on(day));
  for (const std::uint32_t day : {55u, 59u, 63u, 69u, 71u})
    CHECK_FALSE(c.lockdown.everyone_on(day));
  const auto windows = round_trip(c).lockdown.windows;
  REQUIRE(windows.size() == 2);
  CHECK(windows[1] == std::array<std::uint32_t, 2>{70, 70});
  CHECK(SimConfig{}.lockdown.windows.empty());  // none by default
  fails("lockdown.windows=[[5,3]]", "each window is [first, last] with first <= last <= 2000");
  fails("lockdown.windows=[[5,2001]]", "first <= last <= 2000");
  fails("lockdown.windows=[5,6]", "lockdown.windows[0]: expected an array of 2 numbers");
  fails("lockdown.windows=7", "lockdown.windows: expected an array");
  std::string many = "lockdown.windows=[";
  for (int i = 0; i < 101; ++i)
    many += (i ? ",[" : "[") + std::to_string(i) + "," + std::to_string(i) + "]";
  fails(many + "]", "at most 100 windows");
}

TEST_CASE("manual tracing's settings are checked, and its capacity scales with the people") {
  SimConfig c;
  CHECK_FALSE(c.manual_tracing.enabled);  // off by default
  // OpenABM's 300 tracers for 1,000,000 people: 1,800 interviews and 3,600 calls a day.
  CHECK(c.manual_tracing.interviews_per_day(1'000'000) == 1800);
  CHECK(c.manual_tracing.notifications_per_day(1'000'000) == 3600);
  CHECK(c.manual_tracing.interviews_per_day(3000) == 5);      // 5.4
  CHECK(c.manual_tracing.notifications_per_day(3000) == 11);  // 10.8
  REQUIRE(apply_override(c, "manual_tracing.enabled=true"));
  REQUIRE(apply_override(c, "manual_tracing.traceable_fraction=[1,0.5,0,0.1]"));
  const auto back = round_trip(c);
  CHECK(back.manual_tracing.enabled);
  CHECK(back.manual_tracing.traceable_fraction[1] == 0.5);
  CHECK(back.manual_tracing.quarantine_days == 14);
  CHECK(c.manual_tracing.backward_days == 0);  // forward only by default
  CHECK_FALSE(c.manual_tracing.quarantine_from_meeting);
  REQUIRE(apply_override(c, "manual_tracing.backward_days=5"));
  REQUIRE(apply_override(c, "manual_tracing.quarantine_from_meeting=true"));
  const auto backward = round_trip(c);
  CHECK(backward.manual_tracing.backward_days == 5);
  CHECK(backward.manual_tracing.quarantine_from_meeting);
  fails("manual_tracing.backward_days=15", "backward_days must be in [0, 14]");
  CHECK_FALSE(c.manual_tracing.guest_lists_on());  // no guest lists by default
  REQUIRE(apply_override(c, "manual_tracing.guest_lists=[0,0.7,0.8]"));
  CHECK(c.manual_tracing.guest_lists_on());
  CHECK(round_trip(c).manual_tracing.guest_lists == std::array<double, 3>{0, 0.7, 0.8});
  fails("manual_tracing.guest_lists=[0,1.5,0]",
        "guest_lists values (shops, restaurants, event halls) must be in [0, 1]");
  fails("manual_tracing.guest_lists=[-0.1,0,0]", "guest_lists values");
  fails("manual_tracing.guest_lists=[1,1]", "array of 3");
  CHECK_FALSE(c.manual_tracing.lists_last);       // list names queue with the recalled
  CHECK(c.manual_tracing.call_within_days == 0);  // no name given up by default
  REQUIRE(apply_override(c, "manual_tracing.lists_last=1"));
  REQUIRE(apply_override(c, "manual_tracing.call_within_days=10"));
  const auto priority = round_trip(c);
  CHECK(priority.manual_tracing.lists_last);
  CHECK(priority.manual_tracing.call_within_days == 10);
  fails("manual_tracing.call_within_days=61", "call_within_days must be in [0, 60] (0: no limit)");
  fails("manual_tracing.call_within_days=-1", "call_within_days");
  fails("manual_tracing.lists_last=2", "lists_last");
  CHECK(c.manual_tracing.self_notify_after_days == 0);  // cases never inform their contacts
  CHECK(c.manual_tracing.self_notify_reach == 1);
  REQUIRE(apply_override(c, "manual_tracing.self_notify_after_days=3"));
  REQUIRE(apply_override(c, "manual_tracing.self_notify_reach=0.6"));
  const auto self = round_trip(c);
  CHECK(self.manual_tracing.self_notify_after_days == 3);
  CHECK(self.manual_tracing.self_notify_reach == 0.6);
  fails("manual_tracing.self_notify_after_days=61",
        "manual_tracing.self_notify_after_days must be 0 (never) or in [delay_days, 60]");
  SimConfig slow;  // interviews 4 days after the result at the earliest
  slow.manual_tracing.delay_days = 4;
  const Status early = apply_override(slow, "manual_tracing.self_notify_after_days=3");
  REQUIRE_FALSE(early);
  CHECK(early.error().message.find("self_notify_after_days must be 0 (never) or in [delay_days") !=
        std::string::npos);
  CHECK(apply_override(slow, "manual_tracing.self_notify_after_days=4"));
  fails("manual_tracing.self_notify_reach=1.2",
        "manual_tracing.self_notify_reach must be in [0, 1]");
  fails("manual_tracing.self_notify_reach=-0.5", "self_notify_reach");
  fails("manual_tracing.traceable_fraction=[1,1.5,0,0]", "traceable_fraction values must be in");
  fails("manual_tracing.traceable_fraction=[1,1]", "array of 4");
  fails("manual_tracing.trace_days=0", "trace_days must be in [1, 14]");
  fails("manual_tracing.trace_days=15", "trace_days must be in [1, 14]");
  fails("manual_tracing.workers_per_100k=-1", "workers_per_100k must be in [0, 100000]");
  fails("manual_tracing.delay_days=31", "delay_days at most 30");
  fails("manual_tracing.quarantine_days=0", "quarantine_days must be in [1, 60]");
  fails("manual_tracing.quarantine_compliance=2", "quarantine_compliance and test_probability");
}

TEST_CASE("the test capacity's settings are checked") {
  SimConfig c;
  CHECK(c.testing.tests_per_day_per_100k == 0);  // no limit by default
  CHECK(c.testing.max_wait_days == 3);
  CHECK_FALSE(c.testing.capacity_by_region);  // one national pool by default
  REQUIRE(apply_override(c, "testing.tests_per_day_per_100k=750"));
  REQUIRE(apply_override(c, "testing.max_wait_days=5"));
  // A capacity per region needs a capacity and several regions.
  fails("testing.capacity_by_region=true",
        "testing.capacity_by_region needs a test capacity (testing.tests_per_day_per_100k) and "
        "several regions (population.regions)");
  CHECK_FALSE(apply_override(c, "testing.capacity_by_region=true"));  // one region
  REQUIRE(apply_override(c, "population.regions=3"));
  REQUIRE(apply_override(c, "testing.capacity_by_region=true"));
  const auto back = round_trip(c);
  CHECK(back.testing.tests_per_day_per_100k == 750);
  CHECK(back.testing.max_wait_days == 5);
  CHECK(back.testing.capacity_by_region);
  // A switch also takes 0 and 1 (a sweep's --vary gives numbers), nothing else.
  REQUIRE(apply_override(c, "testing.capacity_by_region=0"));
  CHECK_FALSE(c.testing.capacity_by_region);
  REQUIRE(apply_override(c, "testing.capacity_by_region=1"));
  CHECK(c.testing.capacity_by_region);
  fails("testing.capacity_by_region=2", "true or false (or 0 or 1)");
  fails("testing.capacity_by_region=0.5", "true or false (or 0 or 1)");
  fails("testing.capacity_by_region=yes", "");
  fails("testing.tests_per_day_per_100k=-3", "tests_per_day_per_100k must be in [0, 100000]");
  fails("testing.max_wait_days=61", "max_wait_days must be at most 60");
  // A capacity that rounds to no test a day for the people (5,000: 9 per 100,000 is under
  // half a test) is refused, as is a capacity with no delay before a sample (the health
  // phase's own orders would be sampled at once, outside the day's capacity).
  fails("testing.tests_per_day_per_100k=9",
        "testing.tests_per_day_per_100k gives no test a day for population.people (at least "
        "one, or 0: no limit)");
  SimConfig at_once;
  REQUIRE(apply_override(at_once, "testing.tests_per_day_per_100k=10"));  // half a test: one
  REQUIRE(apply_override(at_once, "testing.tests_per_day_per_100k=0"));
  REQUIRE(apply_override(at_once, "testing.order_delay_days=0"));
  const Status st = apply_override(at_once, "testing.tests_per_day_per_100k=100");
  REQUIRE_FALSE(st);
  CHECK(st.error().message ==
        "testing.order_delay_days must be at least 1 with a test capacity "
        "(testing.tests_per_day_per_100k)");
  REQUIRE(apply_override(at_once, "testing.order_delay_days=1"));
  REQUIRE(apply_override(at_once, "testing.tests_per_day_per_100k=100"));
}

TEST_CASE("the second variant's settings are checked") {
  SimConfig c;
  CHECK_FALSE(c.variant.enabled());  // no imports by default
  CHECK(c.variant.relative_transmissibility == 1.67);
  REQUIRE(apply_override(c, "variant.imports=20"));
  REQUIRE(apply_override(c, "variant.day=45"));
  CHECK(c.variant.enabled());
  const auto back = round_trip(c);
  CHECK(back.variant.imports == 20);
  CHECK(back.variant.day == 45);
  fails("variant.relative_transmissibility=0", "relative_transmissibility must be in (0, 10]");
  fails("variant.imports=6000", "variant.imports must be at most population.people");
  // Escape from the vaccine: none by default; each share in [0, 1], and the efficacies it
  // leaves nested (infection <= symptoms <= severe).
  CHECK_FALSE(c.variant.escapes_vaccine());
  REQUIRE(apply_override(c, "variant.vaccine_escape_infection=0.3"));
  REQUIRE(apply_override(c, "variant.vaccine_escape_symptoms=0.2"));
  REQUIRE(apply_override(c, "variant.vaccine_escape_severe=0.1"));
  CHECK(c.variant.escapes_vaccine());
  const auto escaping = round_trip(c);
  CHECK(escaping.variant.vaccine_escape_infection == 0.3);
  CHECK(escaping.variant.vaccine_escape_symptoms == 0.2);
  CHECK(escaping.variant.vaccine_escape_severe == 0.1);
  const VaccinationConfig against = c.variant.against(c.vaccination);
  CHECK(against.efficacy_infection == Approx(0.92 * 0.7));
  CHECK(against.efficacy_symptoms == Approx(0.94 * 0.8));
  CHECK(against.first_dose_efficacy_severe == Approx(0.74 * 0.9));
  fails("variant.vaccine_escape_severe=1.5", "vaccine_escape_severe must be in [0, 1]");
  // 0.94 x 0.5 = 0.47 against symptoms, below 0.92 against infection.
  fails("variant.vaccine_escape_symptoms=0.5", "must stay nested");
}

TEST_CASE("waning vaccine protection's half-life is checked") {
  SimConfig c;
  CHECK(c.vaccination.waning_half_life_days == 0);  // no waning by default
  REQUIRE(apply_override(c, "vaccination.waning_half_life_days=84"));
  CHECK(round_trip(c).vaccination.waning_half_life_days == 84);
  fails("vaccination.waning_half_life_days=-1", "waning_half_life_days must be in [0, 10000]");
  // Boosters: none by default; after the course only.
  CHECK(c.vaccination.booster_after_days == 0);
  REQUIRE(apply_override(c, "vaccination.booster_after_days=180"));
  REQUIRE(apply_override(c, "vaccination.booster_uptake=0.7"));
  const auto boosted = round_trip(c);
  CHECK(boosted.vaccination.booster_after_days == 180);
  CHECK(boosted.vaccination.booster_uptake == 0.7);
  CHECK(boosted.vaccination.booster_protect_days == 12);
  fails("vaccination.booster_after_days=28", "more than days_to_protect");
  // Without waning a booster restores nothing (the runs were the same bytes).
  fails("vaccination.booster_after_days=180", "needs vaccination.waning_half_life_days");
  fails("vaccination.booster_uptake=2", "booster_uptake must be in [0, 1]");
  fails("vaccination.booster_protect_days=400", "booster_protect_days must be at most 365");
  // Efficacy by age: a factor per age group, 1 for all by default, each in [0, 1].
  for (const double f : c.vaccination.efficacy_factor_by_age) CHECK(f == 1);
  REQUIRE(apply_override(c, "vaccination.efficacy_factor_by_age=[1,1,1,1,1,1,0.9,0.8,0.7]"));
  CHECK(round_trip(c).vaccination.efficacy_factor_by_age[8] == 0.7);
  CHECK(round_trip(c).vaccination.efficacy_factor_by_age[6] == 0.9);
  fails("vaccination.efficacy_factor_by_age=[1,1,1,1,1,1,1,1,1.2]",
        "efficacy_factor_by_age values must be in [0, 1]");
  fails("vaccination.efficacy_factor_by_age=[1,1,1,-0.1,1,1,1,1,1]",
        "efficacy_factor_by_age values must be in [0, 1]");
}

TEST_CASE("immunity after an infection and a variant's escape from it are checked") {
  SimConfig c;
  CHECK_FALSE(c.immunity.reinfection);  // off by default: an infection protects for life
  // Chemaitelly et al. 2022 once switched on.
  CHECK(c.immunity.efficacy_infection == 0.855);
  CHECK(c.immunity.efficacy_severe == 0.973);
  CHECK(c.immunity.waning_half_life_days == 850);
  REQUIRE(apply_override(c, "immunity.reinfection=true"));
  REQUIRE(apply_override(c, "immunity.efficacy_symptoms=0.9"));
  REQUIRE(apply_override(c, "immunity.waning_half_life_days=300"));
  const auto back = round_trip(c);
  CHECK(back.immunity.reinfection);
  CHECK(back.immunity.efficacy_symptoms == 0.9);
  CHECK(back.immunity.waning_half_life_days == 300);
  fails("immunity.efficacy_severe=1.2", "efficacy_severe must be in [0, 1]");
  fails("immunity.efficacy_infection=0.95", "efficacy_infection <= efficacy_symptoms");
  fails("immunity.waning_half_life_days=-3", "waning_half_life_days must be in [0, 10000]");
  REQUIRE(apply_override(c, "variant.imports=10"));
  REQUIRE(apply_override(c, "variant.immunity_escape_infection=0.5"));
  CHECK(c.variant.escapes_immunity());
  CHECK(round_trip(c).variant.immunity_escape_infection == 0.5);
  const ImmunityConfig against = c.immunity.escaped(0.5, 0, 0);
  CHECK(against.efficacy_infection == Approx(0.4275));
  CHECK(against.efficacy_symptoms == 0.9);
  fails("variant.immunity_escape_severe=-0.1", "immunity_escape_severe must be in [0, 1]");
  // On the defaults: 0.855 x 0.4 = 0.342 against symptoms, below 0.855 against infection.
  fails("variant.immunity_escape_symptoms=0.6", "immunity's efficacies against the variant");
  // Without reinfection an escape is accepted and changes nothing (reinfection_test), as a
  // vaccine escape without a vaccine.
  SimConfig lifelong;
  REQUIRE(apply_override(lifelong, "variant.imports=10"));
  CHECK(apply_override(lifelong, "variant.immunity_escape_infection=0.5"));
}

TEST_CASE("vaccination's settings are checked") {
  SimConfig c;
  CHECK_FALSE(c.vaccination.enabled());  // off by default
  // Dagan et al. 2021, 7 or more days after the second dose.
  CHECK(c.vaccination.efficacy_infection == 0.92);
  CHECK(c.vaccination.efficacy_symptoms == 0.94);
  CHECK(c.vaccination.days_to_protect == 28);
  REQUIRE(apply_override(c, "vaccination.people_per_day_per_100k=250"));
  REQUIRE(apply_override(c, "vaccination.uptake_by_age=[0,0.5,0.8,0.8,0.9,0.9,0.95,0.95,0.95]"));
  REQUIRE(apply_override(c, "vaccination.oldest_first=false"));
  CHECK(c.vaccination.enabled());
  const auto back = round_trip(c);
  CHECK(back.vaccination.people_per_day_per_100k == 250);
  CHECK(back.vaccination.uptake_by_age[1] == 0.5);
  CHECK_FALSE(back.vaccination.oldest_first);
  fails("vaccination.people_per_day_per_100k=-1", "people_per_day_per_100k must be in");
  fails("vaccination.uptake_by_age=[0,1,1,1,1,1,1,1,1.5]", "uptake_by_age values must be in");
  fails("vaccination.uptake_by_age=[1,1]", "array of 9");
  fails("vaccination.days_to_protect=0", "days_to_protect must be in [1, 365]");
  fails("vaccination.efficacy_severe=1.2", "efficacy_severe must be in [0, 1]");
  // Protection against infection is protection against its symptoms and severe disease.
  fails("vaccination.efficacy_infection=0.95", "efficacy_infection <= efficacy_symptoms");
  fails("vaccination.efficacy_severe=0.9", "efficacy_symptoms <= efficacy_severe");
  // Between the doses: off by default; its efficacies Dagan et al.'s for days 14-20.
  CHECK(c.vaccination.first_dose_protect_days == 0);
  CHECK(c.vaccination.first_dose_efficacy_infection == 0.46);
  REQUIRE(apply_override(c, "vaccination.first_dose_protect_days=14"));
  fails("vaccination.first_dose_protect_days=28", "less than days_to_protect");
  SimConfig between;
  REQUIRE(apply_override(between, "vaccination.first_dose_protect_days=14"));
  const Status higher = apply_override(between, "vaccination.first_dose_efficacy_infection=0.95");
  REQUIRE_FALSE(higher);
  CHECK(higher.error().message.find("each at most the full one") != std::string::npos);
}

TEST_CASE("overrides use section.key=value") {
  SimConfig c;
  REQUIRE(apply_override(c, "app.uptake=0.25"));
  CHECK(c.app.uptake == 0.25);
  REQUIRE(apply_override(c, "run.server=inprocess"));
  CHECK(c.run.server == ServerMode::kInProcess);
  REQUIRE(apply_override(c, "radio.perfect=true"));
  CHECK(c.radio.perfect);
  CHECK_FALSE(apply_override(c, "uptake=1"));
  CHECK_FALSE(apply_override(c, "app.nothing=1"));
  CHECK_FALSE(apply_override(c, "run.server=ftp"));
}

TEST_CASE("presets") {
  auto none = preset("no-intervention");
  REQUIRE(none);
  CHECK(none->app.uptake == 0);
  CHECK(none->testing.symptom_isolation == 0);
  CHECK(preset("self-isolation")->app.uptake == 0);
  CHECK_FALSE(preset("lockdown"));
}

TEST_CASE("the relay's settings need a relay") {
  for (const char* setting :
       {"adversary.relay_delay_minutes=90", "adversary.relay_victims=50",
        "adversary.relay_attenuation_db=60", "adversary.relay_max_minutes=30"}) {
    CAPTURE(setting);
    fails(setting, "need adversary.relay_venue_share (no relay without it)");
    SimConfig c;
    REQUIRE(apply_override(c, "adversary.relay_venue_share=0.1"));
    REQUIRE(apply_override(c, setting));
    CHECK(validate_config(c));
  }
}

TEST_CASE("the risk thresholds are whole dB of a one-byte attenuation") {
  // The client's thresholds are whole dB: a fraction was cut off without a word.
  fails("risk.attenuation_thresholds_db=[63.5,73,79]", "must be whole dB in [0, 255]");
  fails("risk.attenuation_thresholds_db=[-137,-127,-121]", "must be whole dB in [0, 255]");
  fails("risk.min_minutes_attenuation_db=79.5", "must be whole dB in [0, 255]");
  fails("risk.attenuation_thresholds_db=[63,73,300]", "must be whole dB in [0, 255]");
  SimConfig c;
  REQUIRE(apply_override(c, "risk.attenuation_thresholds_db=[0,73,255]"));
  CHECK(validate_config(c));
}

TEST_CASE("a key or section given twice in a config file is refused") {
  // JSON keeps the last: the first section's settings were dropped without a word.
  auto section = config_from_json(
      R"({"population": {"people": 3000}, "run": {"days": 5}, "population": {"regions": 2}})");
  REQUIRE_FALSE(section);
  CHECK(section.error().message ==
        "config: population is given twice (JSON keeps only the last: remove one)");
  auto key = config_from_json(R"({"app": {"uptake": 0.5, "chaff_per_day": 1, "uptake": 0.6}})");
  REQUIRE_FALSE(key);
  CHECK(key.error().message ==
        "config: app.uptake is given twice (JSON keeps only the last: remove one)");
  // The same name in two sections, and in lists of lists, is no duplicate.
  auto fine = config_from_json(
      R"({"lockdown": {"days": 3, "windows": [[1, 2], [5, 6]]}, "run": {"days": 40}})", {}, false);
  REQUIRE(fine);
  CHECK(fine->lockdown.days == 3);
  CHECK(fine->run.days == 40);
}

TEST_CASE("the risk settings the client library refuses are refused") {
  // Each ran as if valid, and stopped with the client's error only with run.verify_phones
  // (drop_trl_at_most 4294967295 became -1: nothing dropped).
  fails_validation("risk.trl_multiplier=5", "risk.trl_multiplier must be in [0, 2.5]");
  fails_validation("risk.trl_multiplier=-1", "risk.trl_multiplier must be in [0, 2.5]");
  fails_validation("risk.drop_trl_at_most=9", "risk.drop_trl_at_most must be in [0, 8]");
  fails_validation("risk.drop_trl_at_most=4294967295", "risk.drop_trl_at_most must be in [0, 8]");
  fails_validation("risk.high_threshold_minutes=-1",
                   "risk.high_threshold_minutes must be a number of minutes >= 0");
  fails_validation("risk.min_window_minutes=-1",
                   "risk.min_window_minutes must be a number of minutes >= 0");
  fails_validation("risk.attenuation_thresholds_db=[63,63,79]",
                   "risk.attenuation_thresholds_db must be increasing");
  // The last bucket's weight needs room above the last threshold (the client's edges rise).
  SimConfig top;
  top.app.risk.attenuation_thresholds_db = {63, 73, 255};
  top.app.risk.attenuation_weights = {0.8, 1, 0.1, 0.5};
  const Status refused = validate_config(top);
  REQUIRE_FALSE(refused);
  CAPTURE(refused.error().message);
  CHECK(
      refused.error().message.starts_with("risk: the client library refuses these settings: "
                                          "risk config: attenuation_weights edges must increase"));
  // What the simulator accepts, the client accepts: every preset's risk settings.
  for (const char* name : {"openabm-like", "no-intervention", "self-isolation", "openabm-app"}) {
    CAPTURE(name);
    const auto c = preset(name);
    REQUIRE(c);
    CHECK(client::validate(to_client_risk_config(c->app.risk)));
  }
}

TEST_CASE("every kind of venue exists, at most one per 10 people") {
  // A negative density crashed the run, a huge one ran out of memory, 0 became one venue.
  for (const char* key : {"shops_per_1000", "restaurants_per_1000", "event_venues_per_1000"}) {
    CAPTURE(key);
    const std::string message = "population." + std::string(key) + " must be in (0, 100]";
    fails_validation("population." + std::string(key) + "=-1", message);
    fails_validation("population." + std::string(key) + "=0", message);
    fails_validation("population." + std::string(key) + "=1e9", message);
    SimConfig c;
    REQUIRE(apply_override(c, "population." + std::string(key) + "=100"));
    CHECK(validate_config(c));
  }
}

TEST_CASE("the contacts' and the population's sizes are checked") {
  // Each of these was accepted: some hung (a random mean of 1e200, 1e9 contacts per shop
  // visit), wrapped (a negative minute became 65,000), ran out of memory, switched the
  // epidemic off (a distance table of NaN) or were silently clamped.
  const std::vector<std::pair<std::string, std::string>> refused{
      {"contacts.random_mean_adult=1e200", "contacts.random_mean_adult must be in [0, 50]"},
      {"contacts.random_mean_child=-3", "contacts.random_mean_child must be in [0, 50]"},
      {"contacts.random_mean_elderly=51", "contacts.random_mean_elderly must be in [0, 50]"},
      {"contacts.shop_contacts=1e9", "contacts.shop_contacts must be in [0, 100]"},
      {"contacts.restaurant_contacts=-1", "contacts.restaurant_contacts must be in [0, 100]"},
      {"contacts.event_contacts=101", "contacts.event_contacts must be in [0, 100]"},
      {"contacts.school_links=1e9", "contacts.school_links must be in [0, 100]"},
      {"contacts.work_links=-5", "contacts.work_links must be in [0, 100]"},
      {"contacts.elderly_links=101", "contacts.elderly_links must be in [0, 100]"},
      {"contacts.link_minutes_min=-100", "contacts.link_minutes_min must be in (0, 480]"},
      {"contacts.link_minutes_min=0", "contacts.link_minutes_min must be in (0, 480]"},
      {"contacts.link_minutes_mean=-45", "contacts.link_minutes_mean must be in [0, 480]"},
      {"contacts.random_duration_scale_minutes=-5",
       "contacts.random_duration_scale_minutes must be in (0, 240]"},
      {"contacts.random_duration_pareto_shape=1e9",
       "contacts.random_duration_pareto_shape must be > 1 and at most 100"},
      {"contacts.distance_shape=1e300", "contacts.distance_shape must be in (0, 100]"},
      {"contacts.distance_scale=1e300", "contacts.distance_scale must be in (0, 100]"},
      {"contacts.household_distance_scale=101",
       "contacts.household_distance_scale must be in (0, 100]"},
      {"population.household_size_weights=[1e308,1e308,0,0,0,0]",
       "population.household_size_weights must be in [0, 1e6]"},
      {"population.adult_age_weights=[0,0,1e308,1e308,0,0,0,0,0]",
       "population.adult_age_weights must be in [0, 1e6]"},
      {"population.mean_workplace_size=1e300",
       "population.mean_workplace_size must be in [2, 100000]"},
      {"population.school_size=4000000000", "population.school_size must be in [2, 100000]"},
      {"population.elderly_group_size=100001",
       "population.elderly_group_size must be in [2, 100000]"},
  };
  for (const auto& [assignment, message] : refused) {
    CAPTURE(assignment);
    fails_validation_with(assignment, message);
  }
  // The edges are accepted.
  SimConfig c;
  for (const char* edge :
       {"contacts.random_mean_adult=50", "contacts.random_mean_child=0",
        "contacts.shop_contacts=100", "contacts.school_links=0", "contacts.link_minutes_min=480",
        "contacts.link_minutes_mean=0", "contacts.random_duration_scale_minutes=240",
        "contacts.distance_scale=100", "population.school_size=100000",
        "population.mean_workplace_size=100000"}) {
    CAPTURE(edge);
    CHECK(apply_override(c, edge));
  }
  CHECK(validate_config(c));
}

TEST_CASE("the disease's durations, transmission factors and isolations are checked") {
  // A standard deviation of 1e-160 days hung the run (a gamma shape the sampler never accepts);
  // negative factors turned the infection rate's calibration upside down; an isolation of 2^32 - 1
  // days overflowed the day it ends on.
  const std::vector<std::pair<std::string, std::string>> refused{
      {"disease.incubation_sd_days=1e-160",
       "disease.infectious_mean_days and incubation_mean_days"},
      {"disease.infectious_sd_days=0.05", "disease.infectious_mean_days and incubation_mean_days"},
      {"disease.incubation_mean_days=1e308",
       "disease.infectious_mean_days and incubation_mean_days"},
      {"disease.infectious_mean_days=1e-300",
       "disease.infectious_mean_days and incubation_mean_days"},
      {"disease.infectiousness_sd=1e-160", "disease.infectiousness_sd must be 0 (none) or in"},
      {"disease.infectious_sd_days=61", "disease.infectious_mean_days and incubation_mean_days"},
      {"disease.household_weight=-1",
       "disease.asymptomatic_infectiousness and mild_infectiousness"},
      {"disease.household_weight=1e308",
       "disease.asymptomatic_infectiousness and mild_infectiousness"},
      {"disease.asymptomatic_infectiousness=-1",
       "disease.asymptomatic_infectiousness and mild_infectiousness"},
      {"disease.mild_infectiousness=11",
       "disease.asymptomatic_infectiousness and mild_infectiousness"},
      {"testing.isolation_days=4294967295",
       "testing.symptom_isolation_days, testing.isolation_days"},
      {"testing.symptom_isolation_days=366",
       "testing.symptom_isolation_days, testing.isolation_days"},
      {"app.red_isolation_days=1000", "testing.symptom_isolation_days, testing.isolation_days"},
  };
  for (const auto& [assignment, message] : refused) {
    CAPTURE(assignment);
    fails_validation_with(assignment, message);
  }
  // The edges are accepted.
  SimConfig c;
  for (const char* edge : {"disease.incubation_sd_days=0.1", "disease.infectious_mean_days=60",
                           "disease.incubation_mean_days=0.1", "disease.infectiousness_sd=0.01",
                           "disease.household_weight=0", "disease.household_weight=100",
                           "disease.asymptomatic_infectiousness=0",
                           "disease.mild_infectiousness=10", "testing.isolation_days=365",
                           "testing.symptom_isolation_days=0", "app.red_isolation_days=365"}) {
    CAPTURE(edge);
    CHECK(apply_override(c, edge));
  }
  CHECK(validate_config(c));
}

TEST_CASE("the radio's levels, losses and scan settings are checked") {
  const std::vector<std::pair<std::string, std::string>> refused{
      {"radio.pocket_loss_db=-50", "radio.pocket_loss_db must be in [0, 100] dB"},
      {"radio.wall_loss_db=-1", "radio.wall_loss_db must be in [0, 100] dB"},
      {"radio.detection_limit_db=300", "radio.detection_limit_db must be in [0, 255] dB"},
      {"radio.sensitivity_db=-1", "radio.sensitivity_db must be in [0, 255] dB"},
      {"radio.env_slope_db_per_decade=[27.7,1e300,0]",
       "radio.env_slope_db_per_decade must be in [0, 100] dB"},
      {"radio.env_intercept_db=[40.1,44.1,-65]", "radio.env_intercept_db must be in [0, 255] dB"},
      {"radio.carriage_loss_db=[0,4,7,1000]", "radio.carriage_loss_db must be in [0, 100] dB"},
      {"radio.fading_sd_db=60", "radio.fading_sd_db must be in [0, 50] dB"},
      {"radio.lovett_slope=1e300", "radio.lovett_intercept must be in [0, 5], lovett_slope"},
      {"radio.scan_window_seconds=0.1",
       "radio.scan_window_seconds must be in (0, 300] and at "
       "least one radio.advertising_interval_ms"},
      {"radio.advertising_interval_ms=5", "radio.scan_window_seconds must be in (0, 300]"},
  };
  for (const auto& [assignment, message] : refused) {
    CAPTURE(assignment);
    fails_validation_with(assignment, message);
  }
}

TEST_CASE("a setting that changes nothing in the run's setup is warned about") {
  // The default model is the calibrated one: the clean model's settings change nothing
  // (pocket_loss_db=-50 and lovett_slope=1e300 gave the default run's bytes).
  SimConfig c;
  REQUIRE(apply_override(c, "radio.pocket_loss_db=8"));
  REQUIRE(apply_override(c, "radio.fading_sd_db=6"));
  std::vector<std::string> w = config_warnings(c);
  REQUIRE(w.size() == 1);
  CHECK(w[0] ==
        "radio.pocket_loss_db belongs to the clean radio model, and the run's is "
        "calibrated: it changes nothing");
  // Under the clean model the calibrated model's settings are the ones that do nothing.
  REQUIRE(apply_override(c, "radio.model=\"clean\""));
  w = config_warnings(c);
  REQUIRE(w.size() == 1);
  CHECK(w[0] ==
        "radio.fading_sd_db belongs to the calibrated radio model, and the run's is "
        "clean: it changes nothing");
  // Movement between regions with one region.
  SimConfig one;
  REQUIRE(apply_override(one, "population.commuter_share=0.3"));
  REQUIRE(apply_override(one, "contacts.travel_share=0.2"));
  w = config_warnings(one);
  REQUIRE(w.size() == 2);
  CHECK(w[0].starts_with("population.commuter_share moves workers between regions"));
  CHECK(w[1].starts_with("contacts.travel_share sends random encounters to other regions"));
  REQUIRE(apply_override(one, "population.regions=4"));
  CHECK(config_warnings(one).empty());
  // A radio preset alone warns of nothing.
  SimConfig clean;
  REQUIRE(apply_radio_preset(clean, "clean"));
  CHECK(config_warnings(clean).empty());
}

TEST_CASE("settings that begin after the run's last day are warned about") {
  SimConfig c;
  c.run.days = 10;
  CHECK(config_warnings(c).empty());  // the defaults
  // On the last day (9): in the run; from day 10: after it.
  const std::vector<std::string> late{"lockdown.schools_closed=[[9,12],[500,600]]",
                                      "disease.transmission_changes=[[3,0.5],[1500,0]]",
                                      "disease.transmission_changes_by_layer=[[10,1,0,0,0]]",
                                      "variant.imports=10",
                                      "variant.day=50",
                                      "vaccination.people_per_day_per_100k=100",
                                      "vaccination.start_day=40",
                                      "lockdown.start_day=9",
                                      "lockdown.days=5",
                                      "app.start_day=10"};
  REQUIRE(apply_overrides(c, late));
  REQUIRE(validate_config(c));
  const std::vector<std::string> w = config_warnings(c);
  const std::vector<std::string> expected{
      "lockdown.schools_closed's window begins on day 500, after the run's last day (9): it "
      "changes nothing",
      "a disease.transmission_changes entry begins on day 1500, after the run's last day (9): "
      "it changes nothing",
      "a disease.transmission_changes_by_layer entry begins on day 10, after the run's last day "
      "(9): it changes nothing",
      "the variant (variant.day) begins on day 50, after the run's last day (9): it changes "
      "nothing",
      "vaccination (vaccination.start_day) begins on day 40, after the run's last day (9): it "
      "changes nothing",
      "the app (app.start_day) begins on day 10, after the run's last day (9): it changes "
      "nothing"};
  CHECK(w == expected);
  // A longer run takes them all.
  c.run.days = 2000;
  CHECK(config_warnings(c).empty());
  // Without imports the variant's day is no setting in use; without an uptake neither is the
  // app's launch.
  c.run.days = 10;
  c.variant.imports = 0;
  c.app.uptake = 0;
  const std::vector<std::string> fewer = config_warnings(c);
  CHECK(fewer.size() == 4);
}

}  // namespace greenlight::sim
