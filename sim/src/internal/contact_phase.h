// The contact phase: who meets whom today (households, schools and workplaces, random
// encounters, venue visits; people who isolate meet only their household; a lockdown thins
// them, LockdownConfig), transmission
// per contact (DiseaseModel, hazard scaled by the calibrated beta), venue check-ins of app
// users, and for contacts between app users the radio runs (RadioPhase::stage). It owns the
// contact generator, the per-person contact state of the day, the shards' outputs and the
// phones' venue check-ins (14 days plus today).
//
// Contacts are generated in kShards fixed shards with their own streams, in parallel;
// outputs are read in shard order, so a run is the same at any thread count. Over several
// MPI ranks each rank generates a contiguous block of the shards (the day's preparation,
// and the contact states are computed on every rank, but each rank draws the venue visits
// of its own people, gathered by all, and keeps its own people's check-ins); the ranks then
// gather
// the transmissions in shard order and send every staged run of another rank's broadcaster
// to that rank (a run of its own broadcasters stays in place), keeping shard order, so a
// run is the same at any number of ranks. Not thread-safe otherwise.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/sim/encounter_store.h"
#include "internal/contacts.h"
#include "internal/health_phase.h"
#include "internal/radio_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

class ContactPhase {
 public:
  explicit ContactPhase(const World& world);

  // Scales the hazard so that a fully infectious person causes config.disease
  // .infectious_rate expected infections a day in a fully susceptible population, from a
  // calibration day of contacts (streams of their own, never a simulated day's).
  void calibrate();
  double beta() const { return beta_; }

  // Today's contacts, check-ins, transmissions (candidates()) and staged radio runs
  // (staged_runs()); counts go to st. st.lockdown: everyone is locked down today
  // (LockdownPolicy); `locked_regions` (empty, or one per region): the regions locked down
  // today by a regional lockdown; the elderly's window comes from the configuration.
  void run(std::uint32_t t, const HealthPhase& health, const RadioPhase& radio, DailyStats& st,
           std::span<const std::uint8_t> locked_regions = {});
  // Over several ranks: the encounter runs this rank's shards staged, and of them those sent
  // to the rank of their broadcaster, over the days so far (0 in one process).
  std::uint64_t runs_staged() const { return runs_staged_; }
  std::uint64_t runs_sent() const { return runs_sent_; }
  // Today's transmissions (of all ranks), in shard order.
  const std::vector<InfectionCandidate>& candidates() const { return candidates_; }
  // Today's runs per shard, of the broadcasters this rank owns.
  const std::vector<StagedRuns>& staged_runs() const { return runs_; }

  // A day's check-ins (over several ranks: of the people this rank owns), sorted by person;
  // nullptr when the day is no longer kept.
  const DayCheckIns* checkins(std::uint32_t day) const;

  // Who met whom today (every layer, every distance), per shard, when switched on (the
  // centralised health code's location data, health_code_phase.h).
  void record_met(bool on) { record_met_ = on; }
  std::span<const std::pair<std::uint32_t, std::uint32_t>> met(std::uint32_t shard) const {
    return tallies_[shard].met;
  }
  // The contacts people would recall when a manual tracer asks (config.manual_tracing): a
  // contact of layer l is kept with traceable_fraction[l], drawn on the day of the contact
  // (streams of their own). Today's of every rank, in shard order, when switched on.
  void record_recalled(bool on) { record_recalled_ = on; }
  const std::vector<MetPair>& recalled() const { return recalled_; }
  // Today's venue visits of everyone, grouped by venue and sorted by arrival.
  std::span<const Visit> visits() const { return generator_.visits(); }
  // With care homes and agency staff: today's shifts of agency workers as (home, worker),
  // ordered by home, then worker.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> agency_shifts() const {
    return generator_.agency_shifts();
  }
  // With care_homes.visits_closed_days: the care homes closed to visitors on the days so
  // far (home-days).
  std::uint64_t closed_home_days() const { return closed_home_days_; }

 private:
  // What a contact needs to know about a person, refreshed daily (one cache line load).
  struct ContactState {
    float infectiousness = 0;  // today's, 0 when not infectious
    // Bit v set: can be infected by variant v (kAnyVariant: by either).
    std::uint8_t susceptible = 0;
    std::uint8_t app = 0;
    std::uint8_t age_group = 0;
    std::uint8_t variant_bit = 1;  // 1 << the person's variant (when infectious)
  };
  static constexpr std::uint8_t kAnyVariant = 3;
  struct ShardTally {
    std::vector<InfectionCandidate> infections;
    std::uint64_t contacts = 0;
    std::uint64_t app_contacts = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> met;
    std::vector<MetPair> recalled;
  };

  // With record_met or record_recalled: keeps contact c in out (out of line: off, the
  // contact loop pays one branch).
  [[gnu::noinline]] void record(const Contact& c, ShardTally& out, Rng& recall_rng) const;
  void record_checkins(std::uint32_t t, DailyStats& st);
  // care_homes.visits_closed_days: closed_homes_[h] = 1 when a resident or a member of home
  // h's own staff had a positive result on one of the visits_closed_days days before t.
  void close_homes(std::uint32_t t, const HealthPhase& health);
  // Day t's distancing: everyone when `everyone`, else the people of the locked regions
  // (distanced_ 2: their households meet with the lockdown's multiplier) and the elderly in
  // their window (1), else nobody.
  Distancing distancing_on(std::uint32_t t, bool everyone,
                           std::span<const std::uint8_t> locked_regions);
  // Over several ranks each draws its own people's venue visits (nullptr in one process).
  const VisitShare* visit_share() const;
  // Sends every staged run of this rank's shards whose broadcaster another rank owns to that
  // rank, and takes the runs of its own broadcasters that the other ranks staged.
  void route_runs(const RadioPhase& radio);

  const World& w_;
  ContactGenerator generator_;
  double beta_ = 0;
  bool record_met_ = false;
  bool record_recalled_ = false;
  std::vector<MetPair> recalled_;
  std::vector<ContactState> contact_state_;
  std::vector<std::uint8_t> checkin_drawn_;  // record_checkins(): today's draw per visit
  std::vector<std::uint8_t> isolating_today_;
  std::vector<std::uint8_t> closed_homes_;  // close_homes(): today's, per home
  std::uint64_t closed_home_days_ = 0;
  // With hospital staff: today's patients in hospital, per shard of people, then joined.
  std::vector<std::vector<Patient>> shard_patients_;
  std::vector<Patient> patients_;
  std::vector<std::uint8_t> distanced_;             // distancing_on(): who is locked down today
  static constexpr std::uint8_t kRegionLocked = 2;  // distanced_: a locked region's person
  std::vector<ShardTally> tallies_;                 // per shard
  std::vector<StagedRuns> runs_;                    // per shard
  std::vector<InfectionCandidate> candidates_;
  struct RoutedRun {
    std::uint32_t shard;
    StagedRun run;
  };
  std::vector<RoutedRun> outbox_;  // route_runs' buffers, kept for their capacity
  std::vector<RoutedRun> inbox_;
  std::uint64_t runs_staged_ = 0;
  std::uint64_t runs_sent_ = 0;
  VisitShare visit_share_;
  std::uint32_t shard_begin_ = 0;  // [shard_begin_, shard_end_): this rank's shards
  std::uint32_t shard_end_ = kShards;
  std::vector<DayCheckIns> checkins_;
};

}  // namespace greenlight::sim::internal
