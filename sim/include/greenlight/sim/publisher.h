// The publication seam between simulated phones and a key server.
//
// A positive user uploads its diagnosis keys (and sealed venue reports) through
// KeyPublisher::publish; once a day the phones fetch what was published since the last
// sync through fetch_new, exactly once for all phones (every phone downloads the same
// public files, so the download is shared work). Implementations:
// - InMemoryPublisher (here): the publication rules of a key server without HTTP (the
//   health authority's report type and symptom onset turn into each key's report type and
//   days since onset; keys are released after the 2-hour embargo).
// - The real server (greenlight::server, in process or over loopback HTTP with the
//   code -> token -> certificate -> publish flow) plugs in behind the same interface.
// Not thread-safe: the simulation calls it from one thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/venue_crypto.h"

namespace greenlight::sim {

// Embargo: a key is published no earlier than 2 hours after it stopped being valid.
inline constexpr std::int64_t kEmbargoSeconds = 2 * 3600;

struct SimUpload {
  // The uploader's own keys (report type and days since onset unset: the health
  // authority's verification determines them).
  std::vector<TemporaryExposureKey> keys;
  // The check-ins as the phone uploads them: held by the server, never published as such.
  std::vector<SealedVenueReport> venue_reports;
  // The venue owners' release of those reports (docs/venues.md "Two-party warnings"):
  // owner-signed warnings, one venue after another; the server (the health authority) adds
  // its signature before publishing them.
  std::vector<SealedVenueWarning> venue_warnings;
  // What the health authority states when it issues the verification code.
  ReportType report_type = ReportType::kConfirmedTest;
  std::optional<EnIntervalNumber> symptom_onset_interval;
};

struct PublishedBatch {
  std::vector<TemporaryExposureKey> keys;          // report type and days since onset set
  std::vector<SealedVenueWarning> venue_warnings;  // owner- and authority-signed
  // Keys published before whose report type changed since (GAEN's revised keys): REVOKED
  // (phones drop their exposure windows) or a stronger type (phones score them again).
  std::vector<TemporaryExposureKey> revised_keys;
  std::uint64_t download_bytes = 0;  // what one phone downloads for this batch
};

// What the server holds (for the privacy view).
struct ServerHoldings {
  std::uint64_t uploads = 0;
  std::uint64_t keys = 0;          // diagnosis keys stored, padding included
  std::uint64_t padding_keys = 0;  // of which random padding keys
  std::uint64_t venue_reports = 0;
  std::uint64_t revised_keys = 0;  // keys revised (or revoked) after they were published
  std::uint64_t stored_bytes = 0;
  // The server's transparency log (ServerPublisher only; off for the in-memory publisher):
  // leaves in the latest checkpoint, and the downloaded export and venue-warning files that
  // the shared sync verified as covered by a leaf.
  bool transparency_log = false;
  std::uint64_t log_leaves = 0;
  std::uint64_t logged_files_verified = 0;
  // Why the server's store could not be read (the figures above are then zero), NUL-ended
  // and cut to fit (the struct stays trivially copyable: sweep journals keep its bytes);
  // empty when it was read.
  std::array<char, 160> read_error{};
};

class KeyPublisher {
 public:
  virtual ~KeyPublisher() = default;
  virtual std::string_view name() const = 0;
  [[nodiscard]] virtual Status publish(const SimUpload& upload, std::int64_t unix_seconds) = 0;
  // A day's uploads, in order, as publish() one after another (this default); a publisher
  // may use up to `threads` threads for work whose result does not depend on the order. Stops
  // at the first failure, with the uploads before it published.
  [[nodiscard]] virtual Status publish_all(std::span<const SimUpload> uploads,
                                           std::int64_t unix_seconds, std::uint32_t threads);
  // Everything that became public since the previous call, as of unix_seconds.
  [[nodiscard]] virtual Result<PublishedBatch> fetch_new(std::int64_t unix_seconds) = 0;
  virtual ServerHoldings holdings() const = 0;
  // The health authority's keys that phones pin to check venue warnings.
  virtual std::vector<EcdsaP256PublicKey> authority_keys() const = 0;
  // Whether revise() works (the in-memory publisher only: greenlight's upload API has no
  // revision of an upload).
  virtual bool revises() const { return false; }
  // Gives keys of an earlier upload a new report type (a self-report whose test came back
  // negative: kRevoked; positive: kConfirmedTest) with the days since `onset`: those
  // published already are listed in the revised_keys of the next fetch_new, those not
  // released yet are published with the new type (kRevoked: never). This default refuses
  // (kFailedPrecondition).
  [[nodiscard]] virtual Status revise(std::span<const TemporaryExposureKey> keys, ReportType type,
                                      std::optional<EnIntervalNumber> onset,
                                      std::int64_t unix_seconds);
};

// Days since onset of a key (its start relative to the onset interval), or nothing when
// the difference is outside -14..14.
std::optional<std::int32_t> days_since_onset(const TemporaryExposureKey& key,
                                             EnIntervalNumber onset);

class InMemoryPublisher final : public KeyPublisher {
 public:
  std::string_view name() const override { return "in-memory"; }
  [[nodiscard]] Status publish(const SimUpload& upload, std::int64_t unix_seconds) override;
  // Signs the venue warnings of all the uploads first, in parallel (the health authority's
  // signatures are independent), then takes the uploads in order.
  [[nodiscard]] Status publish_all(std::span<const SimUpload> uploads, std::int64_t unix_seconds,
                                   std::uint32_t threads) override;
  [[nodiscard]] Result<PublishedBatch> fetch_new(std::int64_t unix_seconds) override;
  ServerHoldings holdings() const override { return holdings_; }
  std::vector<EcdsaP256PublicKey> authority_keys() const override;
  bool revises() const override { return true; }
  [[nodiscard]] Status revise(std::span<const TemporaryExposureKey> keys, ReportType type,
                              std::optional<EnIntervalNumber> onset,
                              std::int64_t unix_seconds) override;

 private:
  Status ensure_authority();
  // publish() with the upload's warnings already signed by the authority.
  Status take(const SimUpload& upload, std::span<const SealedVenueWarning> authorised,
              std::int64_t unix_seconds);

  struct Pending {
    TemporaryExposureKey key;
    std::int64_t release_at = 0;
  };
  std::vector<Pending> pending_;
  std::vector<SealedVenueWarning> pending_warnings_;
  std::vector<TemporaryExposureKey> pending_revised_;  // published, revised since
  std::optional<EcdsaP256PrivateKey> authority_;       // the health authority, made on first use
  std::vector<EcdsaP256PublicKey> authority_public_;   // its public key, derived once
  ServerHoldings holdings_;
};

}  // namespace greenlight::sim
