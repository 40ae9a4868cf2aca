#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "greenlight/proto/venue.pb.h"
#include "greenlight/wire/venue.h"

namespace greenlight::wire {
namespace {

// Unknown fields survive parsing and re-encoding in proto3; a strict reader rejects them.
bool has_no_unknown_fields(const google::protobuf::Message& msg) {
  return msg.GetReflection()->GetUnknownFields(msg).empty();
}

constexpr std::array<std::string_view, kMaxVenueType + 1> kVenueTypeNames = {
    "other",         "retail",          "food_service",   "workplace",
    "education",     "public_building", "cultural_event", "club_activity",
    "private_event", "worship_service", "health_care",    "transport",
};

// Decodes one UTF-8 sequence at text[pos]; returns the code point and advances pos, or
// returns -1 for an invalid, overlong or surrogate sequence.
long next_code_point(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(pos);
  std::size_t len = 0;
  long cp = 0;
  long min = 0;
  if (b0 < 0x80) {
    ++pos;
    return b0;
  } else if ((b0 & 0xe0) == 0xc0) {
    len = 2, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (pos + len > text.size()) return -1;
  for (std::size_t i = 1; i < len; ++i) {
    const unsigned char b = byte(pos + i);
    if ((b & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  pos += len;
  return cp;
}

// Characters that could make a poster or a phone screen show something other than the
// text: C0/C1 controls (including line breaks), DEL, line/paragraph separators and the
// bidirectional embedding/override/isolate controls.
bool is_forbidden_code_point(long cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

Status validate_text(std::string_view field, std::string_view text, std::size_t min_chars,
                     std::size_t max_chars) {
  std::size_t chars = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t at = pos;
    const long cp = next_code_point(text, pos);
    if (cp < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(field) + " is not valid UTF-8 at byte " + std::to_string(at));
    }
    if (is_forbidden_code_point(cp)) {
      return make_error(
          ErrorCode::kInvalidArgument,
          std::string(field) + " contains a control character at byte " + std::to_string(at));
    }
    ++chars;
  }
  if (chars < min_chars || chars > max_chars) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(field) + " must have " + std::to_string(min_chars) + ".." +
                          std::to_string(max_chars) + " characters, got " + std::to_string(chars));
  }
  return ok();
}

proto::VenuePayload to_proto(const VenuePayload& payload) {
  proto::VenuePayload msg;
  msg.set_version(payload.version);
  msg.set_description(payload.description);
  msg.set_address(payload.address);
  msg.set_venue_type(static_cast<std::uint32_t>(payload.type));
  msg.set_default_checkin_minutes(payload.default_checkin_minutes);
  msg.set_seed(payload.seed.data(), payload.seed.size());
  msg.set_valid_from(payload.valid_from);
  msg.set_valid_until(payload.valid_until);
  if (payload.owner_public_key) {
    msg.set_owner_public_key(payload.owner_public_key->data(), payload.owner_public_key->size());
  }
  return msg;
}

// Deterministic serialization; for this message (no maps) it is also the canonical form.
Bytes encode_proto(const proto::VenuePayload& msg) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    msg.SerializeToCodedStream(&coded);
  }
  Bytes bytes(out.begin(), out.end());
  secure_wipe(out.data(), out.size());
  return bytes;
}

}  // namespace

std::string_view venue_type_name(VenueType type) {
  const auto index = static_cast<std::uint32_t>(type);
  return index <= kMaxVenueType ? kVenueTypeNames[index] : std::string_view("unknown");
}

Result<VenueType> venue_type_from_name(std::string_view name) {
  for (std::uint32_t i = 0; i <= kMaxVenueType; ++i) {
    if (kVenueTypeNames[i] == name) return static_cast<VenueType>(i);
  }
  std::string known;
  for (const auto n : kVenueTypeNames) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown venue type \"" + std::string(name) + "\", expected one of " + known);
}

Status validate_venue_payload(const VenuePayload& payload) {
  if (payload.version != kVenuePayloadVersion && payload.version != kVenuePayloadLegacyVersion) {
    return make_error(ErrorCode::kInvalidArgument, "venue payload version must be 1 or 2, got " +
                                                       std::to_string(payload.version));
  }
  if (payload.version == kVenuePayloadVersion && !payload.owner_public_key) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue payload version 2 needs a 32-byte owner_public_key, got none");
  }
  if (payload.version == kVenuePayloadLegacyVersion && payload.owner_public_key) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue payload version 1 has no owner_public_key, got one");
  }
  if (payload.owner_public_key && !Ed25519PublicKey::from_raw(*payload.owner_public_key)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue owner_public_key is not a valid Ed25519 public key");
  }
  GL_RETURN_IF_ERROR(
      validate_text("description", payload.description, 1, kMaxVenueDescriptionChars));
  GL_RETURN_IF_ERROR(validate_text("address", payload.address, 0, kMaxVenueAddressChars));
  if (static_cast<std::uint32_t>(payload.type) > kMaxVenueType) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue_type must be 0.." + std::to_string(kMaxVenueType) + ", got " +
                          std::to_string(static_cast<std::uint32_t>(payload.type)));
  }
  if (payload.default_checkin_minutes < 1 ||
      payload.default_checkin_minutes > kMaxDefaultCheckinMinutes) {
    return make_error(ErrorCode::kInvalidArgument,
                      "default_checkin_minutes must be 1.." +
                          std::to_string(kMaxDefaultCheckinMinutes) + ", got " +
                          std::to_string(payload.default_checkin_minutes));
  }
  if (payload.valid_from != 0 && payload.valid_until != 0 &&
      payload.valid_from >= payload.valid_until) {
    return make_error(ErrorCode::kInvalidArgument, "valid_from (" +
                                                       std::to_string(payload.valid_from) +
                                                       ") must be before valid_until (" +
                                                       std::to_string(payload.valid_until) + ")");
  }
  return ok();
}

Result<Ed25519PrivateKey> venue_owner_key(const VenueOwnerSeed& seed) {
  return Ed25519PrivateKey::from_seed(seed.span());
}

Result<NewVenue> new_venue(const VenueInfo& info, RandomSource& rng) {
  NewVenue venue;
  rng.fill(venue.owner_seed.mutable_span());
  auto owner = venue_owner_key(venue.owner_seed);
  GL_RETURN_IF_ERROR(owner);
  VenuePayload& payload = venue.payload;
  payload.description = info.description;
  payload.address = info.address;
  payload.type = info.type;
  payload.default_checkin_minutes = info.default_checkin_minutes;
  payload.valid_from = info.valid_from;
  payload.valid_until = info.valid_until;
  rng.fill(payload.seed.mutable_span());
  payload.version = kVenuePayloadVersion;
  payload.owner_public_key = owner->public_key().raw();
  GL_RETURN_IF_ERROR(validate_venue_payload(payload));
  return venue;
}

Result<Bytes> encode_venue_payload(const VenuePayload& payload) {
  GL_RETURN_IF_ERROR(validate_venue_payload(payload));
  proto::VenuePayload msg = to_proto(payload);
  Bytes out = encode_proto(msg);
  msg.mutable_seed()->assign(msg.seed().size(), '\0');
  if (out.size() > kMaxVenuePayloadBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "venue payload would be " + std::to_string(out.size()) + " bytes, at most " +
                          std::to_string(kMaxVenuePayloadBytes) + " allowed");
  }
  return out;
}

Result<VenuePayload> decode_venue_payload(ByteSpan raw) {
  if (raw.size() > kMaxVenuePayloadBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "venue payload must be at most " + std::to_string(kMaxVenuePayloadBytes) +
                          " bytes, got " + std::to_string(raw.size()));
  }
  proto::VenuePayload msg;
  if (!msg.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) {
    return make_error(ErrorCode::kInvalidArgument, "venue payload is not a VenuePayload protobuf");
  }
  if (!has_no_unknown_fields(msg)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue payload has " +
                          std::to_string(msg.GetReflection()->GetUnknownFields(msg).field_count()) +
                          " unknown field(s)");
  }
  if (msg.version() != kVenuePayloadVersion && msg.version() != kVenuePayloadLegacyVersion) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue payload version must be 1 or 2, got " + std::to_string(msg.version()));
  }
  if (msg.version() == kVenuePayloadVersion &&
      msg.owner_public_key().size() != kVenueOwnerPublicKeySize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue owner_public_key must be " + std::to_string(kVenueOwnerPublicKeySize) +
                          " bytes, got " + std::to_string(msg.owner_public_key().size()));
  }
  if (msg.version() == kVenuePayloadLegacyVersion && !msg.owner_public_key().empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue payload version 1 must not carry an owner_public_key");
  }
  if (msg.seed().size() != kVenueSeedSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue seed must be " + std::to_string(kVenueSeedSize) + " bytes, got " +
                          std::to_string(msg.seed().size()));
  }
  {
    Bytes again = encode_proto(msg);
    const bool canonical = again.size() == raw.size() && constant_time_equal(again, raw);
    secure_wipe(again.data(), again.size());
    if (!canonical) {
      return make_error(ErrorCode::kInvalidArgument,
                        "venue payload is not canonically encoded (expected the deterministic "
                        "protobuf encoding; fields reordered, repeated, defaulted or padded)");
    }
  }
  VenuePayload payload;
  payload.version = msg.version();
  payload.description = msg.description();
  payload.address = msg.address();
  payload.type = static_cast<VenueType>(msg.venue_type());
  payload.default_checkin_minutes = msg.default_checkin_minutes();
  GL_ASSIGN_OR_RETURN(payload.seed, SecretArray<kVenueSeedSize>::from_span(as_bytes(msg.seed())));
  payload.valid_from = msg.valid_from();
  payload.valid_until = msg.valid_until();
  if (!msg.owner_public_key().empty()) {
    VenueOwnerPublicKey key{};
    std::copy(msg.owner_public_key().begin(), msg.owner_public_key().end(), key.begin());
    payload.owner_public_key = key;
  }
  msg.mutable_seed()->assign(msg.seed().size(), '\0');
  GL_RETURN_IF_ERROR(validate_venue_payload(payload));
  return payload;
}

Result<ScannedVenue> scan_venue_payload(ByteSpan raw) {
  auto payload = decode_venue_payload(raw);
  GL_RETURN_IF_ERROR(payload);
  ScannedVenue venue;
  venue.payload = std::move(*payload);
  venue.raw_payload = SecretBytes(raw);
  venue.location_id = venue_location_id(raw);
  venue.location_tag = venue_location_tag(venue.location_id);
  return venue;
}

namespace {

Status validate_base_url(std::string_view base) {
  if (!(base.starts_with("https://") || base.starts_with("http://"))) {
    return make_error(ErrorCode::kInvalidArgument, "venue URL must start with https:// or http://");
  }
  for (const char c : base) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#') {
      return make_error(ErrorCode::kInvalidArgument,
                        "venue base URL must be printable ASCII without spaces or '#'");
    }
  }
  return ok();
}

}  // namespace

Result<std::string> venue_url(std::string_view base_url, ByteSpan raw_payload) {
  GL_RETURN_IF_ERROR(validate_base_url(base_url));
  GL_RETURN_IF_ERROR(decode_venue_payload(raw_payload));
  std::string url(base_url);
  url += '#';
  url += base64url_encode(raw_payload);
  if (url.size() > kMaxVenueUrlBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "venue URL would be " + std::to_string(url.size()) + " bytes, at most " +
                          std::to_string(kMaxVenueUrlBytes) + " allowed");
  }
  return url;
}

Result<ScannedVenue> parse_venue_url(std::string_view url) {
  if (url.size() > kMaxVenueUrlBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "venue URL must be at most " + std::to_string(kMaxVenueUrlBytes) +
                          " bytes, got " + std::to_string(url.size()));
  }
  const std::size_t hash = url.find('#');
  if (hash == std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument, "venue URL has no '#' fragment");
  }
  GL_RETURN_IF_ERROR(validate_base_url(url.substr(0, hash)));
  auto raw = base64url_decode(url.substr(hash + 1));
  if (!raw) {
    return make_error(ErrorCode::kInvalidArgument, "venue URL fragment: " + raw.error().message);
  }
  auto venue = scan_venue_payload(*raw);
  secure_wipe(raw->data(), raw->size());
  return venue;
}

Status check_venue_validity(const VenuePayload& payload, std::int64_t unix_seconds) {
  if (unix_seconds < 0) {
    return make_error(ErrorCode::kInvalidArgument, "time must not be negative");
  }
  const auto t = static_cast<std::uint64_t>(unix_seconds);
  if (payload.valid_from != 0 && t < payload.valid_from) {
    return make_error(ErrorCode::kFailedPrecondition, "venue code is valid from " +
                                                          std::to_string(payload.valid_from) +
                                                          ", now is " + std::to_string(t));
  }
  if (payload.valid_until != 0 && t >= payload.valid_until) {
    return make_error(ErrorCode::kFailedPrecondition, "venue code expired at " +
                                                          std::to_string(payload.valid_until) +
                                                          ", now is " + std::to_string(t));
  }
  return ok();
}

}  // namespace greenlight::wire
