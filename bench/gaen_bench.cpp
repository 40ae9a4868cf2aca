// Diagnosis-key expansion throughput (TARGETS.md, first row), measured side by side with
// the limit implied by this CPU's AES-128 and SHA-256/HMAC throughput and with a
// straightforward one-EVP-call-per-RPI implementation. Results: docs/performance.md.
//
// BM_ExpansionVsLimit is the headline: it interleaves small timed chunks of every
// workload (GaenExpander, naive, AES-128-ECB, HMAC-SHA256, SHA-256) in one loop, so that the
// rates it compares are measured over the same time window even when other processes
// share the two cores. The other benchmarks measure each workload alone.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

constexpr std::size_t kKeyCount = 4096;  // distinct TEKs cycled through
constexpr std::uint32_t kFirstDay = 2642976;
constexpr std::uint32_t kDays = 14;  // a 14-day export: start intervals vary per key
// HKDF-SHA256 of a 16-byte TEK with a 16-byte output = HMAC extract + one HMAC expand
// block; each HMAC under a fresh key is 4 SHA-256 compressions.
constexpr double kHmacsPerKey = 2;
constexpr double kShaBlocksPerKey = 8;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};
struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};

void check(bool ok) {
  if (!ok) std::abort();
}

// Thread CPU time in seconds: the clock Google Benchmark's rate counters use.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct KeySet {
  std::vector<Tek> teks;
  std::vector<std::uint32_t> starts;
  explicit KeySet(bool mixed_days) {
    SeededRandom rng(20200402);
    teks.reserve(kKeyCount);
    for (std::size_t i = 0; i < kKeyCount; ++i) {
      teks.emplace_back(rng.bytes<16>());
      const std::uint32_t day = mixed_days ? static_cast<std::uint32_t>(rng.uniform(kDays)) : 0;
      starts.push_back(kFirstDay + day * kTekRollingPeriod);
    }
  }
};

// GaenExpander: TEK -> RPIK -> 144 RPIs per key.
class FastExpansion {
 public:
  explicit FastExpansion(bool mixed_days) : keys_(mixed_days) {}
  void run(std::size_t n) {
    for (std::size_t k = 0; k < n; ++k, ++i_) {
      expander_.expand_rpis(keys_.teks[i_ % kKeyCount], {keys_.starts[i_ % kKeyCount]}, rpis_);
      benchmark::DoNotOptimize(rpis_.data());
    }
  }

 private:
  KeySet keys_;
  GaenExpander expander_;
  std::array<Rpi, kTekRollingPeriod> rpis_{};
  std::size_t i_ = 0;
};

// The straightforward implementation: a fresh HKDF (new KDF context) per key and one
// EVP_CIPHER_CTX_new + init + update + free per RPI.
class NaiveExpansion {
 public:
  NaiveExpansion() : keys_(true), kdf_(EVP_KDF_fetch(nullptr, "HKDF", nullptr)) {}
  void run(std::size_t n) {
    for (std::size_t k = 0; k < n; ++k, ++i_) {
      const Tek& tek = keys_.teks[i_ % kKeyCount];
      const std::uint32_t start = keys_.starts[i_ % kKeyCount];
      std::array<std::uint8_t, 16> rpik{};
      std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> kctx(EVP_KDF_CTX_new(kdf_.get()));
      char digest[] = "SHA256";
      char info[] = "EN-RPIK";
      std::array<std::uint8_t, 32> salt{};
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
          OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                            const_cast<std::uint8_t*>(tek.data()), tek.size()),
          OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
          OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, 7),
          OSSL_PARAM_construct_end()};
      check(EVP_KDF_derive(kctx.get(), rpik.data(), rpik.size(), params) == 1);
      for (std::uint32_t j = 0; j < kTekRollingPeriod; ++j) {
        const ByteArray<16> padded = rpi_padded_data({start + j});
        std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
        int len = 0;
        check(EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, rpik.data(), nullptr) == 1);
        check(EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1);
        check(EVP_EncryptUpdate(ctx.get(), rpis_[j].data(), &len, padded.data(), 16) == 1);
      }
      benchmark::DoNotOptimize(rpis_.data());
    }
  }

 private:
  KeySet keys_;
  std::unique_ptr<EVP_KDF, KdfFree> kdf_;
  std::array<Rpi, kTekRollingPeriod> rpis_{};
  std::size_t i_ = 0;
};

// AES-128-ECB over a large buffer with one context and one key: the CPU's AES block rate.
class AesBlocks {
 public:
  static constexpr std::size_t kBlocksPerCall = 4096;
  AesBlocks() : buf_(kBlocksPerCall * 16, 0x5a), ctx_(EVP_CIPHER_CTX_new()) {
    const std::array<std::uint8_t, 16> key{1, 2, 3};
    check(EVP_EncryptInit_ex2(ctx_.get(), EVP_aes_128_ecb(), key.data(), nullptr, nullptr) == 1);
    check(EVP_CIPHER_CTX_set_padding(ctx_.get(), 0) == 1);
  }
  void run(std::size_t calls) {
    for (std::size_t c = 0; c < calls; ++c) {
      int len = 0;
      check(EVP_EncryptUpdate(ctx_.get(), buf_.data(), &len, buf_.data(),
                              static_cast<int>(buf_.size())) == 1);
      benchmark::DoNotOptimize(buf_.data());
    }
  }

 private:
  std::vector<std::uint8_t> buf_;
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx_;
};

// HMAC-SHA256 of a 16-byte input under a fresh 32-byte key each time, with a reused
// context: the cost of one HKDF step through OpenSSL's HMAC.
class ShortHmacs {
 public:
  ShortHmacs() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)), ctx_(EVP_MAC_CTX_new(mac_.get())) {
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    check(EVP_MAC_CTX_set_params(ctx_.get(), params) == 1);
  }
  void run(std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
      std::size_t len = 0;
      check(EVP_MAC_init(ctx_.get(), key_.data(), key_.size(), nullptr) == 1);
      check(EVP_MAC_update(ctx_.get(), msg_.data(), msg_.size()) == 1);
      check(EVP_MAC_final(ctx_.get(), out_.data(), &len, out_.size()) == 1);
      key_[0] = out_[0];  // every call under a new key
      benchmark::DoNotOptimize(out_.data());
    }
  }

 private:
  std::unique_ptr<EVP_MAC, MacFree> mac_;
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx_;
  std::array<std::uint8_t, 32> key_{};
  std::array<std::uint8_t, 16> msg_{9, 8, 7};
  std::array<std::uint8_t, 32> out_{};
};

// SHA-256 over a large buffer: the raw compression-function rate, a stricter bound that
// leaves out OpenSSL's per-call HMAC overhead.
class ShaBlocks {
 public:
  static constexpr std::size_t kBlocksPerCall = 1024;
  ShaBlocks() : buf_(kBlocksPerCall * 64, 0x3c), ctx_(EVP_MD_CTX_new()) {}
  void run(std::size_t calls) {
    for (std::size_t c = 0; c < calls; ++c) {
      unsigned int len = 0;
      check(EVP_DigestInit_ex2(ctx_.get(), EVP_sha256(), nullptr) == 1);
      check(EVP_DigestUpdate(ctx_.get(), buf_.data(), buf_.size()) == 1);
      check(EVP_DigestFinal_ex(ctx_.get(), out_.data(), &len) == 1);
      buf_[0] = out_[0];
      benchmark::DoNotOptimize(out_.data());
    }
  }

 private:
  std::vector<std::uint8_t> buf_;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx_;
  std::array<std::uint8_t, 32> out_{};
};

void BM_Aes128EcbThroughput(benchmark::State& state) {
  AesBlocks aes;
  for (auto _ : state) aes.run(1);
  const double blocks = static_cast<double>(state.iterations()) * AesBlocks::kBlocksPerCall;
  state.counters["blocks_per_s"] = benchmark::Counter(blocks, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(blocks * 16));
}
BENCHMARK(BM_Aes128EcbThroughput);

void BM_HmacSha256Short(benchmark::State& state) {
  ShortHmacs hmac;
  for (auto _ : state) hmac.run(1);
  state.counters["hmac_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HmacSha256Short);

void BM_Sha256Throughput(benchmark::State& state) {
  ShaBlocks sha;
  for (auto _ : state) sha.run(1);
  const double blocks = static_cast<double>(state.iterations()) * ShaBlocks::kBlocksPerCall;
  state.counters["blocks_per_s"] = benchmark::Counter(blocks, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(blocks * 64));
}
BENCHMARK(BM_Sha256Throughput);

void BM_NaiveExpansion(benchmark::State& state) {
  NaiveExpansion naive;
  for (auto _ : state) naive.run(1);
  state.counters["keys_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NaiveExpansion);

// Arg mixed_days=1: start intervals spread over 14 days as in a real export (the
// expander's padded blocks change with most keys); 0: every key starts on the same day.
void BM_GaenExpander(benchmark::State& state) {
  FastExpansion fast(state.range(0) != 0);
  for (auto _ : state) fast.run(1);
  state.counters["keys_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GaenExpander)->ArgName("mixed_days")->Arg(1)->Arg(0);

// One RPIK (HKDF-SHA256 of a TEK to 16 bytes) through the expander's reusable HKDF: what
// the simulator pays for every app user heard on a day (six SHA-256 compressions plus
// OpenSSL's bookkeeping).
void BM_GaenExpanderRpik(benchmark::State& state) {
  const KeySet keys(false);
  GaenExpander ex;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ex.rpik(keys.teks[i]));
    i = (i + 1) % keys.teks.size();
  }
  state.counters["rpik_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GaenExpanderRpik);

// One iteration = one round of timed chunks of every workload (each roughly 50-250 us).
//   limit_keys_per_s     = 1 / (144 / aes_blocks_per_s + 2 / hmac_per_s)
//   sha_limit_keys_per_s = 1 / (144 / aes_blocks_per_s + 8 / sha256_blocks_per_s)
void BM_ExpansionVsLimit(benchmark::State& state) {
  constexpr std::size_t kFastKeys = 128;
  constexpr std::size_t kNaiveKeys = 2;
  constexpr std::size_t kAesCalls = 8;
  constexpr std::size_t kHmacs = 256;
  constexpr std::size_t kShaCalls = 2;
  FastExpansion fast(true);
  NaiveExpansion naive;
  AesBlocks aes;
  ShortHmacs hmac;
  ShaBlocks sha;
  double t_fast = 0, t_naive = 0, t_aes = 0, t_hmac = 0, t_sha = 0;
  for (auto _ : state) {
    double t0 = cpu_now();
    fast.run(kFastKeys);
    double t1 = cpu_now();
    t_fast += t1 - t0;
    naive.run(kNaiveKeys);
    t0 = cpu_now();
    t_naive += t0 - t1;
    aes.run(kAesCalls);
    t1 = cpu_now();
    t_aes += t1 - t0;
    hmac.run(kHmacs);
    t0 = cpu_now();
    t_hmac += t0 - t1;
    sha.run(kShaCalls);
    t1 = cpu_now();
    t_sha += t1 - t0;
  }
  const auto rounds = static_cast<double>(state.iterations());
  const double keys_per_s = rounds * kFastKeys / t_fast;
  const double naive_per_s = rounds * kNaiveKeys / t_naive;
  const double aes_per_s = rounds * kAesCalls * AesBlocks::kBlocksPerCall / t_aes;
  const double hmac_per_s = rounds * kHmacs / t_hmac;
  const double sha_per_s = rounds * kShaCalls * ShaBlocks::kBlocksPerCall / t_sha;
  const double limit = 1.0 / (kTekRollingPeriod / aes_per_s + kHmacsPerKey / hmac_per_s);
  const double sha_limit = 1.0 / (kTekRollingPeriod / aes_per_s + kShaBlocksPerKey / sha_per_s);
  state.counters["keys_per_s"] = keys_per_s;
  state.counters["naive_keys_per_s"] = naive_per_s;
  state.counters["x_naive"] = keys_per_s / naive_per_s;
  state.counters["aes_blocks_per_s"] = aes_per_s;
  state.counters["hmac_per_s"] = hmac_per_s;
  state.counters["sha256_blocks_per_s"] = sha_per_s;
  state.counters["limit_keys_per_s"] = limit;
  state.counters["pct_of_limit"] = 100.0 * keys_per_s / limit;
  state.counters["sha_limit_keys_per_s"] = sha_limit;
  state.counters["pct_of_sha_limit"] = 100.0 * keys_per_s / sha_limit;
}
BENCHMARK(BM_ExpansionVsLimit)->Unit(benchmark::kMillisecond)->MinTime(3.0);

}  // namespace
}  // namespace greenlight

BENCHMARK_MAIN();
