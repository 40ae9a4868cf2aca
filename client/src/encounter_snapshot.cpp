#include "greenlight/client/encounter_snapshot.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>

namespace greenlight::client {
namespace {

std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

EncounterSnapshot::EncounterSnapshot(std::vector<EncounterRecord> records,
                                     std::vector<std::int64_t> scan_times, std::uint64_t hash_seed)
    : records_(std::move(records)), scan_times_(std::move(scan_times)) {
  std::sort(scan_times_.begin(), scan_times_.end());
  scan_times_.erase(std::unique(scan_times_.begin(), scan_times_.end()), scan_times_.end());

  std::uint64_t state = hash_seed;
  k0_ = splitmix64(state);
  k1_ = splitmix64(state);
  m0_ = splitmix64(state) | 1U;
  m1_ = splitmix64(state) | 1U;

  // Load factor at most 1/2 keeps probe sequences short.
  const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, 2 * records_.size()));
  shift_ = 64U - static_cast<unsigned>(std::countr_zero(capacity));
  slots_.assign(capacity, Slot{});
  const std::size_t mask = capacity - 1;

  // Filter: 16 bits per record (at least 64 words); with two bits per RPI about 1.4 % of
  // the misses probe the table.
  const std::size_t filter_words =
      std::bit_ceil(std::max<std::size_t>(64, (16 * records_.size() + 63) / 64));
  filter_shift_ = 64U - static_cast<unsigned>(std::countr_zero(filter_words));
  filter_.assign(filter_words, 0);

  bool first = true;
  for (std::size_t r = 0; r < records_.size(); ++r) {
    const EncounterRecord& record = records_[r];
    const std::uint64_t lo = load_u64(record.rpi.data());
    const std::uint64_t hi = load_u64(record.rpi.data() + 8);
    std::size_t i = slot_of(lo, hi);
    bool duplicate = false;
    while (slots_[i].index != 0) {
      if (slots_[i].tag == lo && records_[slots_[i].index - 1].rpi == record.rpi) {
        duplicate = true;
        break;
      }
      i = (i + 1) & mask;
    }
    if (!duplicate) slots_[i] = Slot{lo, static_cast<std::uint32_t>(r + 1)};
    filter_[lo >> filter_shift_] |= filter_mask(lo);
    for (const ScanSighting& s : record.sightings) {
      if (first || s.scan_time < earliest_) earliest_ = s.scan_time;
      if (first || s.scan_time > latest_) latest_ = s.scan_time;
      first = false;
    }
  }
}

const EncounterRecord* EncounterSnapshot::find_in_table(const Rpi& rpi,
                                                        std::uint64_t lo) const noexcept {
  const std::uint64_t hi = load_u64(rpi.data() + 8);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(lo, hi);; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.index == 0) return nullptr;
    if (slot.tag == lo) {
      const EncounterRecord& record = records_[slot.index - 1];
      if (record.rpi == rpi) return &record;
    }
  }
}

void EncounterSnapshot::find_all(
    std::span<const Rpi> rpis,
    std::vector<std::pair<std::uint32_t, const EncounterRecord*>>& hits) const {
  if (filter_.empty()) return;
  const std::uint64_t* filter = filter_.data();
  const unsigned shift = filter_shift_;
  constexpr std::size_t kBlock = 256;
  std::array<std::uint32_t, kBlock> candidates{};
  for (std::size_t base = 0; base < rpis.size(); base += kBlock) {
    const std::size_t end = std::min(rpis.size(), base + kBlock);
    std::size_t n = 0;
    for (std::size_t i = base; i < end; ++i) {
      const std::uint64_t lo = load_u64(rpis[i].data());
      const std::uint64_t mask = filter_mask(lo);
      candidates[n] = static_cast<std::uint32_t>(i);
      n += (filter[lo >> shift] & mask) == mask ? 1U : 0U;
    }
    for (std::size_t c = 0; c < n; ++c) {
      const Rpi& rpi = rpis[candidates[c]];
      if (const EncounterRecord* record = find_in_table(rpi, load_u64(rpi.data()))) {
        hits.emplace_back(candidates[c], record);
      }
    }
  }
}

std::optional<std::int64_t> EncounterSnapshot::previous_scan(std::int64_t t) const noexcept {
  auto it = std::lower_bound(scan_times_.begin(), scan_times_.end(), t);
  if (it == scan_times_.begin()) return std::nullopt;
  return *std::prev(it);
}

}  // namespace greenlight::client
