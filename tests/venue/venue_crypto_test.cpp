#include "greenlight/crypto/venue_crypto.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "greenlight/crypto/aead.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

VenueLocationId id_of(std::string_view payload) { return venue_location_id(as_bytes(payload)); }

TEST_CASE("location id, tag and report key follow the documented derivation", "[venue]") {
  const std::string_view payload =
      "\x08\x01\x12\x03"
      "Bar";
  const VenueLocationId id = id_of(payload);
  CHECK(id.array() == sha256(as_bytes(std::string("GL-VENUE-ID") + std::string(payload))));
  CHECK(venue_location_tag(id) == sha256(id.span()));
  auto okm = hkdf_sha256(id.span(), {}, as_bytes(std::string_view("GL-VENUE-REPORT")), 32);
  REQUIRE(okm);
  CHECK(venue_report_key(id) == AeadKey::from_bytes(okm->span()).value());
}

TEST_CASE("report record encoding", "[venue]") {
  const VenueReportRecord record{{0x01020304}, 0x0090, 8};
  auto bytes = encode_venue_report_record(record);
  REQUIRE(bytes);
  const ByteArray<16> expected{1, 0x01, 0x02, 0x03, 0x04, 0x00, 0x90, 8, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(*bytes == expected);
  auto back = decode_venue_report_record(*bytes);
  REQUIRE(back);
  CHECK(*back == record);

  CHECK_FALSE(encode_venue_report_record({{1}, 0, 5}));
  CHECK_FALSE(encode_venue_report_record({{1}, kVenueReportMaxDurationIntervals + 1, 5}));
  CHECK_FALSE(encode_venue_report_record({{1}, 1, 0}));
  CHECK_FALSE(encode_venue_report_record({{1}, 1, 9}));
  CHECK(encode_venue_report_record({{1}, kVenueReportMaxDurationIntervals, 1}));

  ByteArray<16> bad = expected;
  bad[0] = 2;
  CHECK_FALSE(decode_venue_report_record(bad));
  bad = expected;
  bad[15] = 1;
  CHECK_FALSE(decode_venue_report_record(bad));
  CHECK_FALSE(decode_venue_report_record(ByteSpan(expected).first(15)));
}

TEST_CASE("sealed reports open only with the venue's location id", "[venue]") {
  SeededRandom rng(42);
  const VenueLocationId venue = id_of("venue A");
  const VenueLocationId other = id_of("venue B");
  const VenueReportRecord record{{2833200}, 12, 5};

  auto report = seal_venue_report(venue, record, rng);
  REQUIRE(report);
  CHECK(report->location_tag == venue_location_tag(venue));
  auto opened = open_venue_report(venue, *report);
  REQUIRE(opened);
  CHECK(*opened == record);

  SECTION("wrong location id") {
    auto r = open_venue_report(other, *report);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kAuthentication);
  }
  SECTION("tag binding: the ciphertext moved under another venue's tag") {
    SealedVenueReport moved = *report;
    moved.location_tag = venue_location_tag(other);
    CHECK_FALSE(open_venue_report(other, moved));
    CHECK_FALSE(open_venue_report(venue, moved));
  }
  SECTION("tag binding: the AAD is the tag") {
    // A report sealed by hand without the tag as AAD does not open.
    const AeadKey key = venue_report_key(venue);
    auto plain = encode_venue_report_record(record);
    REQUIRE(plain);
    SealedVenueReport no_aad = *report;
    auto ct = key.seal(no_aad.nonce, *plain, {});
    REQUIRE(ct);
    std::copy(ct->begin(), ct->end(), no_aad.ciphertext.begin());
    CHECK_FALSE(open_venue_report(venue, no_aad));
  }
  SECTION("every byte of nonce and ciphertext flipped") {
    for (std::size_t i = 0; i < kVenueReportNonceSize; ++i) {
      SealedVenueReport t = *report;
      t.nonce[i] ^= 0x01;
      CAPTURE(i);
      CHECK_FALSE(open_venue_report(venue, t));
    }
    for (std::size_t i = 0; i < kVenueReportCiphertextSize; ++i) {
      SealedVenueReport t = *report;
      t.ciphertext[i] ^= 0x80;
      CAPTURE(i);
      CHECK_FALSE(open_venue_report(venue, t));
    }
  }
  SECTION("fresh nonces: the same record seals differently") {
    auto again = seal_venue_report(venue, record, rng);
    REQUIRE(again);
    CHECK(again->nonce != report->nonce);
    CHECK(again->ciphertext != report->ciphertext);
    CHECK(again->location_tag == report->location_tag);
  }
  SECTION("invalid records are not sealed") {
    CHECK_FALSE(seal_venue_report(venue, {{1}, 0, 5}, rng));
  }
}

TEST_CASE("fake reports have the sizes of real ones and open for no venue", "[venue]") {
  SeededRandom rng(9);
  const SealedVenueReport fake = make_fake_venue_report(rng);
  const SealedVenueReport fake2 = make_fake_venue_report(rng);
  CHECK(fake.location_tag != fake2.location_tag);
  CHECK_FALSE(open_venue_report(id_of("venue A"), fake));
  // Sizes are fixed by the types; a real report has exactly the same shape.
  STATIC_REQUIRE(sizeof(fake.ciphertext) == kVenueReportRecordSize + kAeadTagSize);
}

// The two-party check (docs/venues.md "Two-party warnings"): each party alone, the poster
// plus either, and every tampering fail with a named verdict; both together pass.
TEST_CASE("venue warnings need the owner and the health authority", "[venue][security]") {
  SeededRandom rng(11);
  const VenueLocationId venue = id_of("venue payload");
  auto owner = Ed25519PrivateKey::generate();
  auto other_owner = Ed25519PrivateKey::generate();
  auto authority = EcdsaP256PrivateKey::generate();
  auto other_authority = EcdsaP256PrivateKey::generate();
  REQUIRE(owner);
  REQUIRE(other_owner);
  REQUIRE(authority);
  REQUIRE(other_authority);
  const std::optional<VenueOwnerPublicKey> owner_pk = owner->public_key().raw();
  const std::vector<EcdsaP256PublicKey> pinned = {authority->public_key()};
  const VenueReportRecord record{{2833000}, 6, 8};

  const auto sealed = [&](const Ed25519PrivateKey& o) {
    auto w = seal_venue_warning(venue, record, VenueWarningOrigin::kHostWarning, o, rng);
    REQUIRE(w);
    return *w;
  };
  const auto signed_by = [&](SealedVenueWarning w, const EcdsaP256PrivateKey& a) {
    REQUIRE(authorize_venue_warning(w, a));
    return w;
  };
  const auto verdict = [&](const SealedVenueWarning& w) {
    return check_venue_warning(venue, owner_pk, pinned, w).verdict;
  };

  const SealedVenueWarning both = signed_by(sealed(*owner), *authority);
  const auto ok = check_venue_warning(venue, owner_pk, pinned, both);
  REQUIRE(ok.verdict == VenueWarningVerdict::kAccepted);
  CHECK(ok.record == record);
  CHECK(ok.origin == VenueWarningOrigin::kHostWarning);
  CHECK(both.ciphertext.size() == kVenueWarningCiphertextSize);

  // Owner alone: no authority signature, or one by a key the phone does not pin.
  CHECK(verdict(sealed(*owner)) == VenueWarningVerdict::kNoAuthority);
  CHECK(verdict(signed_by(sealed(*owner), *other_authority)) == VenueWarningVerdict::kNoAuthority);
  CHECK(check_venue_warning(venue, owner_pk, {}, both).verdict ==
        VenueWarningVerdict::kNoAuthority);
  // Authority alone (with the poster, hence location_id): any owner key but the venue's.
  CHECK(verdict(signed_by(sealed(*other_owner), *authority)) ==
        VenueWarningVerdict::kBadOwnerSignature);
  // A legacy venue has no owner key: nothing is ever accepted for it.
  CHECK(check_venue_warning(venue, std::nullopt, pinned, both).verdict ==
        VenueWarningVerdict::kLegacyVenue);
  // A visitor report re-labelled as a warning does not decode as one.
  {
    auto report = seal_venue_report(venue, record, rng);
    REQUIRE(report);
    SealedVenueWarning w;
    w.location_tag = report->location_tag;
    w.nonce = report->nonce;
    std::copy(report->ciphertext.begin(), report->ciphertext.end(), w.ciphertext.begin());
    CHECK(verdict(signed_by(w, *authority)) == VenueWarningVerdict::kUndecryptable);
  }
  // Another venue's warning is not this venue's (no evidence: not about this venue).
  CHECK(check_venue_warning(id_of("other"), owner_pk, pinned, both).verdict ==
        VenueWarningVerdict::kNotThisVenue);
  // Every byte of the sealed part flipped after authorisation: the authority check fails.
  for (std::size_t i = 0; i < both.ciphertext.size(); i += 7) {
    SealedVenueWarning t = both;
    t.ciphertext[i] ^= 1;
    CAPTURE(i);
    CHECK(verdict(t) == VenueWarningVerdict::kNoAuthority);
  }
  {
    SealedVenueWarning t = both;
    t.nonce[0] ^= 1;
    CHECK(verdict(t) == VenueWarningVerdict::kNoAuthority);
    // Re-authorised by the authority (which cannot read it): the AEAD fails.
    CHECK(verdict(signed_by(t, *authority)) == VenueWarningVerdict::kUndecryptable);
  }
  for (const auto& name : {venue_warning_verdict_name(VenueWarningVerdict::kAccepted),
                           venue_warning_verdict_name(VenueWarningVerdict::kBadOwnerSignature)}) {
    CHECK_FALSE(name.empty());
  }
}

}  // namespace
}  // namespace greenlight
