// The statistics of a run: each day's counts after the day's phases (finish_day), the run
// summary against the ground truth (precision and recall of notifications, notification
// delays, secondary attack among notified phones) and the privacy view (what the server
// holds, next to what a centralised health-code server would hold). It owns the phase
// timers of the benchmark. Reads the phases; changes none.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "greenlight/sim/offspring.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/sync_phase.h"
#include "internal/upload_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

enum Phase : std::size_t {
  kPhaseSync,
  kPhaseHealth,
  kPhaseUploads,
  kPhaseContacts,
  kPhaseStore,
  kPhaseRpis,
  kPhaseInfections,
  kPhaseStats,
  kPhases
};
inline constexpr std::array<std::string_view, kPhases> kPhaseNames{
    "sync+match", "health",      "uploads",    "contacts",
    "store runs", "derive RPIs", "infections", "statistics"};

// CPU time of the whole process (all threads), in seconds.
double process_cpu_seconds();

// Wall-clock and process CPU time per phase, summed over the days.
class PhaseTimes {
 public:
  // Adds the time since the last lap (or since start()) to a phase.
  class Clock {
   public:
    explicit Clock(PhaseTimes& times) : times_(times) {}
    void lap(Phase phase);

   private:
    PhaseTimes& times_;
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
    double last_cpu_ = process_cpu_seconds();
  };
  Clock start() { return Clock(*this); }
  std::vector<PhaseTime> seconds() const;

 private:
  std::array<double, kPhases> wall_{};
  std::array<double, kPhases> cpu_{};
};

// The phone's colour: RED while its own positive test says so, else its exposure colour.
Colour phone_colour(const HealthPhase& health, const SyncPhase& sync, std::uint32_t p,
                    std::uint32_t day);

// The compartments, isolation and colours at the end of day t (over several ranks a
// collective: each rank counts its own people), and with `regions` the same of each region
// appended to it.
void finish_day(const World& world, const HealthPhase& health, const SyncPhase& sync,
                std::uint32_t t, DailyStats& st, std::vector<RegionDay>* regions = nullptr);

// Cohorts of the days run (not a collective: every rank holds every person's infection).
Reproduction reproduction(const World& world, const HealthPhase& health, std::uint32_t days);
// The secondary infections per case of the same complete cohorts (offspring.h).
Offspring offspring(const World& world, const HealthPhase& health, std::uint32_t days);

// The summary's hospital staff figures (RunSummary::staff ...), from every infection (not a
// collective: every rank holds every person's). Nothing without staff.
void summarise_staff(const Population& pop, const HealthPhase& health, std::uint32_t days,
                     RunSummary& s);
// The summary's care-home figures (RunSummary::care_homes ...), from every person's latest
// infection and course on the run's last day. Nothing without care homes.
void summarise_care_homes(const Population& pop, const HealthPhase& health, std::uint32_t days,
                          RunSummary& s);

// Over several ranks a collective (it gathers the ranks' exposure hits).
RunSummary summarise(const World& world, double beta, std::uint32_t days,
                     std::span<const DailyStats> daily, const HealthPhase& health,
                     const SyncPhase& sync);

PrivacyView privacy_view(const World& world, const KeyPublisher& publisher,
                         std::span<const DailyStats> daily, const UploadPhase& uploads);

}  // namespace greenlight::sim::internal
