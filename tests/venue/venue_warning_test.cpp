#include "greenlight/wire/venue_warning.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>

#include "greenlight/crypto/random.h"
#include "proto_bytes.h"

namespace greenlight::wire {
namespace {

struct Keys {
  ExportSigner signer;
  std::vector<TrustedSigningKey> trusted;
};

Keys make_keys(const char* id) {
  auto key = EcdsaP256PrivateKey::generate();
  REQUIRE(key);
  SignatureInfo info;
  info.verification_key_id = id;
  info.verification_key_version = "v1";
  Keys keys{ExportSigner{info, *key}, {}};
  keys.trusted.push_back(TrustedSigningKey{id, "v1", key->public_key()});
  return keys;
}

VenueWarningBatch sample_batch(RandomSource& rng, std::size_t n) {
  VenueWarningBatch batch;
  batch.start_timestamp = 1700000000;
  batch.end_timestamp = 1700007200;
  batch.region = "CH";
  batch.batch_num = 3;
  const VenueLocationId id = venue_location_id(as_bytes(std::string_view("venue")));
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      auto r = seal_venue_report(id, {{2833000 + static_cast<std::uint32_t>(i)}, 6, 4}, rng);
      REQUIRE(r);
      batch.reports.push_back(*r);
    } else {
      batch.reports.push_back(make_fake_venue_report(rng));
    }
  }
  return batch;
}

TEST_CASE("venue warning files round-trip and verify", "[venue]") {
  SeededRandom rng(1);
  const Keys keys = make_keys("310");
  const VenueWarningBatch batch = sample_batch(rng, 9);
  auto file = write_venue_warning_file(batch, {keys.signer});
  REQUIRE(file);
  REQUIRE(file->size() > kVenueWarningHeaderSize);
  CHECK(std::memcmp(file->data(), "GL Venue v1     ", 16) == 0);

  auto read = read_venue_warning_file(*file, keys.trusted);
  REQUIRE(read);
  CHECK(read->batch.start_timestamp == batch.start_timestamp);
  CHECK(read->batch.end_timestamp == batch.end_timestamp);
  CHECK(read->batch.region == "CH");
  CHECK(read->batch.batch_num == 3);
  CHECK(read->batch.reports == batch.reports);
  CHECK(read->file_sha256 == sha256(*file));
  CHECK(read->signed_by.verification_key_id == "310");

  SECTION("an untrusted key is rejected") {
    const Keys other = make_keys("310");
    auto r = read_venue_warning_file(*file, other.trusted);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kAuthentication);
  }
  SECTION("no trusted keys at all") { CHECK_FALSE(read_venue_warning_file(*file, {})); }
  SECTION("every byte flipped is rejected") {
    for (std::size_t i = 0; i < file->size(); ++i) {
      Bytes t = *file;
      t[i] ^= 0x01;
      CAPTURE(i);
      CHECK_FALSE(read_venue_warning_file(t, keys.trusted));
    }
  }
  SECTION("truncated files are rejected") {
    for (std::size_t n = 0; n < file->size(); n += 7) {
      CAPTURE(n);
      CHECK_FALSE(read_venue_warning_file(ByteSpan(*file).first(n), keys.trusted));
    }
  }
  SECTION("size caps") {
    VenueWarningReadLimits small;
    small.max_reports = 8;
    auto r = read_venue_warning_file(*file, keys.trusted, small);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kResourceExhausted);
    small = {};
    small.max_file_bytes = file->size() - 1;
    CHECK_FALSE(read_venue_warning_file(*file, keys.trusted, small));
  }
}

TEST_CASE("a second signer (key rotation) is accepted", "[venue]") {
  SeededRandom rng(2);
  const Keys old_keys = make_keys("310");
  const Keys new_keys = make_keys("311");
  auto file = write_venue_warning_file(sample_batch(rng, 2), {old_keys.signer, new_keys.signer});
  REQUIRE(file);
  CHECK(read_venue_warning_file(*file, old_keys.trusted));
  auto r = read_venue_warning_file(*file, new_keys.trusted);
  REQUIRE(r);
  CHECK(r->signed_by.verification_key_id == "311");
  CHECK_FALSE(write_venue_warning_file(sample_batch(rng, 1), {}));
}

TEST_CASE("venue report uploads", "[venue]") {
  SeededRandom rng(3);
  const VenueWarningBatch batch = sample_batch(rng, 5);
  auto bytes = encode_venue_report_upload(batch.reports);
  REQUIRE(bytes);
  auto back = decode_venue_report_upload(*bytes);
  REQUIRE(back);
  CHECK(*back == batch.reports);

  CHECK_FALSE(decode_venue_report_upload(*bytes, 4));

  // Hand-made reports with one field of the wrong size.
  auto one_report = [](std::size_t tag, std::size_t nonce, std::size_t ct) {
    test::ProtoBytes report;
    report.bytes_field(1, Bytes(tag, 1))
        .bytes_field(2, Bytes(nonce, 2))
        .bytes_field(3, Bytes(ct, 3));
    test::ProtoBytes upload;
    upload.bytes_field(1, report.bytes());
    return upload.bytes();
  };
  CHECK(decode_venue_report_upload(one_report(32, 12, 32)));
  CHECK_FALSE(decode_venue_report_upload(one_report(31, 12, 32)));
  CHECK_FALSE(decode_venue_report_upload(one_report(32, 16, 32)));
  CHECK_FALSE(decode_venue_report_upload(one_report(32, 12, 33)));
  test::ProtoBytes unknown;
  unknown.raw(one_report(32, 12, 32)).uint_field(2, 1);
  CHECK_FALSE(decode_venue_report_upload(unknown.bytes()));
  CHECK_FALSE(decode_venue_report_upload(Bytes{0xff, 0xff}));

  std::vector<SealedVenueReport> too_many(kMaxVenueReportsPerUpload + 1);
  CHECK_FALSE(encode_venue_report_upload(too_many));
}

// The fuzz seed was written independently (protobuf by hand, signed with the openssl CLI):
// it checks the file layout against another encoder and keeps the seed on the verified path.
TEST_CASE("an independently written venue warning file verifies", "[venue]") {
  std::ifstream in(std::string(GREENLIGHT_TEST_DATA_DIR) + "/fuzz/venue_warning/signed.bin",
                   std::ios::binary);
  REQUIRE(in);
  const Bytes file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto der = base64_decode(
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEK60IN7RiCHe2HF5K0nBMFs82b0AlF177mzwULgp62jTuTGmfiGnelL"
      "sZ6vioNC/BDd0TGezJWUtMbY82D7xc7A==");
  REQUIRE(der);
  auto key = EcdsaP256PublicKey::from_spki_der(*der);
  REQUIRE(key);
  auto read = read_venue_warning_file(file, {TrustedSigningKey{"fuzz", "v1", *key}});
  REQUIRE(read);
  CHECK(read->batch.start_timestamp == 1764000000);
  CHECK(read->batch.end_timestamp == 1764003600);
  CHECK(read->batch.region == "GL");
  CHECK(read->batch.reports.size() == 3);
}

}  // namespace
}  // namespace greenlight::wire
