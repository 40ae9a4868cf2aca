#include "greenlight/sim/publisher.h"

#include <algorithm>
#include <set>

namespace greenlight::sim {
namespace {

// Approximate bytes of one key in a GAEN export (protobuf fields and tags) and of one
// sealed venue report (tag, nonce, ciphertext and framing).
constexpr std::uint64_t kExportKeyBytes = 28;
constexpr std::uint64_t kVenueReportBytes = 82;
constexpr std::uint64_t kVenueWarningBytes = 212;

}  // namespace

std::optional<std::int32_t> days_since_onset(const TemporaryExposureKey& key,
                                             EnIntervalNumber onset) {
  const std::int64_t diff =
      static_cast<std::int64_t>(day_start(key.rolling_start_interval_number).value) -
      static_cast<std::int64_t>(day_start(onset).value);
  const std::int64_t days = diff / kTekRollingPeriod;
  if (days < -14 || days > 14) return std::nullopt;
  return static_cast<std::int32_t>(days);
}

Status InMemoryPublisher::publish(const SimUpload& upload, std::int64_t unix_seconds) {
  for (const auto& k : upload.keys) {
    if (k.rolling_period < 1 || k.rolling_period > kTekRollingPeriod) {
      return make_error(ErrorCode::kInvalidArgument,
                        "rolling_period must be 1..144, got " + std::to_string(k.rolling_period));
    }
  }
  ++holdings_.uploads;
  for (const auto& k : upload.keys) {
    Pending p{k, 0};
    p.key.report_type = upload.report_type;
    p.key.days_since_onset_of_symptoms = upload.symptom_onset_interval
                                             ? days_since_onset(k, *upload.symptom_onset_interval)
                                             : std::nullopt;
    p.release_at =
        std::max(unix_seconds, unix_seconds_from_interval(k.end_interval()) + kEmbargoSeconds);
    pending_.push_back(std::move(p));
    ++holdings_.keys;
    holdings_.stored_bytes += kExportKeyBytes;
  }
  // Visitors' reports are held and never published; the owners' release is, once the
  // health authority signed it, and resolves the held reports of that venue (as the server).
  std::set<VenueLocationTag> released;
  for (const auto& w : upload.venue_warnings) released.insert(w.location_tag);
  for (const auto& r : upload.venue_reports) {
    if (released.contains(r.location_tag)) continue;
    ++holdings_.venue_reports;
    holdings_.stored_bytes += kVenueReportBytes;
  }
  if (!upload.venue_warnings.empty() && !authority_) {
    auto key = EcdsaP256PrivateKey::generate();
    GL_RETURN_IF_ERROR(key);
    authority_ = std::move(*key);
    authority_public_ = {authority_->public_key()};
  }
  for (auto w : upload.venue_warnings) {
    GL_RETURN_IF_ERROR(authorize_venue_warning(w, *authority_));
    pending_warnings_.push_back(w);
    ++holdings_.venue_reports;
    holdings_.stored_bytes += kVenueWarningBytes;
  }
  return ok();
}

Result<PublishedBatch> InMemoryPublisher::fetch_new(std::int64_t unix_seconds) {
  PublishedBatch batch;
  std::vector<Pending> still;
  for (auto& p : pending_) {
    if (p.release_at <= unix_seconds) {
      batch.keys.push_back(std::move(p.key));
    } else {
      still.push_back(std::move(p));
    }
  }
  pending_ = std::move(still);
  batch.venue_warnings = std::move(pending_warnings_);
  pending_warnings_.clear();
  // An export lists keys sorted by key bytes, so the order reveals nothing about uploads.
  std::sort(batch.keys.begin(), batch.keys.end(),
            [](const auto& a, const auto& b) { return a.key_data.array() < b.key_data.array(); });
  batch.download_bytes =
      batch.keys.size() * kExportKeyBytes + batch.venue_warnings.size() * kVenueWarningBytes;
  return batch;
}

std::vector<EcdsaP256PublicKey> InMemoryPublisher::authority_keys() const {
  return authority_public_;
}

}  // namespace greenlight::sim
