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
  auto owner = Ed25519PrivateKey::generate();
  REQUIRE(owner);
  auto authority = EcdsaP256PrivateKey::generate();
  REQUIRE(authority);
  for (std::size_t i = 0; i < n; ++i) {
    auto w = seal_venue_warning(id, {{2833000 + static_cast<std::uint32_t>(i)}, 6, 4},
                                VenueWarningOrigin::kHostWarning, *owner, rng);
    REQUIRE(w);
    REQUIRE(authorize_venue_warning(*w, *authority));
    batch.warnings.push_back(*w);
  }
  return batch;
}

std::vector<SealedVenueReport> sample_reports(RandomSource& rng, std::size_t n) {
  const VenueLocationId id = venue_location_id(as_bytes(std::string_view("venue")));
  std::vector<SealedVenueReport> out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      auto r = seal_venue_report(id, {{2833000 + static_cast<std::uint32_t>(i)}, 6, 4}, rng);
      REQUIRE(r);
      out.push_back(*r);
    } else {
      out.push_back(make_fake_venue_report(rng));
    }
  }
  return out;
}

TEST_CASE("venue warning files round-trip and verify", "[venue]") {
  SeededRandom rng(1);
  const Keys keys = make_keys("310");
  const VenueWarningBatch batch = sample_batch(rng, 9);
  auto file = write_venue_warning_file(batch, {keys.signer});
  REQUIRE(file);
  REQUIRE(file->size() > kVenueWarningHeaderSize);
  CHECK(std::memcmp(file->data(), "GL Venue v2     ", 16) == 0);

  auto read = read_venue_warning_file(*file, keys.trusted);
  REQUIRE(read);
  CHECK(read->batch.start_timestamp == batch.start_timestamp);
  CHECK(read->batch.end_timestamp == batch.end_timestamp);
  CHECK(read->batch.region == "CH");
  CHECK(read->batch.batch_num == 3);
  CHECK(read->batch.warnings == batch.warnings);
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
  const auto reports = sample_reports(rng, 5);
  auto bytes = encode_venue_report_upload(reports);
  REQUIRE(bytes);
  auto back = decode_venue_report_upload(*bytes);
  REQUIRE(back);
  CHECK(*back == reports);

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

TEST_CASE("venue warnings on the wire: 140 bytes submitted, 204 stored, sizes checked", "[venue]") {
  SeededRandom rng(4);
  const VenueWarningBatch batch = sample_batch(rng, 1);
  const SealedVenueWarning& w = batch.warnings.front();
  const auto submitted = venue_warning_to_bytes(w);
  CHECK(submitted.size() == 140);
  auto back = venue_warning_from_bytes(submitted);
  REQUIRE(back);
  CHECK(back->ciphertext == w.ciphertext);
  CHECK(back->authority_signature == ByteArray<64>{});  // the server adds it
  const Bytes stored = venue_warning_to_stored_bytes(w);
  CHECK(stored.size() == 204);
  auto full = venue_warning_from_bytes(stored);
  REQUIRE(full);
  CHECK(*full == w);
  CHECK_FALSE(venue_warning_from_bytes(ByteSpan(stored).first(203)));
  auto b64 = venue_warning_from_base64(venue_warning_to_base64(w));
  REQUIRE(b64);
  CHECK(b64->ciphertext == w.ciphertext);
  CHECK_FALSE(venue_warning_from_base64(venue_report_to_base64(make_fake_venue_report(rng))));
  // The host MAC binds the venue's tag only.
  const Bytes key(32, 9);
  CHECK(venue_host_mac(key, w.location_tag) == venue_host_mac(key, w.location_tag));
  VenueLocationTag other = w.location_tag;
  other[0] ^= 1;
  CHECK_FALSE(venue_host_mac(key, w.location_tag) == venue_host_mac(key, other));

  // A published report with a wrong-size signature, or a visitor-sized ciphertext, is
  // rejected by the reader.
  const Keys keys = make_keys("310");
  const auto file_with = [&](std::size_t ct, std::size_t sig) {
    test::ProtoBytes report;
    report.bytes_field(1, Bytes(32, 1))
        .bytes_field(2, Bytes(12, 2))
        .bytes_field(3, Bytes(ct, 3))
        .bytes_field(4, Bytes(sig, 4));
    test::ProtoBytes b;
    b.uint_field(1, 1).uint_field(2, 2).bytes_field(5, report.bytes());
    auto signature = keys.signer.private_key.sign(b.bytes());
    REQUIRE(signature);
    test::ProtoBytes sigmsg;
    sigmsg.bytes_field(1, as_bytes(std::string_view("310")))
        .bytes_field(2, as_bytes(std::string_view("v1")))
        .bytes_field(3, *signature);
    test::ProtoBytes signed_msg;
    signed_msg.bytes_field(1, b.bytes()).bytes_field(2, sigmsg.bytes());
    Bytes file(kVenueWarningHeader, kVenueWarningHeader + kVenueWarningHeaderSize);
    const Bytes body = signed_msg.bytes();
    file.insert(file.end(), body.begin(), body.end());
    return file;
  };
  CHECK(read_venue_warning_file(file_with(96, 64), keys.trusted));
  CHECK_FALSE(read_venue_warning_file(file_with(32, 64), keys.trusted));
  CHECK_FALSE(read_venue_warning_file(file_with(96, 0), keys.trusted));
  CHECK_FALSE(read_venue_warning_file(file_with(96, 63), keys.trusted));
}

// The fuzz seed was written independently (protobuf by hand in Python, signed with the
// openssl CLI; three warnings of random bytes):
// it checks the file layout against another encoder and keeps the seed on the verified path.
TEST_CASE("an independently written venue warning file verifies", "[venue]") {
  std::ifstream in(std::string(GREENLIGHT_TEST_DATA_DIR) + "/fuzz/venue_warning/signed.bin",
                   std::ios::binary);
  REQUIRE(in);
  const Bytes file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto der = base64_decode(
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpBzXuDqhVSYQxQby2qrKJIpGtXvNDjeXEjkKfdNLzeXilBRrDLRNzP"
      "eauedO2Wn/IW1vDYt5tG7D9Rl7W/wRUg==");
  REQUIRE(der);
  auto key = EcdsaP256PublicKey::from_spki_der(*der);
  REQUIRE(key);
  auto read = read_venue_warning_file(file, {TrustedSigningKey{"fuzz", "v1", *key}});
  REQUIRE(read);
  CHECK(read->batch.start_timestamp == 1764000000);
  CHECK(read->batch.end_timestamp == 1764003600);
  CHECK(read->batch.region == "GL");
  CHECK(read->batch.warnings.size() == 3);
}

}  // namespace
}  // namespace greenlight::wire
