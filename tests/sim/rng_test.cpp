// The simulator's random helpers (sim/src/internal/rng.h): WholeMinutes gives exactly what
// static_cast<std::uint16_t>(std::min(cap, base + rng.exponential(mean))) gives for the same
// draw, consuming the same one value of the stream.
#include "internal/rng.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <tuple>

namespace greenlight::sim::internal {
namespace {

// The expression the contact generator used before WholeMinutes, written out again.
std::uint16_t by_formula(Rng& r, double base, double mean, double cap) {
  return static_cast<std::uint16_t>(std::min(cap, base + r.exponential(mean)));
}

TEST_CASE("WholeMinutes draws what the capped exponential expression draws") {
  struct Case {
    double base;
    double mean;
    double cap;
  };
  // The generator's three (links by default, shops, restaurants), a fractional base, and
  // a cap above every value the 53-bit draws reach.
  for (const Case c : {Case{10, 45, 480}, Case{5, 15, 90}, Case{45, 30, 150}, Case{0.5, 2.5, 60},
                       Case{0, 1, 4096}}) {
    CAPTURE(c.base, c.mean, c.cap);
    const WholeMinutes table(c.base, c.mean, c.cap);
    REQUIRE(!table.thresholds().empty());
    Rng a(stream_key(99, kPurposeLinkContacts, static_cast<std::uint64_t>(c.mean)));
    Rng b = a;
    std::uint32_t mismatches = 0;
    for (int i = 0; i < 200000; ++i) {
      if (table.sample(a) != by_formula(b, c.base, c.mean, c.cap)) ++mismatches;
    }
    CHECK(mismatches == 0);
    CHECK(a.next() == b.next());  // one value consumed per draw by both

    // Around every threshold: the draws at, below and above it, and at the guard's edges.
    const auto thresholds = table.thresholds();
    mismatches = 0;
    std::uint32_t steps = 0;
    const std::uint32_t first = table.minutes(0);
    for (std::size_t i = 1; i < thresholds.size(); ++i) {
      const std::uint64_t t = thresholds[i];
      REQUIRE(t > thresholds[i - 1]);
      for (const std::int64_t off : {-static_cast<std::int64_t>(WholeMinutes::kGuard) - 1,
                                     -static_cast<std::int64_t>(WholeMinutes::kGuard), -2L, -1L, 0L,
                                     1L, static_cast<std::int64_t>(WholeMinutes::kGuard) - 1,
                                     static_cast<std::int64_t>(WholeMinutes::kGuard),
                                     static_cast<std::int64_t>(WholeMinutes::kGuard) + 1}) {
        const auto x = static_cast<std::uint64_t>(static_cast<std::int64_t>(t) + off);
        if (x >= WholeMinutes::kDraws) continue;
        if (table.draw(x) != table.minutes(x)) ++mismatches;
      }
      // Threshold i is the first draw of minute first + i.
      if (table.minutes(t) == first + i && table.minutes(t - 1) + 1u == first + i) ++steps;
    }
    CHECK(mismatches == 0);
    CHECK(steps == thresholds.size() - 1);
    // Every bucket's first draw.
    mismatches = 0;
    for (std::uint64_t x = 0; x < WholeMinutes::kDraws; x += WholeMinutes::kDraws / 4096) {
      if (table.draw(x) != table.minutes(x)) ++mismatches;
    }
    CHECK(mismatches == 0);
    CHECK(table.draw(WholeMinutes::kDraws - 1) == table.minutes(WholeMinutes::kDraws - 1));
  }
}

TEST_CASE("WholeMinutes falls back to the expression where it does not tabulate") {
  // A tiny mean or a cap beyond the table: the expression for every draw.
  for (const auto& [base, mean, cap] :
       {std::tuple{1.0, 0.01, 10.0}, std::tuple{0.0, 50.0, 9000.0}}) {
    const WholeMinutes table(base, mean, cap);
    CHECK(table.thresholds().empty());
    Rng a(stream_key(5, kPurposeVisits, 1));
    Rng b = a;
    std::uint32_t mismatches = 0;
    for (int i = 0; i < 10000; ++i) {
      if (table.sample(a) != by_formula(b, base, mean, cap)) ++mismatches;
    }
    CHECK(mismatches == 0);
  }
}

}  // namespace
}  // namespace greenlight::sim::internal
