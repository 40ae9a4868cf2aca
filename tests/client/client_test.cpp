#include "greenlight/client/client.h"

#include <catch2/catch.hpp>

#include "client_test_support.h"
#include "test_http_server.h"

namespace greenlight::client {
namespace {

using test::kDay0;
using test::kHour;
using test::kMinute;

// Two phones that spend time together: "me" hears "other".
struct TwoPhones {
  test::TempDir dir;
  ManualClock clock{kDay0 + 9 * kHour};
  SeededRandom my_random{101};
  SeededRandom other_random{202};
  test::TestSigner signer = test::make_signer();
  std::unique_ptr<Client> me;
  std::unique_ptr<Client> other;

  TwoPhones() {
    ClientConfig config;
    config.trusted_keys.push_back(signer.trusted());
    auto a = Client::open(dir.file("me.db"), config, clock, my_random);
    REQUIRE(a);
    me = std::move(*a);
    auto b = Client::open(dir.file("other.db"), ClientConfig{}, clock, other_random);
    REQUIRE(b);
    other = std::move(*b);
  }

  // Both phones scan every 5 minutes for `minutes`, "me" hearing "other" at rssi.
  void meet(std::int64_t minutes, std::int8_t rssi) {
    for (std::int64_t m = 0; m < minutes; m += 5) {
      auto ad = other->advertisement();
      REQUIRE(ad);
      const Observation o = test::heard(*ad, rssi);
      REQUIRE(me->record_scan(std::span<const Observation>(&o, 1)));
      clock.advance(5 * kMinute);
    }
  }

  // The other phone's keys as a health authority would publish them.
  std::vector<TemporaryExposureKey> published_keys() {
    auto keys = other->keys_for_upload();
    REQUIRE(keys);
    for (auto& k : *keys) k.report_type = ReportType::kConfirmedTest;
    return *keys;
  }
};

TEST_CASE("an export with the other phone's key turns the colour RED", "[client]") {
  TwoPhones p;
  p.meet(30, -65);  // attenuation 55 -> weight 0.8; 30 min x 0.8 x TRV 1.4 = 33.6
  p.clock.set(kDay0 + 86400 + 3 * kHour);
  auto colour = p.me->colour();
  REQUIRE(colour);
  CHECK(colour->colour == Colour::kGreen);

  const Bytes zip = test::build_export(p.published_keys(), p.signer, kDay0, kDay0 + 86400);
  auto report = p.me->process_export(zip, "v1/exports/a.zip");
  REQUIRE(report);
  CHECK(report->exports_processed == 1);
  CHECK(report->keys_matched == 1);
  CHECK(report->windows_stored == 1);

  auto risk = p.me->risk();
  REQUIRE(risk);
  REQUIRE(risk->days.size() == 1);
  CHECK(risk->days[0].day == kDay0);
  // Six scans; the first has no previous scan (120 s), the rest 300 s: 27 minutes at 0.8,
  // TRL 7 (confirmed + standard) -> 1.4 x 21.6.
  CHECK(risk->days[0].normalized_minutes == Approx(1.4 * 0.8 * 27.0));
  colour = p.me->colour();
  REQUIRE(colour);
  CHECK(colour->colour == Colour::kRed);
  CHECK(colour->explanation.rule == ColourRule::kHighRiskExposure);
  CHECK(colour->explanation.day == kDay0);
}

TEST_CASE("the same export file is refused the second time (replay)", "[client][security]") {
  TwoPhones p;
  p.meet(10, -70);
  p.clock.set(kDay0 + 86400 + 3 * kHour);
  const Bytes zip = test::build_export(p.published_keys(), p.signer, kDay0, kDay0 + 86400);
  REQUIRE(p.me->process_export(zip));
  auto windows = p.me->exposure_windows();
  REQUIRE(windows);
  const std::size_t before = windows->size();
  CHECK(before == 1);

  auto again = p.me->process_export(zip);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kAlreadyExists);
  windows = p.me->exposure_windows();
  REQUIRE(windows);
  CHECK(windows->size() == before);

  // The same key in a different file replaces its windows instead of adding to them.
  const Bytes other_zip =
      test::build_export(p.published_keys(), p.signer, kDay0, kDay0 + 86400 + 1);
  REQUIRE(p.me->process_export(other_zip));
  windows = p.me->exposure_windows();
  REQUIRE(windows);
  CHECK(windows->size() == before);
}

TEST_CASE("exports not signed by a pinned key are refused and leave no trace",
          "[client][security]") {
  TwoPhones p;
  p.meet(10, -70);
  p.clock.set(kDay0 + 86400 + 3 * kHour);
  const test::TestSigner stranger = test::make_signer();
  const Bytes zip = test::build_export(p.published_keys(), stranger, kDay0, kDay0 + 86400);
  auto report = p.me->process_export(zip);
  REQUIRE_FALSE(report);
  CHECK(report.error().code == ErrorCode::kAuthentication);
  auto windows = p.me->exposure_windows();
  REQUIRE(windows);
  CHECK(windows->empty());
  // Not recorded as processed: the genuine file is still accepted.
  const Bytes genuine = test::build_export(p.published_keys(), p.signer, kDay0, kDay0 + 86400);
  REQUIRE(p.me->process_export(genuine));
}

TEST_CASE("a revoked key removes its exposure windows", "[client]") {
  TwoPhones p;
  p.meet(30, -65);
  p.clock.set(kDay0 + 86400 + 3 * kHour);
  std::vector<TemporaryExposureKey> keys = p.published_keys();
  REQUIRE(p.me->process_export(test::build_export(keys, p.signer, kDay0, kDay0 + 86400)));
  auto colour = p.me->colour();
  REQUIRE(colour);
  CHECK(colour->colour == Colour::kRed);
  for (auto& k : keys) k.report_type = ReportType::kRevoked;
  REQUIRE(
      p.me->process_export(test::build_export({}, p.signer, kDay0, kDay0 + 86400 + 7200, keys)));
  colour = p.me->colour();
  REQUIRE(colour);
  CHECK(colour->colour == Colour::kGreen);
}

TEST_CASE("sync over chosen feed sources: own server and another server's index",
          "[client][sync][feed_source]") {
  TwoPhones p;
  p.meet(15, -60);
  p.clock.set(kDay0 + 86400 + 3 * kHour);
  test::TempDir home_site;
  test::TempDir other_site;
  SeededRandom noise(6);
  test::write_file(
      home_site.path() / "v1/exports/0001.zip",
      test::build_export({test::random_key(noise, kDay0)}, p.signer, kDay0, kDay0 + 3600));
  test::write_file(home_site.path() / "v1/exports/index.txt", as_bytes("v1/exports/0001.zip\n"));
  // Another server's layout: its index next to its files, the same relative path as a file
  // name the home server could use.
  test::write_file(other_site.path() / "US/0001.zip",
                   test::build_export(p.published_keys(), p.signer, kDay0, kDay0 + 86400));
  test::write_file(other_site.path() / "US/index.txt", as_bytes("US/0001.zip"));
  test::TestHttpServer home(home_site.path());
  test::TestHttpServer other(other_site.path());
  BeastHttpFetcher fetcher;
  const std::vector<FeedSource> sources{
      own_export_source(home.base_url()),
      index_source(other.base_url() + "/US/index.txt", other.base_url())};

  auto report = p.me->sync(fetcher, home.base_url(), sources);
  REQUIRE(report);
  CAPTURE(report->errors);
  CHECK(report->exports_processed == 2);
  CHECK(report->keys_matched == 1);
  CHECK(report->sources_failed == 0);
  // The own path is remembered as sync() remembers it, the other server's by its URL.
  CHECK(*p.me->exposure_store().is_path_processed("v1/exports/0001.zip"));
  CHECK(*p.me->exposure_store().is_path_processed(other.base_url() + "/US/0001.zip"));
  CHECK_FALSE(*p.me->exposure_store().is_path_processed("US/0001.zip"));

  // Nothing new: each source's index only (the first sync made index + file on each).
  auto again = p.me->sync(fetcher, home.base_url(), sources);
  REQUIRE(again);
  CHECK(again->exports_processed == 0);
  CHECK(home.requests() == 3);
  CHECK(other.requests() == 3);

  // A source that cannot be listed is counted; all of them failing fails the sync.
  const std::vector<FeedSource> partly{
      own_export_source(home.base_url()),
      index_source(other.base_url() + "/XX/index.txt", other.base_url())};
  auto counted = p.me->sync(fetcher, home.base_url(), partly);
  REQUIRE(counted);
  CHECK(counted->sources_failed == 1);
  CHECK(counted->errors.size() == 1);
  const std::vector<FeedSource> none{
      index_source(other.base_url() + "/XX/index.txt", other.base_url())};
  CHECK_FALSE(p.me->sync(fetcher, home.base_url(), none));
  CHECK_FALSE(p.me->sync(fetcher, home.base_url(), std::span<const FeedSource>{}));
}

TEST_CASE("sync over loopback HTTP fetches, verifies and matches new exports", "[client][sync]") {
  TwoPhones p;
  p.meet(15, -60);
  p.clock.set(kDay0 + 86400 + 3 * kHour);
  test::TempDir site;
  const Bytes zip = test::build_export(p.published_keys(), p.signer, kDay0, kDay0 + 86400);
  SeededRandom noise(5);
  const Bytes padding_zip = test::build_export({test::random_key(noise, kDay0)}, p.signer,
                                               kDay0 + 86400, kDay0 + 86400 + 3600);
  test::write_file(site.path() / "v1/exports/0001.zip", zip);
  test::write_file(site.path() / "v1/exports/0002.zip", padding_zip);
  const std::string index = "v1/exports/0001.zip\nv1/exports/0002.zip\n";
  test::write_file(site.path() / "v1/exports/index.txt", as_bytes(index));
  test::TestHttpServer server(site.path());
  BeastHttpFetcher fetcher;

  auto report = p.me->sync(fetcher, server.base_url() + "/");
  REQUIRE(report);
  CAPTURE(report->errors);
  CHECK(report->exports_processed == 2);
  CHECK(report->exports_failed == 0);
  CHECK(report->keys_matched == 1);
  CHECK(server.requests() == 3);
  auto colour = p.me->colour();
  REQUIRE(colour);
  CHECK(colour->colour != Colour::kGreen);

  // The second sync fetches only the index.
  auto second = p.me->sync(fetcher, server.base_url());
  REQUIRE(second);
  CHECK(second->exports_processed == 0);
  CHECK(server.requests() == 4);

  // A replay of the first file under a new name is fetched once and refused.
  test::write_file(site.path() / "v1/exports/0003.zip", zip);
  const std::string index2 = index + "v1/exports/0003.zip\n";
  test::write_file(site.path() / "v1/exports/index.txt", as_bytes(index2));
  auto third = p.me->sync(fetcher, server.base_url());
  REQUIRE(third);
  CHECK(third->exports_processed == 0);
  CHECK(third->exports_already_processed == 1);
  CHECK(server.requests() == 6);
  auto fourth = p.me->sync(fetcher, server.base_url());
  REQUIRE(fourth);
  CHECK(server.requests() == 7);

  // A missing file is a per-export failure; a missing index fails the sync.
  const std::string index3 = index2 + "v1/exports/0004.zip\n";
  test::write_file(site.path() / "v1/exports/index.txt", as_bytes(index3));
  auto fifth = p.me->sync(fetcher, server.base_url());
  REQUIRE(fifth);
  CHECK(fifth->exports_failed == 1);
  auto missing = p.me->sync(fetcher, server.base_url() + "/elsewhere");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
}

// The first column of the row sql (one parameter, key) selects.
template <typename Key>
Bytes column_blob(Database& db, std::string_view sql, const Key& key) {
  auto st = db.prepare(sql);
  REQUIRE(st);
  st->bind(1, key);
  auto row = st->step();
  REQUIRE(row);
  REQUIRE(*row);
  const ByteSpan blob = st->column_blob(0);
  return Bytes(blob.begin(), blob.end());
}

TEST_CASE("retention deletes old data down to the bytes in every file (A29)",
          "[client][security]") {
  // In the clear, the markers are the RPI and TEK bytes themselves. Encrypted, those never
  // reach the disk (A25); deletion is proved on what stands for them there: the RPI's lookup
  // tag, its sealed row and the TEK's sealed row.
  const bool encrypted = GENERATE(false, true);
  CAPTURE(encrypted);
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  ManualClock clock(kDay0);
  SeededRandom random(31);
  SeededRandom noise(32);
  const test::TestSigner signer = test::make_signer();
  ClientConfig config;
  config.trusted_keys.push_back(signer.trusted());
  if (encrypted) config.store_key = StoreKey(ByteArray<kStoreKeySize>{29, 29});
  auto opened = Client::open(path, config, clock, random);
  REQUIRE(opened);
  Client& client = **opened;

  struct DayMarkers {
    Rpi rpi{};
    ByteArray<16> tek{};
    Sha256Digest export_hash{};
    Bytes rpi_on_disk;  // what stands for the RPI in the files
    Bytes tek_on_disk;
    Bytes rpi_row;  // encrypted: the sealed encounter row
  };
  std::vector<DayMarkers> markers;
  for (int day = 0; day < 20; ++day) {
    const std::int64_t t = kDay0 + day * 86400 + 10 * kHour;
    clock.set(t);
    DayMarkers m;
    noise.fill(m.rpi);
    // A marker RPI heard in two scans among 300 other RPIs per scan, which makes SQLite
    // split and rebalance pages.
    for (int scan = 0; scan < 2; ++scan) {
      std::vector<Observation> heard;
      heard.push_back(Observation{m.rpi, Aem{}, -60});
      for (int i = 0; i < 300; ++i) {
        Observation o;
        noise.fill(o.rpi);
        o.rssi_dbm = -70;
        heard.push_back(o);
      }
      REQUIRE(client.record_scan(heard));
      clock.advance(5 * kMinute);
    }
    auto key = client.identifiers().current_key(clock.now());
    REQUIRE(key);
    m.tek = key->key_data.array();
    // The lookup-tag label of the encounter table (client/src/internal/device_rows.h).
    const Bytes tag = client.database().cipher().lookup_tag("encounter", m.rpi);
    m.rpi_on_disk = encrypted ? tag : Bytes(m.rpi.begin(), m.rpi.end());
    // Today's key is the newest row (current_key just created it).
    m.tek_on_disk = encrypted ? column_blob(client.database(),
                                            "SELECT sealed FROM own_tek ORDER BY id DESC LIMIT ?1",
                                            std::int64_t{1})
                              : Bytes(m.tek.begin(), m.tek.end());
    if (encrypted) {
      m.rpi_row = column_blob(client.database(), "SELECT sealed FROM encounter WHERE tag = ?1",
                              ByteSpan(tag));
    }
    const Bytes zip = test::build_export({test::random_key(noise, t - 86400)}, signer, t - 3600, t);
    m.export_hash = sha256(zip);
    REQUIRE(client.process_export(zip));
    markers.push_back(m);
  }
  const std::int64_t now = kDay0 + 20 * 86400 + 12 * kHour;
  clock.set(now);
  REQUIRE(client.run_retention());

  const auto scan_files = [&](const char* when) {
    CAPTURE(when);
    for (std::size_t day = 0; day < markers.size(); ++day) {
      CAPTURE(day);
      // Day 6 at 10:00 is older than now - 14 days (day 6 at 12:00); day 6's key was still
      // valid after the cutoff and is kept.
      const bool data_old = day <= 6;
      const bool key_old = day <= 5;
      bool rpi_found = false;
      bool tek_found = false;
      bool hash_found = false;
      bool row_found = false;
      bool plaintext_found = false;
      for (const auto& file : test::database_files(path)) {
        rpi_found = rpi_found || test::file_contains(file, markers[day].rpi_on_disk);
        tek_found = tek_found || test::file_contains(file, markers[day].tek_on_disk);
        hash_found = hash_found || test::file_contains(file, markers[day].export_hash);
        if (encrypted) {
          row_found = row_found || test::file_contains(file, markers[day].rpi_row);
          plaintext_found = plaintext_found || test::file_contains(file, markers[day].rpi) ||
                            test::file_contains(file, markers[day].tek);
        }
      }
      CHECK(rpi_found == !data_old);
      CHECK(tek_found == !key_old);
      CHECK(hash_found == !data_old);
      if (encrypted) {
        CHECK(row_found == !data_old);
        CHECK_FALSE(plaintext_found);
      }
    }
  };
  scan_files("while open");
  CHECK(std::filesystem::file_size(path + "-wal") == 0);
  opened->reset();
  scan_files("after close");
}

TEST_CASE("a positive test turns the colour RED and is kept for the isolation period", "[client]") {
  test::TempDir dir;
  ManualClock clock(kDay0 + 8 * kHour);
  SeededRandom random(41);
  auto client = Client::open(dir.file("device.db"), ClientConfig{}, clock, random);
  REQUIRE(client);
  REQUIRE((*client)->set_positive_test(clock.now()));
  auto colour = (*client)->colour();
  REQUIRE(colour);
  CHECK(colour->colour == Colour::kRed);
  CHECK(colour->explanation.rule == ColourRule::kOwnPositiveTest);
  clock.advance(10 * 86400);
  REQUIRE((*client)->run_retention());
  colour = (*client)->colour();
  REQUIRE(colour);
  CHECK(colour->colour == Colour::kGreen);
}

TEST_CASE("a bad risk configuration is refused", "[client]") {
  test::TempDir dir;
  ManualClock clock(kDay0);
  SeededRandom random(1);
  ClientConfig config;
  config.risk.trl_multiplier = -1;
  auto client = Client::open(dir.file("device.db"), config, clock, random);
  REQUIRE_FALSE(client);
  CHECK(client.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("A18: the matcher runs at most max_matching_runs_per_day times per UTC day",
          "[client][security][attack]") {
  TwoPhones p;
  p.meet(30, -65);
  p.clock.set(kDay0 + 86400 + 3 * kHour);
  ClientConfig config;
  config.trusted_keys.push_back(p.signer.trusted());
  config.max_matching_runs_per_day = 3;
  auto reopened = Client::open(p.dir.file("me.db"), config, p.clock, p.my_random);
  REQUIRE(reopened);
  p.me = std::move(*reopened);

  // Three runs with batches that match nothing (one of them unsigned: every run counts).
  SeededRandom noise(18);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(p.me->process_export(test::build_export({test::random_key(noise, kDay0)}, p.signer,
                                                    kDay0 + i * 3600, kDay0 + (i + 1) * 3600)));
  }
  const test::TestSigner stranger = test::make_signer();
  CHECK_FALSE(p.me->process_export(
      test::build_export({test::random_key(noise, kDay0)}, stranger, kDay0, kDay0 + 3600)));

  // The fourth run of the day is refused before matching: the probe with the other phone's
  // real keys learns nothing, the colour stays GREEN.
  const Bytes probe = test::build_export(p.published_keys(), p.signer, kDay0, kDay0 + 86400);
  auto refused = p.me->process_export(probe);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kResourceExhausted);
  CHECK_THAT(refused.error().message, Catch::Contains("limit per UTC day"));
  CHECK(p.me->colour()->colour == Colour::kGreen);

  // A restart does not reset the count.
  p.me.reset();
  auto again = Client::open(p.dir.file("me.db"), config, p.clock, p.my_random);
  REQUIRE(again);
  p.me = std::move(*again);
  auto still = p.me->process_export(probe);
  REQUIRE_FALSE(still);
  CHECK(still.error().code == ErrorCode::kResourceExhausted);

  // sync() is refused before any request while the budget is used up.
  test::TempDir site;
  test::write_file(site.path() / "v1/exports/0001.zip", probe);
  test::write_file(site.path() / "v1/exports/index.txt",
                   as_bytes(std::string("v1/exports/0001.zip\n")));
  test::TestHttpServer server(site.path());
  BeastHttpFetcher fetcher;
  auto blocked = p.me->sync(fetcher, server.base_url());
  REQUIRE_FALSE(blocked);
  CHECK(blocked.error().code == ErrorCode::kResourceExhausted);
  CHECK(server.requests() == 0);

  // The next UTC day has a fresh budget: the sync runs, matches, and a second sync that
  // finds nothing new costs no run.
  p.clock.set(kDay0 + 2 * 86400 + kHour);
  auto synced = p.me->sync(fetcher, server.base_url());
  REQUIRE(synced);
  CHECK(synced->keys_matched == 1);
  for (int i = 0; i < 5; ++i) REQUIRE(p.me->sync(fetcher, server.base_url()));
  REQUIRE(p.me->process_export(
      test::build_export({test::random_key(noise, kDay0)}, p.signer, kDay0 + 7200, kDay0 + 10800)));
  REQUIRE(p.me->process_export(test::build_export({test::random_key(noise, kDay0)}, p.signer,
                                                  kDay0 + 10800, kDay0 + 14400)));
  CHECK(p.me->process_export(probe).error().code == ErrorCode::kResourceExhausted);
}
}  // namespace
}  // namespace greenlight::client
