// The radio phase: what the phones hear of each other. For every contact between two app
// users it stages one run per direction (the scans that fall inside the contact, the
// attenuation each phone measures through the RadioModel); the day's runs are merged into
// the EncounterStore grouped by broadcasting phone, and every phone's real RPIs for the
// intervals it was heard in are derived from its TEK (GaenExpander, one key schedule per
// phone and day). It owns the radio model, the encounter store (14 days) and the expanders.
// Over several ranks (World::owns) a rank stores only the runs whose broadcaster it owns
// (ContactPhase routes them there) and derives only those phones' RPIs.
//
// stage() is const and may run from the contact phase's worker threads (each with its own
// StagedRuns); store_day() and derive_rpis() run in parallel internally. Not thread-safe
// otherwise.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/sim/encounter_store.h"
#include "greenlight/sim/radio.h"
#include "internal/contacts.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

struct StagedRun {
  std::uint32_t broadcaster;
  std::uint32_t listener;
  std::uint32_t meta;
};

// Staged runs are partitioned by broadcaster range, so that the daily merge runs in
// parallel with each task touching one slice of the log.
inline constexpr std::uint32_t kRunParts = 64;
using StagedRuns = std::array<std::vector<StagedRun>, kRunParts>;

class RadioPhase {
 public:
  explicit RadioPhase(const World& world);

  // Both directions of one contact between app users: a hears b's RPIs and b hears a's.
  void stage(const Contact& c, Rng& noise, StagedRuns& out) const;
  // Today's log from the shards' staged runs (shard order kept within a broadcaster);
  // returns the number of runs stored.
  std::uint64_t store_day(std::uint32_t t, std::span<const StagedRuns> shards);
  // The real RPI tags of the runs store_day(t) stored.
  void derive_rpis(std::uint32_t t);

  // The StagedRuns part that holds broadcaster b's runs (also for extra staged runs: relay.h),
  // and the broadcasters of part k.
  std::uint32_t part_of(std::uint32_t broadcaster) const { return broadcaster >> part_shift_; }
  std::pair<std::uint32_t, std::uint32_t> part_range(std::uint32_t k) const;
  const RadioModel& model() const { return radio_; }
  const EncounterStore& store() const { return store_; }
  // The expander of worker 0, for single-threaded work between phases.
  GaenExpander& expander() { return *expanders_[0]; }
  // One expander per worker thread, for work of several threads between phases.
  std::vector<GaenExpander*> expanders() const {
    std::vector<GaenExpander*> out;
    for (const auto& e : expanders_) out.push_back(e.get());
    return out;
  }
  std::size_t peak_store_bytes() const { return peak_store_bytes_; }
  // The day store_day() filled last (the relay adversary rewrites its replays' RPIs).
  DayEncounters* today() { return today_; }

 private:
  const World& w_;
  RadioModel radio_;
  EncounterStore store_;
  DayEncounters* today_ = nullptr;  // the day store_day() filled last
  std::uint32_t part_shift_ = 0;
  std::vector<std::unique_ptr<GaenExpander>> expanders_;  // one per worker
  std::size_t peak_store_bytes_ = 0;
};

}  // namespace greenlight::sim::internal
