// security.md A25 on raw bytes: after a day of advertising, hearing, a venue check-in,
// matching, an upload against the real server on loopback and a second upload left unfinished,
// none of the phone's secrets or encounter data (keys and the days they cover, RPIs, AEMs,
// RSSI runs, scan and sighting times, exposure windows, the unfinished upload's code and token, the
// venue) appears in any file its encrypted database leaves on disk (database, -wal, -shm,
// -journal), searched byte by byte; with the store key the API still finds all of it. The control
// run without a store key finds every needle the store key protects, so the search can see them.
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

// Each phone's database encrypted with its own store key, or in the clear (the control).
std::unique_ptr<Phone> make_phone(World& w, const std::string& name, std::uint64_t seed,
                                  bool encrypted) {
  auto phone = w.phone(name, seed);
  if (encrypted) {
    phone->config.store_key = key_from(phone->rng);
    phone->reopen();
  }
  return phone;
}

// A time as the store could hold it: 8 or 4 bytes, big- or little-endian (SQLite's record
// format keeps an integer below 2^31 in 4 big-endian bytes).
Bytes time_bytes(std::int64_t t, std::size_t size, bool big_endian) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) {
    const std::size_t shift = 8 * (big_endian ? size - 1 - i : i);
    out[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(t) >> shift);
  }
  return out;
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
  const bool encrypted = GENERATE(true, false);
  CAPTURE(encrypted);
  World w;
  SeededRandom venue_rng(25);
  const std::string venue_name = "A25 Snapshot Marker Cafe";
  const wire::ScannedVenue venue = test::make_owned_venue(venue_name, venue_rng).venue;
  auto me = make_phone(w, "me", 11, encrypted);
  auto positive = make_phone(w, "positive", 12, encrypted);
  auto my_venues = client::VenueCheckins::open(
      *me->client, client::CheckinStoreKey(key_from(me->rng).array()), me->rng);
  REQUIRE(my_venues);

  // Yesterday 10:00-10:30: the phones hear each other every 5 minutes at -65 dBm; I check in.
  const std::int8_t rssi = -65;
  std::vector<client::Advertisement> heard;
  std::vector<std::int64_t> scan_times;
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
    scan_times.push_back(w.clock.now());
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

  // Then two uploads stay unfinished: mine, whose certificate request never leaves (the token
  // is stored for resume(); the code, spent, is not), and a second one of the positive phone,
  // whose verify request never leaves (the code is stored).
  const auto unfinished_upload = [&](Phone& phone, RecordingTransport& faulty,
                                     client::UploadStage stage) {
    client::UploaderOptions unfinished_options;
    unfinished_options.base_url = w.url();
    unfinished_options.max_attempts = 1;
    auto opened = client::Uploader::open(*phone.client, faulty, unfinished_options);
    REQUIRE(opened);
    client::UploadRequest r;
    r.code = w.server.issue_code();
    auto status = (*opened)->upload(r);
    REQUIRE(status);
    REQUIRE(status->stage == stage);
    return r.code;
  };
  RecordingTransport no_certificate(w.url());
  no_certificate.fail_before = 2;
  unfinished_upload(*me, no_certificate, client::UploadStage::kVerified);
  RecordingTransport no_verify(w.url());
  no_verify.fail_before = 1;
  const std::string stored_code =
      unfinished_upload(*positive, no_verify, client::UploadStage::kStarted);
  // With the key, the stored token opens (the uploader's label, device_rows.h).
  std::string token;
  {
    auto st = me->client->database().prepare("SELECT token FROM upload_state WHERE id = 1");
    REQUIRE(st);
    auto row = st->step();
    REQUIRE(row);
    REQUIRE(*row);
    auto plain = me->client->database().cipher().open("upload_token", {}, st->column_blob(0));
    REQUIRE(plain);
    token.assign(plain->span().begin(), plain->span().end());
  }
  REQUIRE(token.size() >= 16);

  // What a snapshot must not show, and the API must. in_control: the store key protects
  // it, so the control run without a key must find it.
  struct Needle {
    std::string what;
    Bytes bytes;
    bool in_control = true;
  };
  std::vector<Needle> needles;
  for (const auto& k : *their_keys) {
    needles.push_back({"uploaded TEK", Bytes(k.key_data.span().begin(), k.key_data.span().end())});
    const client::KeyTag tag = client::key_tag(k.key_data);
    needles.push_back({"exposure key tag", Bytes(tag.begin(), tag.end())});
  }
  needles.push_back(
      {"own TEK", Bytes(my_key->key_data.span().begin(), my_key->key_data.span().end())});
  // The days the app ran: the own key's start interval and period as the store encodes them
  // (BE64 each, device_rows.h), and its start as a time (a created_at column until version 4).
  {
    Bytes days = time_bytes(my_key->rolling_start_interval_number.value, 8, true);
    const Bytes period = time_bytes(my_key->rolling_period, 8, true);
    days.insert(days.end(), period.begin(), period.end());
    needles.push_back({"own key start interval and period", days});
    const std::int64_t valid_from =
        unix_seconds_from_interval(my_key->rolling_start_interval_number);
    needles.push_back({"own key start BE32", time_bytes(valid_from, 4, true), false});
  }
  for (const auto& ad : heard) {
    needles.push_back({"heard RPI", Bytes(ad.rpi.begin(), ad.rpi.end())});
    needles.push_back({"heard AEM", Bytes(ad.aem.begin(), ad.aem.end())});
  }
  needles.push_back({"RSSI run", rssi_run(rssi)});
  for (std::int64_t t : scan_times) {
    needles.push_back({"scan time BE64", time_bytes(t, 8, true)});
    needles.push_back({"scan time BE32", time_bytes(t, 4, true)});
    needles.push_back({"scan time LE64", time_bytes(t, 8, false), false});
    needles.push_back({"scan time LE32", time_bytes(t, 4, false), false});
  }
  needles.push_back({"unfinished upload code", as_bytes(stored_code)});
  needles.push_back({"unfinished upload token", as_bytes(token)});
  // The check-in store seals with its own key in both runs.
  needles.push_back({"venue name", as_bytes(venue_name), false});
  const VenueLocationTag location_tag =
      venue_location_tag(venue_location_id(venue.raw_payload.span()));
  needles.push_back({"location tag", Bytes(location_tag.begin(), location_tag.end()), false});
  for (const auto& window : *windows) {
    needles.push_back({"exposure window scans", window_values(window)});
  }

  // Encrypted: no needle in any file of either phone. Control: every in_control needle in
  // some file of one of them.
  const auto scan_files = [&](const char* when) {
    CAPTURE(when);
    for (const auto& needle : needles) {
      CAPTURE(needle.what);
      bool found = false;
      for (const auto* db : {&me->path, &positive->path}) {
        for (const auto& file : database_files(*db)) {
          CAPTURE(file.string());
          const bool here = file_contains(file, needle.bytes);
          if (encrypted) CHECK_FALSE(here);
          found = found || here;
        }
      }
      if (!encrypted && needle.in_control) CHECK(found);
    }
  };
  scan_files("open");

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
  scan_files("closed");
}

}  // namespace
}  // namespace greenlight::upload_test
