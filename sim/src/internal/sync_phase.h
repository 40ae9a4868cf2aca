// The sync and matching phase (06:00): the phones fetch what was published since
// yesterday (KeyPublisher::fetch_new, shared by all phones: every phone downloads the same
// public files), the new keys are expanded once into the shared RPI table, every phone
// probes it with its own runs, builds exposure windows and scores them with the client
// library's rules (RiskScorer: client::score_window, day levels, rule_valid_until), venue
// warnings are checked and matched against the phones' check-ins, and a phone whose
// exposure colour rises notifies its user, who acts on it (HealthPhase::isolate and
// order_test). Optionally (run.verify_phones) a sample of phones is re-matched through the
// client library itself (ClientPhoneMatcher).
//
// It owns every phone's exposure colour, the day sums of its scores, and the ground truth
// of matching (exposure hits, notifications, true close contacts, fetched keys, warned
// venues, verification counters). Over several MPI ranks each rank probes its own store
// (the runs of the broadcasters it owns) and scores its own phones (the hits go to the
// listening phone's rank; its colour, day sums and ground truth stay there, and it checks
// its sampled phones through the client library); the notifications, the true close contacts
// and the verify path's sightings are exchanged, and the rest (the notified people's
// decisions) runs on every rank with the same result. Not thread-safe (parallel inside).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/sim/matching.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/simulation.h"
#include "internal/contact_phase.h"
#include "internal/health_phase.h"
#include "internal/radio_phase.h"
#include "internal/upload_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

// The per-phone path check of run.verify_phones (RunSummary's verify_* fields).
struct VerifyCounters {
  std::uint64_t phones = 0;
  std::uint64_t windows = 0;
  std::uint64_t mismatches = 0;
  std::uint64_t colour_mismatches = 0;
  std::uint64_t not_green = 0;
  std::uint64_t client_evictions = 0;
  std::uint64_t client_rejected = 0;
};

class SyncPhase {
 public:
  struct Phases {
    HealthPhase& health;
    const RadioPhase& radio;
    const ContactPhase& contacts;
    UploadPhase& uploads;
    GaenExpander& expander;
  };

  SyncPhase(const World& world, KeyPublisher& publisher);

  [[nodiscard]] Status run(std::uint32_t t, std::int64_t now, const Phases& phases, DailyStats& st);

  // A notification of colour c to phone p's user on day t, counted, and what the user does
  // (quarantine or daily self-tests, the household, a test); for RED, red_day is the last day
  // of high-risk exposure the sync found (app.red_quarantine_from_exposure counts the
  // quarantine from it). Called by run for each rise of a phone's colour (every rank for
  // every phone); tests drive it.
  void notify(std::uint32_t p, std::uint32_t t, Colour c, bool venue, std::int32_t red_day,
              HealthPhase& health, DailyStats& st);

  // The colour from exposures (RED, YELLOW or GREEN) of phone p (one this rank owns) on day
  // `day`.
  Colour exposure_colour(std::uint32_t p, std::uint32_t day) const;

  // Of the phones this rank owns (every phone in one process): the ground truth stays on the
  // phone's rank, and the summary adds up the ranks' counts.
  const std::deque<ExposureHit>& exposure_hits() const { return exposure_hits_; }
  const std::deque<Notification>& notifications() const { return notifications_; }
  // The first day phone p (one this rank owns) was a true close contact, RED, or notified at
  // all (kNever: not yet).
  std::int32_t true_close_day(std::uint32_t p) const { return true_close_day_[own_index(p)]; }
  std::int32_t first_red_day(std::uint32_t p) const { return first_red_day_[own_index(p)]; }
  std::int32_t first_any_day(std::uint32_t p) const { return first_any_day_[own_index(p)]; }
  // The keys fetched, of the uploaders this rank owns.
  const std::deque<Simulation::FetchedKey>& fetched() const { return fetched_; }
  const VerifyCounters& verify_counters() const { return verify_; }

 private:
  struct Update {
    std::uint32_t phone;
    std::int32_t red_until;
    std::int32_t yellow_until;
    bool venue;
    std::int32_t red_day = -1;  // the last day of high-risk exposure (-1: none)
  };
  struct CloseRecord {
    std::uint32_t phone;
    std::uint32_t peer;
    std::uint32_t day;
    std::uint32_t minutes;
    friend auto operator<=>(const CloseRecord&, const CloseRecord&) = default;
  };
  // One bit per person: the uploaders of the keys published for one day.
  using PublishedBits = std::map<std::uint32_t, std::vector<std::uint64_t>>;
  using SharedWindows = std::map<std::uint32_t, std::vector<ExposureWindow>>;

  // Ground truth: the owner of each published key (kNoPerson for padding keys).
  std::vector<std::uint32_t> attribute(std::span<const TemporaryExposureKey> keys, std::uint32_t t,
                                       std::uint32_t first_day, std::uint32_t last_day,
                                       UploadPhase& uploads, PublishedBits& published);
  // Every phone probes the shared table with its runs of each day that has new keys (only
  // the runs that can match: see the definition).
  void probe(const SharedRpiTable& table, std::span<const TemporaryExposureKey> keys,
             std::span<const std::uint32_t> owner, const PublishedBits& published,
             const EncounterStore& store, std::vector<RunHit>& hits,
             std::vector<CloseRecord>& close) const;
  // True close contacts: >= 15 minutes within 2 m of an uploaded case on one day.
  void mark_close_contacts(std::span<const CloseRecord> close, std::uint32_t t);
  // Over several ranks: each hit to the rank that owns its listening phone (in place).
  void route_to_phones(std::vector<RunHit>& hits) const;
  // Per phone (of the phones this rank owns: the hits are theirs): windows, client scores,
  // day levels and how long the colour lasts.
  void score(std::span<const RunHit> hits, std::span<const TemporaryExposureKey> keys,
             std::span<const std::uint32_t> owner, std::uint32_t t, std::int64_t now,
             const RadioPhase& radio, std::vector<Update>& updates, SharedWindows& shared);
  // A phone takes no warning from the check-ins it reported itself (UploadPhase).
  void match_venues(const std::vector<SealedVenueWarning>& published, std::uint32_t t,
                    std::uint32_t first_day, std::uint32_t last_day, const ContactPhase& contacts,
                    const UploadPhase& uploads, std::vector<Update>& updates);
  // A notification when a phone's exposure colour rises (a dead person's phone is off: ignored).
  void apply(std::vector<Update>& updates, std::uint32_t t, HealthPhase& health, DailyStats& st);
  // The colour a day's sum of window scores gives (the client's day level and how long its
  // rule lasts), raised into u.
  void raise_by_day(std::uint32_t d, double sum, Update& u) const;
  // Revised keys (app.revoke_on_negative, upgrade_on_positive): every phone that matched one
  // takes its windows as published off its day sums (the key as published is matched again)
  // and adds them as revised (none for a revoked key), its exposure colour is recomputed from
  // the day sums, a user whose RED fell away is told the warning was withdrawn
  // (HealthPhase::withdraw_quarantine; st.red_withdrawn) and, when it fell to YELLOW, told
  // YELLOW (a notification, Notification::withdrawn); one whose colour rose is notified.
  [[nodiscard]] Status revise(std::span<const TemporaryExposureKey> revised, std::uint32_t t,
                              std::int64_t now, std::uint32_t first_day, std::uint32_t last_day,
                              const Phases& phases, DailyStats& st);
  [[nodiscard]] Status verify(std::uint32_t t, std::uint32_t first_day, std::uint32_t last_day,
                              std::span<const TemporaryExposureKey> keys,
                              const SharedWindows& shared, const RadioPhase& radio,
                              GaenExpander& expander);

  std::size_t own_index(std::uint32_t p) const { return p - w_.own_begin; }
  // The unix time of the start of simulation day d.
  std::int64_t unix_day(std::uint32_t d) const;
  // The simulation day from which the client's colour rule `rule`, applied to day d, no
  // longer holds (client::rule_valid_until).
  std::int32_t rule_until_day(client::ColourRule rule, std::uint32_t d) const;

  const World& w_;
  KeyPublisher& publisher_;
  // Of the phones this rank owns, by own_index.
  std::vector<std::int32_t> red_until_;
  std::vector<std::int32_t> yellow_until_;
  // With revised keys (app.revoke_on_negative, upgrade_on_positive): the YELLOW of venue
  // warnings alone (a revision recomputes the exposure colour, not the venues').
  std::vector<std::int32_t> venue_yellow_until_;
  // (phone << 32 | day) -> sum, one map per shard of the population (shard_range), of the
  // phones this rank owns.
  std::array<std::unordered_map<std::uint64_t, double>, kShards> day_scores_;
  std::vector<std::int32_t> true_close_day_;
  std::vector<std::int32_t> first_red_day_;
  std::vector<std::int32_t> first_any_day_;
  // Growing for the whole run: deques, which grow without copying or spare capacity.
  std::deque<ExposureHit> exposure_hits_;
  std::deque<Notification> notifications_;
  std::deque<Simulation::FetchedKey> fetched_;
  VerifyCounters verify_;
};

}  // namespace greenlight::sim::internal
