#include "greenlight/sim/publisher.h"

#include <algorithm>
#include <set>

#include "internal/parallel.h"

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

Status KeyPublisher::publish_all(std::span<const SimUpload> uploads, std::int64_t unix_seconds,
                                 std::uint32_t /*threads*/) {
  for (const auto& up : uploads) GL_RETURN_IF_ERROR(publish(up, unix_seconds));
  return ok();
}

Status KeyPublisher::revise(std::span<const TemporaryExposureKey> /*keys*/, ReportType /*type*/,
                            std::optional<EnIntervalNumber> /*onset*/,
                            std::int64_t /*unix_seconds*/) {
  return make_error(ErrorCode::kFailedPrecondition,
                    std::string(name()) + " cannot revise keys (the upload API has no revision)");
}

Status InMemoryPublisher::revise(std::span<const TemporaryExposureKey> keys, ReportType type,
                                 std::optional<EnIntervalNumber> onset,
                                 std::int64_t /*unix_seconds*/) {
  // A key still in its embargo goes out with its new type (revoked: never); one published
  // already goes out again with it at once (it expired before it was published).
  for (const auto& k : keys) {
    TemporaryExposureKey revised = k;
    revised.report_type = type;
    revised.days_since_onset_of_symptoms =
        type != ReportType::kRevoked && onset ? days_since_onset(k, *onset) : std::nullopt;
    const auto held = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) {
      return p.key.key_data == k.key_data &&
             p.key.rolling_start_interval_number == k.rolling_start_interval_number;
    });
    if (held != pending_.end()) {
      if (type == ReportType::kRevoked) {
        pending_.erase(held);
      } else {
        held->key = revised;
      }
      continue;
    }
    pending_revised_.push_back(revised);
    ++holdings_.revised_keys;
    holdings_.stored_bytes += kExportKeyBytes;
  }
  return ok();
}

Status InMemoryPublisher::ensure_authority() {
  if (authority_) return ok();
  auto key = EcdsaP256PrivateKey::generate();
  GL_RETURN_IF_ERROR(key);
  authority_ = std::move(*key);
  authority_public_ = {authority_->public_key()};
  return ok();
}

Status InMemoryPublisher::publish(const SimUpload& upload, std::int64_t unix_seconds) {
  const SimUpload* one = &upload;
  return publish_all(std::span(one, 1), unix_seconds, 1);
}

Status InMemoryPublisher::publish_all(std::span<const SimUpload> uploads, std::int64_t unix_seconds,
                                      std::uint32_t threads) {
  // Every warning of the batch, signed where it stands (upload u's warnings from first[u]).
  std::vector<std::size_t> first(uploads.size() + 1, 0);
  for (std::size_t u = 0; u < uploads.size(); ++u) {
    first[u + 1] = first[u] + uploads[u].venue_warnings.size();
  }
  std::vector<SealedVenueWarning> signed_warnings(first.back());
  std::vector<Status> signing(first.back());
  if (!signed_warnings.empty()) {
    GL_RETURN_IF_ERROR(ensure_authority());
    std::vector<std::uint32_t> owner_upload(first.back());
    for (std::size_t u = 0; u < uploads.size(); ++u) {
      std::fill(owner_upload.begin() + static_cast<std::ptrdiff_t>(first[u]),
                owner_upload.begin() + static_cast<std::ptrdiff_t>(first[u + 1]),
                static_cast<std::uint32_t>(u));
    }
    internal::parallel_for(threads, static_cast<std::uint32_t>(signed_warnings.size()),
                           [&](std::uint32_t i, std::uint32_t) {
                             const std::uint32_t u = owner_upload[i];
                             signed_warnings[i] = uploads[u].venue_warnings[i - first[u]];
                             signing[i] = authorize_venue_warning(signed_warnings[i], *authority_);
                           });
  }
  for (std::size_t u = 0; u < uploads.size(); ++u) {
    for (std::size_t i = first[u]; i < first[u + 1]; ++i) GL_RETURN_IF_ERROR(signing[i]);
    GL_RETURN_IF_ERROR(take(uploads[u],
                            std::span(signed_warnings).subspan(first[u], first[u + 1] - first[u]),
                            unix_seconds));
  }
  return ok();
}

Status InMemoryPublisher::take(const SimUpload& upload,
                               std::span<const SealedVenueWarning> authorised,
                               std::int64_t unix_seconds) {
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
  for (const auto& w : authorised) {
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
  batch.revised_keys = std::move(pending_revised_);
  pending_revised_.clear();
  std::sort(batch.revised_keys.begin(), batch.revised_keys.end(),
            [](const auto& a, const auto& b) { return a.key_data.array() < b.key_data.array(); });
  batch.download_bytes = (batch.keys.size() + batch.revised_keys.size()) * kExportKeyBytes +
                         batch.venue_warnings.size() * kVenueWarningBytes;
  return batch;
}

std::vector<EcdsaP256PublicKey> InMemoryPublisher::authority_keys() const {
  return authority_public_;
}

}  // namespace greenlight::sim
