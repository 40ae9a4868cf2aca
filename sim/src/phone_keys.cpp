#include "greenlight/sim/phone_keys.h"

#include <array>

#include "greenlight/crypto/random.h"
#include "internal/rng.h"

namespace greenlight::sim {

TekSchedule::TekSchedule(std::uint64_t seed, std::int64_t start_unix_seconds)
    : seed_(seed), first_interval_(day_start(interval_from_unix_seconds(start_unix_seconds))) {}

void TekSchedule::chunk(std::uint32_t chunk_first, std::uint32_t day,
                        std::span<Tek, kTekChunk> out) const {
  // The SeededRandom seed names the stream: (run seed, purpose, day, chunk).
  std::array<std::uint8_t, 24> name{};
  const std::uint64_t parts[3] = {internal::stream_key(seed_, internal::kPurposeTek), day,
                                  chunk_first / kTekChunk};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t b = 0; b < 8; ++b) {
      name[i * 8 + b] = static_cast<std::uint8_t>(parts[i] >> (8 * b));
    }
  }
  SeededRandom rng{ByteSpan(name)};
  for (auto& t : out) rng.fill(t.mutable_span());
}

Tek TekSchedule::tek(std::uint32_t person, std::uint32_t day) const {
  std::array<Tek, kTekChunk> keys;
  chunk(person / kTekChunk * kTekChunk, day, keys);
  return keys[person % kTekChunk];
}

TemporaryExposureKey TekSchedule::key(std::uint32_t person, std::uint32_t day) const {
  TemporaryExposureKey k;
  k.key_data = tek(person, day);
  k.rolling_start_interval_number = day_interval(day);
  k.rolling_period = kTekRollingPeriod;
  return k;
}

Metadata simulated_metadata() { return encode_metadata(BluetoothMetadata{0x40, 0}); }

}  // namespace greenlight::sim
