// Every simulated phone's encounter log, stored compactly (TARGETS.md, "Notes for reaching
// the simulation targets").
//
// A contact between two phones is not stored as one record per 10-minute sighting but as
// one run per listening phone: {listener, peer key reference, RPI tag, start scan, scan
// count, attenuation}. The peer key reference is the broadcasting phone (with the run's day
// it names one TEK) and encodes exactly which RPIs the listener heard: the RPI of scan k is
// RPI_j of that TEK for the scan's interval j, and re-deriving it gives the same 16 bytes
// the phone received. The first 4 bytes of the RPI heard at the first scan (its tag) are
// kept so that matching is a table probe without re-deriving anything; a tag that finds a
// published RPI is a candidate, confirmed against the full key (SyncPhase::probe). Per-scan
// attenuations are re-created from the run's base attenuation and a noise key
// (RadioModel::scan), so both matching paths see identical scans. The run also keeps the
// true distance, which only the simulator's ground truth uses. A run is 11 bytes (12 above
// 2^24 people).

// One DayEncounters holds one UTC day of all logs (over MPI ranks: the runs in which the
// rank's own phones were heard). Runs are grouped by broadcasting phone (CSR): the runs in
// which phone p was heard are contiguous, so each phone's RPIs are derived with one key
// schedule and written sequentially. Phone q's own log is the set of
// runs whose listener is q. EncounterStore keeps retention_days + 1 days in a ring; older
// days are dropped, as a phone deletes encounters after 14 days. Not thread-safe for
// writing; concurrent reads are fine.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <utility>
#include <vector>

namespace greenlight::sim {

inline constexpr std::uint32_t kNoDay = 0xffffffffu;

// start scan (9 bits) | true distance in decimetres, capped at 12.7 m (7 bits) |
// scan count (8 bits) | base attenuation in dB (8 bits).
struct RunMeta {
  static constexpr std::uint32_t pack(std::uint32_t start_scan, std::uint32_t distance_dm,
                                      std::uint32_t scans, std::uint32_t attenuation_db) {
    return start_scan | (distance_dm << 9) | (scans << 16) | (attenuation_db << 24);
  }
  static constexpr std::uint32_t start_scan(std::uint32_t m) { return m & 0x1ffu; }
  static constexpr std::uint32_t distance_dm(std::uint32_t m) { return (m >> 9) & 0x7fu; }
  static constexpr std::uint32_t scans(std::uint32_t m) { return (m >> 16) & 0xffu; }
  static constexpr std::uint8_t attenuation_db(std::uint32_t m) {
    return static_cast<std::uint8_t>(m >> 24);
  }
};

// A vector whose resize() leaves new elements uninitialised (default-initialised): the run
// arrays are resized to the day's run count and then written in full, and zero-filling
// tens of megabytes a day first cost more than a per cent of the run's time at 1 M people.
template <typename T>
struct UninitialisedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };
  UninitialisedAllocator() = default;
  template <typename U>
  UninitialisedAllocator(const UninitialisedAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialisation: no value for a scalar
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <typename T>
using RunArray = std::vector<T, UninitialisedAllocator<T>>;

struct DayEncounters {
  std::uint32_t day = kNoDay;
  // The runs of the broadcasting phones [first_phone, end_phone()) only: over several MPI
  // ranks each rank stores the runs of the phones it owns, and its per-day offsets cover
  // those phones alone (4 bytes per phone and day).
  std::uint32_t first_phone = 0;
  // Runs in which phone p was heard (p broadcast): [runs_begin(p), runs_begin(p + 1)), that
  // is [offsets[p - first_phone], offsets[p - first_phone + 1]).
  std::vector<std::uint32_t> offsets;
  RunArray<std::uint32_t> rpi_tag;  // rpi_tag() of the RPI heard at the first scan
  RunArray<std::uint32_t> meta;     // RunMeta
  // The listening phone of each run in three bytes (bits 0-15 and 16-23); bits 24-31 are
  // kept only when the population has more than 2^24 people (wide).
  RunArray<std::uint16_t> listener_lo;
  RunArray<std::uint8_t> listener_hi;
  RunArray<std::uint8_t> listener_top;
  bool wide = false;

  std::size_t runs() const { return meta.size(); }
  std::uint32_t end_phone() const {
    return first_phone + static_cast<std::uint32_t>(offsets.size()) - 1;
  }
  // The first run of phone p, for p in [first_phone, end_phone()] (runs_begin(end_phone())
  // is runs()).
  std::uint32_t runs_begin(std::uint32_t p) const { return offsets[p - first_phone]; }
  std::uint32_t listener(std::size_t r) const {
    std::uint32_t p = listener_lo[r] | (static_cast<std::uint32_t>(listener_hi[r]) << 16);
    if (wide) p |= static_cast<std::uint32_t>(listener_top[r]) << 24;
    return p;
  }
  void set_listener(std::size_t r, std::uint32_t p) {
    listener_lo[r] = static_cast<std::uint16_t>(p);
    listener_hi[r] = static_cast<std::uint8_t>(p >> 16);
    if (wide) listener_top[r] = static_cast<std::uint8_t>(p >> 24);
  }
  // Sizes the run arrays for n runs (new runs' contents unspecified until written).
  void resize_runs(std::size_t n);
  // Appends one run (the broadcaster's offsets are the caller's).
  void append_run(std::uint32_t listener, std::uint32_t tag, std::uint32_t run_meta);
  // The broadcasting phone of run r (in [first_phone, end_phone())).
  std::uint32_t broadcaster(std::size_t r) const;
  std::size_t memory_bytes() const {
    return offsets.capacity() * 4 + rpi_tag.capacity() * 4 + meta.capacity() * 4 +
           listener_lo.capacity() * 2 + listener_hi.capacity() + listener_top.capacity();
  }
};

// The first 8 bytes of an RPI, little-endian (the per-phone matcher's table key). Inline:
// it runs once per published RPI.
inline std::uint64_t rpi_prefix(std::span<const std::uint8_t, 16> rpi) {
  std::uint64_t v = 0;
  std::memcpy(&v, rpi.data(), sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = std::byteswap(v);
  return v;
}

// The first 4 bytes of an RPI, little-endian: the tag a stored run keeps of the RPI it
// heard (inline: it runs once per stored run and per published RPI).
inline std::uint32_t rpi_tag(std::span<const std::uint8_t, 16> rpi) {
  std::uint32_t v = 0;
  std::memcpy(&v, rpi.data(), sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = std::byteswap(v);
  return v;
}

// Noise key of a run's scans: both matching paths derive scans from it.
std::uint64_t scan_noise_key(std::uint64_t seed, std::uint32_t day, std::uint32_t listener,
                             std::uint32_t broadcaster, std::uint32_t start_scan);

class EncounterStore {
 public:
  // The runs of every phone of the population.
  EncounterStore(std::uint32_t people, std::uint32_t retention_days);
  // The runs of the broadcasting phones [first_phone, end_phone) only (one MPI rank's part;
  // listeners may be any of the `people`).
  EncounterStore(std::uint32_t people, std::uint32_t retention_days, std::uint32_t first_phone,
                 std::uint32_t end_phone);

  // The slot for `day`, emptied (the oldest day is dropped).
  DayEncounters& begin_day(std::uint32_t day);
  // The stored day, or nullptr when it is not (or no longer) retained.
  const DayEncounters* find(std::uint32_t day) const;
  // The stored days, oldest first.
  std::vector<std::uint32_t> days() const;
  std::uint32_t retention_days() const { return retention_days_; }
  std::uint32_t people() const { return people_; }
  std::uint32_t first_phone() const { return first_phone_; }
  std::uint32_t end_phone() const { return end_phone_; }
  std::size_t memory_bytes() const;
  std::size_t runs() const;

 private:
  std::uint32_t people_;
  std::uint32_t retention_days_;
  std::uint32_t first_phone_;
  std::uint32_t end_phone_;
  std::vector<DayEncounters> ring_;
};

// A venue check-in as the phone stores it (venue by index: the scanned payload is the same
// for every phone, see VenueDirectory).
struct CheckIn {
  std::uint32_t person = 0;
  std::uint32_t venue = 0;
  std::uint16_t start_scan = 0;  // 5-minute slot of the day of arrival
  std::uint16_t scans = 0;       // length of stay in 5-minute slots
};

struct DayCheckIns {
  std::uint32_t day = kNoDay;
  std::vector<CheckIn> check_ins;  // sorted by person
};

}  // namespace greenlight::sim
