// Venue check-ins: matching a published batch of two-party warnings against a phone's
// check-ins, reading (verify + parse) a batch file, and parsing a scanned QR URL.
// Figures and commands: docs/venues.md "Performance".
#include <benchmark/benchmark.h>

#include <vector>

#include "greenlight/client/venue_matcher.h"
#include "greenlight/client/venue_upload.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/random.h"
#include "greenlight/wire/venue.h"
#include "greenlight/wire/venue_warning.h"

namespace {

using namespace greenlight;

constexpr std::int64_t kNow = 1764072000;

struct Venue {
  wire::ScannedVenue scanned;
  wire::VenueOwnerSeed owner;
};

Venue venue(RandomSource& rng, int i) {
  wire::VenueInfo info;
  info.description = "Venue " + std::to_string(i);
  auto created = wire::new_venue(info, rng);
  auto raw = wire::encode_venue_payload(created->payload);
  return {std::move(*wire::scan_venue_payload(*raw)), created->owner_seed};
}

struct Data {
  std::vector<client::VenueVisit> visits;
  std::vector<SealedVenueWarning> warnings;
  client::VenueMatchOptions options;
};

// 40 visits over 14 days (3 a day); warnings: n for other venues (random tags: the tags of
// warnings for venues the phone never visited) plus one two-party warning per 10 visits.
Data make_data(std::size_t n) {
  SeededRandom rng(1);
  Data d;
  auto authority = EcdsaP256PrivateKey::generate();
  d.options.authority_keys.push_back(authority->public_key());
  for (int i = 0; i < 40; ++i) {
    const auto v = venue(rng, i);
    client::VenueVisit visit;
    visit.checkin_id = i + 1;
    visit.location_id = v.scanned.location_id;
    visit.location_tag = v.scanned.location_tag;
    visit.owner_public_key = v.scanned.payload.owner_public_key;
    visit.arrival = kNow - (i + 1) * 8 * 3600;
    visit.departure = visit.arrival + 3600;
    if (i % 10 == 0) {
      const auto owner = wire::venue_owner_key(v.owner);
      for (const auto& r : client::split_visit(visit.arrival, visit.departure, 5)) {
        auto w = *seal_venue_warning(v.scanned.location_id, r, VenueWarningOrigin::kHostWarning,
                                     *owner, rng);
        static_cast<void>(authorize_venue_warning(w, *authority));
        d.warnings.push_back(w);
      }
    }
    d.visits.push_back(std::move(visit));
  }
  for (std::size_t i = 0; i < n; ++i) {
    SealedVenueWarning w;
    rng.fill(w.location_tag);
    rng.fill(w.nonce);
    rng.fill(w.ciphertext);
    rng.fill(w.authority_signature);
    d.warnings.push_back(w);
  }
  return d;
}

void BM_MatchVenueReports(benchmark::State& state) {
  const Data d = make_data(static_cast<std::size_t>(state.range(0)));
  std::size_t matches = 0;
  for (auto _ : state) {
    matches = client::match_venue_warnings(d.warnings, d.visits, kNow, d.options).matches.size();
    benchmark::DoNotOptimize(matches);
  }
  state.counters["matches"] = static_cast<double>(matches);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.warnings.size()));
}
BENCHMARK(BM_MatchVenueReports)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_ReadVenueWarningFile(benchmark::State& state) {
  const Data d = make_data(static_cast<std::size_t>(state.range(0)));
  auto key = EcdsaP256PrivateKey::generate();
  wire::VenueWarningBatch batch;
  batch.warnings = d.warnings;
  const auto file = *wire::write_venue_warning_file(
      batch, {wire::ExportSigner{{"v1", "310", wire::kEcdsaP256Sha256Oid}, *key}});
  const std::vector<wire::TrustedSigningKey> trusted = {{"310", "v1", key->public_key()}};
  for (auto _ : state) {
    auto read = wire::read_venue_warning_file(file, trusted);
    benchmark::DoNotOptimize(read);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(file.size()));
}
BENCHMARK(BM_ReadVenueWarningFile)->Arg(50000)->Unit(benchmark::kMillisecond);

void BM_ParseVenueUrl(benchmark::State& state) {
  SeededRandom rng(2);
  const auto v = venue(rng, 0);
  const std::string url =
      *wire::venue_url(wire::kDefaultVenueBaseUrl, v.scanned.raw_payload.span());
  for (auto _ : state) {
    auto parsed = wire::parse_venue_url(url);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseVenueUrl);

}  // namespace

BENCHMARK_MAIN();
