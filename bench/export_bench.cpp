// Export build for N keys (sort, pad, protobuf, zip, sign): build_export_files() of
// greenlight/server/export_builder.h, and reading the window's keys from the SQLite store.
// Figures and command: docs/server.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/random.h"
#include "greenlight/server/export_builder.h"
#include "greenlight/server/sqlite_store.h"

namespace {

using namespace greenlight;
using namespace greenlight::server;

std::vector<TemporaryExposureKey> random_keys(std::size_t n) {
  std::vector<TemporaryExposureKey> keys(n);
  SeededRandom rng(42);
  for (std::size_t i = 0; i < n; ++i) {
    rng.fill(keys[i].key_data.mutable_span());
    keys[i].rolling_start_interval_number = {static_cast<std::uint32_t>(2940000 - 144 * (i % 14))};
    keys[i].transmission_risk_level = static_cast<std::int32_t>(i % 8);
    keys[i].report_type = ReportType::kConfirmedTest;
  }
  return keys;
}

void BM_ExportBuild(benchmark::State& state) {
  const auto keys = random_keys(static_cast<std::size_t>(state.range(0)));
  const std::vector<wire::ExportSigner> signers{
      {{"v1", "bench", wire::kEcdsaP256Sha256Oid}, *EcdsaP256PrivateKey::generate()}};
  ExportBuildOptions options;  // defaults: pad to 1000 + [0,100), 30000 keys per file
  SeededRandom rng(7);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto files = build_export_files(keys, 1764000000, 1764007200, options, signers, rng);
    if (!files) state.SkipWithError(files.error().message.c_str());
    bytes = 0;
    for (const auto& f : *files) bytes += f.zip.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["zip_bytes"] = static_cast<double>(bytes);
  state.counters["keys/s"] = benchmark::Counter(static_cast<double>(state.range(0)),
                                                benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ExportBuild)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_StoreKeysAvailable(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  char dir_template[] = "/tmp/greenlight-bench-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(dir_template);
  ManualClock clock(1764000000);
  SqliteStoreOptions so;
  so.path = (dir / "bench.db").string();
  {
    auto store = open_sqlite_store(so, clock, system_random());
    if (!store) {
      state.SkipWithError(store.error().message.c_str());
      return;
    }
    auto keys = random_keys(n);
    for (std::size_t i = 0; i < n; i += 1000) {
      UploadWrite w;
      w.certificate_id = "bench-" + std::to_string(i);
      w.certificate_expires_at = 1764000900;
      for (std::size_t j = i; j < std::min(n, i + 1000); ++j) w.keys.push_back({keys[j], 0});
      if (!(*store)->publish_upload(w)) state.SkipWithError("insert failed");
    }
    for (auto _ : state) {
      auto got = (*store)->keys_available(0, INT64_MAX);
      if (!got || got->size() != n) state.SkipWithError("read failed");
      benchmark::DoNotOptimize(got);
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_StoreKeysAvailable)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
