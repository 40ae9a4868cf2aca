#include "greenlight/client/checkin_store.h"

#include <algorithm>
#include <string>
#include <utility>

#include "greenlight/crypto/aead.h"
#include "greenlight/wire/venue_warning.h"

namespace greenlight::client {
namespace {

constexpr std::uint8_t kRecordVersion = 1;
constexpr std::uint8_t kFlagCheckedOut = 0x01;
constexpr std::size_t kRecordHeaderSize = 20;
// Every record is padded to the largest payload, so row sizes say nothing about venues.
constexpr std::size_t kRecordSize = kRecordHeaderSize + wire::kMaxVenuePayloadBytes;
constexpr std::string_view kAadLabel = "GL-CHECKIN-V1";
constexpr std::uint64_t kIdRange = std::uint64_t{1} << 53;

// The venue tables; the matcher (venue_matcher.h) uses the match and batch tables.
// venue_warning_match holds the day and overlap sealed under the store key (device_rows.h); a
// database of schema version 2 had them in the clear and is converted at open (store_migration.h).
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS venue_checkin(
  id INTEGER PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  sealed BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS venue_checkin_by_expiry ON venue_checkin(expires_at);
CREATE TABLE IF NOT EXISTS venue_warning_match(
  id INTEGER PRIMARY KEY,
  checkin_id INTEGER NOT NULL,
  sealed BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS venue_warning_match_by_checkin ON venue_warning_match(checkin_id);
CREATE TABLE IF NOT EXISTS venue_processed_batch(
  sha256 BLOB PRIMARY KEY,
  path TEXT NOT NULL,
  processed_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS venue_processed_batch_by_path ON venue_processed_batch(path);
CREATE TABLE IF NOT EXISTS venue_warning_evidence(
  id INTEGER PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  sealed BLOB NOT NULL);
)sql";

constexpr std::string_view kEvidenceAadLabel = "GL-VENUE-EVIDENCE-V1";
constexpr std::uint8_t kEvidenceVersion = 1;
// version | verdict | detected_at BE64 | checkin_id BE64 | batch sha256 | stored warning
constexpr std::size_t kEvidenceWarningOffset = 2 + 8 + 8 + 32;
constexpr std::size_t kEvidenceSize =
    kEvidenceWarningOffset + wire::kVenueWarningWireSize + kVenueAuthoritySignatureSize;

void put_be64(std::uint8_t* out, std::int64_t value) {
  const auto v = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

std::int64_t get_be64(const std::uint8_t* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return static_cast<std::int64_t>(v);
}

ByteArray<kAadLabel.size() + 8> aad_for(std::int64_t id) {
  ByteArray<kAadLabel.size() + 8> aad{};
  std::copy(kAadLabel.begin(), kAadLabel.end(), aad.begin());
  put_be64(aad.data() + kAadLabel.size(), id);
  return aad;
}

ByteArray<kEvidenceAadLabel.size() + 8> evidence_aad_for(std::int64_t id) {
  ByteArray<kEvidenceAadLabel.size() + 8> aad{};
  std::copy(kEvidenceAadLabel.begin(), kEvidenceAadLabel.end(), aad.begin());
  put_be64(aad.data() + kEvidenceAadLabel.size(), id);
  return aad;
}

}  // namespace

struct CheckinStore::Record {
  std::int64_t id = 0;
  SecretBytes raw_payload;
  std::int64_t arrival = 0;
  std::int64_t departure = 0;
  bool checked_out = false;
};

Result<wire::ScannedVenue> scan_venue(std::string_view url, std::int64_t now) {
  auto venue = wire::parse_venue_url(url);
  GL_RETURN_IF_ERROR(venue);
  GL_RETURN_IF_ERROR(wire::check_venue_validity(venue->payload, now));
  return venue;
}

Result<CheckinStore> CheckinStore::open(Database& db, const CheckinStoreKey& key,
                                        const Clock& clock, RandomSource& rng,
                                        CheckinConfig config) {
  if (config.retention_seconds <= 0 || config.max_stay_seconds <= 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "check-in retention and maximum stay must be positive");
  }
  GL_RETURN_IF_ERROR(db.exec(kSchema));
  return CheckinStore(db, key, clock, rng, config);
}

Status CheckinStore::store(const Record& record, bool insert) {
  SecretBytes plain(kRecordSize);
  std::uint8_t* p = plain.data();
  p[0] = kRecordVersion;
  p[1] = record.checked_out ? kFlagCheckedOut : 0;
  put_be64(p + 2, record.arrival);
  put_be64(p + 10, record.departure);
  const std::size_t len = record.raw_payload.size();
  if (len == 0 || len > wire::kMaxVenuePayloadBytes) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue payload of " + std::to_string(len) + " bytes cannot be stored");
  }
  p[18] = static_cast<std::uint8_t>(len >> 8);
  p[19] = static_cast<std::uint8_t>(len);
  std::copy(record.raw_payload.span().begin(), record.raw_payload.span().end(),
            p + kRecordHeaderSize);

  ByteArray<kAeadNonceSize> nonce{};
  rng_->fill(nonce);
  auto sealed = key_.seal(nonce, plain.span(), aad_for(record.id));
  GL_RETURN_IF_ERROR(sealed);
  Bytes blob(nonce.size() + sealed->size());
  std::copy(sealed->begin(), sealed->end(), std::copy(nonce.begin(), nonce.end(), blob.begin()));

  // Rounded down to a UTC midnight: the row reveals no time of day and is gone before the
  // visit is retention_seconds old.
  const std::int64_t expires_at = utc_day_start(record.departure + config_.retention_seconds);
  auto stmt =
      db_->cached(insert ? "INSERT INTO venue_checkin(id, expires_at, sealed) VALUES(?, ?, ?)"
                         : "UPDATE venue_checkin SET expires_at = ?2, sealed = ?3 WHERE id = ?1");
  GL_RETURN_IF_ERROR(stmt);
  (*stmt)->bind(1, record.id).bind(2, expires_at).bind(3, ByteSpan(blob));
  GL_RETURN_IF_ERROR((*stmt)->run());
  if (!insert && db_->changes() != 1) {
    return make_error(ErrorCode::kNotFound, "no check-in " + std::to_string(record.id));
  }
  return ok();
}

Result<std::vector<CheckinStore::Record>> CheckinStore::load_all() {
  std::vector<Record> out;
  auto stmt = db_->cached("SELECT id, sealed FROM venue_checkin");
  GL_RETURN_IF_ERROR(stmt);
  while (true) {
    auto row = (*stmt)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    Record record;
    record.id = (*stmt)->column_int64(0);
    const ByteSpan blob = (*stmt)->column_blob(1);
    if (blob.size() != kAeadNonceSize + kRecordSize + kAeadTagSize) return authentication_failed();
    auto plain =
        key_.open(blob.first(kAeadNonceSize), blob.subspan(kAeadNonceSize), aad_for(record.id));
    if (!plain) return authentication_failed();
    const std::uint8_t* p = plain->data();
    const std::size_t len = (std::size_t{p[18]} << 8) | p[19];
    if (p[0] != kRecordVersion || len == 0 || len > wire::kMaxVenuePayloadBytes) {
      return make_error(ErrorCode::kInternal,
                        "check-in " + std::to_string(record.id) + " has an unknown record format");
    }
    record.checked_out = (p[1] & kFlagCheckedOut) != 0;
    record.arrival = get_be64(p + 2);
    record.departure = get_be64(p + 10);
    record.raw_payload = SecretBytes(plain->span().subspan(kRecordHeaderSize, len));
    out.push_back(std::move(record));
  }
  return out;
}

Result<CheckinStore::Record> CheckinStore::load(std::int64_t id) {
  auto all = load_all();
  GL_RETURN_IF_ERROR(all);
  for (auto& record : *all) {
    if (record.id == id) return std::move(record);
  }
  return make_error(ErrorCode::kNotFound, "no check-in " + std::to_string(id));
}

Result<std::int64_t> CheckinStore::insert_new(const wire::ScannedVenue& venue, std::int64_t arrival,
                                              std::int64_t departure) {
  Record record;
  record.raw_payload = venue.raw_payload;
  record.arrival = arrival;
  record.departure = departure;
  // A random id: row ids then say nothing about the order or number of past visits.
  for (int attempt = 0; attempt < 4; ++attempt) {
    record.id = static_cast<std::int64_t>(rng_->uniform(kIdRange - 1) + 1);
    auto s = store(record, true);
    if (s) return record.id;
    if (s.error().code != ErrorCode::kAlreadyExists) return std::unexpected(s.error());
  }
  return make_error(ErrorCode::kInternal, "could not draw a free check-in id");
}

Result<std::int64_t> CheckinStore::check_in(const wire::ScannedVenue& venue) {
  const std::int64_t now = clock_->now();
  GL_RETURN_IF_ERROR(wire::check_venue_validity(venue.payload, now));
  auto tx = Transaction::begin(*db_);
  GL_RETURN_IF_ERROR(tx);
  auto all = load_all();
  GL_RETURN_IF_ERROR(all);
  for (auto& record : *all) {
    if (!record.checked_out && record.arrival < now && record.departure > now) {
      record.departure = now;
      record.checked_out = true;
      GL_RETURN_IF_ERROR(store(record, false));
    }
  }
  const std::int64_t departure =
      now + std::min<std::int64_t>(std::int64_t{venue.payload.default_checkin_minutes} * 60,
                                   config_.max_stay_seconds);
  auto id = insert_new(venue, now, departure);
  GL_RETURN_IF_ERROR(id);
  GL_RETURN_IF_ERROR(tx->commit());
  return id;
}

Result<std::int64_t> CheckinStore::check_in_at(const wire::ScannedVenue& venue,
                                               std::int64_t arrival,
                                               std::optional<std::int64_t> departure) {
  const std::int64_t now = clock_->now();
  if (arrival > now) {
    return make_error(ErrorCode::kInvalidArgument, "arrival " + std::to_string(arrival) +
                                                       " is in the future (now " +
                                                       std::to_string(now) + ")");
  }
  if (arrival < now - config_.retention_seconds) {
    return make_error(ErrorCode::kInvalidArgument,
                      "arrival " + std::to_string(arrival) + " is older than the retention period");
  }
  GL_RETURN_IF_ERROR(wire::check_venue_validity(venue.payload, arrival));
  const std::int64_t end = departure.value_or(
      arrival + std::min<std::int64_t>(std::int64_t{venue.payload.default_checkin_minutes} * 60,
                                       config_.max_stay_seconds));
  if (end <= arrival || end > arrival + config_.max_stay_seconds) {
    return make_error(ErrorCode::kInvalidArgument, "departure must be after arrival and at most " +
                                                       std::to_string(config_.max_stay_seconds) +
                                                       " s later, got " +
                                                       std::to_string(end - arrival) + " s");
  }
  return insert_new(venue, arrival, end);
}

Status CheckinStore::check_out(std::int64_t id, std::optional<std::int64_t> departure) {
  auto tx = Transaction::begin(*db_);
  GL_RETURN_IF_ERROR(tx);
  auto record = load(id);
  GL_RETURN_IF_ERROR(record);
  std::int64_t end = 0;
  if (departure) {
    if (*departure <= record->arrival) {
      return make_error(ErrorCode::kInvalidArgument, "check-out must be after arrival");
    }
    end = *departure;
  } else {
    // Checking out in the same minute as arriving still records a one-minute visit.
    end = std::max(clock_->now(), record->arrival + 60);
  }
  record->departure = std::min(end, record->arrival + config_.max_stay_seconds);
  record->checked_out = true;
  GL_RETURN_IF_ERROR(store(*record, false));
  return tx->commit();
}

Result<std::vector<CheckIn>> CheckinStore::list() {
  auto all = load_all();
  GL_RETURN_IF_ERROR(all);
  std::vector<CheckIn> out;
  out.reserve(all->size());
  for (const auto& record : *all) {
    auto payload = wire::decode_venue_payload(record.raw_payload.span());
    GL_RETURN_IF_ERROR(payload);
    out.push_back(CheckIn{record.id, std::move(*payload), record.arrival, record.departure,
                          record.checked_out});
  }
  std::sort(out.begin(), out.end(), [](const CheckIn& a, const CheckIn& b) {
    return a.arrival != b.arrival ? a.arrival > b.arrival : a.id > b.id;
  });
  return out;
}

Result<std::vector<VenueVisit>> CheckinStore::visits() {
  auto all = load_all();
  GL_RETURN_IF_ERROR(all);
  std::vector<VenueVisit> out;
  out.reserve(all->size());
  for (const auto& record : *all) {
    VenueVisit visit;
    visit.checkin_id = record.id;
    visit.location_id = venue_location_id(record.raw_payload.span());
    visit.location_tag = venue_location_tag(visit.location_id);
    // Stored payloads passed the strict parser when they were scanned.
    auto payload = wire::decode_venue_payload(record.raw_payload.span());
    GL_RETURN_IF_ERROR(payload);
    visit.owner_public_key = payload->owner_public_key;
    visit.arrival = record.arrival;
    visit.departure = record.departure;
    out.push_back(std::move(visit));
  }
  return out;
}

Status CheckinStore::remove(std::int64_t id) {
  auto tx = Transaction::begin(*db_);
  GL_RETURN_IF_ERROR(tx);
  {
    auto stmt = db_->cached("DELETE FROM venue_checkin WHERE id = ?");
    GL_RETURN_IF_ERROR(stmt);
    (*stmt)->bind(1, id);
    GL_RETURN_IF_ERROR((*stmt)->run());
    if (db_->changes() != 1) {
      return make_error(ErrorCode::kNotFound, "no check-in " + std::to_string(id));
    }
  }
  {
    // A warning matched to a visit the user deleted goes with it.
    auto stmt = db_->cached("DELETE FROM venue_warning_match WHERE checkin_id = ?");
    GL_RETURN_IF_ERROR(stmt);
    (*stmt)->bind(1, id);
    GL_RETURN_IF_ERROR((*stmt)->run());
  }
  return tx->commit();
}

Result<std::int64_t> CheckinStore::delete_expired(std::int64_t now) {
  auto stmt = db_->cached("DELETE FROM venue_checkin WHERE expires_at <= ?");
  GL_RETURN_IF_ERROR(stmt);
  (*stmt)->bind(1, now);
  GL_RETURN_IF_ERROR((*stmt)->run());
  const std::int64_t deleted = db_->changes();
  GL_RETURN_IF_ERROR(
      db_->exec("DELETE FROM venue_warning_match WHERE checkin_id NOT IN "
                "(SELECT id FROM venue_checkin)"));
  auto evidence = db_->cached("DELETE FROM venue_warning_evidence WHERE expires_at <= ?");
  GL_RETURN_IF_ERROR(evidence);
  (*evidence)->bind(1, now);
  GL_RETURN_IF_ERROR((*evidence)->run());
  return deleted;
}

Result<std::int64_t> CheckinStore::add_warning_evidence(const VenueWarningEvidence& evidence) {
  SecretBytes plain(kEvidenceSize);
  std::uint8_t* p = plain.data();
  p[0] = kEvidenceVersion;
  p[1] = static_cast<std::uint8_t>(evidence.verdict);
  put_be64(p + 2, evidence.detected_at);
  put_be64(p + 10, evidence.checkin_id);
  std::copy(evidence.batch_sha256.begin(), evidence.batch_sha256.end(), p + 18);
  const Bytes warning = wire::venue_warning_to_stored_bytes(evidence.warning);
  std::copy(warning.begin(), warning.end(), p + kEvidenceWarningOffset);
  // Evidence lives as long as the check-ins it concerns would.
  const std::int64_t expires_at = utc_day_start(evidence.detected_at + config_.retention_seconds);
  for (int attempt = 0; attempt < 4; ++attempt) {
    const auto id = static_cast<std::int64_t>(rng_->uniform(kIdRange - 1) + 1);
    ByteArray<kAeadNonceSize> nonce{};
    rng_->fill(nonce);
    auto sealed = key_.seal(nonce, plain.span(), evidence_aad_for(id));
    GL_RETURN_IF_ERROR(sealed);
    Bytes blob(nonce.size() + sealed->size());
    std::copy(sealed->begin(), sealed->end(), std::copy(nonce.begin(), nonce.end(), blob.begin()));
    auto stmt =
        db_->cached("INSERT INTO venue_warning_evidence(id, expires_at, sealed) VALUES(?, ?, ?)");
    GL_RETURN_IF_ERROR(stmt);
    (*stmt)->bind(1, id).bind(2, expires_at).bind(3, ByteSpan(blob));
    auto s = (*stmt)->run();
    if (s) return id;
    if (s.error().code != ErrorCode::kAlreadyExists) return std::unexpected(s.error());
  }
  return make_error(ErrorCode::kInternal, "could not draw a free evidence id");
}

Result<std::vector<VenueWarningEvidence>> CheckinStore::warning_evidence() {
  std::vector<VenueWarningEvidence> out;
  auto stmt = db_->cached("SELECT id, sealed FROM venue_warning_evidence ORDER BY id");
  GL_RETURN_IF_ERROR(stmt);
  while (true) {
    auto row = (*stmt)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    const std::int64_t id = (*stmt)->column_int64(0);
    const ByteSpan blob = (*stmt)->column_blob(1);
    if (blob.size() != kAeadNonceSize + kEvidenceSize + kAeadTagSize) {
      return authentication_failed();
    }
    auto plain =
        key_.open(blob.first(kAeadNonceSize), blob.subspan(kAeadNonceSize), evidence_aad_for(id));
    if (!plain) return authentication_failed();
    const std::uint8_t* p = plain->data();
    if (p[0] != kEvidenceVersion) {
      return make_error(ErrorCode::kInternal,
                        "evidence " + std::to_string(id) + " has an unknown record format");
    }
    VenueWarningEvidence e;
    e.id = id;
    e.verdict = static_cast<VenueWarningVerdict>(p[1]);
    e.detected_at = get_be64(p + 2);
    e.checkin_id = get_be64(p + 10);
    std::copy(p + 18, p + 18 + e.batch_sha256.size(), e.batch_sha256.begin());
    auto warning = wire::venue_warning_from_bytes(plain->span().subspan(kEvidenceWarningOffset));
    GL_RETURN_IF_ERROR(warning);
    e.warning = *warning;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace greenlight::client
