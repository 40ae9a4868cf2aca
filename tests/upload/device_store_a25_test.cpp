// security.md A25 on raw bytes: after a day of advertising, hearing, a venue check-in,
// matching and an upload against the real server on loopback, none of the phone's secrets or
// encounter data appears in any file its encrypted database leaves on disk (database, -wal,
// -shm, -journal), searched byte by byte; with the store key the API still finds all of it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "greenlight/client/store_cipher.h"
#include "greenlight/client/uploader.h"
#include "greenlight/client/venue_checkins.h"
#include "greenlight/crypto/venue_crypto.h"
#include "upload_test_support.h"
#include "venue_test_support.h"

namespace greenlight::upload_test {
namespace {

client::StoreKey key_from(RandomSource& rng) {
  ByteArray<client::kStoreKeySize> bytes{};
  rng.fill(bytes);
  return client::StoreKey(bytes);
}

Bytes as_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

// The database file and its -wal, -shm and -journal companions that exist.
std::vector<std::filesystem::path> database_files(const std::filesystem::path& db) {
  std::vector<std::filesystem::path> out;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::path file = db.string() + suffix;
    if (std::filesystem::exists(file)) out.push_back(file);
  }
  return out;
}

bool file_contains(const std::filesystem::path& file, ByteSpan needle) {
  std::ifstream in(file, std::ios::binary);
  const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return std::search(data.begin(), data.end(), needle.begin(), needle.end()) != data.end();
}

// Each phone's database encrypted with its own store key.
std::unique_ptr<Phone> encrypted_phone(World& w, const std::string& name, std::uint64_t seed) {
  auto phone = w.phone(name, seed);
  phone->config.store_key = key_from(phone->rng);
  phone->reopen();
  return phone;
}

// The packed sightings the encounter log keeps for an RPI heard at offsets 0 and 300 s at
// one RSSI: u16 offset, i16 RSSI sum, u8 count, i8 max (little-endian).
Bytes rssi_run(std::int8_t rssi) {
  const auto r = static_cast<std::uint8_t>(rssi);
  return {0x00, 0x00, r, 0xff, 0x01, r, 0x2c, 0x01, r, 0xff, 0x01, r};
}

// Packed scan instances of an exposure window: typical, min attenuation, u16 LE seconds.
Bytes window_values(const client::ExposureWindow& w) {
  Bytes out;
  for (const auto& s : w.scans) {
    out.push_back(static_cast<std::uint8_t>(s.typical_attenuation_db));
    out.push_back(static_cast<std::uint8_t>(s.min_attenuation_db));
    out.push_back(static_cast<std::uint8_t>(s.seconds_since_last_scan & 0xff));
    out.push_back(static_cast<std::uint8_t>(s.seconds_since_last_scan >> 8));
  }
  return out;
}

TEST_CASE("A25: an encrypted phone database shows nothing of the day on disk",
          "[upload][store][security]") {
  World w;
  SeededRandom venue_rng(25);
  const std::string venue_name = "A25 Snapshot Marker Cafe";
  const wire::ScannedVenue venue = test::make_owned_venue(venue_name, venue_rng).venue;
  auto me = encrypted_phone(w, "me", 11);
  auto positive = encrypted_phone(w, "positive", 12);
  auto my_venues = client::VenueCheckins::open(
      *me->client, client::CheckinStoreKey(key_from(me->rng).array()), me->rng);
  REQUIRE(my_venues);

  // Yesterday 10:00-10:30: the phones hear each other every 5 minutes at -65 dBm; I check in.
  const std::int8_t rssi = -65;
  std::vector<client::Advertisement> heard;
  w.set_time(kYesterday + 10 * kHour);
  REQUIRE((*my_venues)->store().check_in(venue));
  for (int scan = 0; scan < 6; ++scan) {
    auto theirs = positive->client->advertisement();
    auto mine = me->client->advertisement();
    REQUIRE(theirs);
    REQUIRE(mine);
    const client::Observation o{theirs->rpi, theirs->aem, rssi};
    REQUIRE(me->client->record_scan(std::span<const client::Observation>(&o, 1)));
    const client::Observation back{mine->rpi, mine->aem, rssi};
    REQUIRE(positive->client->record_scan(std::span<const client::Observation>(&back, 1)));
    if (heard.empty() || heard.back().rpi != theirs->rpi) heard.push_back(*theirs);
    w.set_time(w.clock.now() + 300);
  }
  REQUIRE(heard.size() == 3);
  auto my_key = me->client->identifiers().current_key(w.clock.now());
  REQUIRE(my_key);

  // Today: the positive phone uploads; after the export I sync, match and turn RED.
  w.set_time(server::testing::kT0);
  auto their_keys = positive->client->keys_for_upload();
  REQUIRE(their_keys);
  REQUIRE_FALSE(their_keys->empty());
  RecordingTransport transport(w.url());
  client::UploaderOptions options;
  options.base_url = w.url();
  auto uploader = client::Uploader::open(*positive->client, transport, options);
  REQUIRE(uploader);
  client::UploadRequest request;
  request.code = w.server.issue_code();
  auto uploaded = (*uploader)->upload(request);
  REQUIRE(uploaded);
  INFO(uploaded->message);
  REQUIRE(uploaded->stage == client::UploadStage::kPublished);
  REQUIRE(w.export_real_keys() >= 1);
  client::BeastHttpFetcher fetcher;
  auto synced = me->client->sync(fetcher, w.url());
  REQUIRE(synced);
  CHECK(me->colour() == client::Colour::kRed);
  auto windows = me->client->exposure_windows();
  REQUIRE(windows);
  REQUIRE_FALSE(windows->empty());

  // What a snapshot must not show, and the API must.
  struct Needle {
    std::string what;
    Bytes bytes;
  };
  std::vector<Needle> needles;
  for (const auto& k : *their_keys) {
    needles.push_back({"uploaded TEK", Bytes(k.key_data.span().begin(), k.key_data.span().end())});
    const client::KeyTag tag = client::key_tag(k.key_data);
    needles.push_back({"exposure key tag", Bytes(tag.begin(), tag.end())});
  }
  needles.push_back(
      {"own TEK", Bytes(my_key->key_data.span().begin(), my_key->key_data.span().end())});
  for (const auto& ad : heard) {
    needles.push_back({"heard RPI", Bytes(ad.rpi.begin(), ad.rpi.end())});
    needles.push_back({"heard AEM", Bytes(ad.aem.begin(), ad.aem.end())});
  }
  needles.push_back({"RSSI run", rssi_run(rssi)});
  needles.push_back({"venue name", as_bytes(venue_name)});
  const VenueLocationTag location_tag =
      venue_location_tag(venue_location_id(venue.raw_payload.span()));
  needles.push_back({"location tag", Bytes(location_tag.begin(), location_tag.end())});
  for (const auto& window : *windows) {
    needles.push_back({"exposure window scans", window_values(window)});
  }

  const auto scan_files = [&](const std::filesystem::path& db, const char* when) {
    CAPTURE(when, db.string());
    for (const auto& needle : needles) {
      CAPTURE(needle.what);
      for (const auto& file : database_files(db)) {
        CAPTURE(file.string());
        CHECK_FALSE(file_contains(file, needle.bytes));
      }
    }
  };
  scan_files(me->path, "me, open");
  scan_files(positive->path, "positive, open");

  // With the key, the API finds them.
  auto snapshot = me->client->encounter_log().snapshot(1);
  REQUIRE(snapshot);
  for (const auto& ad : heard) {
    const client::EncounterRecord* record = snapshot->find(ad.rpi);
    REQUIRE(record != nullptr);
    CHECK(record->aem == ad.aem);
    REQUIRE(record->sightings.size() == 2);
    CHECK(record->sightings[0].max_rssi == rssi);
  }
  auto checkins = (*my_venues)->store().list();
  REQUIRE(checkins);
  REQUIRE(checkins->size() == 1);
  CHECK(checkins->front().venue.description == venue_name);
  auto visits = (*my_venues)->store().visits();
  REQUIRE(visits);
  CHECK(visits->front().location_tag == location_tag);

  // And after closing (the last connection checkpoints the WAL into the file).
  my_venues->reset();
  me->client.reset();
  positive->client.reset();
  scan_files(me->path, "me, closed");
  scan_files(positive->path, "positive, closed");
}

}  // namespace
}  // namespace greenlight::upload_test
