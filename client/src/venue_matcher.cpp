#include "greenlight/client/venue_matcher.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "greenlight/client/feed_sync.h"
#include "internal/device_rows.h"

namespace greenlight::client {
namespace {

// Tags are SHA-256 outputs: their first bytes are already uniformly distributed.
struct TagHash {
  std::size_t operator()(const VenueLocationTag& tag) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, tag.data(), sizeof h);
    return h;
  }
};

// A matched warning (venue_warning_match, device_rows.h): the check-in id in the clear, the
// day and the overlap sealed under the store key.
struct StoredMatch {
  std::int64_t id = 0;
  std::int64_t checkin_id = 0;
  rows::VenueMatchPayload match;
};

Result<StoredMatch> open_match(const StoreCipher& cipher, std::int64_t id, std::int64_t checkin_id,
                               ByteSpan sealed) {
  GL_ASSIGN_OR_RETURN(auto plain,
                      cipher.open(rows::kVenueWarningMatch, rows::be64(checkin_id), sealed));
  GL_ASSIGN_OR_RETURN(auto match, rows::decode_venue_match(plain.span()));
  return StoredMatch{id, checkin_id, match};
}

// The stored matches: of one check-in, or all (checkin_id < 0).
Result<std::vector<StoredMatch>> load_matches(Database& db, std::int64_t checkin_id) {
  auto stmt = checkin_id < 0 ? db.cached("SELECT id, checkin_id, sealed FROM venue_warning_match")
                             : db.cached(
                                   "SELECT id, checkin_id, sealed FROM venue_warning_match "
                                   "WHERE checkin_id = ?");
  GL_RETURN_IF_ERROR(stmt);
  if (checkin_id >= 0) (*stmt)->bind(1, checkin_id);
  std::vector<StoredMatch> out;
  for (;;) {
    auto row = (*stmt)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    GL_ASSIGN_OR_RETURN(auto stored, open_match(db.cipher(), (*stmt)->column_int64(0),
                                                (*stmt)->column_int64(1), (*stmt)->column_blob(2)));
    out.push_back(stored);
  }
  return out;
}

// Records a match, keeping the longest overlap per check-in and day.
Status store_match(Database& db, std::int64_t checkin_id, const rows::VenueMatchPayload& match) {
  GL_ASSIGN_OR_RETURN(auto existing, load_matches(db, checkin_id));
  std::optional<std::int64_t> id;
  rows::VenueMatchPayload merged = match;
  for (const StoredMatch& stored : existing) {
    if (stored.match.day != match.day) continue;
    id = stored.id;
    merged.overlap_minutes = std::max(merged.overlap_minutes, stored.match.overlap_minutes);
  }
  GL_ASSIGN_OR_RETURN(auto sealed,
                      db.cipher().seal(rows::kVenueWarningMatch, rows::be64(checkin_id),
                                       rows::encode_venue_match(merged)));
  auto stmt = id ? db.cached("UPDATE venue_warning_match SET sealed = ?2 WHERE id = ?1")
                 : db.cached("INSERT INTO venue_warning_match(checkin_id, sealed) VALUES (?1, ?2)");
  GL_RETURN_IF_ERROR(stmt);
  (*stmt)->bind(1, id ? *id : checkin_id).bind(2, ByteSpan(sealed));
  return (*stmt)->run();
}

}  // namespace

std::int64_t overlap_seconds(std::int64_t a_start, std::int64_t a_end, std::int64_t b_start,
                             std::int64_t b_end) {
  const std::int64_t start = std::max(a_start, b_start);
  const std::int64_t end = std::min(a_end, b_end);
  return end > start ? end - start : 0;
}

VenueMatchResult match_venue_warnings(std::span<const SealedVenueWarning> warnings,
                                      std::span<const VenueVisit> visits, std::int64_t now,
                                      const VenueMatchOptions& options) {
  std::unordered_map<VenueLocationTag, std::vector<const VenueVisit*>, TagHash> by_tag;
  for (const auto& visit : visits) by_tag[visit.location_tag].push_back(&visit);

  VenueMatchResult out;
  for (const auto& warning : warnings) {
    const auto it = by_tag.find(warning.location_tag);
    if (it == by_tag.end()) continue;
    // Every visit with this tag has the same payload, hence location_id and owner key.
    const VenueVisit& first = *it->second.front();
    const VenueWarningCheck check = check_venue_warning(first.location_id, first.owner_public_key,
                                                        options.authority_keys, warning);
    if (check.verdict != VenueWarningVerdict::kAccepted) {
      if (check.verdict != VenueWarningVerdict::kNotThisVenue) {
        out.rejections.push_back({first.checkin_id, check.verdict, warning});
      }
      continue;
    }
    const VenueReportRecord& record = check.record;
    const std::int64_t start = unix_seconds_from_interval(record.start_interval);
    const std::int64_t end = unix_seconds_from_interval(record.end_interval());
    if (end <= now - options.retention_seconds || start > now + options.max_future_seconds) {
      continue;
    }
    for (const VenueVisit* visit : it->second) {
      const std::int64_t overlap = overlap_seconds(start, end, visit->arrival, visit->departure);
      if (overlap <= 0 || overlap < options.min_overlap_seconds) continue;
      VenueReportMatch match;
      match.checkin_id = visit->checkin_id;
      match.warning.day = utc_day_start(std::max(start, visit->arrival));
      match.warning.overlap_minutes = (overlap + 59) / 60;
      match.risk_level = record.risk_level;
      out.matches.push_back(match);
    }
  }
  return out;
}

Result<std::vector<std::string>> parse_venue_index(std::string_view text) {
  return wire::parse_feed_index(wire::Feed::kVenueWarnings, text);
}

VenueWarnings::VenueWarnings(CheckinStore& store, const Clock& clock,
                             std::vector<wire::TrustedSigningKey> trusted,
                             VenueMatchOptions options, wire::VenueWarningReadLimits limits)
    : store_(store),
      clock_(clock),
      trusted_(std::move(trusted)),
      options_(options),
      limits_(limits) {}

void VenueWarnings::add_trusted_key(wire::TrustedSigningKey key) {
  trusted_.push_back(std::move(key));
}

Result<VenueSyncReport> VenueWarnings::process_batch(ByteSpan file, std::string_view source) {
  Database& db = store_.database();
  auto verified = wire::read_venue_warning_file(file, trusted_, limits_);
  GL_RETURN_IF_ERROR(verified);
  if (gate_) {
    GL_RETURN_IF_ERROR(gate_(verified->file_sha256));
  }

  auto tx = Transaction::begin(db);
  GL_RETURN_IF_ERROR(tx);
  {
    auto seen = db.cached("SELECT 1 FROM venue_processed_batch WHERE sha256 = ?");
    GL_RETURN_IF_ERROR(seen);
    (*seen)->bind(1, ByteSpan(verified->file_sha256));
    auto row = (*seen)->step();
    GL_RETURN_IF_ERROR(row);
    if (*row) {
      return make_error(ErrorCode::kAlreadyExists, "venue batch was processed before");
    }
  }
  const std::int64_t now = clock_.now();
  auto visits = store_.visits();
  GL_RETURN_IF_ERROR(visits);
  const VenueMatchResult result =
      match_venue_warnings(verified->batch.warnings, *visits, now, options_);
  const auto& matches = result.matches;

  VenueSyncReport report;
  report.batches_processed = 1;
  report.reports_seen = verified->batch.warnings.size();
  for (const auto& rejection : result.rejections) {
    VenueWarningEvidence evidence;
    evidence.detected_at = now;
    evidence.checkin_id = rejection.checkin_id;
    evidence.verdict = rejection.verdict;
    evidence.batch_sha256 = verified->file_sha256;
    evidence.warning = rejection.warning;
    auto added = store_.add_warning_evidence(evidence);
    GL_RETURN_IF_ERROR(added);
  }
  report.warnings_rejected = result.rejections.size();
  for (const auto& match : matches) {
    GL_RETURN_IF_ERROR(
        store_match(db, match.checkin_id, {match.warning.day, match.warning.overlap_minutes}));
  }
  report.new_matches = matches.size();
  {
    auto stmt =
        db.cached("INSERT INTO venue_processed_batch(sha256, path, processed_at) VALUES(?, ?, ?)");
    GL_RETURN_IF_ERROR(stmt);
    (*stmt)->bind(1, ByteSpan(verified->file_sha256)).bind_text(2, source).bind(3, now);
    GL_RETURN_IF_ERROR((*stmt)->run());
  }
  GL_RETURN_IF_ERROR(tx->commit());
  return report;
}

Result<VenueSyncReport> VenueWarnings::sync(HttpFetcher& fetcher, std::string_view base_url) {
  // The shared feed pipeline; process_batch verifies, checks the log (the content gate),
  // matches and remembers.
  class BatchConsumer final : public FeedConsumer {
   public:
    BatchConsumer(VenueWarnings& owner, VenueSyncReport& total) : owner_(owner), total_(total) {}
    Result<bool> known(std::string_view path) override {
      auto stmt =
          owner_.store_.database().cached("SELECT 1 FROM venue_processed_batch WHERE path = ?");
      GL_RETURN_IF_ERROR(stmt);
      (*stmt)->bind_text(1, path);
      return (*stmt)->step();
    }
    Status consume(ByteSpan file, std::string_view path) override {
      auto one = owner_.process_batch(file, path);
      GL_RETURN_IF_ERROR(one);
      total_.batches_processed += one->batches_processed;
      total_.reports_seen += one->reports_seen;
      total_.new_matches += one->new_matches;
      total_.warnings_rejected += one->warnings_rejected;
      return ok();
    }

   private:
    VenueWarnings& owner_;
    VenueSyncReport& total_;
  };
  VenueSyncReport total;
  BatchConsumer consumer(*this, total);
  auto counts = sync_feed(fetcher, base_url, wire::Feed::kVenueWarnings, consumer);
  GL_RETURN_IF_ERROR(counts);
  total.batches_already_processed += counts->already_processed;
  total.batches_failed += counts->failed;
  total.batches_unlogged += counts->unlogged;
  total.errors = std::move(counts->errors);
  GL_RETURN_IF_ERROR(delete_expired(clock_.now()));
  return total;
}

Result<std::vector<VenueWarningMatch>> VenueWarnings::matches() {
  Database& db = store_.database();
  auto stmt = db.cached(
      "SELECT id, checkin_id, sealed FROM venue_warning_match "
      "WHERE checkin_id IN (SELECT id FROM venue_checkin)");
  GL_RETURN_IF_ERROR(stmt);
  std::vector<VenueWarningMatch> out;
  while (true) {
    auto row = (*stmt)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    GL_ASSIGN_OR_RETURN(auto stored, open_match(db.cipher(), (*stmt)->column_int64(0),
                                                (*stmt)->column_int64(1), (*stmt)->column_blob(2)));
    out.push_back(VenueWarningMatch{stored.match.day, stored.match.overlap_minutes});
  }
  std::stable_sort(
      out.begin(), out.end(),
      [](const VenueWarningMatch& a, const VenueWarningMatch& b) { return a.day < b.day; });
  return out;
}

Status VenueWarnings::delete_expired(std::int64_t now) {
  Database& db = store_.database();
  const std::int64_t cutoff = now - options_.retention_seconds;
  auto tx = Transaction::begin(db);
  GL_RETURN_IF_ERROR(tx);
  {
    auto stmt = db.cached("DELETE FROM venue_processed_batch WHERE processed_at < ?");
    GL_RETURN_IF_ERROR(stmt);
    (*stmt)->bind(1, cutoff);
    GL_RETURN_IF_ERROR((*stmt)->run());
  }
  {
    // The days are sealed: the matches (a handful) are opened and deleted by id.
    GL_ASSIGN_OR_RETURN(auto stored, load_matches(db, -1));
    auto stmt = db.cached("DELETE FROM venue_warning_match WHERE id = ?");
    GL_RETURN_IF_ERROR(stmt);
    for (const StoredMatch& m : stored) {
      if (m.match.day >= utc_day_start(cutoff)) continue;
      (*stmt)->bind(1, m.id);
      GL_RETURN_IF_ERROR((*stmt)->run());
    }
  }
  return tx->commit();
}

}  // namespace greenlight::client
