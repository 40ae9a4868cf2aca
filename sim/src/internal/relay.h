// The relay (wormhole) adversary of attack A2 (config.adversary; docs/security-tests.md,
// docs/simulation.md "Relay adversary"). Receivers at a share of the venues record the
// advertisements of the app users who visit; a transmitter elsewhere replays each recording
// relay_delay_minutes later, for the length of the visit (at most relay_max_minutes), to
// relay_victims app users drawn from the seed, at relay_attenuation_db. A victim's phone
// that is off (dead, or its app not running that day) hears nothing (counted); one that is on
// stores the replay as a run: the broadcaster's RPI of the capture interval, heard at the
// replay time (so the matching's +-2 hour rule decides whether it counts), at a true
// distance of 12.7 m (never a true close contact). Replays that would cross midnight are
// dropped (counted). After the run, view() attributes notifications to relayed runs.
// Not thread-safe (the simulation calls it from one thread).
#pragma once

#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/sim/scenario_metrics.h"
#include "internal/contact_phase.h"
#include "internal/health_phase.h"
#include "internal/radio_phase.h"
#include "internal/sync_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

class RelayAdversary {
 public:
  explicit RelayAdversary(const World& world);

  bool enabled() const { return enabled_; }
  // After the contact phase: today's recordings and their replays, staged as runs (one
  // extra shard, ordered by broadcaster, stored after the contacts' shards).
  void stage(std::uint32_t t, const ContactPhase& contacts, const HealthPhase& health,
             const RadioPhase& radio);
  const StagedRuns& staged() const { return staged_; }
  // After RadioPhase::derive_rpis(t): each replayed run gets the RPI of its capture
  // interval; replays to a phone that also really met the broadcaster today are noted.
  void fix_rpis(std::uint32_t t, DayEncounters& today, GaenExpander& expander);
  // Notifications caused by relayed runs (RelayView).
  RelayView view(const SyncPhase& sync) const;

 private:
  struct Replay {
    std::uint32_t broadcaster;
    std::uint32_t listener;
    std::uint32_t capture_interval;  // of the day
    std::uint32_t meta;              // RunMeta of the replay
  };

  const World& w_;
  bool enabled_;
  std::vector<std::uint8_t> receiver_;    // per venue
  std::vector<std::uint32_t> app_users_;  // victims are drawn from these
  std::vector<Replay> replays_;           // today's, ordered by broadcaster
  StagedRuns staged_;
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>>
      relay_only_;  // (phone, broadcaster, day)
  RelayView view_;
};

}  // namespace greenlight::sim::internal
