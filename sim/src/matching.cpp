#include "greenlight/sim/matching.h"

#include <algorithm>
#include <array>
#include <bit>
#include <map>
#include <string>
#include <unordered_map>

#include "internal/parallel.h"

namespace greenlight::sim {
void SharedRpiTable::DayTable::insert(std::uint32_t tag, std::uint32_t key_index,
                                      std::uint32_t interval_offset) {
  const std::uint64_t h = spread(tag);
  filter_[(h >> 12) & filter_mask_] |= filter_bits(h);
  const std::size_t mask = slots_.size() - 1;
  std::size_t s = (h >> 20) & mask;
  while (slots_[s].packed != 0) s = (s + 1) & mask;
  slots_[s] = {tag, ((key_index + 1) << kOffsetBits) | interval_offset};
  ++entries_;
}

Status SharedRpiTable::build(std::span<const TemporaryExposureKey> keys,
                             const TekSchedule& schedule, std::uint32_t first_day,
                             std::uint32_t last_day, GaenExpander& expander) {
  GaenExpander* const one[] = {&expander};
  return build(keys, schedule, first_day, last_day, one);
}

Status SharedRpiTable::build(std::span<const TemporaryExposureKey> keys,
                             const TekSchedule& schedule, std::uint32_t first_day,
                             std::uint32_t last_day, std::span<GaenExpander* const> expanders,
                             std::span<const std::uint8_t> owned) {
  tables_.clear();
  keys_expanded_ = 0;
  if (keys.size() > kMaxKeys) {
    return make_error(ErrorCode::kResourceExhausted,
                      "the shared RPI table holds at most " + std::to_string(kMaxKeys) +
                          " keys per sync, got " + std::to_string(keys.size()));
  }
  if (!owned.empty() && owned.size() != keys.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "SharedRpiTable::build: " + std::to_string(owned.size()) +
                          " owned flags for " + std::to_string(keys.size()) + " keys");
  }
  if (expanders.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "SharedRpiTable::build needs an expander");
  }
  const EnIntervalNumber first = schedule.day_interval(first_day);
  const EnIntervalNumber last_end = schedule.day_interval(last_day + 1);
  std::map<std::uint32_t, std::vector<std::uint32_t>> by_day;
  for (std::uint32_t i = 0; i < keys.size(); ++i) {
    const auto start = keys[i].rolling_start_interval_number;
    if (start < first || !(start < last_end)) continue;
    by_day[schedule.day_of(start)].push_back(i);
  }
  tables_.resize(by_day.size());
  std::size_t k = 0;
  for (auto& [d, indices] : by_day) {
    tables_[k].day_ = d;
    tables_[k].tags_only_ =
        !owned.empty() &&
        std::all_of(indices.begin(), indices.end(), [&](std::uint32_t i) { return owned[i] != 0; });
    tables_[k].key_indices_ = std::move(indices);
    ++k;
  }
  std::vector<std::size_t> expanded(tables_.size(), 0);
  sim::internal::parallel_for(
      static_cast<std::uint32_t>(expanders.size()), static_cast<std::uint32_t>(tables_.size()),
      [&](std::uint32_t task, std::uint32_t worker) {
        DayTable& t = tables_[task];
        GaenExpander& expander = *expanders[worker];
        std::size_t expected = 0;
        for (auto i : t.key_indices_) {
          expected += std::min(keys[i].rolling_period, kTekRollingPeriod);
        }
        if (t.tags_only_) {
          // One empty slot and one empty filter word: lookups find nothing.
          t.slots_.resize(1);
          t.filter_.assign(1, 0);
          t.filter_mask_ = 0;
          t.key_tags_.reserve(expected);
          t.tag_start_.reserve(t.key_indices_.size() + 1);
          t.tag_start_.push_back(0);
        } else {
          t.slots_.resize(std::bit_ceil(std::max<std::size_t>(16, expected + expected / 3)));
          const std::size_t words = std::bit_ceil(std::max<std::size_t>(1, expected / 4));
          t.filter_.assign(words, 0);
          t.filter_mask_ = words - 1;
        }
        const EnIntervalNumber day_start_interval = schedule.day_interval(t.day_);
        std::array<Rpi, kTekRollingPeriod> rpis;
        for (auto i : t.key_indices_) {
          const auto& key = keys[i];
          const std::uint32_t count = std::min(key.rolling_period, kTekRollingPeriod);
          expander.expand_rpis(key.key_data, key.rolling_start_interval_number,
                               std::span<Rpi>(rpis.data(), count));
          ++expanded[task];
          if (t.tags_only_) {
            for (std::uint32_t j = 0; j < count; ++j) t.key_tags_.push_back(rpi_tag(rpis[j]));
            t.tag_start_.push_back(static_cast<std::uint32_t>(t.key_tags_.size()));
            t.entries_ += count;
            continue;
          }
          for (std::uint32_t j = 0; j < count; ++j) {
            t.insert(rpi_tag(rpis[j]), i,
                     key.rolling_start_interval_number.value + j - day_start_interval.value);
          }
        }
      });
  for (const std::size_t e : expanded) keys_expanded_ += e;
  return ok();
}

const SharedRpiTable::DayTable* SharedRpiTable::day(std::uint32_t d) const {
  for (const auto& t : tables_) {
    if (t.day_ == d) return &t;
  }
  return nullptr;
}

std::vector<std::uint32_t> SharedRpiTable::days() const {
  std::vector<std::uint32_t> out;
  for (const auto& t : tables_) out.push_back(t.day_);
  return out;
}

std::size_t SharedRpiTable::entries() const {
  std::size_t n = 0;
  for (const auto& t : tables_) n += t.entries_;
  return n;
}

void run_scans(const DayEncounters& day, std::size_t run, std::uint32_t broadcaster,
               const RadioModel& radio, std::uint64_t seed, std::vector<RawScan>& out) {
  run_scans(day.day, day.listener(run), broadcaster, day.meta[run], radio, seed, out);
}

void run_scans(std::uint32_t day, std::uint32_t listener, std::uint32_t broadcaster,
               std::uint32_t meta, const RadioModel& radio, std::uint64_t seed,
               std::vector<RawScan>& out) {
  const std::uint32_t start = RunMeta::start_scan(meta);
  const std::uint32_t n = RunMeta::scans(meta);
  const std::uint64_t key = scan_noise_key(seed, day, listener, broadcaster, start);
  for (std::uint32_t k = 0; k < n; ++k) {
    const ScanSample s = radio.scan(RunMeta::attenuation_db(meta), key, k);
    if (s.detected) out.push_back({day * kScansPerDay + start + k, s.attenuation_db});
  }
}

std::vector<Sighting> phone_sightings(std::uint32_t phone, const EncounterStore& store,
                                      std::uint32_t first_day, std::uint32_t last_day,
                                      const TekSchedule& schedule, const RadioModel& radio,
                                      std::uint64_t seed, GaenExpander& expander) {
  std::vector<Sighting> out;
  const Metadata metadata = simulated_metadata();
  std::vector<RawScan> scans;
  for (const std::uint32_t d : store.days()) {
    if (d < first_day || d > last_day) continue;
    const DayEncounters* day = store.find(d);
    // This phone's log: the runs it is the listener of.
    std::uint32_t broadcaster = day->first_phone;
    for (std::uint32_t r = 0; r < day->runs(); ++r) {
      if (day->listener(r) != phone) continue;
      while (day->runs_begin(broadcaster + 1) <= r) ++broadcaster;
      scans.clear();
      run_scans(*day, r, broadcaster, radio, seed, scans);
      if (scans.empty()) continue;
      const Tek tek = schedule.tek(broadcaster, d);
      const Rpik rpik = expander.rpik(tek);
      const Aemk aemk = expander.aemk(tek);
      for (const auto& s : scans) {
        const std::uint32_t slot = s.scan_index % kScansPerDay;
        const EnIntervalNumber interval{schedule.day_interval(d).value + slot / kScansPerInterval};
        Sighting sighting;
        expander.expand_rpis_from_rpik(rpik, interval, std::span<Rpi>(&sighting.rpi, 1));
        sighting.aem = encrypt_aem(aemk, sighting.rpi, metadata);
        sighting.unix_seconds =
            schedule.start_unix_seconds() + static_cast<std::int64_t>(s.scan_index) * kScanSeconds;
        sighting.attenuation_db = s.attenuation_db;
        out.push_back(sighting);
      }
    }
  }
  return out;
}

void sort_windows(std::vector<ExposureWindow>& windows) {
  std::sort(windows.begin(), windows.end(), [](const ExposureWindow& a, const ExposureWindow& b) {
    if (a.key_index != b.key_index) return a.key_index < b.key_index;
    return a.first_scan_index < b.first_scan_index;
  });
}

std::vector<ExposureWindow> windows_from_hits(std::span<const RunHit> hits,
                                              std::span<const TemporaryExposureKey> keys,
                                              const RadioModel& radio, std::uint64_t seed) {
  // The hits of each key, keys in ascending order (a phone has a few hits: a sort of their
  // positions, and buffers kept per thread, instead of a map of vectors per phone). Each
  // key's scans are sorted by aggregate_scans, so the order of its hits does not matter.
  thread_local std::vector<std::pair<std::uint32_t, std::uint32_t>> order;  // (key, hit)
  thread_local std::vector<RawScan> raw;
  thread_local std::vector<TimedScan> scans;
  order.clear();
  for (std::uint32_t i = 0; i < hits.size(); ++i) order.emplace_back(hits[i].key_index, i);
  std::sort(order.begin(), order.end());
  std::vector<ExposureWindow> out;
  for (std::size_t i = 0; i < order.size();) {
    const std::uint32_t k = order[i].first;
    raw.clear();
    for (; i < order.size() && order[i].first == k; ++i) {
      const RunHit& h = hits[order[i].second];
      run_scans(h.day, h.phone, h.broadcaster, h.meta, radio, seed, raw);
    }
    if (raw.empty()) continue;  // no scan detected: the key has no window
    aggregate_scans(raw, scans);
    append_windows(scans, k, keys[k].report_type, keys[k].days_since_onset_of_symptoms, out);
  }
  sort_windows(out);
  return out;
}

Result<std::vector<ExposureWindow>> LiteralPhoneMatcher::match(
    std::span<const Sighting> sightings, std::span<const TemporaryExposureKey> keys,
    std::int64_t /*now*/) {
  struct Where {
    std::uint32_t key_index;
    EnIntervalNumber interval;
  };
  // This phone's own table of every RPI of every key (no sharing).
  std::unordered_map<std::uint64_t, std::vector<Where>> table;
  std::array<Rpi, kTekRollingPeriod> rpis;
  for (std::uint32_t i = 0; i < keys.size(); ++i) {
    const std::uint32_t count = std::min(keys[i].rolling_period, kTekRollingPeriod);
    expander_.expand_rpis(keys[i].key_data, keys[i].rolling_start_interval_number,
                          std::span<Rpi>(rpis.data(), count));
    for (std::uint32_t j = 0; j < count; ++j) {
      table[rpi_prefix(rpis[j])].push_back({i, {keys[i].rolling_start_interval_number.value + j}});
    }
  }
  const Metadata expected = simulated_metadata();
  std::map<std::uint32_t, std::vector<RawScan>> by_key;
  for (const auto& s : sightings) {
    auto it = table.find(rpi_prefix(s.rpi));
    if (it == table.end()) continue;
    const EnIntervalNumber seen = interval_from_unix_seconds(s.unix_seconds);
    for (const auto& w : it->second) {
      const auto& key = keys[w.key_index];
      // The prefix only finds candidates: compare all 16 bytes.
      Rpi full{};
      expander_.expand_rpis(key.key_data, w.interval, std::span<Rpi>(&full, 1));
      if (full != s.rpi) continue;
      const std::int64_t drift = static_cast<std::int64_t>(seen.value) - w.interval.value;
      if (drift < -static_cast<std::int64_t>(kMatchingClockDriftIntervals) ||
          drift > static_cast<std::int64_t>(kMatchingClockDriftIntervals)) {
        continue;
      }
      const Aemk aemk = expander_.aemk(key.key_data);
      if (decrypt_aem(aemk, s.rpi, s.aem) != expected) continue;
      const auto scan_index = static_cast<std::uint32_t>((s.unix_seconds - start_) / kScanSeconds);
      by_key[w.key_index].push_back({scan_index, s.attenuation_db});
    }
  }
  std::vector<ExposureWindow> out;
  for (auto& [k, raw] : by_key) {
    const auto scans = aggregate_scans(std::move(raw));
    append_windows(scans, k, keys[k].report_type, keys[k].days_since_onset_of_symptoms, out);
  }
  sort_windows(out);
  return out;
}

}  // namespace greenlight::sim
