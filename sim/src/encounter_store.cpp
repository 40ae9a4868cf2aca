#include "greenlight/sim/encounter_store.h"

#include <algorithm>

#include "internal/rng.h"

namespace greenlight::sim {

std::uint64_t scan_noise_key(std::uint64_t seed, std::uint32_t day, std::uint32_t listener,
                             std::uint32_t broadcaster, std::uint32_t start_scan) {
  return internal::stream_key(seed, internal::kPurposeScanNoise, day, listener,
                              (static_cast<std::uint64_t>(broadcaster) << 9) | start_scan);
}

void DayEncounters::resize_runs(std::size_t n) {
  rpi_tag.resize(n);
  meta.resize(n);
  listener_lo.resize(n);
  listener_hi.resize(n);
  if (wide) listener_top.resize(n);
}

void DayEncounters::append_run(std::uint32_t who, std::uint32_t tag, std::uint32_t run_meta) {
  resize_runs(runs() + 1);
  rpi_tag.back() = tag;
  meta.back() = run_meta;
  set_listener(runs() - 1, who);
}

std::uint32_t DayEncounters::broadcaster(std::size_t r) const {
  // The last phone whose first run is at or before r.
  const auto it = std::upper_bound(offsets.begin(), offsets.end(), static_cast<std::uint32_t>(r));
  return first_phone + static_cast<std::uint32_t>(it - offsets.begin() - 1);
}

EncounterStore::EncounterStore(std::uint32_t people, std::uint32_t retention_days)
    : EncounterStore(people, retention_days, 0, people) {}

EncounterStore::EncounterStore(std::uint32_t people, std::uint32_t retention_days,
                               std::uint32_t first_phone, std::uint32_t end_phone)
    : people_(people),
      retention_days_(retention_days),
      first_phone_(std::min(first_phone, people)),
      end_phone_(std::clamp(end_phone, first_phone_, people)),
      ring_(retention_days + 1) {}

DayEncounters& EncounterStore::begin_day(std::uint32_t day) {
  DayEncounters& slot = ring_[day % ring_.size()];
  slot.day = day;
  slot.first_phone = first_phone_;
  slot.offsets.assign(end_phone_ - first_phone_ + 1, 0);
  slot.rpi_tag.clear();
  slot.meta.clear();
  slot.listener_lo.clear();
  slot.listener_hi.clear();
  slot.listener_top.clear();
  slot.wide = people_ > (std::uint32_t{1} << 24);
  return slot;
}

const DayEncounters* EncounterStore::find(std::uint32_t day) const {
  const DayEncounters& slot = ring_[day % ring_.size()];
  return slot.day == day ? &slot : nullptr;
}

std::vector<std::uint32_t> EncounterStore::days() const {
  std::vector<std::uint32_t> out;
  for (const auto& d : ring_) {
    if (d.day != kNoDay) out.push_back(d.day);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t EncounterStore::memory_bytes() const {
  std::size_t total = 0;
  for (const auto& d : ring_) total += d.memory_bytes();
  return total;
}

std::size_t EncounterStore::runs() const {
  std::size_t total = 0;
  for (const auto& d : ring_) total += d.runs();
  return total;
}

}  // namespace greenlight::sim
