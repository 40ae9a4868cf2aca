#include "internal/device_rows.h"

#include <algorithm>
#include <string>

#include "greenlight/client/clock.h"

namespace greenlight::client::rows {
namespace {

// Packed scan instance: u8 typical attenuation, u8 min attenuation, u16 LE seconds since
// the last scan.
constexpr std::size_t kPackedScanSize = 4;
// rpi (16) | aem (4) | first_seen BE64 | sighting count
constexpr std::size_t kEncounterHeaderSize = 16 + 4 + 8 + 1;
// key tag (16) | start_time BE64 | report type | onset flag | onset BE32 | calibration
constexpr std::size_t kWindowHeaderSize = 16 + 8 + 1 + 1 + 4 + 1;
// start BE64 | period BE64 | key_data
constexpr std::size_t kOwnKeySize = 8 + 8 + 16;

std::uint8_t clamp_u8(std::int32_t v) { return static_cast<std::uint8_t>(std::clamp(v, 0, 255)); }

}  // namespace

ByteArray<8> be64(std::int64_t value) {
  ByteArray<8> out{};
  const auto v = static_cast<std::uint64_t>(value);
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return out;
}

std::int64_t read_be64(ByteSpan in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < in.size(); ++i) v = (v << 8) | in[i];
  return static_cast<std::int64_t>(v);
}

Bytes encode_encounter(const Rpi& rpi, const Aem& aem, std::int64_t first_seen, ByteSpan scans) {
  const std::size_t count = std::min<std::size_t>(scans.size() / kPackedSightingSize, 255);
  const std::size_t slots =
      std::max<std::size_t>(1, (count + kSightingSlotBlock - 1) / kSightingSlotBlock) *
      kSightingSlotBlock;
  Bytes out;
  out.reserve(kEncounterHeaderSize + slots * kPackedSightingSize);
  out.insert(out.end(), rpi.begin(), rpi.end());
  out.insert(out.end(), aem.begin(), aem.end());
  const auto first = be64(first_seen);
  out.insert(out.end(), first.begin(), first.end());
  out.push_back(static_cast<std::uint8_t>(count));
  out.insert(out.end(), scans.begin(),
             scans.begin() + static_cast<std::ptrdiff_t>(count * kPackedSightingSize));
  out.resize(kEncounterHeaderSize + slots * kPackedSightingSize, 0);
  return out;
}

Result<EncounterPayload> decode_encounter(ByteSpan plain) {
  EncounterPayload out;
  if (plain.size() < kEncounterHeaderSize ||
      plain.size() < kEncounterHeaderSize + plain[kEncounterHeaderSize - 1] * kPackedSightingSize) {
    return make_error(ErrorCode::kInternal,
                      "encounter row must hold 29 + 6n bytes for its n sightings, got " +
                          std::to_string(plain.size()));
  }
  std::copy_n(plain.begin(), out.rpi.size(), out.rpi.begin());
  std::copy_n(plain.begin() + 16, out.aem.size(), out.aem.begin());
  out.first_seen = read_be64(plain.subspan(20, 8));
  const std::size_t count = plain[kEncounterHeaderSize - 1];
  const auto begin = plain.begin() + static_cast<std::ptrdiff_t>(kEncounterHeaderSize);
  out.scans.assign(begin, begin + static_cast<std::ptrdiff_t>(count * kPackedSightingSize));
  return out;
}

Result<EncounterPayload> decode_encounter_v2(ByteSpan plain, std::int64_t first_seen) {
  EncounterPayload out;
  if (plain.size() < out.rpi.size() + out.aem.size()) {
    return make_error(ErrorCode::kInternal, "encounter row must hold at least 20 bytes, got " +
                                                std::to_string(plain.size()));
  }
  std::copy_n(plain.begin(), out.rpi.size(), out.rpi.begin());
  std::copy_n(plain.begin() + 16, out.aem.size(), out.aem.begin());
  out.first_seen = first_seen;
  const std::size_t whole = (plain.size() - 20) / kPackedSightingSize * kPackedSightingSize;
  out.scans.assign(plain.begin() + 20, plain.begin() + 20 + static_cast<std::ptrdiff_t>(whole));
  return out;
}

SecretBytes encode_own_key(const TemporaryExposureKey& key) {
  SecretBytes out(kOwnKeySize);
  const auto start = be64(key.rolling_start_interval_number.value);
  const auto period = be64(key.rolling_period);
  auto at = std::copy(start.begin(), start.end(), out.data());
  at = std::copy(period.begin(), period.end(), at);
  const ByteSpan data = key.key_data.span();
  std::copy(data.begin(), data.end(), at);
  return out;
}

Result<TemporaryExposureKey> decode_own_key(ByteSpan plain) {
  if (plain.size() != kOwnKeySize) {
    return make_error(ErrorCode::kInternal, "own key row must hold " + std::to_string(kOwnKeySize) +
                                                " bytes, got " + std::to_string(plain.size()));
  }
  const std::int64_t start = read_be64(plain.first(8));
  const std::int64_t period = read_be64(plain.subspan(8, 8));
  if (start < 0 || start > 0xffffffffLL || period < 1 || period > kTekRollingPeriod) {
    return make_error(ErrorCode::kInternal, "own key row with start interval " +
                                                std::to_string(start) + " and period " +
                                                std::to_string(period));
  }
  TemporaryExposureKey key;
  GL_ASSIGN_OR_RETURN(key.key_data, Tek::from_span(plain.subspan(16, Tek::size())));
  key.rolling_start_interval_number = {static_cast<std::uint32_t>(start)};
  key.rolling_period = static_cast<std::uint32_t>(period);
  return key;
}

Bytes encode_venue_match(const VenueMatchPayload& match) {
  Bytes out;
  const auto day = be64(match.day);
  const auto minutes = be64(match.overlap_minutes);
  out.insert(out.end(), day.begin(), day.end());
  out.insert(out.end(), minutes.begin(), minutes.end());
  return out;
}

Result<VenueMatchPayload> decode_venue_match(ByteSpan plain) {
  if (plain.size() != 16) {
    return make_error(ErrorCode::kInternal, "venue warning match must hold 16 bytes, got " +
                                                std::to_string(plain.size()));
  }
  return VenueMatchPayload{read_be64(plain.first(8)), read_be64(plain.subspan(8, 8))};
}

Bytes encode_window(const KeyTag& tag, const ExposureWindow& window) {
  Bytes out;
  out.reserve(kWindowHeaderSize + window.scans.size() * kPackedScanSize);
  out.insert(out.end(), tag.begin(), tag.end());
  const auto start = be64(window.start_time);
  out.insert(out.end(), start.begin(), start.end());
  out.push_back(static_cast<std::uint8_t>(window.report_type));
  out.push_back(window.days_since_onset ? 1 : 0);
  const auto onset = static_cast<std::uint32_t>(window.days_since_onset.value_or(0));
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(onset >> shift));
  out.push_back(window.calibration_confidence);
  for (const ScanInstance& s : window.scans) {
    const auto seconds =
        static_cast<std::uint16_t>(std::clamp(s.seconds_since_last_scan, 0, 65535));
    out.push_back(clamp_u8(s.typical_attenuation_db));
    out.push_back(clamp_u8(s.min_attenuation_db));
    out.push_back(static_cast<std::uint8_t>(seconds & 0xffU));
    out.push_back(static_cast<std::uint8_t>(seconds >> 8));
  }
  return out;
}

Result<WindowPayload> decode_window(ByteSpan plain) {
  if (plain.size() < kWindowHeaderSize ||
      (plain.size() - kWindowHeaderSize) % kPackedScanSize != 0) {
    return make_error(ErrorCode::kInternal, "exposure window row must hold 31 + 4n bytes, got " +
                                                std::to_string(plain.size()));
  }
  WindowPayload out;
  std::copy_n(plain.begin(), out.tag.size(), out.tag.begin());
  ExposureWindow& w = out.window;
  w.start_time = read_be64(plain.subspan(16, 8));
  w.day = utc_day_start(w.start_time);
  const std::uint8_t type = plain[24];
  w.report_type = type <= 5 ? static_cast<ReportType>(type) : ReportType::kUnknown;
  if (plain[25] != 0) {
    std::uint32_t onset = 0;
    for (std::size_t i = 26; i < 30; ++i) onset = (onset << 8) | plain[i];
    w.days_since_onset = static_cast<std::int32_t>(onset);
  }
  w.calibration_confidence = static_cast<std::uint8_t>(plain[30] & 0x3);
  for (std::size_t i = kWindowHeaderSize; i + kPackedScanSize <= plain.size();
       i += kPackedScanSize) {
    ScanInstance s;
    s.typical_attenuation_db = plain[i];
    s.min_attenuation_db = plain[i + 1];
    s.seconds_since_last_scan = plain[i + 2] | (plain[i + 3] << 8);
    w.scans.push_back(s);
  }
  return out;
}

}  // namespace greenlight::client::rows
