// Upload of the user's own keys after a positive test, and the chaff flows that hide it
// (docs/api.md "Phone: code -> token -> certificate -> publish", docs/client.md "Upload").
//
// Flow: POST v1/verify {code} -> token; POST v1/certificate {token, tekmac} -> certificate,
// where tekmac = HMAC-SHA256(hmac_key, canonical key list) (wire::compute_tekmac) with a
// fresh random 32-byte hmac_key; POST v1/publish {keys, certificate, hmac_key,
// venue_reports}. The key set, the hmac key and the sealed venue reports are fixed when the
// upload starts, so every retry sends the same bytes the certificate binds.
//
// Guarantees:
// - Persisted: the upload's state (stage, code, token, hmac key, key set, venue reports,
//   certificate, outcome) is one row of the device database, written in a transaction
//   before and after every step. After a crash or a lost connection, resume() continues
//   at the first step without a stored answer. Secrets (code, token, hmac key,
//   certificate) are wiped from the row once the upload has finished or failed.
// - Never twice: a publish is sent only with the one certificate obtained for this key set.
//   The server accepts a certificate once (its jti is claimed in the same transaction that
//   stores the keys), so a retry after a lost publish response gets 409: the phone then
//   knows the keys are published and reports kPublished with already_uploaded = true.
// - Never unsure: status() always says where the upload stands (stage, failure, when).
// - Clear failures: a wrong or used code (the server does not say which: 401), an expired
//   code (400 failed_precondition), too many attempts (429), an expired token or
//   certificate (401 after a pause longer than their lifetime), and a refused upload (400)
//   end the upload with stage kFailed and an UploadFailure; network errors keep the stage
//   (kUnavailable, resume() later). A code whose verify answer was lost is spent on the
//   server: the retry fails as kInvalidCode and says so.
// - Indistinguishable chaff: run_chaff() sends the same requests (method, path, JSON
//   members, body sizes: every body is padded to wire::kSmallRequestPaddingBucket or
//   wire::kPublishRequestPaddingBucket) with "chaff": true, fake values of the real sizes
//   (a 20-digit code, the server's chaff token, kChaffKeyCount keys, padded_count fake venue
//   reports), the same pauses between steps and the same retry rule. It stores nothing but
//   the chaff schedule.
//
// Time and randomness come from the Client (injected). Pauses go through the injected
// Pause callback (none by default); nothing here starts a thread. Not thread-safe: one
// owner serialises calls (the C API does).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/checkin_store.h"
#include "greenlight/client/client.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/venue_upload.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

enum class UploadStage : std::uint8_t {
  kNone = 0,       // no upload was ever started
  kStarted = 1,    // code and key set stored, no token yet
  kVerified = 2,   // token obtained
  kCertified = 3,  // certificate obtained
  kPublished = 4,  // the server stored the keys (terminal)
  kFailed = 5,     // ended without publishing (terminal); see UploadFailure
};

enum class UploadFailure : std::uint8_t {
  kNone = 0,
  kInvalidCode = 1,           // wrong or already used code (401 at verify)
  kExpiredCode = 2,           // 400 failed_precondition at verify
  kTooManyAttempts = 3,       // 429
  kExpiredAuthorisation = 4,  // token or certificate refused later in the flow (401)
  kRejected = 5,              // the server refused the upload (400), e.g. no keys
  kProtocol = 6,              // an answer that does not follow docs/api.md
};

std::string_view upload_stage_name(UploadStage stage) noexcept;
std::string_view upload_failure_name(UploadFailure failure) noexcept;

struct UploadStatus {
  UploadStage stage = UploadStage::kNone;
  UploadFailure failure = UploadFailure::kNone;
  std::int64_t started_at = 0;  // unix seconds
  std::int64_t updated_at = 0;
  std::size_t keys = 0;           // own keys in the upload
  std::size_t venue_reports = 0;  // reports sent (real and fake)
  std::size_t inserted = 0;       // kPublished: keys the server stored new
  bool already_uploaded = false;  // kPublished learnt from a refused replay (409)
  std::size_t attempts = 0;       // requests sent for this upload
  std::string report_type;        // from the verify answer ("confirmed", ...)
  std::string message;            // the last error, one line (empty when none)
};

inline constexpr std::size_t kChaffKeyCount = 14;

// Sleeps (or waits on a platform timer) for the given time; tests pass a recorder.
using Pause = std::function<void(std::chrono::milliseconds)>;

struct UploaderOptions {
  std::string base_url;  // the key server, e.g. "https://keys.example.org"
  // Attempts per step when the transport fails (network errors and 5xx), with
  // retry_pause between them; then the upload stays at its stage for resume().
  std::size_t max_attempts = 3;
  std::chrono::milliseconds retry_pause{2000};
  // A pause drawn uniformly from [min, max] before the certificate and publish steps, for
  // real and chaff flows alike.
  std::chrono::milliseconds step_pause_min{0};
  std::chrono::milliseconds step_pause_max{0};
  Pause pause;  // empty: do not pause
  VenueUploadOptions venue;
  std::size_t hmac_key_bytes = 32;
};

struct UploadRequest {
  std::string code;
  SameDayRelease release = SameDayRelease::kNo;
  // Venue check-ins to report: visits that ended after venue_from (the start of the
  // contagious period). Without a store only fake reports are sent (same size).
  CheckinStore* checkins = nullptr;
  std::int64_t venue_from = 0;
};

// An upload of keys and sealed venue reports that the caller holds instead of this device's
// database (an app whose keys come from the platform's exposure-notification API, or the
// simulator's phones). The same flow, persisted state, chaff-schedule record and guarantees as
// upload(); the keys (1..wire::kMaxUploadKeys) and the reports are sent exactly as given: no
// padding is added to the reports (pad them with venue_reports_for_upload or
// venue_chaff_reports when the server must not learn their number).
struct PreparedUpload {
  std::string code;
  std::vector<TemporaryExposureKey> keys;
  std::vector<SealedVenueReport> venue_reports;
};

// What run_chaff() sent, for tests and diagnostics.
struct ChaffReport {
  std::size_t requests = 0;
  bool completed = false;  // every step answered 200
};

class Uploader {
 public:
  // client and transport must outlive the Uploader. Creates the upload table if needed.
  [[nodiscard]] static Result<std::unique_ptr<Uploader>> open(Client& client,
                                                              HttpTransport& transport,
                                                              UploaderOptions options);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  // Starts an upload (fixes the key set, the hmac key and the venue reports, records a real
  // upload in the chaff schedule) and runs it as far as it goes. kFailedPrecondition while
  // another upload is unfinished (resume() it). The returned status is also persisted.
  [[nodiscard]] Result<UploadStatus> upload(const UploadRequest& request);
  // As upload(), with the caller's keys and sealed venue reports (PreparedUpload).
  // kInvalidArgument for no keys or more than wire::kMaxUploadKeys.
  [[nodiscard]] Result<UploadStatus> upload_prepared(const PreparedUpload& request);
  // Continues an unfinished upload from its stored stage; a finished one is returned as is.
  [[nodiscard]] Result<UploadStatus> resume();
  // Where the upload stands (kNone when none was ever started). No network.
  [[nodiscard]] Result<UploadStatus> status();
  // Forgets a finished or failed upload (the row is deleted, secrets with it).
  [[nodiscard]] Status clear();

  // One fake flow now (the scheduler decides when: ChaffScheduler::run_due).
  [[nodiscard]] Result<ChaffReport> run_chaff();

  const UploaderOptions& options() const { return options_; }

 private:
  struct State;
  using KeySource = std::function<Result<std::vector<TemporaryExposureKey>>()>;
  Uploader(Client& client, HttpTransport& transport, UploaderOptions options);
  [[nodiscard]] Status check_can_start(std::string_view code);
  State begin_state(std::string code);
  [[nodiscard]] Result<UploadStatus> start(State& state, std::span<const SealedVenueReport> reports,
                                           const KeySource& keys);
  [[nodiscard]] Result<UploadStatus> run(State& state);
  [[nodiscard]] Status save(const State& state);

  Client& client_;
  HttpTransport& transport_;
  UploaderOptions options_;
};

}  // namespace greenlight::client
