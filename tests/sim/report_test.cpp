#include "greenlight/sim/report.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace greenlight::sim {
namespace {

SweepPoint point(double uptake, std::uint64_t seed, std::uint64_t infections) {
  SweepPoint p;
  p.uptake = uptake;
  p.seed = seed;
  p.summary.infections = infections;
  return p;
}

// The row of one uptake ("  50 %" ...) in the table.
std::string row(const std::string& table, const std::string& uptake) {
  const auto at = table.find("\n" + uptake);
  REQUIRE(at != std::string::npos);
  return table.substr(at + 1, table.find('\n', at + 1) - at - 1);
}

TEST_CASE("the sweep table pairs each uptake's runs with the reference run of the same seed") {
  // Seeds 1-3 at uptake 20 % (the reference: the lowest uptake) and 50 %, listed out of order.
  const std::vector<SweepPoint> points{point(0.5, 2, 150), point(0.2, 1, 100), point(0.2, 2, 200),
                                       point(0.2, 3, 400), point(0.5, 1, 90),  point(0.5, 3, 400)};
  const std::string table = format_sweep(points);
  CAPTURE(table);
  // The header names the reference uptake.
  CHECK(table.find("vs 20 %: medians") != std::string::npos);
  CHECK(table.find("vs 20 %, paired by seed: median [min, max]") != std::string::npos);
  const std::string ref = row(table, "  20 %");
  CHECK(ref.find("200 [100, 400]") != std::string::npos);
  CHECK(ref.find("+0.0 % [+0.0, +0.0]") != std::string::npos);
  // 50 %: the medians fall 25 % (200 -> 150), but seed by seed the changes are -10 % (100 ->
  // 90), -25 % (200 -> 150) and 0 % (400 -> 400): median -10 %, range [-25, 0].
  const std::string half = row(table, "  50 %");
  CHECK(half.find("150 [90, 400]") != std::string::npos);
  CHECK(half.find("-25.0 %") != std::string::npos);
  CHECK(half.find("-10.0 % [-25.0, +0.0]") != std::string::npos);
}

TEST_CASE("a seed without a reference run or reference infections is not paired") {
  const std::vector<SweepPoint> points{point(0, 1, 0), point(0, 2, 50), point(1, 1, 10),
                                       point(1, 2, 40), point(1, 3, 5)};
  const std::string table = format_sweep(points);
  CAPTURE(table);
  // Only seed 2 pairs (seed 1's reference had no infections, seed 3 has no reference run).
  CHECK(row(table, " 100 %").find("-20.0 % [-20.0, -20.0]") != std::string::npos);
  CHECK(format_sweep({}) == "no runs\n");
}

}  // namespace
}  // namespace greenlight::sim
