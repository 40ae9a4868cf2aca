// The cost of the encrypted device store (docs/client.md "Encrypted device store", issue 12):
// the same work with a plaintext store and with an encrypted one (argument 0 / 1).
//
// BM_DayWritePath: one day of a phone's writes: an advertisement and a scan every 5 minutes
// (288 scans), each hearing 20 nearby phones whose identifiers rotate every 10 minutes, in a
// file database (WAL, synchronous=FULL: the fsyncs a real phone pays) or in memory (CPU only).
// BM_MatchFromStore: what a sync does with an export of 100,000 keys: load the 14-day
// encounter log from the database into a snapshot (decrypting every row when encrypted) and
// match the keys against it. Matching itself does not touch the store.
// BM_LoadSnapshot/index:1: what the encounter log pays after another writer (a sync) touched
// the database: opening every row of a 14-day log into its in-memory index.
// BM_RotateStoreKey: Client::rotate_store_key on a file database with a 14-day log: re-seal
// every row in one transaction, scrub (VACUUM), reopen.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "greenlight/client/client.h"
#include "greenlight/client/database.h"
#include "greenlight/client/encounter_log.h"
#include "greenlight/client/identifiers.h"
#include "greenlight/client/matcher.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/random.h"

namespace greenlight::client {
namespace {

constexpr std::int64_t kDay0 = 1714521600;  // 2024-05-01T00:00:00Z
constexpr int kNearby = 20;

DatabaseOptions options_for(bool encrypted) {
  DatabaseOptions options;
  if (encrypted) options.store_key = StoreKey(ByteArray<kStoreKeySize>{7, 7, 7});
  return options;
}

// A fresh database file under the temp dir, removed with its companions.
class TempDatabase {
 public:
  explicit TempDatabase(bool file) {
    if (!file) return;
    path_ = (std::filesystem::temp_directory_path() /
             ("greenlight-store-bench-" + std::to_string(::getpid()) + ".db"))
                .string();
    remove();
  }
  ~TempDatabase() { remove(); }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  std::string path() const { return path_.empty() ? ":memory:" : path_; }

 private:
  void remove() {
    if (path_.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_ + suffix);
    }
  }
  std::string path_;
};

// 14 days x 200 RPIs a day, each heard in 3 scans 5 minutes apart.
bool fill_log(EncounterLog& log, RandomSource& random) {
  for (int n = 0; n < 14 * 200; ++n) {
    Observation o{{}, Aem{}, -65};
    random.fill(o.rpi);
    const std::int64_t first = kDay0 + n * 432;
    for (int s = 0; s < 3; ++s) {
      if (!log.record_scan(first + s * 300, std::span<const Observation>(&o, 1))) return false;
    }
  }
  return true;
}

void BM_DayWritePath(benchmark::State& state) {
  const bool encrypted = state.range(0) != 0;
  const bool file = state.range(1) != 0;
  SeededRandom random(12);
  std::int64_t scans = 0;
  for (auto _ : state) {
    state.PauseTiming();
    TempDatabase temp(file);
    std::vector<Rpi> nearby(kNearby);
    state.ResumeTiming();
    auto db = Database::open(temp.path(), options_for(encrypted));
    if (!db) {
      state.SkipWithError(db.error().message.c_str());
      return;
    }
    IdentifierManager ids(*db, random, BluetoothMetadata{0x40, -10});
    EncounterLog log(*db);
    for (std::int64_t t = kDay0; t < kDay0 + 86400; t += 300) {
      if (!ids.advertisement(t)) {
        state.SkipWithError("advertisement failed");
        return;
      }
      if ((t - kDay0) % 600 == 0) {
        for (Rpi& rpi : nearby) random.fill(rpi);
      }
      std::vector<Observation> heard;
      for (const Rpi& rpi : nearby) heard.push_back(Observation{rpi, Aem{1, 2, 3, 4}, -70});
      if (!log.record_scan(t, heard)) {
        state.SkipWithError("record_scan failed");
        return;
      }
      ++scans;
    }
    state.PauseTiming();
    db = make_error(ErrorCode::kInternal, "closed");
    state.ResumeTiming();
  }
  state.counters["scans_per_s"] =
      benchmark::Counter(static_cast<double>(scans), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DayWritePath)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"encrypted", "file"})
    ->Unit(benchmark::kMillisecond);

void BM_MatchFromStore(benchmark::State& state) {
  const bool encrypted = state.range(0) != 0;
  constexpr std::size_t kKeys = 100000;
  SeededRandom random(20240501);
  auto db = Database::open(":memory:", options_for(encrypted));
  if (!db) {
    state.SkipWithError(db.error().message.c_str());
    return;
  }
  // 14 days x 200 RPIs a day, each in 3 scans 5 minutes apart (as bench/match_bench.cpp).
  std::vector<TemporaryExposureKey> keys(kKeys);
  for (auto& key : keys) {
    random.fill(key.key_data.mutable_span());
    key.rolling_start_interval_number =
        interval_from_unix_seconds(kDay0 + static_cast<std::int64_t>(random.uniform(14)) * 86400);
    key.report_type = ReportType::kConfirmedTest;
  }
  EncounterLog log(*db);
  if (!fill_log(log, random)) {
    state.SkipWithError("record_scan failed");
    return;
  }
  MatchOptions options;
  options.now = kDay0 + 14 * 86400 + 3 * 3600;
  std::size_t rpis = 0;
  for (auto _ : state) {
    auto snapshot = log.snapshot(7);
    if (!snapshot) {
      state.SkipWithError("snapshot failed");
      return;
    }
    rpis = snapshot->records().size();
    Matcher matcher(*snapshot, options);
    MatchResult result = matcher.match(keys);
    benchmark::DoNotOptimize(result);
  }
  state.counters["log_rpis"] = static_cast<double>(rpis);
  state.counters["keys_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()) * kKeys,
                                                    benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MatchFromStore)->Arg(0)->Arg(1)->ArgName("encrypted")->Unit(benchmark::kMillisecond);

// Loading the log alone, the part encryption changes: into a snapshot for matching (index 0),
// or into the encounter log's index after another writer touched the database (index 1).
void BM_LoadSnapshot(benchmark::State& state) {
  const bool encrypted = state.range(0) != 0;
  const bool index = state.range(1) != 0;
  SeededRandom random(3);
  auto db = Database::open(":memory:", options_for(encrypted));
  if (!db) {
    state.SkipWithError(db.error().message.c_str());
    return;
  }
  EncounterLog log(*db);
  if (!fill_log(log, random)) {
    state.SkipWithError("record_scan failed");
    return;
  }
  for (auto _ : state) {
    if (index) {
      log.invalidate();
      auto stats = log.stats();
      benchmark::DoNotOptimize(stats);
    } else {
      auto snapshot = log.snapshot(7);
      benchmark::DoNotOptimize(snapshot);
    }
  }
  state.counters["rows_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 14 * 200, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LoadSnapshot)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"encrypted", "index"})
    ->Unit(benchmark::kMillisecond);

void BM_RotateStoreKey(benchmark::State& state) {
  TempDatabase temp(true);
  ManualClock clock(kDay0 + 14 * 86400);
  SeededRandom random(4);
  ClientConfig config;
  config.store_key = StoreKey(ByteArray<kStoreKeySize>{1});
  auto client = Client::open(temp.path(), std::move(config), clock, random);
  if (!client || !fill_log((*client)->encounter_log(), random)) {
    state.SkipWithError("filling the log failed");
    return;
  }
  std::uint8_t next = 2;
  for (auto _ : state) {
    if (!(*client)->rotate_store_key(StoreKey(ByteArray<kStoreKeySize>{next++}))) {
      state.SkipWithError("rotation failed");
      return;
    }
  }
  state.counters["rows_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 14 * 200, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RotateStoreKey)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace greenlight::client

BENCHMARK_MAIN();
