// A4 (c), reference/security.md: a sniffer network must not link a phone's consecutive RPIs.
// The Hamming distances of 10^5 pairs of adjacent RPIs under one TEK must be distributed like
// those of 10^5 pairs of RPIs from independent TEKs (two-sample Kolmogorov-Smirnov, p > 0.01).
// The same statistic applied to a deliberately linkable rotation must reject, so the test has
// the power to fail.
#include <algorithm>
#include <array>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

constexpr std::size_t kPairs = 100'000;
constexpr std::size_t kBits = 128;

std::size_t hamming(const Rpi& a, const Rpi& b) {
  std::size_t d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d += static_cast<std::size_t>(std::popcount(static_cast<unsigned>(a[i] ^ b[i])));
  }
  return d;
}

// Histogram of distances 0..128.
using Histogram = std::array<std::uint64_t, kBits + 1>;

// Two-sample Kolmogorov-Smirnov statistic D of two histograms over the same support.
double ks_statistic(const Histogram& a, const Histogram& b) {
  std::uint64_t na = 0;
  std::uint64_t nb = 0;
  for (std::size_t i = 0; i <= kBits; ++i) {
    na += a[i];
    nb += b[i];
  }
  double ca = 0;
  double cb = 0;
  double d = 0;
  for (std::size_t i = 0; i <= kBits; ++i) {
    ca += static_cast<double>(a[i]) / static_cast<double>(na);
    cb += static_cast<double>(b[i]) / static_cast<double>(nb);
    d = std::max(d, std::abs(ca - cb));
  }
  return d;
}

// Asymptotic p-value of the two-sample KS test: Q(lambda) = 2 sum_k (-1)^(k-1) e^(-2 k^2
// lambda^2) with lambda = sqrt(n m / (n + m)) D (conservative for discrete data).
double ks_p_value(double d, std::size_t n, std::size_t m) {
  const double en =
      std::sqrt(static_cast<double>(n) * static_cast<double>(m) / static_cast<double>(n + m));
  const double lambda = en * d;
  if (lambda < 1e-3) return 1.0;
  double sum = 0;
  for (int k = 1; k <= 200; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += (k % 2 == 1 ? term : -term);
    if (term < 1e-12) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

// Distances of kPairs (RPI_i, next(RPI_i)) pairs, where next gives the following interval's
// RPI of the same phone.
Histogram adjacent_pairs(RandomSource& rng,
                         const std::function<Rpi(const Rpik&, EnIntervalNumber)>& rpi_at) {
  Histogram h{};
  for (std::size_t i = 0; i < kPairs; ++i) {
    const Rpik rpik(rng.bytes<16>());
    const EnIntervalNumber start{static_cast<std::uint32_t>(2'700'000 + rng.uniform(100'000))};
    const EnIntervalNumber next{start.value + 1};
    ++h[hamming(rpi_at(rpik, start), rpi_at(rpik, next))];
  }
  return h;
}

Histogram independent_pairs(RandomSource& rng) {
  Histogram h{};
  for (std::size_t i = 0; i < kPairs; ++i) {
    const Rpik a(rng.bytes<16>());
    const Rpik b(rng.bytes<16>());
    const EnIntervalNumber at{static_cast<std::uint32_t>(2'700'000 + rng.uniform(100'000))};
    ++h[hamming(make_rpi(a, at), make_rpi(b, EnIntervalNumber{at.value + 1}))];
  }
  return h;
}

TEST_CASE("A4: adjacent RPIs of one TEK are as far apart as RPIs of strangers (KS p > 0.01)",
          "[gaen][attack]") {
  SeededRandom rng(0xA4C);
  const Histogram same =
      adjacent_pairs(rng, [](const Rpik& k, EnIntervalNumber j) { return make_rpi(k, j); });
  const Histogram strangers = independent_pairs(rng);
  const double d = ks_statistic(same, strangers);
  const double p = ks_p_value(d, kPairs, kPairs);
  CAPTURE(d, p);
  CHECK(p > 0.01);
  // Mean distance near 64 bits for both: nothing of one RPI survives into the next.
  double mean = 0;
  for (std::size_t i = 0; i <= kBits; ++i)
    mean += static_cast<double>(i) * static_cast<double>(same[i]);
  mean /= kPairs;
  CHECK(std::abs(mean - 64.0) < 0.2);
}

TEST_CASE("A4: the KS check rejects a linkable rotation (the test has power)", "[gaen][attack]") {
  SeededRandom rng(0xA4D);
  // A broken rotation: the next RPI differs from the previous one in a few bits only.
  const Histogram linkable = adjacent_pairs(rng, [](const Rpik& k, EnIntervalNumber j) {
    Rpi r = make_rpi(k, EnIntervalNumber{j.value & ~1U});
    if (j.value & 1U) r[0] ^= 0x0f;
    return r;
  });
  const Histogram strangers = independent_pairs(rng);
  const double p = ks_p_value(ks_statistic(linkable, strangers), kPairs, kPairs);
  CAPTURE(p);
  CHECK(p < 1e-6);
  // And the p-value formula itself: identical samples give 1, disjoint ones give ~0.
  CHECK(ks_p_value(ks_statistic(strangers, strangers), kPairs, kPairs) == 1.0);
  Histogram shifted{};
  shifted[0] = kPairs;
  CHECK(ks_p_value(ks_statistic(shifted, strangers), kPairs, kPairs) < 1e-12);
}

}  // namespace
}  // namespace greenlight
