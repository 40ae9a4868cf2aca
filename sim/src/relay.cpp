#include "internal/relay.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace greenlight::sim::internal {
namespace {

// Streams of the adversary (far from the kPurpose values in rng.h, so that the rest of the
// run draws exactly what it draws without a relay).
constexpr std::uint64_t kPurposeRelayReceivers = 0x5ce0002;
constexpr std::uint64_t kPurposeRelayVictims = 0x5ce0003;
// A replay is heard from 12.7 m (the largest distance a run records): never a close contact.
constexpr std::uint32_t kRelayDistanceDm = 127;

}  // namespace

RelayAdversary::RelayAdversary(const World& world)
    : w_(world), enabled_(world.config.adversary.relay_venue_share > 0) {
  if (!enabled_) return;
  const auto venues = static_cast<std::uint32_t>(w_.pop.venue_kind.size());
  receiver_.resize(venues);
  for (std::uint32_t v = 0; v < venues; ++v) {
    receiver_[v] = Rng(stream_key(w_.seed, kPurposeRelayReceivers, v))
                           .bernoulli(w_.config.adversary.relay_venue_share)
                       ? 1
                       : 0;
  }
  for (std::uint32_t p = 0; p < w_.pop.size(); ++p) {
    if (w_.pop.has_app[p] != 0) app_users_.push_back(p);
  }
}

void RelayAdversary::stage(std::uint32_t t, const ContactPhase& contacts, const HealthPhase& health,
                           const RadioPhase& radio) {
  replays_.clear();
  for (auto& part : staged_) part.clear();
  // Before the app's launch there is nothing to capture and nobody to replay to.
  if (!enabled_ || app_users_.size() < 2 || t < w_.config.app.start_day) return;
  const auto& ad = w_.config.adversary;
  const auto delay = static_cast<std::uint32_t>(std::lround(ad.relay_delay_minutes));
  const auto attenuation =
      static_cast<std::uint32_t>(std::clamp(std::lround(ad.relay_attenuation_db), 0L, 255L));
  for (const auto& v : contacts.visits()) {
    if (receiver_[v.venue] == 0 || !w_.app_on(v.person, t)) continue;
    const std::uint32_t capture_scan = (v.arrival + 4u) / 5;
    if (capture_scan >= kScansPerDay) continue;
    ++view_.captured_visits;
    const std::uint32_t start = v.arrival + delay;
    const std::uint32_t end = start + std::min<std::uint32_t>(v.minutes, ad.relay_max_minutes);
    if (end >= kMinutesPerDay) {
      view_.dropped_runs += ad.relay_victims;
      continue;
    }
    const std::uint32_t first = (start + 4) / 5;
    const std::uint32_t stop = std::min<std::uint32_t>(kScansPerDay, (end + 4) / 5);
    if (stop <= first) continue;
    const std::uint32_t meta = RunMeta::pack(
        first, kRelayDistanceDm, std::min<std::uint32_t>(stop - first, 255), attenuation);
    Rng r(stream_key(w_.seed, kPurposeRelayVictims, t, v.person, v.venue));
    for (std::uint32_t i = 0; i < ad.relay_victims; ++i) {
      const std::uint32_t q = app_users_[r.below(static_cast<std::uint32_t>(app_users_.size()))];
      if (q == v.person) continue;
      // A dead victim's phone is off, and so is one whose app is not running that day.
      if (health.dead(q, t) || !w_.app_on(q, t)) {
        ++view_.off_runs;
        continue;
      }
      replays_.push_back({v.person, q, capture_scan / kScansPerInterval, meta});
    }
  }
  std::stable_sort(replays_.begin(), replays_.end(),
                   [](const Replay& a, const Replay& b) { return a.broadcaster < b.broadcaster; });
  for (const auto& x : replays_) {
    staged_[radio.part_of(x.broadcaster)].push_back({x.broadcaster, x.listener, x.meta});
  }
}

void RelayAdversary::fix_rpis(std::uint32_t t, DayEncounters& today, GaenExpander& expander) {
  if (!enabled_) return;
  const EnIntervalNumber base = w_.schedule.day_interval(t);
  for (std::size_t i = 0; i < replays_.size();) {
    const std::uint32_t b = replays_[i].broadcaster;
    std::size_t j = i;
    while (j < replays_.size() && replays_[j].broadcaster == b) ++j;
    // The replays of b were stored last among b's runs, in this order.
    const std::uint32_t r1 = today.runs_begin(b + 1);
    const std::uint32_t r0 = r1 - static_cast<std::uint32_t>(j - i);
    const Rpik rpik = expander.rpik(w_.schedule.tek(b, t));
    for (std::size_t k = i; k < j; ++k) {
      const Replay& x = replays_[k];
      Rpi rpi{};
      expander.expand_rpis_from_rpik(rpik, {base.value + x.capture_interval},
                                     std::span<Rpi>(&rpi, 1));
      today.rpi_tag[r0 + (k - i)] = rpi_tag(rpi);
      bool met = false;
      for (std::uint32_t r = today.runs_begin(b); r < r0 && !met; ++r)
        met = today.listener(r) == x.listener;
      if (!met) relay_only_.insert({x.listener, b, t});
    }
    view_.relayed_runs += j - i;
    i = j;
  }
}

RelayView RelayAdversary::view(const SyncPhase& sync) const {
  RelayView v = view_;
  if (!enabled_) return v;
  struct Seen {
    bool relay_only = false;
    bool genuine = false;
  };
  std::map<std::pair<std::uint32_t, std::uint32_t>, Seen> by_sync;  // (phone, sync day)
  for (const auto& h : sync.exposure_hits()) {
    if (h.windows == 0 || h.owner == kNoPerson) continue;
    Seen& s = by_sync[{h.phone, h.sync_day}];
    if (relay_only_.contains({h.phone, h.owner, h.exposure_day})) {
      s.relay_only = true;
      ++v.relay_only_hits;
    } else {
      s.genuine = true;
    }
  }
  for (const auto& n : sync.notifications()) {
    if (n.venue) continue;
    const auto it = by_sync.find({n.phone, n.day});
    if (it == by_sync.end() || !it->second.relay_only) continue;
    ++v.false_warnings;
    if (!it->second.genuine) ++v.warned_only_by_relay;
  }
  return v;
}

}  // namespace greenlight::sim::internal
