#include "greenlight/crypto/log_leaf.h"

#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>
#include <vector>

#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

std::vector<LogLeaf> sample_leaves() {
  return {
      ExportBatchLeaf{sha256(as_bytes("zip")), 1764000000, 1764007200, 42, "DE"},
      ExportBatchLeaf{sha256(as_bytes("zip2")), 0, 0, 0, ""},
      VenueWarningBatchLeaf{sha256(as_bytes("venue")), 1764000000, 1764007200, 3},
      RiskConfigLeaf{sha256(as_bytes("config")), 7},
      SigningKeyChangeLeaf{sha256(as_bytes("spki")), SigningKeyPurpose::kExportSigning, "310",
                           "v1"},
      SigningKeyChangeLeaf{sha256(as_bytes("wit")), SigningKeyPurpose::kWitness, "", ""},
      VenueOwnerPolicyLeaf{sha256(as_bytes("policy")), "require", 1209600},
  };
}

}  // namespace

TEST_CASE("log leaves: the documented byte layout", "[log_leaf]") {
  const Sha256Digest h = sha256(as_bytes("zip"));
  const Bytes encoded =
      encode_log_leaf(ExportBatchLeaf{h, 0x0102030405060708, 0x1112131415161718, 0x21222324, "DE"})
          .value();
  Bytes expected{0x01, 0x01};
  expected.insert(expected.end(), h.begin(), h.end());
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{
           0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x11, 0x12, 0x13, 0x14,
           0x15, 0x16, 0x17, 0x18, 0x21, 0x22, 0x23, 0x24, 0x02, 'D',  'E'}) {
    expected.push_back(b);
  }
  CHECK(encoded == expected);
  CHECK(log_leaf_hash(encoded) == merkle_leaf_hash(expected));

  const Bytes key_change =
      encode_log_leaf(SigningKeyChangeLeaf{h, SigningKeyPurpose::kLogCheckpoint, "k", "v2"})
          .value();
  Bytes expected_kc{0x01, 0x04};
  expected_kc.insert(expected_kc.end(), h.begin(), h.end());
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{0x03, 0x01, 'k', 0x02, 'v', '2'})
    expected_kc.push_back(b);
  CHECK(key_change == expected_kc);

  const Bytes config = encode_log_leaf(RiskConfigLeaf{h, 5}).value();
  CHECK(config.size() == 2 + 32 + 8);
  CHECK(config[1] == 0x03);
  CHECK(config.back() == 5);
  const Bytes venue = encode_log_leaf(VenueWarningBatchLeaf{h, 1, 2, 3}).value();
  CHECK(venue.size() == 2 + 32 + 8 + 8 + 4);
  CHECK(venue[1] == 0x02);
  const Bytes policy = encode_log_leaf(VenueOwnerPolicyLeaf{h, "host-only", 3600}).value();
  CHECK(policy.size() == 2 + 32 + 1 + 9 + 8);
  CHECK(policy[1] == 0x05);
  CHECK(policy[34] == 9);
  CHECK(policy.back() == 0x10);  // 3600 = 0x0e10, big-endian
  CHECK(
      describe_log_leaf(VenueOwnerPolicyLeaf{h, "require", 60}).starts_with("VENUE_OWNER_POLICY"));
  CHECK_FALSE(encode_log_leaf(VenueOwnerPolicyLeaf{h, "bad\npolicy", 60}));
}

TEST_CASE("log leaves: round trip, kind and content hash", "[log_leaf]") {
  for (const LogLeaf& leaf : sample_leaves()) {
    CAPTURE(describe_log_leaf(leaf));
    const Bytes encoded = encode_log_leaf(leaf).value();
    auto decoded = decode_log_leaf(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == leaf);
    CHECK(encode_log_leaf(*decoded).value() == encoded);
    CHECK(log_leaf_kind(*decoded) == log_leaf_kind(leaf));
    CHECK(log_leaf_content_sha256(*decoded) == log_leaf_content_sha256(leaf));
  }
  CHECK(describe_log_leaf(sample_leaves()[0]) ==
        "EXPORT_BATCH sha256=" + to_hex(sha256(as_bytes("zip"))) +
            " window=[1764000000,1764007200) keys=42 region=DE");
}

TEST_CASE("log leaves: invalid values are not encoded", "[log_leaf]") {
  CHECK_FALSE(encode_log_leaf(ExportBatchLeaf{{}, 10, 9, 1, ""}));
  CHECK_FALSE(encode_log_leaf(VenueWarningBatchLeaf{{}, 10, 9, 1}));
  CHECK_FALSE(encode_log_leaf(ExportBatchLeaf{{}, 1, 2, 1, std::string(65, 'a')}));
  CHECK(encode_log_leaf(ExportBatchLeaf{{}, 1, 2, 1, std::string(64, 'a')}));
  CHECK_FALSE(encode_log_leaf(ExportBatchLeaf{{}, 1, 2, 1, "D\nE"}));
  CHECK_FALSE(
      encode_log_leaf(SigningKeyChangeLeaf{{}, SigningKeyPurpose::kWitness, "caf\xC3\xA9", ""}));
  CHECK_FALSE(encode_log_leaf(SigningKeyChangeLeaf{{}, static_cast<SigningKeyPurpose>(9), "", ""}));
}

TEST_CASE("log leaves: decoding is strict", "[log_leaf]") {
  for (const LogLeaf& leaf : sample_leaves()) {
    const Bytes encoded = encode_log_leaf(leaf).value();
    CAPTURE(describe_log_leaf(leaf));
    for (std::size_t n = 0; n < encoded.size(); ++n) {
      CHECK_FALSE(decode_log_leaf(ByteSpan(encoded).first(n)));  // every truncation
    }
    Bytes longer = encoded;
    longer.push_back(0);
    CHECK_FALSE(decode_log_leaf(longer));
    Bytes version = encoded;
    version[0] = 2;
    CHECK_FALSE(decode_log_leaf(version));
  }
  Bytes unknown_kind = encode_log_leaf(sample_leaves()[3]).value();
  unknown_kind[1] = 9;
  CHECK_FALSE(decode_log_leaf(unknown_kind));
  Bytes swapped_window = encode_log_leaf(sample_leaves()[0]).value();
  std::swap_ranges(swapped_window.begin() + 34, swapped_window.begin() + 42,
                   swapped_window.begin() + 42);
  CHECK_FALSE(decode_log_leaf(swapped_window));
  Bytes bad_purpose = encode_log_leaf(sample_leaves()[4]).value();
  bad_purpose[34] = 0;
  CHECK_FALSE(decode_log_leaf(bad_purpose));

  SeededRandom rng(5);
  for (int i = 0; i < 5000; ++i) {
    Bytes junk(rng.uniform(80));
    rng.fill(junk);
    if (!junk.empty()) junk[0] = 1;
    if (junk.size() > 1) junk[1] = static_cast<std::uint8_t>(1 + rng.uniform(4));
    auto decoded = decode_log_leaf(junk);
    if (decoded) CHECK(encode_log_leaf(*decoded).value() == junk);  // canonical
  }
}

}  // namespace greenlight
