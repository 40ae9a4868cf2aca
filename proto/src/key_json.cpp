// JSON key files (key_json.h).
#include "greenlight/wire/key_json.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <climits>
#include <cstdint>
#include <optional>

#include "greenlight/crypto/bytes.h"

namespace greenlight::wire {
namespace {

namespace json = boost::json;

constexpr std::string_view kKeyField = "key";
constexpr std::string_view kRsinField = "rolling_start_interval_number";
constexpr std::string_view kPeriodField = "rolling_period";
constexpr std::string_view kTrlField = "transmission_risk_level";
constexpr std::string_view kReportTypeField = "report_type";
constexpr std::string_view kDsosField = "days_since_onset_of_symptoms";
constexpr std::array<std::string_view, 6> kKeyFields = {kKeyField, kRsinField,       kPeriodField,
                                                        kTrlField, kReportTypeField, kDsosField};
constexpr std::array<std::string_view, 2> kListFields = {"keys", "revised_keys"};

std::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string kind_name(const json::value& value) {
  return std::string(json::to_string(value.kind()));
}

// An integer field in [low, high]; nullopt when absent.
Result<std::optional<std::int64_t>> integer_field(const json::object& object, std::string_view name,
                                                  std::int64_t low, std::int64_t high,
                                                  const std::string& where) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return std::optional<std::int64_t>{};
  std::optional<std::int64_t> number;
  if (const auto* i = value->if_int64()) {
    number = *i;
  } else if (const auto* u = value->if_uint64()) {
    if (*u > static_cast<std::uint64_t>(INT64_MAX)) {
      return invalid(where + "." + std::string(name) + " must be " + std::to_string(low) + ".." +
                     std::to_string(high) + ", got " + std::to_string(*u));
    }
    number = static_cast<std::int64_t>(*u);
  } else {
    return invalid(where + "." + std::string(name) + " must be an integer, got " +
                   kind_name(*value));
  }
  if (*number < low || *number > high) {
    return invalid(where + "." + std::string(name) + " must be " + std::to_string(low) + ".." +
                   std::to_string(high) + ", got " + std::to_string(*number));
  }
  return number;
}

Result<Tek> key_data_field(const json::object& object, const std::string& where) {
  const json::value* value = object.if_contains(kKeyField);
  if (value == nullptr) return invalid(where + ".key is required");
  const json::string* text = value->if_string();
  if (text == nullptr) return invalid(where + ".key must be a string, got " + kind_name(*value));
  const std::string_view s(text->data(), text->size());
  // Hex first: a 16-byte key is 32 hex digits but 24 base64 characters, and a base64 string
  // that happens to be all hex digits decodes to the wrong length as hex.
  const Result<Bytes> as_hex = from_hex(s);
  if (as_hex && as_hex->size() == Tek::size()) return Tek::from_span(*as_hex);
  const Result<Bytes> as_base64 = base64_decode(s);
  if (as_base64 && as_base64->size() == Tek::size()) return Tek::from_span(*as_base64);
  const std::string prefix = where + ".key must be 16 bytes as 32 hex digits or base64, got ";
  if (as_hex) return invalid(prefix + std::to_string(as_hex->size()) + " bytes of hex");
  if (as_base64) return invalid(prefix + std::to_string(as_base64->size()) + " bytes of base64");
  return invalid(prefix + std::to_string(s.size()) + " characters that are neither");
}

Result<TemporaryExposureKey> key_from_json(const json::value& value, const std::string& where) {
  const json::object* object = value.if_object();
  if (object == nullptr) return invalid(where + " must be an object, got " + kind_name(value));
  for (const auto& member : *object) {
    const std::string_view name(member.key().data(), member.key().size());
    if (std::ranges::find(kKeyFields, name) == kKeyFields.end()) {
      return invalid(where + " has an unknown field \"" + std::string(name) + "\"");
    }
  }
  TemporaryExposureKey key;
  auto tek = key_data_field(*object, where);
  GL_RETURN_IF_ERROR(tek);
  key.key_data = *tek;

  auto rsin = integer_field(*object, kRsinField, 0, INT32_MAX, where);
  GL_RETURN_IF_ERROR(rsin);
  if (!*rsin) return invalid(where + "." + std::string(kRsinField) + " is required");
  key.rolling_start_interval_number = {static_cast<std::uint32_t>(**rsin)};

  auto period = integer_field(*object, kPeriodField, 1, kTekRollingPeriod, where);
  GL_RETURN_IF_ERROR(period);
  if (*period) key.rolling_period = static_cast<std::uint32_t>(**period);

  auto trl = integer_field(*object, kTrlField, 0, 8, where);
  GL_RETURN_IF_ERROR(trl);
  if (*trl) key.transmission_risk_level = static_cast<std::int32_t>(**trl);

  auto report_type = integer_field(*object, kReportTypeField, 0,
                                   static_cast<std::int64_t>(ReportType::kRevoked), where);
  GL_RETURN_IF_ERROR(report_type);
  if (*report_type) key.report_type = static_cast<ReportType>(**report_type);

  auto dsos = integer_field(*object, kDsosField, -14, 14, where);
  GL_RETURN_IF_ERROR(dsos);
  if (*dsos) key.days_since_onset_of_symptoms = static_cast<std::int32_t>(**dsos);
  return key;
}

Status keys_from_json(const json::object& root, std::string_view list,
                      std::vector<TemporaryExposureKey>& out) {
  const json::value* value = root.if_contains(list);
  if (value == nullptr) return ok();
  const json::array* array = value->if_array();
  if (array == nullptr) {
    return invalid(std::string(list) + " must be an array, got " + kind_name(*value));
  }
  out.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto key = key_from_json((*array)[i], std::string(list) + "[" + std::to_string(i) + "]");
    GL_RETURN_IF_ERROR(key);
    out.push_back(std::move(*key));
  }
  return ok();
}

json::array keys_to_json(const std::vector<TemporaryExposureKey>& keys) {
  json::array out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    json::object object;
    object[kKeyField] = to_hex(key.key_data.span());
    object[kRsinField] = key.rolling_start_interval_number.value;
    if (key.rolling_period != kTekRollingPeriod) object[kPeriodField] = key.rolling_period;
    if (key.transmission_risk_level != 0) object[kTrlField] = key.transmission_risk_level;
    if (key.report_type != ReportType::kUnknown) {
      object[kReportTypeField] = static_cast<std::int32_t>(key.report_type);
    }
    if (key.days_since_onset_of_symptoms) object[kDsosField] = *key.days_since_onset_of_symptoms;
    out.push_back(std::move(object));
  }
  return out;
}

}  // namespace

Result<KeyFile> parse_key_file_json(std::string_view text) {
  boost::system::error_code ec;
  const json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return invalid("key file must be JSON: " + ec.message());
  const json::object* object = root.if_object();
  if (object == nullptr) {
    return invalid("key file must be a JSON object with a \"keys\" array, got " + kind_name(root));
  }
  for (const auto& member : *object) {
    const std::string_view name(member.key().data(), member.key().size());
    if (std::ranges::find(kListFields, name) == kListFields.end()) {
      return invalid("key file has an unknown field \"" + std::string(name) +
                     "\" (expected \"keys\" and \"revised_keys\")");
    }
  }
  if (!object->contains("keys"))
    return invalid("key file must have a \"keys\" array, it is missing");
  KeyFile file;
  GL_RETURN_IF_ERROR(keys_from_json(*object, "keys", file.keys));
  GL_RETURN_IF_ERROR(keys_from_json(*object, "revised_keys", file.revised_keys));
  return file;
}

std::string key_file_to_json(const KeyFile& file) {
  json::object root;
  root["keys"] = keys_to_json(file.keys);
  if (!file.revised_keys.empty()) root["revised_keys"] = keys_to_json(file.revised_keys);
  return json::serialize(root);
}

}  // namespace greenlight::wire
