// libFuzzer target for the key JSON files that `greenlight export build` and the simulator
// read (proto/include/greenlight/wire/key_json.h). Whatever parses must write back to JSON
// that parses to the same keys.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "greenlight/wire/key_json.h"

namespace {

bool same(const greenlight::TemporaryExposureKey& a, const greenlight::TemporaryExposureKey& b) {
  return a.key_data == b.key_data &&
         a.rolling_start_interval_number.value == b.rolling_start_interval_number.value &&
         a.rolling_period == b.rolling_period &&
         a.transmission_risk_level == b.transmission_risk_level && a.report_type == b.report_type &&
         a.days_since_onset_of_symptoms == b.days_since_onset_of_symptoms;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto file = greenlight::wire::parse_key_file_json(json);
  if (!file) return 0;
  auto back = greenlight::wire::parse_key_file_json(greenlight::wire::key_file_to_json(*file));
  if (!back || back->keys.size() != file->keys.size() ||
      back->revised_keys.size() != file->revised_keys.size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < file->keys.size(); ++i) {
    if (!same(file->keys[i], back->keys[i])) __builtin_trap();
  }
  return 0;
}
