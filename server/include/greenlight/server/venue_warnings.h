// Venue warnings on the server (docs/venues.md, docs/api.md "Venue warnings"): a
// ServerModule that
// - owns the "venue_reports" member of POST /v1/publish (positive users, purpose "keys"):
//   an array of at most max_reports_per_upload strings, each base64 of one 76-byte
//   protected report (wire::venue_report_from_base64); stored with the keys in one
//   transaction, or not at all;
// - serves POST /v1/venue-warning (venue hosts, certificate purpose "venue_host"): body
//   {"certificate", "hmac_key" (base64, 16..64 bytes), "venue_reports", "chaff", "padding"};
//   1..max_host_reports reports, all with one location tag; the certificate's tekmac must
//   equal wire::venue_host_mac(hmac_key, reports) (constant time); the certificate id is
//   single use. Chaff requests do the same work and store nothing;
// - after every export run (ServerContext::add_export_job) and on publish_now(), publishes
//   signed venue-warning batches (wire::write_venue_warning_file, signed by the
//   export signers) under v1/venues/, listed in v1/venues/index.txt, through
//   StaticSite::publish (kind "venue_warnings": the transparency log appends a leaf before
//   the file is served), and serves them (GET/HEAD /v1/venues/...);
// - deletes reports and batch files older than the retention cutoff (retention job).
//
// What the server sees is a tag, a random nonce and a ciphertext per report: it cannot
// read times or risk, cannot tell real reports from fake ones, and learns nothing about
// venues that never receive a report. Times cannot be range-checked here (they are
// encrypted); phones ignore reports outside their retention window. Received reports are
// stored with their arrival time floored to the hour and shuffled within each batch.
//
// Thread-safe: handlers may run concurrently; publish_now() runs are serialised.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "greenlight/server/server.h"

namespace greenlight::server {

struct VenueWarningConfig {
  std::string directory = "v1/venues/";
  std::string index_path = "v1/venues/index.txt";
  std::size_t max_reports_per_upload = 512;
  std::size_t max_host_reports = 15;  // 14 days split at midnight
  std::size_t max_reports_per_file = 100000;
  std::int64_t arrival_granularity_seconds = 3600;
};

struct VenueBatchFile {
  std::string path;
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;
  std::int64_t created_at = 0;
  std::int64_t report_count = 0;
  std::string sha256_hex;
};

class VenueWarningModule final : public ServerModule {
 public:
  explicit VenueWarningModule(VenueWarningConfig config = {});

  [[nodiscard]] Status attach(ServerContext& context) override;

  // Publishes every stored report not yet published (nullopt when there is none).
  [[nodiscard]] Result<std::optional<std::vector<VenueBatchFile>>> publish_now();
  [[nodiscard]] Result<std::vector<VenueBatchFile>> batch_files();
  // Reports stored and not yet published.
  [[nodiscard]] Result<std::int64_t> pending_reports();

 private:
  [[nodiscard]] Status rebuild_index();
  [[nodiscard]] Status delete_expired(std::int64_t now, std::int64_t cutoff);
  HttpResponse handle_host_warning(const HttpRequest& request);

  VenueWarningConfig config_;
  ServerContext* context_ = nullptr;
  std::mutex publish_mutex_;
};

}  // namespace greenlight::server
