#include "greenlight/server/venue_warnings.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <initializer_list>
#include <utility>

#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/server/certificate.h"
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

// venue_pending: positive visitors' reports waiting for their owner (never published as
// they are). venue_report: authorised warnings (204 bytes: sealed warning and authority
// signature), published in batches.
const std::vector<std::string> kSchema = {
    "CREATE TABLE IF NOT EXISTS venue_pending("
    "id INTEGER PRIMARY KEY, tag BLOB NOT NULL, report BLOB NOT NULL, "
    "received_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS venue_pending_by_tag ON venue_pending(tag)",
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
      auto r = tx.execute("INSERT INTO venue_pending(tag, report, received_at) VALUES(?, ?, ?)",
                          {Bytes(report.location_tag.begin(), report.location_tag.end()),
                           Bytes(bytes.begin(), bytes.end()), received_at_});
      GL_RETURN_IF_ERROR(r);
    }
    return ok();
  }

 private:
  std::vector<SealedVenueReport> reports_;
  std::int64_t received_at_;
};

// An owner's warnings, authorised by the health authority, in the certificate's transaction;
// with resolve, the pending visitor reports of the venue are done with.
class VenueWarningsPart final : public UploadPart {
 public:
  VenueWarningsPart(std::vector<SealedVenueWarning> warnings, std::int64_t received_at,
                    bool resolve)
      : warnings_(std::move(warnings)), received_at_(received_at), resolve_(resolve) {}

  Status apply(StoreTransaction& tx) override {
    for (const auto& warning : warnings_) {
      auto r = tx.execute("INSERT INTO venue_report(report, received_at) VALUES(?, ?)",
                          {wire::venue_warning_to_stored_bytes(warning), received_at_});
      GL_RETURN_IF_ERROR(r);
    }
    if (resolve_ && !warnings_.empty()) {
      const auto& tag = warnings_.front().location_tag;
      auto r =
          tx.execute("DELETE FROM venue_pending WHERE tag = ?", {Bytes(tag.begin(), tag.end())});
      GL_RETURN_IF_ERROR(r);
    }
    return ok();
  }

 private:
  std::vector<SealedVenueWarning> warnings_;
  std::int64_t received_at_;
  bool resolve_;
};

Result<std::vector<SealedVenueWarning>> parse_warnings(const json::value& value, std::size_t max) {
  if (!value.is_array()) {
    return make_error(ErrorCode::kInvalidArgument, "venue_warnings must be an array of strings");
  }
  const json::array& array = value.as_array();
  if (array.empty() || array.size() > max) {
    return make_error(ErrorCode::kInvalidArgument, "venue_warnings must have 1.." +
                                                       std::to_string(max) + " entries, got " +
                                                       std::to_string(array.size()));
  }
  std::vector<SealedVenueWarning> out;
  out.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "venue_warnings[" + std::to_string(i) + "] must be a base64 string");
    }
    const json::string& text = array[i].as_string();
    auto warning = wire::venue_warning_from_base64(std::string_view(text.data(), text.size()));
    if (!warning) {
      return make_error(ErrorCode::kInvalidArgument,
                        "venue_warnings[" + std::to_string(i) + "]: " + warning.error().message);
    }
    out.push_back(*warning);
  }
  return out;
}

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
  VenueReportsExtension(std::size_t max_reports, std::int64_t granularity, bool store)
      : max_reports_(max_reports), granularity_(granularity), store_(store) {}
  std::string_view field() const override { return "venue_reports"; }
  Result<std::unique_ptr<UploadPart>> prepare(const json::value& value,
                                              const UploadContext& context) override {
    auto reports = parse_reports(value, max_reports_);
    GL_RETURN_IF_ERROR(reports);
    if (context.chaff || reports->empty() || !store_) return std::unique_ptr<UploadPart>();
    return std::unique_ptr<UploadPart>(
        new VenueReportsPart(std::move(*reports), floor_to(context.now, granularity_)));
  }

 private:
  std::size_t max_reports_;
  std::int64_t granularity_;
  bool store_;
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

// The fields both host endpoints share: the certificate, the HMAC key, chaff.
struct HostRequest {
  std::string certificate;
  SecretBytes hmac_key;
  bool chaff = false;
};

Result<HostRequest> parse_host_request(const json::object& body,
                                       std::initializer_list<std::string_view> allowed) {
  for (const auto& member : body) {
    const std::string_view k = member.key();
    bool known = k == "certificate" || k == "hmac_key" || k == "chaff" || k == "padding";
    for (const auto a : allowed) known = known || k == a;
    if (!known) {
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown field \"" + std::string(k.substr(0, 40)) + "\"");
    }
  }
  const json::value* certificate = body.if_contains("certificate");
  const json::value* hmac_key_b64 = body.if_contains("hmac_key");
  const json::value* chaff_json = body.if_contains("chaff");
  if (certificate == nullptr || !certificate->is_string() || hmac_key_b64 == nullptr ||
      !hmac_key_b64->is_string()) {
    return make_error(ErrorCode::kInvalidArgument, "certificate and hmac_key are required");
  }
  if (chaff_json != nullptr && !chaff_json->is_bool()) {
    return make_error(ErrorCode::kInvalidArgument, "chaff must be a boolean");
  }
  auto hmac_key = base64_decode(std::string_view(hmac_key_b64->as_string()));
  if (!hmac_key || hmac_key->size() < kMinHmacKeyBytes || hmac_key->size() > kMaxHmacKeyBytes) {
    return make_error(ErrorCode::kInvalidArgument, "hmac_key must be base64 of 16..64 bytes");
  }
  HostRequest out;
  out.certificate = std::string(certificate->as_string());
  out.hmac_key = SecretBytes(*hmac_key);
  secure_wipe(hmac_key->data(), hmac_key->size());
  out.chaff = chaff_json != nullptr && chaff_json->as_bool();
  return out;
}

}  // namespace

std::string_view venue_owner_policy_name(VenueOwnerPolicy policy) {
  return policy == VenueOwnerPolicy::kHostOnly ? "host-only" : "require";
}

Result<VenueOwnerPolicy> parse_venue_owner_policy(std::string_view name) {
  if (name == "require") return VenueOwnerPolicy::kRequire;
  if (name == "host-only") return VenueOwnerPolicy::kHostOnly;
  return make_error(ErrorCode::kInvalidArgument,
                    "venue owner policy must be \"require\" or \"host-only\", got \"" +
                        std::string(name.substr(0, 40)) + "\"");
}

VenueWarningModule::VenueWarningModule(VenueWarningConfig config) : config_(std::move(config)) {
  if (!config_.directory.empty() && config_.directory.back() != '/') config_.directory += '/';
}

Status VenueWarningModule::attach(ServerContext& context) {
  context_ = &context;
  GL_RETURN_IF_ERROR(context.store.ensure_schema(kSchema));
  if (config_.owner_wait_seconds <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "the venue owner wait must be positive");
  }
  if (!config_.authority_key) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue warnings need the health authority's signing key "
                      "(VenueWarningConfig::authority_key)");
  }
  context.publisher.add_extension(std::make_shared<VenueReportsExtension>(
      config_.max_reports_per_upload,
      std::max<std::int64_t>(1, config_.arrival_granularity_seconds),
      config_.owner_policy == VenueOwnerPolicy::kRequire));
  context.metrics.describe("greenlight_venue_batches_total",
                           "Venue-warning batch files published.");

  // A raw pointer in the handlers: the Server keeps the module alive as long as its routes.
  VenueWarningModule* self = this;
  context.router.add(Method::kPost, "/v1/venue-warning", [self](const HttpRequest& request) {
    return self->handle_host_warning(request);
  });
  context.router.add(Method::kPost, "/v1/venue-pending",
                     [self](const HttpRequest& request) { return self->handle_pending(request); });
  StaticSite* site = &context.site;
  const std::string prefix = "/" + config_.directory;
  context.router.add_prefix(Method::kGet, prefix,
                            [site](const HttpRequest& request) { return site->serve(request); });
  context.add_retention_job(
      [self](std::int64_t now, std::int64_t cutoff) { return self->delete_expired(now, cutoff); });
  context.add_export_job([self]() -> Status {
    auto published = self->publish_now();
    GL_RETURN_IF_ERROR(published);
    return ok();
  });

  auto files = batch_files();
  GL_RETURN_IF_ERROR(files);
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
    ctx.metrics.add_daily("greenlight_venue_reports_daily",
                          {{"result", std::string(error_code_name(e.code))}},
                          ctx.clock.now_unix_seconds());
    return internal::padded_error(e, bucket);
  };
  auto body = internal::parse_json_object(request.body);
  if (!body) return reject(body.error());
  auto host = parse_host_request(*body, {"venue_warnings", "resolve_pending"});
  if (!host) return reject(host.error());
  const json::value* warnings_json = body->if_contains("venue_warnings");
  const json::value* resolve_json = body->if_contains("resolve_pending");
  if (warnings_json == nullptr) {
    return reject(Error{ErrorCode::kInvalidArgument, "venue_warnings is required"});
  }
  if (resolve_json != nullptr && !resolve_json->is_bool()) {
    return reject(Error{ErrorCode::kInvalidArgument, "resolve_pending must be a boolean"});
  }
  const bool resolve = resolve_json != nullptr && resolve_json->as_bool();
  auto warnings = parse_warnings(*warnings_json, config_.max_host_reports);
  if (!warnings) return reject(warnings.error());
  const VenueLocationTag tag = warnings->front().location_tag;
  for (const auto& w : *warnings) {
    if (w.location_tag != tag) {
      return reject(Error{ErrorCode::kInvalidArgument,
                          "all warnings of a host submission must be for one venue"});
    }
  }
  // The same work for chaff: verify and compute the MAC, then store nothing.
  auto claims = ctx.authorization.verify_certificate(host->certificate);
  const Sha256Digest mac = wire::venue_host_mac(host->hmac_key.span(), tag);
  if (host->chaff) {
    // Operators only (GET /v1/admin/metrics): a public chaff count would tell real from fake.
    ctx.metrics.add_daily("greenlight_venue_reports_daily", {{"result", "chaff"}},
                          ctx.clock.now_unix_seconds(), warnings->size());
    return internal::padded_json(200, json::object{{"inserted", warnings->size()}}, bucket);
  }
  if (!claims) return reject(claims.error());
  if (claims->grant.purpose != "venue_host" || !constant_time_equal(mac, claims->tekmac)) {
    return reject(authentication_failed().error());
  }
  // The health authority's part; the owner's is inside each warning, for phones to check.
  for (auto& w : *warnings) {
    if (auto s = authorize_venue_warning(w, *config_.authority_key); !s) {
      return reject(s.error());
    }
  }
  const std::size_t count = warnings->size();
  VenueWarningsPart part(std::move(*warnings),
                         floor_to(ctx.clock.now_unix_seconds(),
                                  std::max<std::int64_t>(1, config_.arrival_granularity_seconds)),
                         resolve);
  UploadWrite write;
  write.certificate_id = claims->id;
  write.certificate_expires_at = claims->expires_at;
  write.arrival_granularity_seconds = ctx.options.publish.arrival_granularity_seconds;
  write.parts.push_back(&part);
  auto stored = ctx.store.publish_upload(write);
  if (!stored) return reject(stored.error());
  ctx.metrics.add_daily("greenlight_venue_reports_daily", {{"result", "ok"}},
                        ctx.clock.now_unix_seconds(), count);
  return internal::padded_json(200, json::object{{"inserted", count}}, bucket);
}

HttpResponse VenueWarningModule::handle_pending(const HttpRequest& request) {
  ServerContext& ctx = *context_;
  const std::size_t bucket = ctx.options.http.response_padding_bucket;
  auto body = internal::parse_json_object(request.body);
  if (!body) return internal::padded_error(body.error(), bucket);
  auto host = parse_host_request(*body, {"location_tag"});
  if (!host) return internal::padded_error(host.error(), bucket);
  const json::value* tag_json = body->if_contains("location_tag");
  if (tag_json == nullptr || !tag_json->is_string()) {
    return internal::padded_error(
        Error{ErrorCode::kInvalidArgument, "location_tag (base64) is required"}, bucket);
  }
  auto tag_bytes = base64_decode(std::string_view(tag_json->as_string()));
  if (!tag_bytes || tag_bytes->size() != kVenueLocationTagSize) {
    return internal::padded_error(
        Error{ErrorCode::kInvalidArgument, "location_tag must be base64 of 32 bytes"}, bucket);
  }
  VenueLocationTag tag{};
  std::copy(tag_bytes->begin(), tag_bytes->end(), tag.begin());
  auto claims = ctx.authorization.verify_certificate(host->certificate);
  const Sha256Digest mac = wire::venue_host_mac(host->hmac_key.span(), tag);
  if (host->chaff) {
    return internal::padded_json(200, json::object{{"venue_reports", json::array{}}}, bucket);
  }
  if (!claims) return internal::padded_error(claims.error(), bucket);
  if (claims->grant.purpose != "venue_host" || !constant_time_equal(mac, claims->tekmac)) {
    return internal::padded_error(authentication_failed().error(), bucket);
  }
  json::array reports;
  auto read = ctx.store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT report FROM venue_pending WHERE tag = ? ORDER BY id",
                         {Bytes(tag.begin(), tag.end())});
    GL_RETURN_IF_ERROR(rows);
    for (const auto& row : *rows) {
      if (reports.size() >= config_.max_pending_returned) break;
      const auto* blob = std::get_if<Bytes>(&row[0]);
      if (blob == nullptr) {
        return make_error(ErrorCode::kInternal, "venue_pending.report is not a blob");
      }
      reports.push_back(json::string(base64_encode(*blob)));
    }
    return ok();
  });
  if (!read) return internal::padded_error(read.error(), bucket);
  return internal::padded_json(200, json::object{{"venue_reports", std::move(reports)}}, bucket);
}

Result<std::vector<VenueBatchFile>> VenueWarningModule::batch_files() {
  std::vector<VenueBatchFile> out;
  auto s = context_->store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query(
        "SELECT path, window_start, window_end, created_at, report_count, sha256_hex "
        "FROM venue_batch ORDER BY window_start, path");
    GL_RETURN_IF_ERROR(rows);
    for (const auto& row : *rows) {
      out.push_back(VenueBatchFile{as_text(row[0]), as_int(row[1]), as_int(row[2]), as_int(row[3]),
                                   as_int(row[4]), as_text(row[5])});
    }
    return ok();
  });
  GL_RETURN_IF_ERROR(s);
  return out;
}

Result<std::int64_t> VenueWarningModule::pending_reports() {
  std::int64_t n = 0;
  auto s = context_->store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT COUNT(*) FROM venue_pending");
    GL_RETURN_IF_ERROR(rows);
    if (!rows->empty()) n = as_int(rows->front()[0]);
    return ok();
  });
  GL_RETURN_IF_ERROR(s);
  return n;
}

std::string VenueWarningModule::policy_text() const {
  return "greenlight venue owner policy v1\npolicy: " +
         std::string(venue_owner_policy_name(config_.owner_policy)) +
         "\nowner_wait_seconds: " + std::to_string(config_.owner_wait_seconds) +
         "\nauthority_key_id: " + authority_key_id(config_.authority_key->public_key()) +
         "\nauthority_key_spki: " +
         base64_encode(config_.authority_key->public_key().to_spki_der()) + "\n";
}

Status VenueWarningModule::publish_policy() {
  Publication p;
  p.path = config_.policy_path;
  p.kind = "venue_owner_policy";
  p.content_type = "text/plain; charset=utf-8";
  p.cache_control = "public, max-age=60";
  auto text = std::make_shared<const std::string>(policy_text());
  p.sha256 = sha256(as_bytes(*text));
  p.bytes = std::move(text);
  p.region = std::string(venue_owner_policy_name(config_.owner_policy));
  p.item_count = static_cast<std::size_t>(config_.owner_wait_seconds);
  return context_->site.publish(std::move(p));
}

Result<std::int64_t> VenueWarningModule::unpublished_warnings() {
  std::int64_t n = 0;
  auto s = context_->store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT COUNT(*) FROM venue_report WHERE batch IS NULL");
    GL_RETURN_IF_ERROR(rows);
    if (!rows->empty()) n = as_int(rows->front()[0]);
    return ok();
  });
  GL_RETURN_IF_ERROR(s);
  return n;
}

Result<std::optional<std::vector<VenueBatchFile>>> VenueWarningModule::publish_now() {
  std::lock_guard lock(publish_mutex_);
  ServerContext& ctx = *context_;
  const std::int64_t now = ctx.clock.now_unix_seconds();
  // In the first export run, when the transparency log's hook is in place.
  if (!policy_published_) {
    GL_RETURN_IF_ERROR(publish_policy());
    policy_published_ = true;
  }

  std::vector<std::pair<std::int64_t, SealedVenueWarning>> pending;
  std::int64_t window_start = 0;
  auto read = ctx.store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT id, report, received_at FROM venue_report WHERE batch IS NULL");
    GL_RETURN_IF_ERROR(rows);
    std::int64_t earliest = now;
    for (const auto& row : *rows) {
      const auto* blob = std::get_if<Bytes>(&row[1]);
      if (blob == nullptr)
        return make_error(ErrorCode::kInternal, "venue_report.report is not a blob");
      auto warning = wire::venue_warning_from_bytes(*blob);
      GL_RETURN_IF_ERROR(warning);
      pending.emplace_back(as_int(row[0]), *warning);
      earliest = std::min(earliest, as_int(row[2]));
    }
    auto last = tx.query("SELECT MAX(window_end) FROM venue_batch");
    GL_RETURN_IF_ERROR(last);
    const auto* last_end = last->empty() ? nullptr : std::get_if<std::int64_t>(&last->front()[0]);
    window_start = last_end != nullptr ? std::min(*last_end, earliest) : earliest;
    return ok();
  });
  GL_RETURN_IF_ERROR(read);
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
    for (std::size_t i = first; i < last; ++i) batch.warnings.push_back(pending[i].second);
    auto bytes = wire::write_venue_warning_file(batch, signers);
    GL_RETURN_IF_ERROR(bytes);

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
    GL_RETURN_IF_ERROR(ctx.site.publish(std::move(p)));
    // Recorded right after its file: a crash in between republishes these reports in a new
    // file next time (duplicates are harmless to phones, which keep the longest overlap).
    auto recorded = ctx.store.transact([&](StoreTransaction& tx) -> Status {
      for (std::size_t i = first; i < last; ++i) {
        auto r = tx.execute("UPDATE venue_report SET batch = ? WHERE id = ?",
                            {file.path, pending[i].first});
        GL_RETURN_IF_ERROR(r);
      }
      auto r = tx.execute(
          "INSERT INTO venue_batch(path, window_start, window_end, created_at, report_count, "
          "sha256_hex) VALUES(?, ?, ?, ?, ?, ?)",
          {file.path, file.window_start, file.window_end, file.created_at, file.report_count,
           file.sha256_hex});
      GL_RETURN_IF_ERROR(r);
      return ok();
    });
    GL_RETURN_IF_ERROR(recorded);
    files.push_back(std::move(file));
    ctx.metrics.counter("greenlight_venue_batches_total").add();
  }
  GL_RETURN_IF_ERROR(rebuild_index());
  ctx.logger.log(
      LogLevel::kInfo, "venue_batches_published",
      {{"files", std::to_string(files.size())}, {"reports", std::to_string(pending.size())}});
  return std::optional<std::vector<VenueBatchFile>>(std::move(files));
}

Status VenueWarningModule::rebuild_index() {
  auto files = batch_files();
  GL_RETURN_IF_ERROR(files);
  std::string index;
  for (const auto& f : *files) index += f.path + "\n";
  return context_->site.write_metadata(config_.index_path, std::move(index),
                                       "text/plain; charset=utf-8", kIndexCacheControl);
}

Status VenueWarningModule::delete_expired(std::int64_t now, std::int64_t cutoff) {
  std::lock_guard lock(publish_mutex_);
  ServerContext& ctx = *context_;
  std::vector<std::string> expired;
  auto s = ctx.store.transact([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT path FROM venue_batch WHERE window_end < ?", {cutoff});
    GL_RETURN_IF_ERROR(rows);
    for (const auto& row : *rows) expired.push_back(as_text(row[0]));
    for (const auto& path : expired) {
      GL_RETURN_IF_ERROR(tx.execute("DELETE FROM venue_report WHERE batch = ?", {path}));
    }
    GL_RETURN_IF_ERROR(tx.execute("DELETE FROM venue_batch WHERE window_end < ?", {cutoff}));
    // Warnings that were never published (no publication ran) expire as well.
    GL_RETURN_IF_ERROR(tx.execute("DELETE FROM venue_report WHERE received_at < ?", {cutoff}));
    // Visitor reports whose owner did not take part in time are never published.
    const std::int64_t wait_cutoff = std::max(cutoff, now - config_.owner_wait_seconds);
    GL_RETURN_IF_ERROR(
        tx.execute("DELETE FROM venue_pending WHERE received_at < ?", {wait_cutoff}));
    return ok();
  });
  GL_RETURN_IF_ERROR(s);
  for (const auto& path : expired) {
    GL_RETURN_IF_ERROR(ctx.site.remove(path));
  }
  return rebuild_index();
}

}  // namespace greenlight::server
