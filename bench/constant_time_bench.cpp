// dudect-style leakage check of the constant-time comparisons (reference/security.md A30;
// Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", DATE 2017). Not a test:
// timing depends on the machine, so the figures go to docs/security-tests.md with the command.
//
// For each comparison, two input classes are interleaved at random: "fix" compares a secret
// with an input that matches it in every byte but the last (the best case for an attacker who
// recovers a MAC or code byte by byte), "random" with an unrelated input. Each measurement
// times a batch of calls with the steady clock; Welch's t statistic is computed over all
// measurements and over the measurements below several percentiles (dudect's cropping).
// |t| < 4.5 means no leak detected at this sample size; std::memcmp (early exit) is run as the
// positive control and must show a large |t|.
//
// Usage: greenlight_bench_constant_time [MEASUREMENTS] (default 1,000,000)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/secret_bytes.h"

namespace {

using greenlight::ByteSpan;

struct Welch {
  double n[2] = {0, 0};
  double mean[2] = {0, 0};
  double m2[2] = {0, 0};
  void add(int cls, double x) {
    n[cls] += 1;
    const double d = x - mean[cls];
    mean[cls] += d / n[cls];
    m2[cls] += d * (x - mean[cls]);
  }
  double t() const {
    if (n[0] < 2 || n[1] < 2) return 0;
    const double v0 = m2[0] / (n[0] - 1);
    const double v1 = m2[1] / (n[1] - 1);
    const double se = std::sqrt(v0 / n[0] + v1 / n[1]);
    return se == 0 ? 0 : (mean[0] - mean[1]) / se;
  }
};

constexpr int kBatch = 16;  // calls per timed measurement
constexpr std::size_t kBytes = 32;

// Returns the largest |t| over the uncropped set and the crops.
double measure(const char* name,
               const std::function<bool(const std::uint8_t*, const std::uint8_t*)>& equal,
               std::size_t measurements) {
  greenlight::SeededRandom rng(2017);
  const auto secret = rng.bytes<kBytes>();
  std::vector<std::uint8_t> inputs(measurements * kBytes);
  std::vector<int> classes(measurements);
  for (std::size_t i = 0; i < measurements; ++i) {
    const auto coin = rng.bytes<1>();
    classes[i] = coin[0] & 1;
    std::uint8_t* in = &inputs[i * kBytes];
    if (classes[i] == 0) {
      std::memcpy(in, secret.data(), kBytes);
      in[kBytes - 1] = static_cast<std::uint8_t>(in[kBytes - 1] ^ 1);
    } else {
      const auto r = rng.bytes<kBytes>();
      std::memcpy(in, r.data(), kBytes);
    }
  }
  std::vector<double> times(measurements);
  volatile bool sink = false;
  for (std::size_t i = 0; i < measurements; ++i) {
    const std::uint8_t* in = &inputs[i * kBytes];
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < kBatch; ++k) sink = equal(secret.data(), in) ^ sink;
    const auto stop = std::chrono::steady_clock::now();
    times[i] = std::chrono::duration<double, std::nano>(stop - start).count();
  }
  (void)sink;
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  double worst = 0;
  std::printf("%-34s", name);
  for (double pct : {1.0, 0.99, 0.9, 0.5}) {
    const double cut =
        sorted[static_cast<std::size_t>(pct * static_cast<double>(measurements - 1))];
    Welch w;
    for (std::size_t i = 0; i < measurements; ++i) {
      if (times[i] <= cut) w.add(classes[i], times[i]);
    }
    std::printf(" t(p%.0f)=%7.2f", pct * 100, w.t());
    worst = std::max(worst, std::fabs(w.t()));
  }
  std::printf("  max|t|=%.2f %s\n", worst, worst < 4.5 ? "(no leak detected)" : "(LEAK)");
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t measurements =
      argc > 1 ? static_cast<std::size_t>(std::strtoull(argv[1], nullptr, 10)) : 1000000;
  if (measurements < 1000) {
    std::fprintf(stderr, "usage: %s [MEASUREMENTS >= 1000]\n", argv[0]);
    return 2;
  }
  std::printf(
      "%zu measurements of %d calls, %zu-byte inputs, classes: last byte differs vs random\n",
      measurements, kBatch, kBytes);
  const double ct = measure(
      "constant_time_equal (CRYPTO_memcmp)",
      [](const std::uint8_t* a, const std::uint8_t* b) {
        return greenlight::constant_time_equal(ByteSpan(a, kBytes), ByteSpan(b, kBytes));
      },
      measurements);
  const double secret = measure(
      "SecretArray<32>::operator==",
      [](const std::uint8_t* a, const std::uint8_t* b) {
        return *greenlight::SecretArray<kBytes>::from_span(ByteSpan(a, kBytes)) ==
               *greenlight::SecretArray<kBytes>::from_span(ByteSpan(b, kBytes));
      },
      measurements);
  const double control = measure(
      "std::memcmp (control, leaks)",
      [](const std::uint8_t* a, const std::uint8_t* b) { return std::memcmp(a, b, kBytes) == 0; },
      measurements);
  std::printf("verdict: %s; control %s\n", ct < 4.5 && secret < 4.5 ? "no leak detected" : "LEAK",
              control >= 4.5 ? "detected (the method has power)" : "not detected (inconclusive)");
  return 0;
}
