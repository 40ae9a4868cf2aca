// Text form of an export file (export_text.h).
#include "greenlight/wire/export_text.h"

#include <array>
#include <chrono>
#include <cstdio>

namespace greenlight::wire {
namespace {

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// "1590159600 (2020-05-22T15:00:00Z)"; the ISO form is left out for values beyond year 9999.
std::string timestamp_text(std::uint64_t unix_seconds) {
  constexpr std::uint64_t kYear10000 = 253402300800;
  std::string out = std::to_string(unix_seconds);
  if (unix_seconds >= kYear10000) return out;
  namespace chrono = std::chrono;
  const chrono::sys_seconds t{chrono::seconds(static_cast<std::int64_t>(unix_seconds))};
  const chrono::sys_days day = chrono::floor<chrono::days>(t);
  const chrono::year_month_day ymd{day};
  const chrono::hh_mm_ss hms{t - day};
  std::array<char, 40> iso{};
  std::snprintf(iso.data(), iso.size(), " (%04d-%02u-%02uT%02d:%02d:%02dZ)",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return out + iso.data();
}

std::string info_text(const SignatureInfo& info) {
  return "key_id=" + printable(info.verification_key_id) +
         " key_version=" + printable(info.verification_key_version) +
         " algorithm=" + printable(info.signature_algorithm);
}

void append_keys(std::string& out, std::string_view title,
                 const std::vector<TemporaryExposureKey>& keys) {
  out += std::string(title) + ": " + std::to_string(keys.size()) +
         " (key_hex rsin rolling_period report_type trl dsos)\n";
  for (const auto& key : keys) out += format_key_line(key) + "\n";
}

}  // namespace

std::string format_key_line(const TemporaryExposureKey& key) {
  return to_hex(key.key_data.span()) + " " +
         std::to_string(key.rolling_start_interval_number.value) + " " +
         std::to_string(key.rolling_period) + " " +
         std::to_string(static_cast<std::int32_t>(key.report_type)) + " " +
         std::to_string(key.transmission_risk_level) + " " +
         (key.days_since_onset_of_symptoms ? std::to_string(*key.days_since_onset_of_symptoms)
                                           : "-");
}

std::string format_export_summary(const UnverifiedExport& file) {
  const ExportBatch& batch = file.batch;
  std::string out;
  out += "start_timestamp: " + timestamp_text(batch.start_timestamp) + "\n";
  out += "end_timestamp: " + timestamp_text(batch.end_timestamp) + "\n";
  out += "region: " + printable(batch.region) + "\n";
  out +=
      "batch: " + std::to_string(batch.batch_num) + "/" + std::to_string(batch.batch_size) + "\n";
  for (const auto& info : batch.signature_infos) out += "signature_info: " + info_text(info) + "\n";
  for (const auto& [info, signature] : file.signatures) {
    out += "export.sig: " + info_text(info) +
           " signature_bytes=" + std::to_string(signature.size()) + "\n";
  }
  append_keys(out, "keys", batch.keys);
  append_keys(out, "revised_keys", batch.revised_keys);
  return out;
}

}  // namespace greenlight::wire
