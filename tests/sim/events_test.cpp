// Event logs (`sim run --events`): transmissions_csv and exposures_csv (report.h), through
// run_once.
#include <catch2/catch.hpp>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/report.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

// The CSV's rows (header dropped), each split at commas (empty fields kept).
std::vector<std::vector<std::string>> rows(const std::string& csv) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::size_t from = 0;
    for (;;) {
      const std::size_t comma = line.find(',', from);
      cells.push_back(line.substr(from, comma - from));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
    out.push_back(cells);
  }
  return out;
}

}  // namespace

TEST_CASE("the event logs list every infection and every matched key") {
  SimConfig c = small(3000, 40, 7);
  c.disease.initial_infections = 30;
  c.variant.day = 10;
  c.variant.imports = 5;
  auto r = run_once(c, {}, Ranks::single(), true);
  REQUIRE(r);
  const auto infections = rows(r->transmissions);
  CHECK(r->transmissions.starts_with(
      "day,person,infector,how,infector_infection_day,age_group,app,variant\n"));
  REQUIRE(infections.size() == r->summary.infections);
  std::vector<int> day_of(3000, -1);
  for (const auto& t : infections) day_of[std::stoul(t[1])] = std::stoi(t[0]);
  int last_day = 0;
  std::uint32_t initial = 0;
  std::uint32_t imported = 0;
  for (const auto& t : infections) {
    REQUIRE(t.size() == 8);
    const int day = std::stoi(t[0]);
    CHECK(day >= last_day);  // by day
    last_day = day;
    if (t[3] == "initial" || t[3] == "import") {
      CHECK(t[2].empty());
      CHECK(t[4].empty());
      (t[3] == "initial" ? initial : imported) += 1;
      CHECK(t[7] == (t[3] == "import" ? "1" : "0"));
      continue;
    }
    // An infector infected earlier, whose day is its own row's, and who passed on its variant.
    const auto by = std::stoul(t[2]);
    CHECK(std::stoi(t[4]) == day_of[by]);
    CHECK(day_of[by] >= 0);
    CHECK(day_of[by] <= day);  // day 0 of an infection carries a little infectiousness
    CHECK((t[3] == "household" || t[3] == "school_work" || t[3] == "random" || t[3] == "venue"));
  }
  CHECK(initial == 30);
  CHECK(imported == 5);
  // Exposures: one row per matched key, by sync day; the days from infection to the sync.
  const auto exposures = rows(r->exposures);
  REQUIRE(exposures.size() > 50);
  int last_sync = 0;
  std::uint32_t by_uploader = 0;
  for (const auto& e : exposures) {
    REQUIRE(e.size() == 8);
    const int sync = std::stoi(e[0]);
    CHECK(sync >= last_sync);
    last_sync = sync;
    const int infected = day_of[std::stoul(e[1])];
    CHECK(e[5] == (infected >= 0 ? std::to_string(infected) : ""));
    CHECK(e[6] == (infected >= 0 ? std::to_string(sync - infected) : ""));
    CHECK(std::stoi(e[3]) < sync);  // the exposure came before the sync
    by_uploader += e[7] == "1" ? 1u : 0u;
  }
  CHECK(by_uploader > 0);
  // Without events asked for, none are kept.
  auto quiet = run_once(c);
  REQUIRE(quiet);
  CHECK(quiet->transmissions.empty());
  CHECK(quiet->exposures.empty());
  CHECK(quiet->summary.infections == r->summary.infections);
}

}  // namespace greenlight::sim
