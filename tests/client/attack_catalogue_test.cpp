// Attack-catalogue tests for the phone (reference/security.md section 1; docs/security-tests.md
// maps each attack to its test): A4 fresh randomness per TEK, A5 every AEM TX-power mask, A7 RPIs
// uploaded as keys, A20 identical downloads for exposed and unexposed phones, A22 no network
// request the app did not ask for.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client_test_support.h"
#include "greenlight/client/client.h"
#include "greenlight/client/database.h"
#include "greenlight/client/encounter_log.h"
#include "greenlight/client/matcher.h"
#include "test_http_server.h"

// Every connect() of this test process is counted (and forwarded to the real one), so a test
// can assert that a stretch of library calls opened no connection (A22).
namespace {
std::atomic<std::size_t> g_connects{0};
std::mutex g_connect_mutex;
std::vector<std::uint16_t> g_connect_ports;  // destination ports of IPv4 connects
}  // namespace

extern "C" int connect(int fd, const struct sockaddr* address, socklen_t length) {
  using ConnectFn = int (*)(int, const struct sockaddr*, socklen_t);
  static const ConnectFn real = reinterpret_cast<ConnectFn>(dlsym(RTLD_NEXT, "connect"));
  g_connects.fetch_add(1);
  if (address != nullptr && address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof in);
    const std::lock_guard lock(g_connect_mutex);
    g_connect_ports.push_back(ntohs(in.sin_port));
  }
  return real(fd, address, length);
}

namespace greenlight::client {
namespace {

using test::kDay0;
using test::kHour;
using test::kMinute;

// A RandomSource that hands out a known stream and remembers every request.
class SpyRandom final : public RandomSource {
 public:
  void fill(MutableByteSpan out) override {
    inner_.fill(out);
    requests.emplace_back(out.begin(), out.end());
  }
  std::vector<Bytes> requests;

 private:
  SeededRandom inner_{777};
};

// Serves a directory as the server's static site and records every URL asked for.
class RecordingFetcher final : public HttpFetcher {
 public:
  RecordingFetcher(std::filesystem::path root, std::string base)
      : root_(std::move(root)), base_(std::move(base)) {}
  Result<Bytes> get(std::string_view url) override {
    urls.emplace_back(url);
    if (!url.starts_with(base_ + "/")) return make_error(ErrorCode::kNotFound, "not ours");
    const std::filesystem::path path = root_ / std::string(url.substr(base_.size() + 1));
    if (!std::filesystem::exists(path)) return make_error(ErrorCode::kNotFound, "404");
    return test::read_file(path);
  }
  std::vector<std::string> urls;

 private:
  std::filesystem::path root_;
  std::string base_;
};

std::vector<ScanInstance> scans_of(const MatchResult& result) {
  std::vector<ScanInstance> out;
  for (const auto& exposure : result.exposures) {
    for (const auto& window : exposure.windows) {
      out.insert(out.end(), window.scans.begin(), window.scans.end());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("A4: every TEK is 16 fresh CSPRNG bytes, none derived from another", "[security][A4]") {
  test::TempDir dir;
  auto db = Database::open(dir.file("a4.db"));
  REQUIRE(db);
  SpyRandom random;
  IdentifierManager ids(*db, random, BluetoothMetadata{0x40, -10});
  std::set<Bytes> teks;
  for (int day = 0; day < 20; ++day) {
    const std::size_t before = random.requests.size();
    for (int hour = 0; hour < 24; hour += 3) {
      auto key = ids.current_key(kDay0 + day * 86400 + hour * kHour);
      REQUIRE(key);
      const Bytes tek(key->key_data.span().begin(), key->key_data.span().end());
      if (hour == 0) {
        // The new day's key is exactly the 16 bytes the RNG produced for it.
        REQUIRE(random.requests.size() == before + 1);
        CHECK(random.requests.back() == tek);
        CHECK(teks.insert(tek).second);
      } else {
        CHECK(random.requests.size() == before + 1);  // the day's key is reused, no new draw
        CHECK(teks.contains(tek));
      }
    }
  }
  CHECK(teks.size() == 20);
}

TEST_CASE("A5: no AEM TX-power mask pushes attenuation outside the clamp", "[security][A5]") {
  SeededRandom random(55);
  const TemporaryExposureKey key = test::random_key(random, kDay0);
  const EnIntervalNumber j{key.rolling_start_interval_number.value + 60};
  constexpr std::int8_t kRssi = -70;
  constexpr std::int8_t kTx = -10;
  MatchOptions options;
  options.now = kDay0 + 3 * 86400;
  std::size_t accepted = 0;
  for (int mask = 0; mask < 256; ++mask) {
    CAPTURE(mask);
    auto db = Database::open(":memory:");
    REQUIRE(db);
    EncounterLog log(*db);
    Observation o = test::heard(test::advertise(key, j, kTx), kRssi);
    o.aem[1] = static_cast<std::uint8_t>(o.aem[1] ^ mask);  // the TX-power byte
    const std::int64_t t = unix_seconds_from_interval(j) + 2 * kMinute;
    REQUIRE(log.record_scan(t, std::span<const Observation>(&o, 1)));
    REQUIRE(log.record_scan(t + 5 * kMinute, std::span<const Observation>(&o, 1)));
    auto snapshot = log.snapshot(1);
    REQUIRE(snapshot);
    Matcher matcher(*snapshot, options);
    const MatchResult result = matcher.match(std::vector<TemporaryExposureKey>{key});
    const auto scans = scans_of(result);
    if (scans.empty()) {
      CHECK(result.sightings_bad_tx_power > 0);  // TX outside [-50, 20]: sightings dropped
      continue;
    }
    ++accepted;
    for (const ScanInstance& s : scans) {
      // tx in [-50, 20] -> attenuation in [max(-50 - rssi, 0), 20 - rssi]: never closer than
      // the most favourable legitimate TX power would claim.
      CHECK(s.min_attenuation_db >= std::max(options.min_tx_power_dbm - kRssi, 0));
      CHECK(s.min_attenuation_db <= options.max_tx_power_dbm - kRssi);
      CHECK(s.typical_attenuation_db >= std::max(options.min_tx_power_dbm - kRssi, 0));
      CHECK(s.typical_attenuation_db <= options.max_tx_power_dbm - kRssi);
    }
  }
  CHECK(accepted == 71);  // exactly the masks that give tx in -50..20
}

TEST_CASE("A7: observed RPIs uploaded as keys match nothing", "[security][A7]") {
  test::TempDir dir;
  ManualClock clock{kDay0 + 9 * kHour};
  SeededRandom my_random{7};
  SeededRandom victim_random{8};
  const test::TestSigner signer = test::make_signer();
  ClientConfig config;
  config.trusted_keys.push_back(signer.trusted());
  auto me = Client::open(dir.file("me.db"), config, clock, my_random);
  auto victim = Client::open(dir.file("victim.db"), ClientConfig{}, clock, victim_random);
  REQUIRE(me);
  REQUIRE(victim);
  // Four hours next to the victim: 48 scans, about 24 distinct RPIs.
  std::set<Rpi> observed;
  for (int m = 0; m < 240; m += 5) {
    auto ad = (*victim)->advertisement();
    REQUIRE(ad);
    observed.insert(ad->rpi);
    const Observation o = test::heard(*ad, -60);
    REQUIRE((*me)->record_scan(std::span<const Observation>(&o, 1)));
    clock.advance(5 * kMinute);
  }
  // The attacker uploads every observed RPI as a key: full-day keys starting at every
  // interval from a day before the encounter day to its end, and keys of every period that
  // start at the encounter's first interval: > 10^4 trials, all overlapping the encounter.
  std::vector<TemporaryExposureKey> forged;
  const std::uint32_t day = static_cast<std::uint32_t>(kDay0 / 600);
  const std::uint32_t met = day + 9 * 6;
  const auto add = [&forged](const Rpi& rpi, std::uint32_t start, std::uint32_t period) {
    TemporaryExposureKey k;
    k.key_data = Tek(rpi);
    k.rolling_start_interval_number = {start};
    k.rolling_period = period;
    k.report_type = ReportType::kConfirmedTest;
    forged.push_back(k);
  };
  for (const Rpi& rpi : observed) {
    for (std::uint32_t start = day - 144; start < day + 144; ++start) add(rpi, start, 144);
    for (std::uint32_t period = 1; period <= 144; ++period) add(rpi, met, period);
  }
  REQUIRE(forged.size() >= 10000);
  clock.set(kDay0 + 2 * 86400);
  const Bytes zip = test::build_export(forged, signer, kDay0 - 86400, kDay0 + 86400);
  auto report = (*me)->process_export(zip, "v1/exports/forged.zip");
  REQUIRE(report);
  CHECK(report->keys_in_exports == forged.size());
  CHECK(report->keys_matched == 0);
  CHECK(report->windows_stored == 0);
  auto colour = (*me)->colour();
  REQUIRE(colour);
  CHECK(colour->colour == Colour::kGreen);

  // Control: the victim's real key, published, does match.
  auto real = (*victim)->keys_for_upload();
  REQUIRE(real);
  for (auto& k : *real) k.report_type = ReportType::kConfirmedTest;
  const Bytes honest = test::build_export(*real, signer, kDay0 - 86400, kDay0 + 86400);
  auto matched = (*me)->process_export(honest, "v1/exports/honest.zip");
  REQUIRE(matched);
  CHECK(matched->keys_matched == 1);
}

TEST_CASE(
    "A20 and A22: exposed and unexposed phones fetch the same URLs, and nothing else "
    "opens a connection",
    "[security][A20][A22]") {
  test::TempDir dir;
  ManualClock clock{kDay0 + 9 * kHour};
  SeededRandom r1{1}, r2{2}, r3{3};
  const test::TestSigner signer = test::make_signer();
  ClientConfig config;
  config.trusted_keys.push_back(signer.trusted());
  auto exposed = Client::open(dir.file("exposed.db"), config, clock, r1);
  auto unexposed = Client::open(dir.file("unexposed.db"), config, clock, r2);
  auto positive = Client::open(dir.file("positive.db"), ClientConfig{}, clock, r3);
  REQUIRE(exposed);
  REQUIRE(unexposed);
  REQUIRE(positive);

  // A day of everything an app does except sync: not one connect() (A22).
  const std::size_t connects_before = g_connects.load();
  for (int m = 0; m < 24 * 60; m += 5) {
    auto ad = (*positive)->advertisement();
    REQUIRE(ad);
    REQUIRE((*exposed)->advertisement());
    REQUIRE((*unexposed)->advertisement());
    const Observation o = test::heard(*ad, -60);
    if (m < 60) {
      REQUIRE((*exposed)->record_scan(std::span<const Observation>(&o, 1)));
    } else {
      REQUIRE((*exposed)->record_scan({}));
    }
    REQUIRE((*unexposed)->record_scan({}));
    if (m % 240 == 0) {
      REQUIRE((*exposed)->colour());
      REQUIRE((*unexposed)->risk());
      REQUIRE((*exposed)->encounter_stats());
      REQUIRE((*unexposed)->run_retention());
    }
    clock.advance(5 * kMinute);
  }
  REQUIRE((*positive)->keys_for_upload());
  CHECK(g_connects.load() == connects_before);

  // 7 days of syncs from the same site; the positive person's keys appear on day 2. Each day
  // both phones fetch exactly the same URLs (A20), and every connection goes to the server.
  const std::filesystem::path site = dir.path() / "site";
  std::filesystem::create_directories(site / "v1/exports");
  test::write_file(site / "v1/exports/index.txt", as_bytes(std::string_view("")));
  test::TestHttpServer server(site);
  std::string index;
  for (int day = 1; day <= 7; ++day) {
    clock.set(kDay0 + day * 86400 + 3 * kHour);
    if (day == 2) {
      auto keys = (*positive)->keys_for_upload();
      REQUIRE(keys);
      for (auto& k : *keys) k.report_type = ReportType::kConfirmedTest;
      const Bytes zip = test::build_export(*keys, signer, kDay0, kDay0 + 2 * 86400);
      test::write_file(site / "v1/exports/day2.zip", zip);
      index += "v1/exports/day2.zip\n";
    } else {
      SeededRandom filler(static_cast<std::uint64_t>(day));
      const Bytes zip = test::build_export({test::random_key(filler, kDay0 + (day - 1) * 86400)},
                                           signer, kDay0, kDay0 + day * 86400);
      const std::string name = "v1/exports/day" + std::to_string(day) + ".zip";
      test::write_file(site / name, zip);
      index += name + "\n";
    }
    test::write_file(site / "v1/exports/index.txt", as_bytes(std::string_view(index)));
    RecordingFetcher a(site, server.base_url());
    RecordingFetcher b(site, server.base_url());
    auto sa = (*exposed)->sync(a, server.base_url());
    auto sb = (*unexposed)->sync(b, server.base_url());
    REQUIRE(sa);
    REQUIRE(sb);
    CAPTURE(day);
    CHECK(a.urls == b.urls);
    CHECK_FALSE(a.urls.empty());
    if (day == 2) CHECK(sa->keys_matched == 1);
    if (day == 2) CHECK(sb->keys_matched == 0);
  }
  auto colour = (*exposed)->colour();
  REQUIRE(colour);
  CHECK(colour->colour != Colour::kGreen);

  // The real network fetcher: connections only to the server the app named.
  const std::size_t before = g_connects.load();
  {
    const std::lock_guard lock(g_connect_mutex);
    g_connect_ports.clear();
  }
  BeastHttpFetcher http;
  auto synced = (*unexposed)->sync(http, server.base_url());
  REQUIRE(synced);
  CHECK(g_connects.load() > before);
  const std::string port = server.base_url().substr(server.base_url().rfind(':') + 1);
  const std::lock_guard lock(g_connect_mutex);
  for (std::uint16_t p : g_connect_ports) CHECK(std::to_string(p) == port);
}

}  // namespace greenlight::client
