#include "greenlight/server/publish.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/wire/upload_auth.h"

namespace greenlight::server {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxKeysParsed = 1000;  // structural cap before the business limit
constexpr std::int32_t kMaxTransmissionRisk = 8;

Result<std::int64_t> int_field(const json::object& o, std::string_view name,
                               std::string_view where) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(where) + "." + std::string(name) + " is required");
  }
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() &&
      v->as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  return make_error(ErrorCode::kInvalidArgument,
                    std::string(where) + "." + std::string(name) + " must be an integer");
}

std::string key_where(std::size_t i) { return "keys[" + std::to_string(i) + "]"; }

Result<TemporaryExposureKey> parse_key(const json::value& v, std::size_t index) {
  const std::string where = key_where(index);
  if (!v.is_object()) return make_error(ErrorCode::kInvalidArgument, where + " must be an object");
  const json::object& o = v.as_object();
  for (const auto& member : o) {
    const std::string_view k = member.key();
    if (k != "key" && k != "rolling_start_interval_number" && k != "rolling_period" &&
        k != "transmission_risk_level") {
      return make_error(ErrorCode::kInvalidArgument,
                        where + " has an unknown field \"" + std::string(k.substr(0, 40)) + "\"");
    }
  }
  const json::value* key = o.if_contains("key");
  if (key == nullptr || !key->is_string()) {
    return make_error(ErrorCode::kInvalidArgument, where + ".key must be a base64 string");
  }
  auto data = base64_decode(key->as_string());
  if (!data) return make_error(ErrorCode::kInvalidArgument, where + ".key is not valid base64");
  if (data->size() != 16) {
    return make_error(ErrorCode::kInvalidArgument,
                      where + ".key must be 16 bytes, got " + std::to_string(data->size()));
  }
  auto rsin = int_field(o, "rolling_start_interval_number", where);
  GL_RETURN_IF_ERROR(rsin);
  auto rp = int_field(o, "rolling_period", where);
  GL_RETURN_IF_ERROR(rp);
  auto trl = int_field(o, "transmission_risk_level", where);
  GL_RETURN_IF_ERROR(trl);
  if (*rsin < 0 || *rsin > std::numeric_limits<std::int32_t>::max()) {
    return make_error(
        ErrorCode::kInvalidArgument,
        where + ".rolling_start_interval_number must be 0..2^31-1, got " + std::to_string(*rsin));
  }
  if (*rp < 1 || *rp > static_cast<std::int64_t>(kTekRollingPeriod)) {
    return make_error(ErrorCode::kInvalidArgument,
                      where + ".rolling_period must be 1..144, got " + std::to_string(*rp));
  }
  if (*trl < 0 || *trl > kMaxTransmissionRisk) {
    return make_error(ErrorCode::kInvalidArgument,
                      where + ".transmission_risk_level must be 0..8, got " + std::to_string(*trl));
  }
  TemporaryExposureKey k;
  GL_ASSIGN_OR_RETURN(k.key_data, Tek::from_span(*data));
  k.rolling_start_interval_number = {static_cast<std::uint32_t>(*rsin)};
  k.rolling_period = static_cast<std::uint32_t>(*rp);
  k.transmission_risk_level = static_cast<std::int32_t>(*trl);
  return k;
}

}  // namespace

Result<UploadRequest> parse_upload_request(const json::object& body) {
  UploadRequest request;
  const json::value* keys = body.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return make_error(ErrorCode::kInvalidArgument, "keys must be an array");
  }
  if (keys->as_array().size() > kMaxKeysParsed) {
    return make_error(ErrorCode::kInvalidArgument,
                      "keys must hold at most " + std::to_string(kMaxKeysParsed) +
                          " entries, got " + std::to_string(keys->as_array().size()));
  }
  std::size_t i = 0;
  for (const json::value& v : keys->as_array()) {
    auto k = parse_key(v, i++);
    GL_RETURN_IF_ERROR(k);
    request.keys.push_back(std::move(*k));
  }
  const json::value* certificate = body.if_contains("certificate");
  if (certificate == nullptr || !certificate->is_string()) {
    return make_error(ErrorCode::kInvalidArgument, "certificate must be a string");
  }
  request.certificate = std::string(certificate->as_string());
  const json::value* hmac_key = body.if_contains("hmac_key");
  if (hmac_key == nullptr || !hmac_key->is_string()) {
    return make_error(ErrorCode::kInvalidArgument, "hmac_key must be a base64 string");
  }
  auto mac_key = base64_decode(hmac_key->as_string());
  if (!mac_key) return make_error(ErrorCode::kInvalidArgument, "hmac_key is not valid base64");
  if (mac_key->size() < 16 || mac_key->size() > 64) {
    return make_error(ErrorCode::kInvalidArgument,
                      "hmac_key must be 16..64 bytes, got " + std::to_string(mac_key->size()));
  }
  request.hmac_key = SecretBytes(ByteSpan(*mac_key));
  secure_wipe(mac_key->data(), mac_key->size());
  if (const json::value* chaff = body.if_contains("chaff")) {
    if (!chaff->is_bool())
      return make_error(ErrorCode::kInvalidArgument, "chaff must be a boolean");
    request.chaff = chaff->as_bool();
  }
  if (const json::value* padding = body.if_contains("padding"); padding && !padding->is_string()) {
    return make_error(ErrorCode::kInvalidArgument, "padding must be a string");
  }
  for (const auto& member : body) {
    const std::string_view k = member.key();
    if (k == "keys" || k == "certificate" || k == "hmac_key" || k == "chaff" || k == "padding") {
      continue;
    }
    request.extensions.emplace(k, member.value());
  }
  return request;
}

Result<std::vector<TemporaryExposureKey>> validate_upload_keys(
    std::vector<TemporaryExposureKey> keys, std::int64_t now, const PublishConfig& config,
    std::size_t* dropped) {
  if (keys.size() > config.max_keys) {
    return make_error(ErrorCode::kInvalidArgument, "an upload holds at most " +
                                                       std::to_string(config.max_keys) +
                                                       " keys, got " + std::to_string(keys.size()));
  }
  const std::int64_t current_interval = now / kIntervalSeconds;
  const std::int64_t oldest_end = (now - config.max_key_age_seconds) / kIntervalSeconds;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& k = keys[i];
    if (k.rolling_period < 1 || k.rolling_period > kTekRollingPeriod) {
      return make_error(
          ErrorCode::kInvalidArgument,
          key_where(i) + ".rolling_period must be 1..144, got " + std::to_string(k.rolling_period));
    }
    if (k.transmission_risk_level < 0 || k.transmission_risk_level > kMaxTransmissionRisk) {
      return make_error(ErrorCode::kInvalidArgument,
                        key_where(i) + ".transmission_risk_level must be 0..8, got " +
                            std::to_string(k.transmission_risk_level));
    }
    if (static_cast<std::int64_t>(k.rolling_start_interval_number.value) > current_interval) {
      return make_error(ErrorCode::kInvalidArgument,
                        key_where(i) + ".rolling_start_interval_number " +
                            std::to_string(k.rolling_start_interval_number.value) +
                            " is in the future (current interval " +
                            std::to_string(current_interval) + ")");
    }
  }
  std::set<ByteArray<16>> distinct;
  for (const auto& k : keys) {
    if (!distinct.insert(k.key_data.array()).second) {
      return make_error(ErrorCode::kInvalidArgument, "the same key appears twice in the upload");
    }
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.rolling_start_interval_number < b.rolling_start_interval_number;
  });
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i - 1].end_interval().value > keys[i].rolling_start_interval_number.value) {
      return make_error(ErrorCode::kInvalidArgument,
                        "keys must not overlap: a key valid from interval " +
                            std::to_string(keys[i - 1].rolling_start_interval_number.value) +
                            " for " + std::to_string(keys[i - 1].rolling_period) +
                            " intervals overlaps a key starting at " +
                            std::to_string(keys[i].rolling_start_interval_number.value));
    }
  }
  const auto old = std::remove_if(keys.begin(), keys.end(), [&](const auto& k) {
    return static_cast<std::int64_t>(k.end_interval().value) < oldest_end;
  });
  if (dropped != nullptr) *dropped = static_cast<std::size_t>(keys.end() - old);
  keys.erase(old, keys.end());
  return keys;
}

Publisher::Publisher(PublishConfig config, Store& store, const Authorization& authorization,
                     const Clock& clock)
    : config_(std::move(config)), store_(store), authorization_(authorization), clock_(clock) {}

void Publisher::add_extension(std::shared_ptr<UploadExtension> extension) {
  extensions_.push_back(std::move(extension));
}

UploadExtension* Publisher::extension(std::string_view field) const {
  for (const auto& ext : extensions_) {
    if (ext->field() == field) return ext.get();
  }
  return nullptr;
}

Result<PublishOutcome> Publisher::publish(const UploadRequest& request) {
  const std::int64_t now = clock_.now_unix_seconds();
  auto claims = authorization_.verify_certificate(request.certificate);
  // The tekmac is computed for chaff too, so that both paths do the same work.
  const Sha256Digest mac = wire::compute_tekmac(request.hmac_key.span(), request.keys);
  if (request.chaff) {
    UploadContext context{true, now, nullptr, &request.keys};
    for (const auto& ext : extensions_) {
      if (const json::value* v = request.extensions.if_contains(ext->field())) {
        (void)ext->prepare(*v, context);
      }
    }
    return PublishOutcome{request.keys.size(), 0};
  }
  GL_RETURN_IF_ERROR(claims);
  if (claims->grant.purpose != "keys") return authentication_failed();
  if (!constant_time_equal(mac, claims->tekmac)) return authentication_failed();

  PublishOutcome outcome;
  auto keys = validate_upload_keys(request.keys, now, config_, &outcome.dropped);
  GL_RETURN_IF_ERROR(keys);

  // Extension members: an owner must exist for every member; "venue_reports" may be an
  // empty array without one.
  UploadContext context{false, now, &*claims, &*keys};
  std::vector<std::unique_ptr<UploadPart>> parts;
  for (const auto& member : request.extensions) {
    const std::string_view field = member.key();
    auto ext = std::find_if(extensions_.begin(), extensions_.end(),
                            [&](const auto& e) { return e->field() == field; });
    if (ext == extensions_.end()) {
      if (field == "venue_reports" && member.value().is_array() &&
          member.value().as_array().empty()) {
        continue;
      }
      if (field == "venue_reports") {
        return make_error(ErrorCode::kInvalidArgument,
                          "venue_reports are not supported by this server");
      }
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown field \"" + std::string(field.substr(0, 40)) + "\"");
    }
    auto part = (*ext)->prepare(member.value(), context);
    GL_RETURN_IF_ERROR(part);
    if (*part) parts.push_back(std::move(*part));
  }

  UploadWrite write;
  write.certificate_id = claims->id;
  write.certificate_expires_at = claims->expires_at;
  write.arrival_granularity_seconds = config_.arrival_granularity_seconds;
  const std::optional<std::int32_t> onset = claims->grant.symptom_onset_interval;
  for (TemporaryExposureKey& k : *keys) {
    k.report_type = claims->grant.report_type;
    if (onset) {
      const std::int64_t days =
          (static_cast<std::int64_t>(day_start(k.rolling_start_interval_number).value) -
           static_cast<std::int64_t>(day_start({static_cast<std::uint32_t>(*onset)}).value)) /
          kTekRollingPeriod;
      if (days >= -14 && days <= 14)
        k.days_since_onset_of_symptoms = static_cast<std::int32_t>(days);
    }
    const std::int64_t embargo_until =
        unix_seconds_from_interval(k.end_interval()) + config_.embargo_seconds;
    write.keys.push_back(KeyToStore{std::move(k), embargo_until});
  }
  for (auto& p : parts) write.parts.push_back(p.get());
  auto stored = store_.publish_upload(write);
  GL_RETURN_IF_ERROR(stored);
  outcome.inserted = stored->inserted;
  return outcome;
}

}  // namespace greenlight::server
