// The simulated phones' own keys: one Temporary Exposure Key per phone and UTC day, drawn
// from the crypto library's SeededRandom (AES-256-CTR keystream) so that a run is
// reproducible, and expanded with the real GAEN key schedule (GaenExpander).
//
// TEKs are produced in chunks of kTekChunk consecutive people per day: one SeededRandom
// per (run seed, day, chunk) yields kTekChunk x 16 bytes. Nothing is stored: any phone's
// key for any day can be re-created, alone (tek(): its 16 bytes of the chunk's stream, one
// AES block) or with its chunk (chunk(): about 4 KiB of AES-CTR, for the daily RPIs of
// everybody), which is how uploads, matching checks and the per-phone path obtain them.
// Thread-safe (const; each call uses its own generator).
#pragma once

#include <cstdint>
#include <span>

#include "greenlight/crypto/gaen.h"

namespace greenlight::sim {

inline constexpr std::uint32_t kTekChunk = 256;

class TekSchedule {
 public:
  TekSchedule(std::uint64_t seed, std::int64_t start_unix_seconds);

  // The TEKs of people [chunk_first, chunk_first + kTekChunk) on day; chunk_first must be a
  // multiple of kTekChunk.
  void chunk(std::uint32_t chunk_first, std::uint32_t day, std::span<Tek, kTekChunk> out) const;
  Tek tek(std::uint32_t person, std::uint32_t day) const;
  // The key as the phone would upload it (report type and days since onset unset).
  TemporaryExposureKey key(std::uint32_t person, std::uint32_t day) const;
  // ENIN of 00:00 UTC of simulation day `day`.
  EnIntervalNumber day_interval(std::uint32_t day) const {
    return {first_interval_.value + day * kTekRollingPeriod};
  }
  // Simulation day of an interval (interval must not precede day 0).
  std::uint32_t day_of(EnIntervalNumber interval) const {
    return (interval.value - first_interval_.value) / kTekRollingPeriod;
  }
  std::int64_t start_unix_seconds() const { return unix_seconds_from_interval(first_interval_); }

 private:
  std::uint64_t seed_;
  EnIntervalNumber first_interval_;
};

// AEM metadata every simulated phone advertises: version 1.0, TX power 0 dBm.
Metadata simulated_metadata();

}  // namespace greenlight::sim
