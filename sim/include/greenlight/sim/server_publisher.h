// The real key server behind the simulator's KeyPublisher seam.
//
// ServerPublisher::create starts a greenlight::server::Server of its own: SQLite store and
// static export tree in a fresh temporary directory (removed on destruction), a P-256
// export signing key and an ES256 authority key generated at start, one health-authority
// API key, the transparency-log module (docs/transparency.md; log "greenlight.sim/log" in
// its own SQLite file, Ed25519 checkpoint key made at start) and then the venue-warning
// module, as `greenlight server run` adds them, and a manual clock that is set to the simulated
// time before every call (the server never reads the wall clock; its timers are off).
//
// publish(upload, now) walks the real authorisation flow:
//   health authority: POST /v1/codes {report_type, symptom_onset_interval}  -> code
//   phone:            the client library's Uploader (client::Uploader::upload_prepared) with
//                     the upload's keys and sealed venue reports: POST /v1/verify {code} ->
//                     token, POST /v1/certificate {token, tekmac = HMAC(k, canonical key
//                     list)}, POST /v1/publish {keys, certificate, hmac_key = k,
//                     venue_reports}, bodies padded as every phone pads them
//   venue owners:     per visited venue, a venue_host code -> /v1/verify ->
//                     /v1/certificate -> POST /v1/venue-warning with the owner's release
// and fails when any step does not answer 200 or the Uploader does not reach kPublished (the
// error names the client's stage, failure and the server's answer); a refused upload stores
// nothing. The phones' requests go over the same transport as everything else (see
// Transports) through an adapter (sim/src/internal/publisher_transport.h); their upload state
// is one row of an in-memory device database, cleared after each upload.
// fetch_new(now) runs the export (Server::export_now, which also publishes the venue-warning
// batches and logs every file before it is served), syncs the phones' shared
// client::LogMonitor (the latest checkpoint's signature and that it extends the one verified
// before), downloads v1/exports/index.txt and v1/venues/index.txt, then every file not
// downloaded before, and verifies each one as a phone does (wire::read_export_zip /
// wire::read_venue_warning_file against the server's export public key, and
// LogMonitor::require_logged: a verified leaf commits to the file's SHA-256); a file that
// does not verify or is not logged fails the fetch. The batch carries every key of the new exports,
// random padding keys included (they never match an encounter), and download_bytes counts what was
// received: whole HTTP responses (status line, headers and body) over loopback, bodies in
// process, log requests included.
//
// Transports:
// - kLoopback: the server listens on 127.0.0.1 with an OS-chosen port; every request goes
//   through server::HttpClient over TCP (one keep-alive connection).
// - kInProcess: the server is created but never started (no socket, no threads); requests
//   are server::HttpRequest values handed to the server's Router::dispatch, the same
//   handlers the HTTP transport calls.
//
// holdings() reads the server's store: uploads = certificates used, keys = stored diagnosis
// keys plus the padding keys in the published export files, venue reports stored, and
// stored_bytes = the size of the database files and the export tree on disk; log_leaves =
// the latest checkpoint's size and logged_files_verified = the files fetch_new verified as
// logged.
//
// Not thread-safe (the simulation calls it from one thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/uploader.h"
#include "greenlight/crypto/result.h"
#include "greenlight/sim/publisher.h"

namespace greenlight::server {
class TransparencyLog;
}

namespace greenlight::sim {

enum class ServerTransport { kInProcess, kLoopback };

struct ServerPublisherOptions {
  ServerTransport transport = ServerTransport::kLoopback;
  // Export padding (the server's defaults: at least 1000 + rand[0, 100) keys per file).
  std::size_t export_min_keys = 1000;
  std::size_t export_padding_range = 100;
  // The server's randomness (codes, tokens, certificate ids, per-upload HMAC keys, padding
  // keys and counts, venue-batch shuffles, the log's checkpoint key) from this seed, so that
  // a run is reproducible byte for byte; nothing: the system CSPRNG. The export and
  // certificate signing keys always come from OpenSSL.
  std::optional<std::uint64_t> seed;
  // Parent of the temporary server directory; empty: the system temp directory.
  std::filesystem::path temp_parent;
  // Sees every request the uploading phones send (client::Uploader), before it is sent.
  std::function<void(const client::TransportRequest&)> phone_request_observer;
};

class ServerPublisher final : public KeyPublisher {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ServerPublisher>> create(
      const ServerPublisherOptions& options = {});
  ~ServerPublisher() override;
  ServerPublisher(const ServerPublisher&) = delete;
  ServerPublisher& operator=(const ServerPublisher&) = delete;

  // E.g. "greenlight server over loopback HTTP (127.0.0.1:40123)".
  std::string_view name() const override;
  [[nodiscard]] Status publish(const SimUpload& upload, std::int64_t unix_seconds) override;
  [[nodiscard]] Result<PublishedBatch> fetch_new(std::int64_t unix_seconds) override;
  ServerHoldings holdings() const override;
  std::vector<EcdsaP256PublicKey> authority_keys() const override;

  ServerTransport transport() const;
  std::uint16_t port() const;  // 0 in process
  const std::filesystem::path& directory() const;
  // The server's log, e.g. to verify its checkpoint with verifier().
  const server::TransparencyLog& transparency_log() const;
  // The client Uploader's outcome of the last publish (stage kNone before the first).
  const client::UploadStatus& last_upload() const;

 private:
  struct Impl;
  explicit ServerPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Removes the temporary folders of the key servers alive in this process. For a signal's
// cleanup, which ends the process without the destructors that remove them (each SIGINT or
// SIGTERM of `sim run --server` left one behind).
void remove_server_directories();

}  // namespace greenlight::sim
