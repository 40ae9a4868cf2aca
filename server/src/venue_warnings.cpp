#include "greenlight/server/venue_warnings.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <utility>

#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/wire/venue_warning.h"
#include "internal/routes.h"

namespace greenlight::server {
namespace json = boost::json;

namespace {

constexpr char kBatchContentType[] = "application/octet-stream";
constexpr char kBatchCacheControl[] = "public, max-age=1209600, immutable";
constexpr char kIndexCacheControl[] = "public, max-age=60";
constexpr std::size_t kMinHmacKeyBytes = 16;
constexpr std::size_t kMaxHmacKeyBytes = 64;

const std::vector<std::string> kSchema = {
    "CREATE TABLE IF NOT EXISTS venue_report("
    "id INTEGER PRIMARY KEY, report BLOB NOT NULL, received_at INTEGER NOT NULL, batch TEXT)",
    "CREATE INDEX IF NOT EXISTS venue_report_by_batch ON venue_report(batch)",
    "CREATE TABLE IF NOT EXISTS venue_batch("
    "path TEXT PRIMARY KEY, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, "
    "created_at INTEGER NOT NULL, report_count INTEGER NOT NULL, sha256_hex TEXT NOT NULL)",
};

// The reports of one upload, applied in the upload's transaction.
class VenueReportsPart final : public UploadPart {
 public:
  VenueReportsPart(std::vector<SealedVenueReport> reports, std::int64_t received_at)
      : reports_(std::move(reports)), received_at_(received_at) {}

  Status apply(StoreTransaction& tx) override {
    for (const auto& report : reports_) {
      const auto bytes = wire::venue_report_to_bytes(report);
      auto r = tx.execute("INSERT INTO venue_report(report, received_at) VALUES(?, ?)",
                          {Bytes(bytes.begin(), bytes.end()), received_at_});
      if (!r) return std::unexpected(r.error());
    }
    return ok();
  }

 private:
  std::vector<SealedVenueReport> reports_;
  std::int64_t received_at_;
};

Result<std::vector<SealedVenueReport>> parse_reports(const json::value& value, std::size_t max) {
  if (!value.is_array()) {
    return make_error(ErrorCode::kInvalidArgument, "venue_reports must be an array of strings");
  }
  const json::array& array = value.as_array();
  if (array.size() > max) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue_reports has " + std::to_string(array.size()) + " entries, at most " +
                          std::to_string(max) + " allowed");
  }
  std::vector<SealedVenueReport> out;
  out.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "venue_reports[" + std::to_string(i) + "] must be a base64 string");
    }
    const json::string& text = array[i].as_string();
    auto report = wire::venue_report_from_base64(std::string_view(text.data(), text.size()));
    if (!report) {
      return make_error(ErrorCode::kInvalidArgument,
                        "venue_reports[" + std::to_string(i) + "]: " + report.error().message);
    }
    out.push_back(*report);
  }
  return out;
}

class VenueReportsExtension final : public UploadExtension {
 public:
  VenueReportsExtension(std::size_t max_reports, std::int64_t granularity)
      : max_reports_(max_reports), granularity_(granularity) {}
  std::string_view field() const override { return "venue_reports"; }
  Result<std::unique_ptr<UploadPart>> prepare(const json::value& value,
                                              const UploadContext& context) override {
    auto reports = parse_reports(value, max_reports_);
    if (!reports) return std::unexpected(reports.error());
    if (context.chaff || reports->empty()) return std::unique_ptr<UploadPart>();
    return std::unique_ptr<UploadPart>(
        new VenueReportsPart(std::move(*reports), floor_to(context.now, granularity_)));
  }

 private:
  std::size_t max_reports_;
  std::int64_t granularity_;
};

std::string batch_name(std::int64_t start, std::int64_t end, std::size_t n) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%lld-%lld-%05zu.bin", static_cast<long long>(start),
                static_cast<long long>(end), n);
  return buf;
}

std::int64_t as_int(const SqlValue& v) {
  const auto* i = std::get_if<std::int64_t>(&v);
  return i != nullptr ? *i : 0;
}
std::string as_text(const SqlValue& v) {
  const auto* s = std::get_if<std::string>(&v);
  return s != nullptr ? *s : std::string();
}

}  // namespace

VenueWarningModule::VenueWarningModule(VenueWarningConfig config) : config_(std::move(config)) {
  if (!config_.directory.empty() && config_.directory.back() != '/') config_.directory += '/';
}

Status VenueWarningModule::attach(ServerContext& context) {
  context_ = &context;
  if (auto s = context.store.ensure_schema(kSchema); !s) return s;
  context.publisher.add_extension(std::make_shared<VenueReportsExtension>(
      config_.max_reports_per_upload,
      std::max<std::int64_t>(1, config_.arrival_granularity_seconds)));
  context.metrics.describe("greenlight_venue_reports_total",
                           "Venue reports received from venue hosts, by result.");
  context.metrics.describe("greenlight_venue_batches_total",
                           "Venue-warning batch files published.");

  // A raw pointer in the handlers: the Server keeps the module alive as long as its routes.
  VenueWarningModule* self = this;
  context.router.add(Method::kPost, "/v1/venue-warning", [self](const HttpRequest& request) {
    return self->handle_host_warning(request);
  });
  StaticSite* site = &context.site;
  const std::string prefix = "/" + config_.directory;
  context.router.add_prefix(Method::kGet, prefix,
                            [site](const HttpRequest& request) { return site->serve(request); });
  context.add_retention_job(
      [self](std::int64_t now, std::int64_t cutoff) { return self->delete_expired(now, cutoff); });
  context.add_export_job([self]() -> Status {
    auto published = self->publish_now();
    if (!published) return std::unexpected(published.error());
    return ok();
  });

  auto files = batch_files();
  if (!files) return std::unexpected(files.error());
  for (const auto& f : *files) {
    if (auto s = context.site.load(f.path, kBatchContentType, kBatchCacheControl); !s) {
      return make_error(ErrorCode::kIo, "venue batch listed in the database is missing: " + f.path);
    }
  }
  return rebuild_index();
}

HttpResponse VenueWarningModule::handle_host_warning(const HttpRequest& request) {
  ServerContext& ctx = *context_;
  const std::size_t bucket = ctx.options.http.response_padding_bucket;
  auto reject = [&](const Error& e) {
    ctx.metrics
        .counter("greenlight_venue_reports_total",
                 {{"result", std::string(error_code_name(e.code))}})
        .add();
    return internal::padded_error(e, bucket);
  };
  auto body = internal::parse_json_object(request.body);
  if (!body) return reject(body.error());
  for (const auto& member : *body) {
    const std::string_view k = member.key();
    if (k != "certificate" && k != "hmac_key" && k != "venue_reports" && k != "chaff" &&
        k != "padding") {
      return reject(Error{ErrorCode::kInvalidArgument,
                          "unknown field \"" + std::string(k.substr(0, 40)) + "\""});
    }
  }
  const json::value* certificate = body->if_contains("certificate");
  const json::value* hmac_key_b64 = body->if_contains("hmac_key");
  const json::value* reports_json = body->if_contains("venue_reports");
  const json::value* chaff_json = body->if_contains("chaff");
  if (certificate == nullptr || !certificate->is_string() || hmac_key_b64 == nullptr ||
      !hmac_key_b64->is_string() || reports_json == nullptr) {
    return reject(
        Error{ErrorCode::kInvalidArgument, "certificate, hmac_key and venue_reports are required"});
  }
  if (chaff_json != nullptr && !chaff_json->is_bool()) {
    return reject(Error{ErrorCode::kInvalidArgument, "chaff must be a boolean"});
  }
  const bool chaff = chaff_json != nullptr && chaff_json->as_bool();
  auto hmac_key = base64_decode(std::string_view(hmac_key_b64->as_string()));
  if (!hmac_key || hmac_key->size() < kMinHmacKeyBytes || hmac_key->size() > kMaxHmacKeyBytes) {
    return reject(Error{ErrorCode::kInvalidArgument, "hmac_key must be base64 of 16..64 bytes"});
  }
  const SecretBytes key(*hmac_key);
  secure_wipe(hmac_key->data(), hmac_key->size());
  auto reports = parse_reports(*reports_json, config_.max_host_reports);
  if (!reports) return reject(reports.error());
  if (reports->empty()) {
    return reject(Error{ErrorCode::kInvalidArgument, "a host warning needs at least one report"});
  }
  for (const auto& r : *reports) {
    if (r.location_tag != reports->front().location_tag) {
      return reject(Error{ErrorCode::kInvalidArgument,
                          "all reports of a host warning must be for one venue"});
    }
  }
  // The same work for chaff: verify and compute the MAC, then store nothing.
  auto claims = ctx.authorization.verify_certificate(std::string_view(certificate->as_string()));
  const Sha256Digest mac = wire::venue_host_mac(key.span(), *reports);
  if (chaff) {
    ctx.metrics.counter("greenlight_venue_reports_total", {{"result", "chaff"}}).add();
    return internal::padded_json(200, json::object{{"inserted", reports->size()}}, bucket);
  }
  if (!claims) return reject(claims.error());
  if (claims->grant.purpose != "venue_host" || !constant_time_equal(mac, claims->tekmac)) {
    return reject(authentication_failed().error());
  }
  const std::size_t count = reports->size();
  VenueReportsPart part(std::move(*reports),
                        floor_to(ctx.clock.now_unix_seconds(),
                                 std::max<std::int64_t>(1, config_.arrival_granularity_seconds)));
  UploadWrite write;
  write.certificate_id = claims->id;
  write.certificate_expires_at = claims->expires_at;
  write.arrival_granularity_seconds = ctx.options.publish.arrival_granularity_seconds;
  write.parts.push_back(&part);
  auto stored = ctx.store.publish_upload(write);
  if (!stored) return reject(stored.error());
  ctx.metrics.counter("greenlight_venue_reports_total", {{"result", "ok"}}).add(count);
  return internal::padded_json(200, json::object{{"inserted", count}}, bucket);
}

Result<std::vector<VenueBatchFile>> VenueWarningModule::batch_files() {
  std::vector<VenueBatchFile> out;
  auto s = context_->store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query(
        "SELECT path, window_start, window_end, created_at, report_count, sha256_hex "
        "FROM venue_batch ORDER BY window_start, path");
    if (!rows) return std::unexpected(rows.error());
    for (const auto& row : *rows) {
      out.push_back(VenueBatchFile{as_text(row[0]), as_int(row[1]), as_int(row[2]), as_int(row[3]),
                                   as_int(row[4]), as_text(row[5])});
    }
    return ok();
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<std::int64_t> VenueWarningModule::pending_reports() {
  std::int64_t n = 0;
  auto s = context_->store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT COUNT(*) FROM venue_report WHERE batch IS NULL");
    if (!rows) return std::unexpected(rows.error());
    if (!rows->empty()) n = as_int(rows->front()[0]);
    return ok();
  });
  if (!s) return std::unexpected(s.error());
  return n;
}

Result<std::optional<std::vector<VenueBatchFile>>> VenueWarningModule::publish_now() {
  std::lock_guard lock(publish_mutex_);
  ServerContext& ctx = *context_;
  const std::int64_t now = ctx.clock.now_unix_seconds();

  std::vector<std::pair<std::int64_t, SealedVenueReport>> pending;
  std::int64_t window_start = 0;
  auto read = ctx.store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT id, report, received_at FROM venue_report WHERE batch IS NULL");
    if (!rows) return std::unexpected(rows.error());
    std::int64_t earliest = now;
    for (const auto& row : *rows) {
      const auto* blob = std::get_if<Bytes>(&row[1]);
      if (blob == nullptr)
        return make_error(ErrorCode::kInternal, "venue_report.report is not a blob");
      auto report = wire::venue_report_from_bytes(*blob);
      if (!report) return std::unexpected(report.error());
      pending.emplace_back(as_int(row[0]), *report);
      earliest = std::min(earliest, as_int(row[2]));
    }
    auto last = tx.query("SELECT MAX(window_end) FROM venue_batch");
    if (!last) return std::unexpected(last.error());
    const auto* last_end = last->empty() ? nullptr : std::get_if<std::int64_t>(&last->front()[0]);
    window_start = last_end != nullptr ? std::min(*last_end, earliest) : earliest;
    return ok();
  });
  if (!read) return std::unexpected(read.error());
  if (pending.empty()) return std::optional<std::vector<VenueBatchFile>>{};

  // Shuffle: one upload's reports must not sit next to each other in the file.
  for (std::size_t i = pending.size(); i > 1; --i) {
    std::swap(pending[i - 1], pending[static_cast<std::size_t>(ctx.rng.uniform(i))]);
  }
  const std::int64_t window_end = std::max(now, window_start + 1);
  const auto& signers = ctx.exporter.signers();
  std::vector<wire::SignatureInfo> infos;
  for (const auto& s : signers) infos.push_back(s.info);

  std::vector<VenueBatchFile> files;
  const std::size_t per_file = std::max<std::size_t>(1, config_.max_reports_per_file);
  for (std::size_t first = 0, n = 1; first < pending.size(); first += per_file, ++n) {
    const std::size_t last = std::min(pending.size(), first + per_file);
    wire::VenueWarningBatch batch;
    batch.start_timestamp = static_cast<std::uint64_t>(window_start);
    batch.end_timestamp = static_cast<std::uint64_t>(window_end);
    batch.region = ctx.options.exports.build.region;
    batch.batch_num = static_cast<std::uint32_t>(n);
    for (std::size_t i = first; i < last; ++i) batch.reports.push_back(pending[i].second);
    auto bytes = wire::write_venue_warning_file(batch, signers);
    if (!bytes) return std::unexpected(bytes.error());

    Publication p;
    p.path = config_.directory + batch_name(window_start, window_end, n);
    p.kind = "venue_warnings";
    p.content_type = kBatchContentType;
    p.cache_control = kBatchCacheControl;
    auto shared = std::make_shared<const std::string>(bytes->begin(), bytes->end());
    p.sha256 = sha256(as_bytes(*shared));
    p.bytes = std::move(shared);
    p.window_start = window_start;
    p.window_end = window_end;
    p.item_count = last - first;
    p.region = batch.region;
    p.signed_by = infos;
    VenueBatchFile file{
        p.path,          window_start, window_end, now, static_cast<std::int64_t>(last - first),
        to_hex(p.sha256)};
    if (auto s = ctx.site.publish(std::move(p)); !s) return std::unexpected(s.error());
    // Recorded right after its file: a crash in between republishes these reports in a new
    // file next time (duplicates are harmless to phones, which keep the longest overlap).
    auto recorded = ctx.store.transact([&](StoreTransaction& tx) -> Status {
      for (std::size_t i = first; i < last; ++i) {
        auto r = tx.execute("UPDATE venue_report SET batch = ? WHERE id = ?",
                            {file.path, pending[i].first});
        if (!r) return std::unexpected(r.error());
      }
      auto r = tx.execute(
          "INSERT INTO venue_batch(path, window_start, window_end, created_at, report_count, "
          "sha256_hex) VALUES(?, ?, ?, ?, ?, ?)",
          {file.path, file.window_start, file.window_end, file.created_at, file.report_count,
           file.sha256_hex});
      if (!r) return std::unexpected(r.error());
      return ok();
    });
    if (!recorded) return std::unexpected(recorded.error());
    files.push_back(std::move(file));
    ctx.metrics.counter("greenlight_venue_batches_total").add();
  }
  if (auto s = rebuild_index(); !s) return std::unexpected(s.error());
  ctx.logger.log(
      LogLevel::kInfo, "venue_batches_published",
      {{"files", std::to_string(files.size())}, {"reports", std::to_string(pending.size())}});
  return std::optional<std::vector<VenueBatchFile>>(std::move(files));
}

Status VenueWarningModule::rebuild_index() {
  auto files = batch_files();
  if (!files) return std::unexpected(files.error());
  std::string index;
  for (const auto& f : *files) index += f.path + "\n";
  return context_->site.write_metadata(config_.index_path, std::move(index),
                                       "text/plain; charset=utf-8", kIndexCacheControl);
}

Status VenueWarningModule::delete_expired(std::int64_t /*now*/, std::int64_t cutoff) {
  std::lock_guard lock(publish_mutex_);
  ServerContext& ctx = *context_;
  std::vector<std::string> expired;
  auto s = ctx.store.transact([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT path FROM venue_batch WHERE window_end < ?", {cutoff});
    if (!rows) return std::unexpected(rows.error());
    for (const auto& row : *rows) expired.push_back(as_text(row[0]));
    for (const auto& path : expired) {
      if (auto r = tx.execute("DELETE FROM venue_report WHERE batch = ?", {path}); !r) {
        return std::unexpected(r.error());
      }
    }
    if (auto r = tx.execute("DELETE FROM venue_batch WHERE window_end < ?", {cutoff}); !r) {
      return std::unexpected(r.error());
    }
    // Reports that were never published (no publication ran) expire as well.
    if (auto r = tx.execute("DELETE FROM venue_report WHERE received_at < ?", {cutoff}); !r) {
      return std::unexpected(r.error());
    }
    return ok();
  });
  if (!s) return s;
  for (const auto& path : expired) {
    if (auto r = ctx.site.remove(path); !r) return r;
  }
  return rebuild_index();
}

}  // namespace greenlight::server
