// Matching the phones' encounter logs against published diagnosis keys, two ways.
//
// Shared path (what the simulation runs for every phone): each newly published key is
// expanded into its 144 RPIs once per run (HKDF + one AES call, GaenExpander) into one
// table per UTC day; every phone probes the table with the RPI tag of each stored run of
// that day, confirms a candidate against the full key, and accepts a hit whose interval is
// within +-2 h (12 intervals) of the observation. A phone's result is a function of its
// own log and the public keys only; the table just avoids deriving the same RPIs once per
// phone (about 10^12 AES operations a day at a million phones).
//
// Per-phone path (PhoneMatcher): one phone's individual sightings (every scan, with its
// full 16-byte RPI and AEM re-created from the runs) matched on their own against the
// keys, as a phone does. LiteralPhoneMatcher derives every key's RPIs itself;
// ClientPhoneMatcher (client_matcher.h) runs the client library's encounter log, matcher
// and risk scoring. Tests and the simulation's verify_phones option check that both paths
// give the same windows.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/result.h"
#include "greenlight/sim/encounter_store.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/radio.h"
#include "greenlight/sim/risk.h"

namespace greenlight::sim {

class SharedRpiTable {
 public:
  struct Entry {
    std::uint32_t key_index = 0;
    std::uint32_t interval_offset = 0;  // interval - start of the key's day
  };
  // Entries are packed as (key_index + 1) << 9 | interval offset (a key that starts late in
  // its day reaches offset 143 + 143 = 286), so one sync's tables hold at most kMaxKeys keys
  // (8.4 M: about 600,000 uploads of 14 keys in one sync).
  static constexpr std::uint32_t kOffsetBits = 9;
  static constexpr std::size_t kMaxKeys = (std::size_t{1} << (32 - kOffsetBits)) - 2;

  // The RPIs of one UTC day, by their 4-byte tag (rpi_tag): an open-addressing table
  // behind a blocked filter (16 to 32 bits per entry; three bits in one 64-bit word per
  // entry) that rejects almost every miss with a single memory access. Filter word, bits
  // and first slot come from spread(tag), the tag times a 64-bit odd constant. Several RPIs may
  // share a tag (about entries^2 / 2^33 pairs): a probe visits every entry of its tag.
  class DayTable {
   public:
    std::uint32_t day() const { return day_; }
    std::size_t entries() const { return entries_; }
    // Indices (into the keys given to build()) of the keys expanded into this table.
    std::span<const std::uint32_t> key_indices() const { return key_indices_; }
    // One multiplication: the tag is already uniform (AES output), the product only spreads
    // its 32 bits over the 38 that the filter word, the filter bits and the slot read.
    static std::uint64_t spread(std::uint32_t tag) {
      return static_cast<std::uint64_t>(tag) * 0x9e3779b97f4a7c15ULL;
    }
    // The filter word of a spread tag, for prefetching ahead of may_contain().
    const std::uint64_t* filter_word(std::uint64_t spread) const {
      return &filter_[(spread >> 12) & filter_mask_];
    }
    static std::uint64_t filter_bits(std::uint64_t spread) {
      // Bits 0-11 and 58-63: not the word's (from bit 12) nor the slot's (from bit 20)
      // unless a table has 2^38 slots.
      return (1ULL << (spread & 63)) | (1ULL << ((spread >> 6) & 63)) | (1ULL << (spread >> 58));
    }
    // False when no RPI of the table has this spread tag's filter bits.
    bool may_contain(std::uint64_t spread) const {
      const std::uint64_t bits = filter_bits(spread);
      return (*filter_word(spread) & bits) == bits;
    }
    // Calls f(Entry) for each entry with this tag (spread = spread(tag)) until f returns true.
    template <typename F>
    void for_each(std::uint32_t tag, std::uint64_t spread, F&& f) const {
      const std::size_t mask = slots_.size() - 1;
      for (std::size_t s = (spread >> 20) & mask; slots_[s].packed != 0; s = (s + 1) & mask) {
        if (slots_[s].tag == tag && f(Entry{(slots_[s].packed >> kOffsetBits) - 1,
                                            slots_[s].packed & ((1u << kOffsetBits) - 1)})) {
          return;
        }
      }
    }
    // A table built tags-only (every key of the day owned, see build) has no lookup: may_contain()
    // is false and find() finds nothing. key_tags(k) is then the RPI tags of key key_indices()[k],
    // element j the tag of the RPI of interval rolling_start_interval_number + j.
    bool tags_only() const { return tags_only_; }
    std::span<const std::uint32_t> key_tags(std::size_t k) const {
      return std::span(key_tags_).subspan(tag_start_[k], tag_start_[k + 1] - tag_start_[k]);
    }
    // The first entry with this tag.
    std::optional<Entry> find(std::uint32_t tag) const {
      const std::uint64_t h = spread(tag);
      std::optional<Entry> out;
      if (!may_contain(h)) return out;
      for_each(tag, h, [&](const Entry& e) {
        out = e;
        return true;
      });
      return out;
    }

   private:
    friend class SharedRpiTable;
    struct Slot {
      std::uint32_t tag = 0;
      std::uint32_t packed = 0;  // (key_index + 1) << kOffsetBits | interval offset; 0 = empty
    };
    void insert(std::uint32_t tag, std::uint32_t key_index, std::uint32_t interval_offset);
    std::uint32_t day_ = kNoDay;
    std::vector<std::uint32_t> key_indices_;
    std::vector<Slot> slots_;            // power-of-two size, at most three quarters full
    std::vector<std::uint64_t> filter_;  // power-of-two number of words
    std::uint64_t filter_mask_ = 0;      // words - 1
    std::size_t entries_ = 0;
    bool tags_only_ = false;
    std::vector<std::uint32_t> key_tags_;   // tags-only: every key's tags, in key order
    std::vector<std::uint32_t> tag_start_;  // tags-only: key k's tags start at tag_start_[k]
  };

  // Expands every key whose day lies in [first_day, last_day] once, into that day's table.
  // Fails (kResourceExhausted) with more than kMaxKeys keys.
  [[nodiscard]] Status build(std::span<const TemporaryExposureKey> keys,
                             const TekSchedule& schedule, std::uint32_t first_day,
                             std::uint32_t last_day, GaenExpander& expander);
  // The same with one thread per expander (each day's table is built by one of them; the
  // tables do not depend on the number of threads). owned[i] != 0 says that key i's
  // uploader is known (empty: no key's); a day whose every key is owned keeps each key's RPI
  // tags in a plain array instead of the lookup table (DayTable::key_tags): a caller that
  // knows which key each of its runs can match compares with that key's tags alone.
  [[nodiscard]] Status build(std::span<const TemporaryExposureKey> keys,
                             const TekSchedule& schedule, std::uint32_t first_day,
                             std::uint32_t last_day, std::span<GaenExpander* const> expanders,
                             std::span<const std::uint8_t> owned = {});
  // The table of one day, or nullptr when no key of that day was published.
  const DayTable* day(std::uint32_t day) const;
  // Days with at least one key, ascending.
  std::vector<std::uint32_t> days() const;
  // The first entry of this tag on this day.
  std::optional<Entry> find(std::uint32_t day, std::uint32_t tag) const {
    const DayTable* t = this->day(day);
    return t == nullptr ? std::nullopt : t->find(tag);
  }
  std::size_t entries() const;
  std::size_t keys_expanded() const { return keys_expanded_; }

 private:
  std::vector<DayTable> tables_;
  std::size_t keys_expanded_ = 0;
};

// One heard advertisement as the phone stored it.
struct Sighting {
  Rpi rpi{};
  Aem aem{};
  std::int64_t unix_seconds = 0;  // time of the scan (the receiver's clock)
  std::uint8_t attenuation_db = 0;
};

// Everything phone `phone` heard on days [first_day, last_day], one sighting per detected
// scan, with the real RPI and AEM of the broadcasting phone's TEK.
std::vector<Sighting> phone_sightings(std::uint32_t phone, const EncounterStore& store,
                                      std::uint32_t first_day, std::uint32_t last_day,
                                      const TekSchedule& schedule, const RadioModel& radio,
                                      std::uint64_t seed, GaenExpander& expander);

// The detected scans of run `run` of `day`, broadcast by `broadcaster`.
void run_scans(const DayEncounters& day, std::size_t run, std::uint32_t broadcaster,
               const RadioModel& radio, std::uint64_t seed, std::vector<RawScan>& out);
// The same from the run's fields: heard on `day` by `listener` from `broadcaster`, with its
// RunMeta `meta`.
void run_scans(std::uint32_t day, std::uint32_t listener, std::uint32_t broadcaster,
               std::uint32_t meta, const RadioModel& radio, std::uint64_t seed,
               std::vector<RawScan>& out);

// A run stored by phone `phone` (its listener) that matched key `key_index`, with the run's
// RunMeta, so that its windows need no store (a run may be stored by another MPI rank). `run`
// is the run's index in its day's store; the order (phone, day, broadcaster, run) is the
// order of the runs in one store at any number of ranks.
struct RunHit {
  std::uint32_t phone = 0;
  std::uint32_t day = 0;
  std::uint32_t broadcaster = 0;
  std::uint32_t run = 0;
  std::uint32_t key_index = 0;
  std::uint32_t meta = 0;
  friend auto operator<=>(const RunHit&, const RunHit&) = default;
};

// Shared path: the windows of one phone from its hits (any order), sorted by
// (key_index, day, first scan).
std::vector<ExposureWindow> windows_from_hits(std::span<const RunHit> hits,
                                              std::span<const TemporaryExposureKey> keys,
                                              const RadioModel& radio, std::uint64_t seed);

class PhoneMatcher {
 public:
  virtual ~PhoneMatcher() = default;
  // The exposure windows of one phone's sightings against keys, matched at time `now`
  // (unix seconds, the phone's sync), sorted by (key_index, day, first scan); key_index
  // indexes keys.
  [[nodiscard]] virtual Result<std::vector<ExposureWindow>> match(
      std::span<const Sighting> sightings, std::span<const TemporaryExposureKey> keys,
      std::int64_t now) = 0;
};

// The literal on-device algorithm: derive all RPIs of every key, look every sighting up,
// accept it within +-12 intervals, decrypt its AEM, group into windows.
class LiteralPhoneMatcher final : public PhoneMatcher {
 public:
  // start_unix_seconds: 00:00 UTC of simulation day 0 (scan indices count from there).
  explicit LiteralPhoneMatcher(std::int64_t start_unix_seconds) : start_(start_unix_seconds) {}
  [[nodiscard]] Result<std::vector<ExposureWindow>> match(
      std::span<const Sighting> sightings, std::span<const TemporaryExposureKey> keys,
      std::int64_t now) override;

 private:
  std::int64_t start_;
  GaenExpander expander_;
};

// Sort order of windows used by both paths.
void sort_windows(std::vector<ExposureWindow>& windows);

}  // namespace greenlight::sim
