#include "greenlight/wire/venue.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/venue_crypto.h"
#include "proto_bytes.h"

namespace greenlight::wire {
namespace {

using test::ProtoBytes;

// An Ed25519 public key (made with `openssl genpkey -algorithm ed25519`).
Bytes owner_key_bytes() {
  auto key = from_hex("0769bacab58eae97cf177d7d231d4b8de1880c74af03d3dcc0e249d2ea620854");
  REQUIRE(key);
  return *key;
}

// The fields of a payload as they go on the wire; std::nullopt = field omitted.
struct RawFields {
  std::optional<std::uint64_t> version = 2;
  std::optional<std::string> description = "Café Zürich";
  std::optional<std::string> address = "Bahnhofstrasse 1, 8001 Zürich";
  std::optional<std::uint64_t> venue_type = 2;
  std::optional<std::uint64_t> minutes = 90;
  std::optional<Bytes> seed = Bytes(32, 0x5a);
  std::optional<std::uint64_t> valid_from = 1700000000;
  std::optional<std::uint64_t> valid_until = 1800000000;
  std::optional<Bytes> owner_key = owner_key_bytes();
};

Bytes encode_fields(const RawFields& f) {
  ProtoBytes p;
  if (f.version) p.uint_field(1, *f.version);
  if (f.description) p.string_field(2, *f.description);
  if (f.address) p.string_field(3, *f.address);
  if (f.venue_type) p.uint_field(4, *f.venue_type);
  if (f.minutes) p.uint_field(5, *f.minutes);
  if (f.seed) p.bytes_field(6, *f.seed);
  if (f.valid_from) p.uint_field(7, *f.valid_from);
  if (f.valid_until) p.uint_field(8, *f.valid_until);
  if (f.owner_key) p.bytes_field(9, *f.owner_key);
  return p.bytes();
}

VenuePayload sample_payload() {
  VenuePayload p;
  p.description = "Café Zürich";
  p.address = "Bahnhofstrasse 1, 8001 Zürich";
  p.type = VenueType::kFoodService;
  p.default_checkin_minutes = 90;
  p.seed = SecretArray<32>(ByteArray<32>{});
  for (std::size_t i = 0; i < 32; ++i) p.seed.data()[i] = 0x5a;
  p.valid_from = 1700000000;
  p.valid_until = 1800000000;
  VenueOwnerPublicKey key{};
  const Bytes raw = owner_key_bytes();
  std::copy(raw.begin(), raw.end(), key.begin());
  p.owner_public_key = key;
  return p;
}

TEST_CASE("encode_venue_payload writes the canonical protobuf encoding", "[venue]") {
  auto encoded = encode_venue_payload(sample_payload());
  REQUIRE(encoded);
  CHECK(*encoded == encode_fields(RawFields{}));

  auto decoded = decode_venue_payload(*encoded);
  REQUIRE(decoded);
  CHECK(decoded->description == "Café Zürich");
  CHECK(decoded->address == "Bahnhofstrasse 1, 8001 Zürich");
  CHECK(decoded->type == VenueType::kFoodService);
  CHECK(decoded->default_checkin_minutes == 90);
  CHECK(decoded->seed == sample_payload().seed);
  CHECK(decoded->valid_from == 1700000000);
  CHECK(decoded->valid_until == 1800000000);
}

TEST_CASE("default values are omitted, so a payload has one encoding", "[venue]") {
  VenuePayload p = sample_payload();
  p.address.clear();
  p.type = VenueType::kOther;
  p.valid_from = 0;
  p.valid_until = 0;
  RawFields f;
  f.address.reset();
  f.venue_type.reset();
  f.valid_from.reset();
  f.valid_until.reset();
  auto encoded = encode_venue_payload(p);
  REQUIRE(encoded);
  CHECK(*encoded == encode_fields(f));
  CHECK(decode_venue_payload(*encoded));

  // The same content with an explicitly encoded default is another byte string: rejected.
  ProtoBytes explicit_default;
  explicit_default.raw(encode_fields(f)).uint_field(7, 0);
  auto decoded = decode_venue_payload(explicit_default.bytes());
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().message.find("canonical") != std::string::npos);
}

TEST_CASE("non-canonical encodings are rejected, not re-encoded", "[venue]") {
  const Bytes canonical = encode_fields(RawFields{});
  REQUIRE(decode_venue_payload(canonical));

  SECTION("fields out of order") {
    RawFields f;
    f.version.reset();
    ProtoBytes p;
    p.raw(encode_fields(f)).uint_field(1, 1);
    CHECK_FALSE(decode_venue_payload(p.bytes()));
  }
  SECTION("a field repeated (last one wins in protobuf)") {
    ProtoBytes p;
    p.raw(canonical).uint_field(5, 90);
    CHECK_FALSE(decode_venue_payload(p.bytes()));
  }
  SECTION("an overlong varint") {
    RawFields f;
    f.minutes.reset();
    f.seed.reset();
    f.valid_from.reset();
    f.valid_until.reset();
    ProtoBytes p;
    p.raw(encode_fields(f)).key(5, 0).overlong_varint(90, 3);
    p.bytes_field(6, Bytes(32, 0x5a)).uint_field(7, 1700000000).uint_field(8, 1800000000);
    p.bytes_field(9, owner_key_bytes());
    CHECK_FALSE(decode_venue_payload(p.bytes()));
  }
  SECTION("an unknown field, at the end or in the middle") {
    ProtoBytes end;
    end.raw(canonical).uint_field(10, 1);
    auto r = decode_venue_payload(end.bytes());
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("unknown") != std::string::npos);
    ProtoBytes middle;
    RawFields f;
    middle.uint_field(1, 1).string_field(15, "x");
    f.version.reset();
    middle.raw(encode_fields(f));
    CHECK_FALSE(decode_venue_payload(middle.bytes()));
  }
  SECTION("a known field with the wrong wire type") {
    RawFields f;
    f.minutes.reset();
    ProtoBytes p;
    p.raw(encode_fields(f)).string_field(5, "90");
    CHECK_FALSE(decode_venue_payload(p.bytes()));
  }
  SECTION("trailing garbage") {
    Bytes b = canonical;
    b.push_back(0);
    CHECK_FALSE(decode_venue_payload(b));
  }
  SECTION("truncation at every length") {
    // Always rejected: the owner key (field 9) comes last, and a version-2 payload without
    // it is invalid, so no cut leaves a shorter valid venue.
    for (std::size_t n = 0; n < canonical.size(); ++n) {
      CAPTURE(n);
      CHECK_FALSE(decode_venue_payload(ByteSpan(canonical).first(n)));
    }
  }
}

TEST_CASE("field rules", "[venue]") {
  struct Case {
    const char* name;
    RawFields fields;
  };
  auto with = [](auto mutate) {
    RawFields f;
    mutate(f);
    return f;
  };
  const Case cases[] = {
      {"version 3", with([](RawFields& f) { f.version = 3; })},
      {"version 2 without owner key", with([](RawFields& f) { f.owner_key.reset(); })},
      {"owner key 31 bytes", with([](RawFields& f) { f.owner_key = Bytes(31, 7); })},
      {"owner key 33 bytes", with([](RawFields& f) { f.owner_key = Bytes(33, 7); })},
      {"version 1 with an owner key", with([](RawFields& f) { f.version = 1; })},
      {"version 0 (omitted)", with([](RawFields& f) { f.version.reset(); })},
      {"seed 31 bytes", with([](RawFields& f) { f.seed = Bytes(31, 1); })},
      {"seed 33 bytes", with([](RawFields& f) { f.seed = Bytes(33, 1); })},
      {"seed missing", with([](RawFields& f) { f.seed.reset(); })},
      {"empty description", with([](RawFields& f) { f.description.reset(); })},
      {"description 101 characters",
       with([](RawFields& f) { f.description = std::string(101, 'a'); })},
      {"address 101 characters", with([](RawFields& f) { f.address = std::string(101, 'a'); })},
      {"newline in description", with([](RawFields& f) { f.description = "Bar\nPay here"; })},
      {"bidi override in description", with([](RawFields& f) {
         f.description =
             "Bar \xE2\x80\xAE"
             "evil";
       })},
      {"C1 control in address", with([](RawFields& f) {
         f.address =
             "a\xC2\x85"
             "b";
       })},
      {"invalid UTF-8", with([](RawFields& f) { f.description = "Caf\xE9"; })},
      {"overlong UTF-8", with([](RawFields& f) { f.description = "\xC0\xAF"; })},
      {"UTF-8 surrogate", with([](RawFields& f) { f.description = "\xED\xA0\x80"; })},
      {"unknown venue type", with([](RawFields& f) { f.venue_type = kMaxVenueType + 1; })},
      {"0 minutes", with([](RawFields& f) { f.minutes.reset(); })},
      {"1441 minutes", with([](RawFields& f) { f.minutes = 1441; })},
      {"valid_from == valid_until", with([](RawFields& f) { f.valid_until = f.valid_from; })},
      {"valid_from > valid_until", with([](RawFields& f) { f.valid_from = *f.valid_until + 1; })},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto decoded = decode_venue_payload(encode_fields(c.fields));
    CHECK_FALSE(decoded);
    if (!decoded) CHECK(decoded.error().code == ErrorCode::kInvalidArgument);
  }

  // The same rules guard encoding.
  VenuePayload p = sample_payload();
  p.description = std::string(101, 'a');
  CHECK_FALSE(encode_venue_payload(p));
  p = sample_payload();
  p.version = 3;
  CHECK_FALSE(encode_venue_payload(p));
  p = sample_payload();
  p.owner_public_key.reset();
  CHECK_FALSE(encode_venue_payload(p));
  p.version = kVenuePayloadLegacyVersion;
  CHECK(encode_venue_payload(p));

  // Limits are inclusive: 100 characters (multi-byte) and 1440 minutes are accepted.
  RawFields edge;
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "\xC3\xA9";  // é
  edge.description = hundred;
  edge.address = hundred;
  edge.minutes = 1440;
  edge.venue_type = kMaxVenueType;
  CHECK(decode_venue_payload(encode_fields(edge)));
}

TEST_CASE("oversized payloads are rejected before parsing", "[venue]") {
  Bytes big(kMaxVenuePayloadBytes + 1, 0);
  auto r = decode_venue_payload(big);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kResourceExhausted);
}

TEST_CASE("venue URLs", "[venue]") {
  auto raw = encode_venue_payload(sample_payload());
  REQUIRE(raw);
  auto url = venue_url(kDefaultVenueBaseUrl, *raw);
  REQUIRE(url);
  CHECK(*url == std::string(kDefaultVenueBaseUrl) + "#" + base64url_encode(*raw));

  auto scanned = parse_venue_url(*url);
  REQUIRE(scanned);
  CHECK(scanned->payload.description == "Café Zürich");
  CHECK(Bytes(scanned->raw_payload.span().begin(), scanned->raw_payload.span().end()) == *raw);

  // location_id = SHA-256("GL-VENUE-ID" || raw), location_tag = SHA-256(location_id).
  std::string preimage = "GL-VENUE-ID";
  preimage.append(as_string_view(*raw));
  CHECK(scanned->location_id.array() == sha256(as_bytes(preimage)));
  CHECK(scanned->location_tag == sha256(sha256(as_bytes(preimage))));

  const std::string fragment = base64url_encode(*raw);
  CHECK_FALSE(parse_venue_url("https://greenlight.example/v1/venue"));            // no fragment
  CHECK_FALSE(parse_venue_url("ftp://greenlight.example/v1/venue#" + fragment));  // scheme
  CHECK_FALSE(parse_venue_url("https://green light.example/#" + fragment));       // space
  CHECK_FALSE(parse_venue_url(*url + "="));                                       // padding
  CHECK_FALSE(parse_venue_url(*url + "#"));                                       // second '#'
  if (base64_encode(*raw) != fragment) {  // standard alphabet or padding
    CHECK_FALSE(parse_venue_url(std::string(kDefaultVenueBaseUrl) + "#" + base64_encode(*raw)));
  }
  CHECK_FALSE(parse_venue_url(std::string(kMaxVenueUrlBytes + 1, 'a')));
  CHECK_FALSE(venue_url("https://x.example/#frag", *raw));
  CHECK_FALSE(venue_url(kDefaultVenueBaseUrl, Bytes{1, 2, 3}));

  // A base64url text with non-zero unused bits decodes to the same bytes in a lenient
  // decoder; it is another QR code and must be rejected.
  std::string tweaked = fragment;
  if (raw->size() % 3 != 0) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::size_t pos = kAlphabet.find(tweaked.back());
    tweaked.back() = kAlphabet[pos ^ 1];
    CHECK_FALSE(parse_venue_url(std::string(kDefaultVenueBaseUrl) + "#" + tweaked));
  }
}

TEST_CASE("new_venue draws the seed and the owner key from the RNG", "[venue]") {
  VenueInfo info;
  info.description = "Library";
  SeededRandom a(1), b(1), c(2);
  auto pa = new_venue(info, a);
  auto pb = new_venue(info, b);
  auto pc = new_venue(info, c);
  REQUIRE(pa);
  REQUIRE(pb);
  REQUIRE(pc);
  CHECK(pa->payload.seed == pb->payload.seed);
  CHECK_FALSE(pa->payload.seed == pc->payload.seed);
  CHECK(pa->payload.version == kVenuePayloadVersion);
  REQUIRE(pa->payload.owner_public_key);
  CHECK(*pa->payload.owner_public_key != *pc->payload.owner_public_key);
  // The public half is in the payload; the private half only in owner_seed.
  auto owner = venue_owner_key(pa->owner_seed);
  REQUIRE(owner);
  CHECK(owner->public_key().raw() == *pa->payload.owner_public_key);
  auto raw = encode_venue_payload(pa->payload);
  REQUIRE(raw);
  const std::string_view text(reinterpret_cast<const char*>(raw->data()), raw->size());
  CHECK(text.find(std::string_view(reinterpret_cast<const char*>(pa->owner_seed.data()), 32)) ==
        std::string_view::npos);
  info.description.clear();
  CHECK_FALSE(new_venue(info, a));
}

TEST_CASE("legacy version-1 payloads (no owner key) still decode", "[venue]") {
  RawFields f;
  f.version = 1;
  f.owner_key.reset();
  auto decoded = decode_venue_payload(encode_fields(f));
  REQUIRE(decoded);
  CHECK(decoded->version == kVenuePayloadLegacyVersion);
  CHECK_FALSE(decoded->owner_public_key);
  auto again = encode_venue_payload(*decoded);
  REQUIRE(again);
  CHECK(*again == encode_fields(f));
}

TEST_CASE("validity window", "[venue]") {
  const VenuePayload p = sample_payload();
  CHECK(check_venue_validity(p, 1700000000));
  CHECK(check_venue_validity(p, 1799999999));
  CHECK(check_venue_validity(p, 1699999999).error().code == ErrorCode::kFailedPrecondition);
  CHECK(check_venue_validity(p, 1800000000).error().code == ErrorCode::kFailedPrecondition);
  VenuePayload open = p;
  open.valid_from = open.valid_until = 0;
  CHECK(check_venue_validity(open, 0));
  CHECK(check_venue_validity(open, 4000000000));
}

// A24: an edited or overlaid QR code (any one field changed) is another venue: its
// location_id differs, so the genuine venue's warnings never open under it.
TEST_CASE("a mutated QR code never matches the genuine warning (A24)", "[venue][security]") {
  const Bytes genuine = encode_fields(RawFields{});
  auto venue = scan_venue_payload(genuine);
  REQUIRE(venue);
  SeededRandom rng(7);
  auto warning = seal_venue_report(venue->location_id, {{2833000}, 6, 5}, rng);
  REQUIRE(warning);
  REQUIRE(open_venue_report(venue->location_id, *warning));

  auto check_mutant = [&](const Bytes& mutant) {
    auto scanned = scan_venue_payload(mutant);
    if (!scanned) return;  // rejected outright: never stored, never matches
    CHECK_FALSE(scanned->location_id == venue->location_id);
    CHECK(scanned->location_tag != venue->location_tag);
    CHECK_FALSE(open_venue_report(scanned->location_id, *warning));
  };

  SECTION("each field changed") {
    const RawFields mutants[] = {
        [] {
          RawFields f;
          f.description = "Cafe Zurich";
          return f;
        }(),
        [] {
          RawFields f;
          f.address = "Bahnhofstrasse 2, 8001 Zürich";
          return f;
        }(),
        [] {
          RawFields f;
          f.venue_type = 3;
          return f;
        }(),
        [] {
          RawFields f;
          f.minutes = 91;
          return f;
        }(),
        [] {
          RawFields f;
          f.seed->back() ^= 1;
          return f;
        }(),
        [] {
          RawFields f;
          f.valid_from = 1700000001;
          return f;
        }(),
        [] {
          RawFields f;
          f.valid_until = 1800000001;
          return f;
        }(),
        [] {
          RawFields f;
          f.valid_from.reset();
          f.valid_until.reset();
          return f;
        }(),
    };
    for (const auto& m : mutants) {
      const Bytes mutant = encode_fields(m);
      REQUIRE(scan_venue_payload(mutant));  // still a valid venue, just another one
      check_mutant(mutant);
    }
  }
  SECTION("every single-bit flip of the payload") {
    for (std::size_t i = 0; i < genuine.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes mutant = genuine;
        mutant[i] ^= static_cast<std::uint8_t>(1u << bit);
        CAPTURE(i, bit);
        check_mutant(mutant);
      }
    }
  }
}

TEST_CASE("venue type names round-trip", "[venue]") {
  for (std::uint32_t i = 0; i <= kMaxVenueType; ++i) {
    const auto type = static_cast<VenueType>(i);
    auto back = venue_type_from_name(venue_type_name(type));
    REQUIRE(back);
    CHECK(*back == type);
  }
  CHECK_FALSE(venue_type_from_name("bar"));
}

}  // namespace
}  // namespace greenlight::wire
