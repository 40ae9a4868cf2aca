#include "internal/scenario_ledger.h"

#include <algorithm>
#include <array>
#include <map>
#include <span>
#include <vector>

#include "internal/contacts.h"
#include "internal/parallel.h"
#include "internal/statistics.h"

namespace greenlight::sim::internal {
namespace {

// Stream of the chaff schedule (far from the kPurpose values in rng.h).
constexpr std::uint64_t kPurposeChaffSchedule = 0x5ce0001;
// Request bytes of one upload flow, real or fake: verify and certificate padded to 1 KiB,
// publish to 20 KiB (wire::kSmallRequestPaddingBucket, kPublishRequestPaddingBucket).
constexpr double kFlowRequestBytes = 1024 + 1024 + 20480;

constexpr std::uint8_t kEverRed = 1;
constexpr std::uint8_t kEverYellow = 2;

}  // namespace

ScenarioLedger::ScenarioLedger(const World& world)
    : w_(world),
      ever_(world.own_end - world.own_begin, 0),
      isolation_days_(world.own_end - world.own_begin, 0) {
  if (world.config.app.chaff_per_day > 0)
    dead_from_.assign(world.own_end - world.own_begin, kAlive);
}

void ScenarioLedger::observe(std::uint32_t t, const HealthPhase& health, const SyncPhase& sync,
                             const HealthCodePhase& code, DailyStats& st) {
  const auto day = static_cast<std::int32_t>(t);
  const auto isolated_until = health.isolated_until();
  const bool central = code.enabled() && !code.shadow();
  // Each person's entries are its own; the day's sums are taken per shard of the people this
  // rank owns and added up in shard order (over ranks at the end, in metrics).
  struct Sums {
    std::array<std::uint64_t, 2> red{};
    std::array<std::uint64_t, 2> yellow{};
    std::array<std::uint32_t, 3> colours{};  // green, yellow, red under the central code
  };
  std::array<Sums, kShards> sums{};
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    Sums& out = sums[shard];
    const auto note = [&](std::uint32_t p, Colour c, std::size_t which) {
      if (c == Colour::kRed) {
        ever_[p - w_.own_begin] |= static_cast<std::uint8_t>(kEverRed << (2 * which));
        ++out.red[which];
      } else if (c == Colour::kYellow) {
        ever_[p - w_.own_begin] |= static_cast<std::uint8_t>(kEverYellow << (2 * which));
        ++out.yellow[which];
      }
    };
    const auto [i0, i1] = shard_range(w_.own_end - w_.own_begin, shard);
    for (std::uint32_t p = w_.own_begin + i0; p < w_.own_begin + i1; ++p) {
      if (health.dead(p, t)) {  // no isolation, no colour (as DailyStats), no more chaff
        if (!dead_from_.empty() && dead_from_[p - w_.own_begin] == kAlive) {
          dead_from_[p - w_.own_begin] = static_cast<std::uint16_t>(t);
        }
        continue;
      }
      if (isolated_until[p] > day) ++isolation_days_[p - w_.own_begin];
      if (central) {
        if (!code.covered(p, t)) continue;
        const Colour c = code.colour(p, t);
        ++out.colours[c == Colour::kRed ? 2 : c == Colour::kYellow ? 1 : 0];
        note(p, c, 0);
        continue;
      }
      if (w_.app_on(p, t)) note(p, phone_colour(health, sync, p, t), 0);
      if (code.enabled() && code.covered(p, t)) note(p, code.colour(p, t), 1);
    }
  });
  if (central) st.green = st.yellow = st.red = 0;
  for (const Sums& s : sums) {
    for (std::size_t i = 0; i < 2; ++i) {
      red_days_[i] += s.red[i];
      yellow_days_[i] += s.yellow[i];
    }
    if (central) {
      st.green += s.colours[0];
      st.yellow += s.colours[1];
      st.red += s.colours[2];
    }
  }
}

void ScenarioLedger::uploaded(std::uint32_t t, std::span<const std::uint32_t> uploaders) {
  for (const std::uint32_t p : uploaders) uploads_.emplace_back(p, t);
}

ScenarioMetrics ScenarioLedger::metrics(std::span<const std::int32_t> infection_day,
                                        std::uint32_t days) const {
  ScenarioMetrics m = counts(infection_day);
  m.chaff = chaff(days);
  return m;
}

ScenarioMetrics ScenarioLedger::counts(std::span<const std::int32_t> infection_day) const {
  ScenarioMetrics m;
  std::array<ColourCounts*, 2> counts{&m.colours, &m.shadow_code};
  for (std::size_t i = 0; i < 2; ++i) {
    counts[i]->red_person_days = red_days_[i];
    counts[i]->yellow_person_days = yellow_days_[i];
  }
  for (std::uint32_t p = w_.own_begin; p < w_.own_end; ++p) {
    const bool never = infection_day[p] == kNever;
    const std::uint8_t ever = ever_[p - w_.own_begin];
    const std::uint16_t isolated = isolation_days_[p - w_.own_begin];
    for (std::size_t i = 0; i < 2; ++i) {
      ColourCounts& c = *counts[i];
      const bool red = (ever & (kEverRed << (2 * i))) != 0;
      const bool yellow = (ever & (kEverYellow << (2 * i))) != 0;
      c.ever_red += red;
      c.ever_yellow += yellow;
      c.ever_coloured += red || yellow;
      c.wrongly_red += never && red;
      c.wrongly_yellow += never && yellow;
      c.wrongly_coloured += never && (red || yellow);
    }
    m.isolation_person_days += isolated;
    if (never) m.needless_isolation_person_days += isolated;
  }
  // Each rank counted the people it owns: the sums over ranks.
  std::vector<std::uint64_t*> fields{&m.isolation_person_days, &m.needless_isolation_person_days};
  for (ColourCounts* c : counts) {
    for (std::uint64_t* f :
         {&c->red_person_days, &c->yellow_person_days, &c->ever_red, &c->ever_yellow,
          &c->ever_coloured, &c->wrongly_red, &c->wrongly_yellow, &c->wrongly_coloured}) {
      fields.push_back(f);
    }
  }
  std::vector<std::uint64_t> sums;
  for (const std::uint64_t* f : fields) sums.push_back(*f);
  w_.ranks.sum(sums);
  for (std::size_t i = 0; i < fields.size(); ++i) *fields[i] = sums[i];
  return m;
}

ChaffView ScenarioLedger::chaff(std::uint32_t days) const {
  ChaffView v;
  const double rate = w_.config.app.chaff_per_day;
  v.chaff_per_day = rate;
  // person -> the times of its uploads (12:00 of each day), in order: a phone may upload
  // more than once (a self-report, then its test; with reinfection, each infection).
  std::map<std::uint32_t, std::vector<double>> upload_time;
  for (const auto& [p, d] : uploads_) upload_time[p].push_back(d + 0.5);
  // Flows per phone, split by whether the phone uploaded: histogram[count] per class.
  std::map<std::uint64_t, std::array<std::uint64_t, 2>> histogram;
  std::uint64_t phone_days = 0;  // days the phones ran the app (from each one's first day)
  // Each rank draws the flows of the phones it owns; the counts and histograms are added up
  // over the ranks below.
  for (std::uint32_t p = w_.own_begin; p < w_.own_end; ++p) {
    if (w_.pop.has_app[p] == 0) continue;
    // The days the phone ran the app: from its first day to the day it gave it up, if any,
    // or its user died.
    std::uint32_t until = std::min(days, w_.app_end(p));
    if (!dead_from_.empty()) until = std::min<std::uint32_t>(until, dead_from_[p - w_.own_begin]);
    if (until > w_.app_start(p)) phone_days += until - w_.app_start(p);
    const auto real = upload_time.find(p);
    const bool uploader = real != upload_time.end();
    const std::span<const double> reals =
        uploader ? std::span<const double>(real->second) : std::span<const double>();
    std::size_t real_sent = 0;
    std::uint32_t skips = 0;  // fakes the real uploads sent so far replace
    std::uint64_t flows = 0;
    Rng r(stream_key(w_.seed, kPurposeChaffSchedule, p));
    double at = w_.app_start(p);
    while (rate > 0) {
      at += r.exponential(1.0 / rate);
      for (; real_sent < reals.size() && at > reals[real_sent]; ++real_sent) ++skips;
      if (at >= until) break;
      if (skips > 0) {
        --skips;  // a real upload replaces this fake
        continue;
      }
      ++flows;
      ++v.chaff_flows;
    }
    flows += reals.size();
    v.real_flows += reals.size();
    ++histogram[flows][uploader ? 1 : 0];
  }
  std::array<std::uint64_t, 3> sums{v.real_flows, v.chaff_flows, phone_days};
  w_.ranks.sum(sums);
  v.real_flows = sums[0];
  v.chaff_flows = sums[1];
  phone_days = sums[2];
  if (w_.ranks.size() > 1) {
    std::vector<std::array<std::uint64_t, 3>> mine;  // flows, phones that did not / did upload
    for (const auto& [count, c] : histogram) mine.push_back({count, c[0], c[1]});
    histogram.clear();
    for (const auto& [count, no, yes] : w_.ranks.gather_all<std::array<std::uint64_t, 3>>(mine)) {
      histogram[count][0] += no;
      histogram[count][1] += yes;
    }
  }
  const std::uint64_t all = v.real_flows + v.chaff_flows;
  v.real_share = all ? static_cast<double>(v.real_flows) / static_cast<double>(all) : 0;
  // Per day a phone ran the app.
  v.bytes_per_phone_day =
      phone_days ? kFlowRequestBytes * static_cast<double>(all) / static_cast<double>(phone_days)
                 : 0;
  // AUC of "more flows = uploader" (Mann-Whitney, ties count half).
  std::uint64_t negatives = 0;
  std::uint64_t positives = 0;
  for (const auto& [count, c] : histogram) {
    negatives += c[0];
    positives += c[1];
  }
  double wins = 0;
  std::uint64_t below = 0;
  for (const auto& [count, c] : histogram) {
    wins +=
        static_cast<double>(c[1]) * (static_cast<double>(below) + 0.5 * static_cast<double>(c[0]));
    below += c[0];
  }
  v.uploader_auc = positives && negatives
                       ? wins / (static_cast<double>(positives) * static_cast<double>(negatives))
                       : 0;
  return v;
}

}  // namespace greenlight::sim::internal
