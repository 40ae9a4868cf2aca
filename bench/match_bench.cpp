// Matching speed (TARGETS.md, first row; DESIGN.md "Scale"): the full match of N published
// diagnosis keys (expansion + hash-table lookup of every RPI + exposure windows for the
// matches) against a realistic 14-day encounter log, on one core. Results:
// docs/performance.md, section "Matching".
//
// The encounter log: 14 days x 200 distinct RPIs per day, each heard in 3 scans 5 minutes
// apart, plus a phone scan every 5 minutes for 14 days. 0.1 % of the published keys are
// keys of phones that were heard (so window building runs too); the rest are random.
//
// BM_MatchVsLimit is the headline: it interleaves small timed chunks of the full match,
// expansion alone, AES-128-ECB and HMAC-SHA256 in one loop, so the rates it compares come
// from the same time window even when other processes share the cores.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <vector>

#include "greenlight/client/database.h"
#include "greenlight/client/encounter_log.h"
#include "greenlight/client/encounter_snapshot.h"
#include "greenlight/client/matcher.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/random.h"

namespace greenlight::client {
namespace {

constexpr std::int64_t kDay0 = 1714521600;  // 2024-05-01T00:00:00Z
constexpr int kDays = 14;
constexpr int kRpisPerDay = 200;
constexpr int kScansPerRpi = 3;

struct World {
  std::vector<EncounterRecord> records;
  std::vector<std::int64_t> scan_times;
  std::vector<TemporaryExposureKey> keys;
  std::int64_t now = kDay0 + kDays * 86400 + 3 * 3600;
};

// Heard keys: one per 1000 published keys (at most 100), each contributing one RPI to the
// log.
World make_world(std::size_t key_count) {
  World w;
  SeededRandom random(20240501);
  for (std::int64_t t = kDay0; t < kDay0 + kDays * 86400; t += 300) w.scan_times.push_back(t);

  const std::size_t heard_keys = key_count / 1000;
  for (std::size_t i = 0; i < key_count; ++i) {
    TemporaryExposureKey key;
    random.fill(key.key_data.mutable_span());
    const auto day = static_cast<std::int64_t>(random.uniform(kDays));
    key.rolling_start_interval_number = interval_from_unix_seconds(kDay0 + day * 86400);
    key.report_type = ReportType::kConfirmedTest;
    w.keys.push_back(key);
  }
  for (int day = 0; day < kDays; ++day) {
    for (int r = 0; r < kRpisPerDay; ++r) {
      EncounterRecord record;
      const std::int64_t first =
          kDay0 + day * 86400 + static_cast<std::int64_t>(random.uniform(280)) * 300;
      // Every 28th RPI of the log (spread over the 14 days) belongs to a published key.
      const auto slot = static_cast<std::size_t>(day * kRpisPerDay + r);
      if (slot % 28 == 0 && slot / 28 < heard_keys) {
        // An RPI of a published key, heard during its interval.
        TemporaryExposureKey& key = w.keys[slot / 28];
        key.rolling_start_interval_number = interval_from_unix_seconds(kDay0 + day * 86400);
        const EnIntervalNumber j = interval_from_unix_seconds(first);
        record.rpi = make_rpi(derive_rpik(key.key_data), j);
        record.aem = encrypt_aem(derive_aemk(key.key_data), record.rpi,
                                 encode_metadata(BluetoothMetadata{0x40, -10}));
      } else {
        random.fill(record.rpi);
        random.fill(record.aem);
      }
      for (int s = 0; s < kScansPerRpi; ++s) {
        record.sightings.push_back(ScanSighting{first + s * 300, -130, 2, -62});
      }
      w.records.push_back(std::move(record));
    }
  }
  return w;
}

MatchOptions options_for(const World& w) {
  MatchOptions options;
  options.now = w.now;
  return options;
}

// The full match of N keys against an in-memory snapshot (what one sync does per export).
void BM_Match(benchmark::State& state) {
  const World w = make_world(static_cast<std::size_t>(state.range(0)));
  const EncounterSnapshot snapshot(w.records, w.scan_times, 42);
  std::size_t matched = 0;
  for (auto _ : state) {
    Matcher matcher(snapshot, options_for(w));
    const MatchResult result = matcher.match(w.keys);
    matched = result.keys_matched;
    benchmark::DoNotOptimize(result.exposures.data());
  }
  state.counters["keys_matched"] = static_cast<double>(matched);
  state.counters["log_rpis"] = static_cast<double>(w.records.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Match)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// Expansion alone (same keys, same expander), to show what the lookup and windows add.
void BM_ExpandOnly(benchmark::State& state) {
  const World w = make_world(static_cast<std::size_t>(state.range(0)));
  GaenExpander expander;
  std::vector<Rpi> rpis(kTekRollingPeriod);
  for (auto _ : state) {
    for (const TemporaryExposureKey& key : w.keys) {
      expander.expand_rpis(key.key_data, key.rolling_start_interval_number, rpis);
      benchmark::DoNotOptimize(rpis.data());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_ExpandOnly)->Arg(100000)->Unit(benchmark::kMillisecond);

// The lookups alone: every RPI of N keys (expanded beforehand) looked up in the snapshot.
void BM_LookupOnly(benchmark::State& state) {
  const World w = make_world(static_cast<std::size_t>(state.range(0)));
  const EncounterSnapshot snapshot(w.records, w.scan_times, 42);
  std::vector<Rpi> rpis(w.keys.size() * kTekRollingPeriod);
  GaenExpander expander;
  for (std::size_t i = 0; i < w.keys.size(); ++i) {
    expander.expand_rpis(w.keys[i].key_data, w.keys[i].rolling_start_interval_number,
                         std::span<Rpi>(rpis.data() + i * kTekRollingPeriod, kTekRollingPeriod));
  }
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    for (const Rpi& rpi : rpis) hits += snapshot.find(rpi) != nullptr ? 1U : 0U;
    benchmark::DoNotOptimize(hits);
  }
  state.counters["hits"] = static_cast<double>(hits);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_LookupOnly)->Arg(10000)->Unit(benchmark::kMillisecond);

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};

void check(bool ok) {
  if (!ok) std::abort();
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void BM_MatchVsLimit(benchmark::State& state) {
  constexpr std::size_t kChunkKeys = 128;
  constexpr std::size_t kAesBlocks = 4096;  // 64 KiB per call
  constexpr std::size_t kAesCalls = 8;
  constexpr std::size_t kHmacs = 256;
  const World w = make_world(100000);
  const EncounterSnapshot snapshot(w.records, w.scan_times, 42);
  Matcher matcher(snapshot, options_for(w));
  GaenExpander expander;
  std::vector<Rpi> rpis(kTekRollingPeriod);

  std::vector<std::uint8_t> aes_buffer(kAesBlocks * 16, 0x5a);
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> aes(EVP_CIPHER_CTX_new());
  const std::array<std::uint8_t, 16> aes_key{1, 2, 3};
  check(EVP_EncryptInit_ex2(aes.get(), EVP_aes_128_ecb(), aes_key.data(), nullptr, nullptr) == 1);
  check(EVP_CIPHER_CTX_set_padding(aes.get(), 0) == 1);
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> hmac(EVP_MAC_CTX_new(mac.get()));
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  check(EVP_MAC_CTX_set_params(hmac.get(), params) == 1);
  std::array<std::uint8_t, 32> hmac_key{};
  const std::array<std::uint8_t, 16> hmac_input{9, 8, 7};
  std::array<std::uint8_t, 32> hmac_out{};

  double match_s = 0, expand_s = 0, aes_s = 0, hmac_s = 0;
  std::size_t match_keys = 0, expand_keys = 0, offset = 0;
  for (auto _ : state) {
    const std::span<const TemporaryExposureKey> chunk(w.keys.data() + offset, kChunkKeys);
    offset = (offset + kChunkKeys) % (w.keys.size() - kChunkKeys);

    double t0 = thread_cpu_seconds();
    MatchResult result;
    matcher.match(chunk, result);
    benchmark::DoNotOptimize(result.exposures.data());
    double t1 = thread_cpu_seconds();
    match_s += t1 - t0;
    match_keys += chunk.size();

    t0 = thread_cpu_seconds();
    for (const TemporaryExposureKey& key : chunk) {
      expander.expand_rpis(key.key_data, key.rolling_start_interval_number, rpis);
      benchmark::DoNotOptimize(rpis.data());
    }
    t1 = thread_cpu_seconds();
    expand_s += t1 - t0;
    expand_keys += chunk.size();

    t0 = thread_cpu_seconds();
    for (std::size_t c = 0; c < kAesCalls; ++c) {
      int len = 0;
      check(EVP_EncryptUpdate(aes.get(), aes_buffer.data(), &len, aes_buffer.data(),
                              static_cast<int>(aes_buffer.size())) == 1);
      benchmark::DoNotOptimize(aes_buffer.data());
    }
    t1 = thread_cpu_seconds();
    aes_s += t1 - t0;

    t0 = thread_cpu_seconds();
    for (std::size_t k = 0; k < kHmacs; ++k) {
      std::size_t len = 0;
      check(EVP_MAC_init(hmac.get(), hmac_key.data(), hmac_key.size(), nullptr) == 1);
      check(EVP_MAC_update(hmac.get(), hmac_input.data(), hmac_input.size()) == 1);
      check(EVP_MAC_final(hmac.get(), hmac_out.data(), &len, hmac_out.size()) == 1);
      hmac_key[0] = hmac_out[0];  // a new key every call, as in HKDF
      benchmark::DoNotOptimize(hmac_out.data());
    }
    t1 = thread_cpu_seconds();
    hmac_s += t1 - t0;
  }
  const double iterations = static_cast<double>(state.iterations());
  const double match_rate = static_cast<double>(match_keys) / match_s;
  const double expand_rate = static_cast<double>(expand_keys) / expand_s;
  const double aes_rate = iterations * kAesCalls * kAesBlocks / aes_s;
  const double hmac_rate = iterations * kHmacs / hmac_s;
  // One key needs 144 AES blocks and 2 HMACs (HKDF extract + one expand block).
  const double limit = 1.0 / (144.0 / aes_rate + 2.0 / hmac_rate);
  state.counters["match_keys_per_s"] = match_rate;
  state.counters["expand_keys_per_s"] = expand_rate;
  state.counters["aes_blocks_per_s"] = aes_rate;
  state.counters["hmacs_per_s"] = hmac_rate;
  state.counters["limit_keys_per_s"] = limit;
  state.counters["match_vs_limit"] = match_rate / limit;
  state.counters["match_vs_expand"] = match_rate / expand_rate;
}
BENCHMARK(BM_MatchVsLimit)->MinTime(3.0)->Unit(benchmark::kMillisecond);

// Loading the 14-day log from the device database into a snapshot (once per sync).
void BM_LoadSnapshot(benchmark::State& state) {
  const World w = make_world(1000);
  auto db = Database::open(":memory:");
  if (!db) {
    state.SkipWithError(db.error().message.c_str());
    return;
  }
  EncounterLog log(*db);
  for (std::int64_t t : w.scan_times) {
    std::vector<Observation> heard;
    for (const EncounterRecord& r : w.records) {
      for (const ScanSighting& s : r.sightings) {
        if (s.scan_time == t) heard.push_back(Observation{r.rpi, r.aem, -65});
      }
    }
    if (!log.record_scan(t, heard)) {
      state.SkipWithError("record_scan failed");
      return;
    }
  }
  std::size_t records = 0;
  for (auto _ : state) {
    auto snapshot = log.snapshot(7);
    records = snapshot ? snapshot->records().size() : 0;
    benchmark::DoNotOptimize(records);
  }
  state.counters["log_rpis"] = static_cast<double>(records);
}
BENCHMARK(BM_LoadSnapshot)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace greenlight::client

BENCHMARK_MAIN();
