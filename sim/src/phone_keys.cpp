#include "greenlight/sim/phone_keys.h"

#include <array>

#include "greenlight/crypto/random.h"
#include "internal/rng.h"

namespace greenlight::sim {

TekSchedule::TekSchedule(std::uint64_t seed, std::int64_t start_unix_seconds)
    : seed_(seed), first_interval_(day_start(interval_from_unix_seconds(start_unix_seconds))) {}

namespace {

// The SeededRandom seed that names a chunk's stream: (run seed, purpose, day, chunk).
std::array<std::uint8_t, 24> chunk_name(std::uint64_t seed, std::uint32_t day,
                                        std::uint32_t chunk) {
  std::array<std::uint8_t, 24> name{};
  const std::uint64_t parts[3] = {internal::stream_key(seed, internal::kPurposeTek), day, chunk};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t b = 0; b < 8; ++b) {
      name[i * 8 + b] = static_cast<std::uint8_t>(parts[i] >> (8 * b));
    }
  }
  return name;
}

}  // namespace

void TekSchedule::chunk(std::uint32_t chunk_first, std::uint32_t day,
                        std::span<Tek, kTekChunk> out) const {
  const auto name = chunk_name(seed_, day, chunk_first / kTekChunk);
  SeededRandom rng{ByteSpan(name)};
  for (auto& t : out) rng.fill(t.mutable_span());
}

Tek TekSchedule::tek(std::uint32_t person, std::uint32_t day) const {
  // The person's 16 bytes of the chunk's stream, made alone (one AES block).
  const auto name = chunk_name(seed_, day, person / kTekChunk);
  SeededRandom rng(ByteSpan(name), std::uint64_t{16} * (person % kTekChunk));
  Tek out;
  rng.fill(out.mutable_span());
  return out;
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
