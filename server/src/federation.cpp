#include "greenlight/server/federation.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "greenlight/server/export_builder.h"
#include "greenlight/server/http_client.h"
#include "greenlight/wire/export_file.h"
#include "greenlight/wire/published_layout.h"

namespace greenlight::server {
namespace {

namespace json = boost::json;

constexpr char kLease[] = "federation";
constexpr std::int64_t kLeaseSeconds = 600;
constexpr char kIndexCacheControl[] = "public, max-age=60";
constexpr char kZipCacheControl[] = "public, max-age=1209600, immutable";

// federation_file: every partner file looked at, by the SHA-256 of its bytes ("ok" or
// "refused"). federation_bin: the export.bin hashes imported (replays). federation_key: the
// pulled keys with their origin, batch = the window that republished them.
// federation_revised: the partners' revisions (GAEN revised_keys) of pulled keys, batch as for
// federation_key.
// federation_outbound: traveller keys offered to a visited region. federation_batch: the
// files published, by feed (directory).
const std::vector<std::string> kSchema = {
    "CREATE TABLE IF NOT EXISTS federation_file("
    "region TEXT NOT NULL, path TEXT NOT NULL, content_sha256 TEXT NOT NULL, "
    "status TEXT NOT NULL, reason TEXT NOT NULL, processed_at INTEGER NOT NULL, "
    "PRIMARY KEY(region, content_sha256))",
    "CREATE INDEX IF NOT EXISTS federation_file_by_path ON federation_file(region, path)",
    "CREATE TABLE IF NOT EXISTS federation_bin("
    "bin_sha256 TEXT PRIMARY KEY, region TEXT NOT NULL, path TEXT NOT NULL, "
    "processed_at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS federation_key("
    "origin TEXT NOT NULL, key_data BLOB NOT NULL, rsin INTEGER NOT NULL, rp INTEGER NOT NULL, "
    "trl INTEGER NOT NULL, report_type INTEGER NOT NULL, dsos INTEGER, "
    "received_at INTEGER NOT NULL, batch TEXT, PRIMARY KEY(origin, key_data, rsin))",
    "CREATE TABLE IF NOT EXISTS federation_revised("
    "origin TEXT NOT NULL, key_data BLOB NOT NULL, rsin INTEGER NOT NULL, rp INTEGER NOT NULL, "
    "trl INTEGER NOT NULL, report_type INTEGER NOT NULL, dsos INTEGER, "
    "received_at INTEGER NOT NULL, batch TEXT, PRIMARY KEY(origin, key_data, rsin, report_type))",
    "CREATE TABLE IF NOT EXISTS federation_outbound("
    "key_data BLOB NOT NULL, rsin INTEGER NOT NULL, rp INTEGER NOT NULL, trl INTEGER NOT NULL, "
    "report_type INTEGER NOT NULL, dsos INTEGER, region TEXT NOT NULL, "
    "embargo_until INTEGER NOT NULL, received_at INTEGER NOT NULL, batch TEXT, "
    "PRIMARY KEY(key_data, rsin, region))",
    "CREATE TABLE IF NOT EXISTS federation_batch("
    "path TEXT PRIMARY KEY, feed TEXT NOT NULL, origin TEXT NOT NULL, "
    "window_start INTEGER NOT NULL, "
    "window_end INTEGER NOT NULL, created_at INTEGER NOT NULL, key_count INTEGER NOT NULL, "
    "sha256_hex TEXT NOT NULL)",
};

std::int64_t int_of(const SqlValue& v) {
  const auto* i = std::get_if<std::int64_t>(&v);
  return i == nullptr ? 0 : *i;
}

std::string text_of(const SqlValue& v) {
  const auto* s = std::get_if<std::string>(&v);
  return s == nullptr ? std::string() : *s;
}

// The columns (origin, key_data, rsin, rp, trl, report_type, dsos, received_at) of a key.
std::vector<SqlValue> key_row(const std::string& origin, const TemporaryExposureKey& k,
                              std::int64_t now) {
  std::vector<SqlValue> row{origin,
                            Bytes(k.key_data.span().begin(), k.key_data.span().end()),
                            std::int64_t{k.rolling_start_interval_number.value},
                            std::int64_t{k.rolling_period},
                            std::int64_t{k.transmission_risk_level},
                            static_cast<std::int64_t>(k.report_type),
                            std::monostate{},
                            now};
  if (k.days_since_onset_of_symptoms) row[6] = std::int64_t{*k.days_since_onset_of_symptoms};
  return row;
}

// A partner's revisions of keys this server pulled from it before: recorded for
// republication (in revised_keys) and applied to the stored key, so that a key not yet
// republished goes out with its new report type (or, revoked, not at all). Revisions of keys
// never pulled (older than retention, another feed) are not this server's to republish.
Result<std::size_t> import_revisions(StoreTransaction& tx, const std::string& origin,
                                     const std::vector<TemporaryExposureKey>& revised,
                                     std::int64_t now) {
  std::size_t stored = 0;
  for (const TemporaryExposureKey& k : revised) {
    const std::vector<SqlValue> row = key_row(origin, k, now);
    const std::vector<SqlValue> id{row[0], row[1], row[2]};
    GL_ASSIGN_OR_RETURN(
        auto pulled,
        tx.query(
            "SELECT COUNT(*) FROM federation_key WHERE origin = ? AND key_data = ? AND rsin = ?",
            id));
    if (pulled.empty() || int_of(pulled.front()[0]) == 0) continue;
    GL_ASSIGN_OR_RETURN(
        auto inserted,
        tx.execute("INSERT INTO federation_revised(origin, key_data, rsin, rp, trl, report_type, "
                   "dsos, received_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                   row));
    stored += static_cast<std::size_t>(inserted);
    if (k.report_type == ReportType::kRevoked) {
      GL_RETURN_IF_ERROR(tx.execute(
          "DELETE FROM federation_key WHERE origin = ? AND key_data = ? AND rsin = ? AND "
          "batch IS NULL",
          id));
    } else {
      GL_RETURN_IF_ERROR(tx.execute(
          "UPDATE federation_key SET trl = ?, report_type = ?, dsos = ? WHERE origin = ? AND "
          "key_data = ? AND rsin = ?",
          {row[4], row[5], row[6], row[0], row[1], row[2]}));
    }
  }
  return stored;
}

struct Refusal {
  std::string reason;
};

// The checks of one partner file, without storage: signature under the pinned key, region,
// structure. Returns the batch and the SHA-256 of export.bin.
std::expected<std::pair<wire::ExportBatch, std::string>, Refusal> verify_partner_file(
    const FederationPartner& partner, const std::string& own_region, const std::string& bytes) {
  const ByteSpan zip = as_bytes(bytes);
  auto signatures = wire::read_export_signatures(zip);
  if (!signatures) return std::unexpected(Refusal{"unsigned or malformed export.sig"});
  // The pinned key is trusted under whatever key id and version the partner's file names.
  std::vector<wire::TrustedSigningKey> trusted;
  for (const auto& s : *signatures) {
    trusted.push_back(wire::TrustedSigningKey{s.info.verification_key_id,
                                              s.info.verification_key_version, partner.export_key});
  }
  auto verified = wire::read_export_zip(zip, trusted);
  if (!verified) return std::unexpected(Refusal{"signature does not verify under the pinned key"});
  if (verified->batch.region != partner.region) {
    return std::unexpected(Refusal{"region \"" + verified->batch.region.substr(0, 16) +
                                   "\" is not the partner's region " + partner.region});
  }
  if (verified->batch.region == own_region) {
    return std::unexpected(Refusal{"keys of this server's own region"});
  }
  auto unverified = wire::read_export_zip_unverified(zip);
  if (!unverified) return std::unexpected(Refusal{"malformed export"});
  return std::make_pair(std::move(verified->batch),
                        to_hex(sha256(ByteSpan(unverified->export_bin))));
}

// Index entries as servers write them: relative paths of any depth, blank lines and a
// missing final newline tolerated.
Result<std::vector<std::string>> parse_partner_index(std::string_view text) {
  if (text.size() > wire::kMaxIndexBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "index larger than " + std::to_string(wire::kMaxIndexBytes));
  }
  std::vector<std::string> paths;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (!wire::valid_published_path(line, wire::kMaxIndexPathLength)) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "index entry \"" + std::string(line.substr(0, 60)) + "\" is not a relative path");
    }
    paths.emplace_back(line);
  }
  return paths;
}

// The traveller keys of one upload: one row per key and visited region.
class OutboundPart final : public UploadPart {
 public:
  OutboundPart(std::vector<std::vector<SqlValue>> rows) : rows_(std::move(rows)) {}
  Status apply(StoreTransaction& tx) override {
    for (const auto& row : rows_) {
      auto r = tx.execute(
          "INSERT INTO federation_outbound(key_data, rsin, rp, trl, report_type, dsos, region, "
          "embargo_until, received_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          row);
      GL_RETURN_IF_ERROR(r);
    }
    return ok();
  }

 private:
  std::vector<std::vector<SqlValue>> rows_;
};

// The traveller rows of one upload: one per key and region the keys are offered to.
std::unique_ptr<UploadPart> outbound_part(const std::set<std::string>& regions,
                                          const UploadContext& context,
                                          std::int64_t embargo_seconds) {
  std::vector<std::vector<SqlValue>> rows;
  if (context.chaff || context.claims == nullptr || context.keys == nullptr) {
    return std::make_unique<OutboundPart>(std::move(rows));
  }
  // Report type and days since onset as the publisher gives them to the stored keys.
  const CodeGrant& grant = context.claims->grant;
  for (const TemporaryExposureKey& k : *context.keys) {
    SqlValue dsos = std::monostate{};
    if (k.days_since_onset_of_symptoms) {
      dsos = std::int64_t{*k.days_since_onset_of_symptoms};
    } else if (grant.symptom_onset_interval) {
      const std::int64_t days =
          (static_cast<std::int64_t>(day_start(k.rolling_start_interval_number).value) -
           static_cast<std::int64_t>(
               day_start({static_cast<std::uint32_t>(*grant.symptom_onset_interval)}).value)) /
          kTekRollingPeriod;
      if (days >= -14 && days <= 14) dsos = days;
    }
    const std::int64_t embargo_until =
        unix_seconds_from_interval(k.end_interval()) + embargo_seconds;
    for (const std::string& region : regions) {
      rows.push_back({Bytes(k.key_data.span().begin(), k.key_data.span().end()),
                      std::int64_t{k.rolling_start_interval_number.value},
                      std::int64_t{k.rolling_period}, std::int64_t{k.transmission_risk_level},
                      static_cast<std::int64_t>(grant.report_type), dsos, region, embargo_until,
                      context.now});
    }
  }
  return std::make_unique<OutboundPart>(std::move(rows));
}

// "visited_regions": ["BB", ...] in greenlight's upload JSON (publish.h UploadExtension).
class VisitedRegionsExtension final : public UploadExtension {
 public:
  VisitedRegionsExtension(std::string own_region, std::int64_t embargo_seconds)
      : own_region_(std::move(own_region)), embargo_seconds_(embargo_seconds) {}
  std::string_view field() const override { return "visited_regions"; }

  Result<std::unique_ptr<UploadPart>> prepare(const json::value& value,
                                              const UploadContext& context) override {
    if (!value.is_array() || value.as_array().size() > kMaxVisitedRegions) {
      return make_error(ErrorCode::kInvalidArgument,
                        "visited_regions must be an array of at most " +
                            std::to_string(kMaxVisitedRegions) + " region codes");
    }
    std::set<std::string> regions;
    for (const json::value& v : value.as_array()) {
      if (!v.is_string() || !valid_region(v.as_string())) {
        return make_error(ErrorCode::kInvalidArgument,
                          "visited_regions entries must be 2..8 of [A-Z0-9], got " +
                              json::serialize(v).substr(0, 20));
      }
      if (v.as_string() != own_region_) regions.emplace(v.as_string());
    }
    return outbound_part(regions, context, embargo_seconds_);
  }

 private:
  std::string own_region_;
  std::int64_t embargo_seconds_;
};

// "traveler": true (EN Express's publish API, and accepted in greenlight's too): a traveller
// who does not say where they went. Google's server stores the flag and offers the keys to
// every federation partner that asks for travellers; here they are offered to every partner
// region (each partner's v1/travellers/<REGION>/ feed). false: no effect.
class TravelerExtension final : public UploadExtension {
 public:
  TravelerExtension(std::set<std::string> partner_regions, std::int64_t embargo_seconds)
      : partner_regions_(std::move(partner_regions)), embargo_seconds_(embargo_seconds) {}
  std::string_view field() const override { return "traveler"; }

  Result<std::unique_ptr<UploadPart>> prepare(const json::value& value,
                                              const UploadContext& context) override {
    if (!value.is_bool()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "traveler must be a boolean, got " + json::serialize(value).substr(0, 20));
    }
    return outbound_part(value.as_bool() ? partner_regions_ : std::set<std::string>{}, context,
                         embargo_seconds_);
  }

 private:
  std::set<std::string> partner_regions_;
  std::int64_t embargo_seconds_;
};

}  // namespace

std::string federated_index_path(std::string_view region) {
  return std::string(kFederatedDirectory) + std::string(region) + "/index.txt";
}

std::string traveller_index_path(std::string_view region) {
  return std::string(kTravellerDirectory) + std::string(region) + "/index.txt";
}

bool valid_region(std::string_view region) { return wire::valid_region(region); }

Result<FederateFromSpec> parse_federate_from(std::string_view spec) {
  const auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::kInvalidArgument, "--federate-from must be REGION=URL,PEMFILE (" +
                                                       std::string(why) + "), got \"" +
                                                       std::string(spec.substr(0, 200)) + "\"");
  };
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos) return bad("no '='");
  constexpr std::string_view kTravellersOption = ",travellers";
  const bool travellers_only = spec.ends_with(kTravellersOption);
  if (travellers_only) spec.remove_suffix(kTravellersOption.size());
  const auto comma = spec.rfind(',');
  if (comma == std::string_view::npos || comma < eq) return bad("no ',' after the URL");
  FederateFromSpec out{std::string(spec.substr(0, eq)),
                       std::string(spec.substr(eq + 1, comma - eq - 1)),
                       std::string(spec.substr(comma + 1))};
  if (!valid_region(out.region)) return bad("region must be 2..8 of [A-Z0-9]");
  auto url = boost::urls::parse_uri(out.base_url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
    return bad("URL must be http:// or https:// with a host");
  }
  if (out.pem_path.empty()) return bad("no PEM file");
  out.travellers_only = travellers_only;
  return out;
}

FederationFetch default_federation_fetch() {
  return [](const std::string& url) -> Result<std::string> {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return make_error(ErrorCode::kInvalidArgument, "not a URL: " + url);
    HttpClientOptions options;
    options.tls = parsed->scheme() == "https";
    options.host =
        std::string(parsed->host_name().empty() ? parsed->encoded_host() : parsed->host_name());
    options.port = parsed->has_port() ? static_cast<std::uint16_t>(parsed->port_number())
                                      : static_cast<std::uint16_t>(options.tls ? 443 : 80);
    HttpClient client(options);
    std::string target(parsed->encoded_path());
    if (target.empty()) target = "/";
    auto response = client.get(target);
    GL_RETURN_IF_ERROR(response);
    if (response->status != 200) {
      return make_error(ErrorCode::kUnavailable,
                        "GET " + target + " answered " + std::to_string(response->status));
    }
    return std::move(response->body);
  };
}

FederationModule::FederationModule(FederationConfig config) : config_(std::move(config)) {
  if (!config_.fetch) config_.fetch = default_federation_fetch();
}

Status FederationModule::attach(ServerContext& context) {
  if (!valid_region(config_.region)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--region must be 2..8 of [A-Z0-9], got \"" + config_.region + "\"");
  }
  for (const auto& p : config_.partners) {
    if (!valid_region(p.region) || p.region == config_.region) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "a partner region must be valid and differ from --region, got \"" + p.region + "\"");
    }
  }
  GL_RETURN_IF_ERROR(context.store.ensure_schema(kSchema));
  context_ = &context;
  ByteArray<16> holder{};
  context.rng.fill(holder);
  holder_ = "federation-" + to_hex(ByteSpan(holder));
  StaticSite& site = context.site;
  for (std::string_view directory : {kFederatedDirectory, kTravellerDirectory}) {
    context.router.add_prefix(Method::kGet, "/" + std::string(directory),
                              [&site](const HttpRequest& req) { return site.serve(req); });
  }
  context.publisher.add_extension(std::make_shared<VisitedRegionsExtension>(
      config_.region, context.publisher.config().embargo_seconds));
  std::set<std::string> partner_regions;
  for (const auto& p : config_.partners) partner_regions.insert(p.region);
  context.publisher.add_extension(std::make_shared<TravelerExtension>(
      std::move(partner_regions), context.publisher.config().embargo_seconds));
  // Load the indexes and files already published (a restart).
  auto loaded = context.store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT path, feed FROM federation_batch");
    GL_RETURN_IF_ERROR(rows);
    std::set<std::string> feeds;
    for (const auto& row : *rows) {
      (void)context.site.load(text_of(row[0]), "application/zip", kZipCacheControl);
      feeds.insert(text_of(row[1]));
    }
    for (const auto& feed : feeds) {
      (void)context.site.load(feed + "index.txt", "text/plain; charset=utf-8", kIndexCacheControl);
    }
    return ok();
  });
  if (!loaded) return loaded;
  // Every partner's federated index exists from the start (empty until keys arrive), so a
  // phone that chose its region lists nothing rather than failing on a 404.
  for (const auto& p : config_.partners) {
    if (!context.site.find(federated_index_path(p.region))) {
      GL_RETURN_IF_ERROR(rebuild_index(std::string(kFederatedDirectory) + p.region + "/"));
    }
  }
  context.add_export_job([this]() -> Status {
    auto pulled = pull();
    GL_RETURN_IF_ERROR(pulled);
    auto published = republish();
    GL_RETURN_IF_ERROR(published);
    auto offered = offer_travellers();
    GL_RETURN_IF_ERROR(offered);
    return ok();
  });
  context.add_retention_job(
      [this](std::int64_t now, std::int64_t cutoff) { return delete_expired(now, cutoff); });
  context.add_site_refresh_job([this] { return sync_published(); });
  return ok();
}

Status FederationModule::under_lease(const std::function<Status()>& fn) {
  ServerContext& ctx = *context_;
  const std::int64_t now = ctx.clock.now_unix_seconds();
  GL_ASSIGN_OR_RETURN(const bool acquired,
                      ctx.store.acquire_lease(kLease, holder_, now, now + kLeaseSeconds));
  if (!acquired) return make_error(ErrorCode::kUnavailable, "another instance is federating");
  Status status = fn();
  // A failed release only delays the other instances until the lease expires.
  (void)ctx.store.release_lease(kLease, holder_);
  return status;
}

Result<FederationPullReport> FederationModule::pull() {
  std::lock_guard lock(mutex_);
  ServerContext& ctx = *context_;
  FederationPullReport report;
  const auto pull_all = [&]() -> Status {
    for (const auto& partner : config_.partners) {
      GL_RETURN_IF_ERROR(pull_partner(partner, report));
    }
    return ok();
  };
  GL_RETURN_IF_ERROR(under_lease(pull_all));
  if (report.files_imported > 0 || report.files_refused > 0) {
    ctx.logger.log(LogLevel::kInfo, "federation_pulled",
                   {{"files", std::to_string(report.files_imported)},
                    {"keys", std::to_string(report.keys_imported)},
                    {"refused", std::to_string(report.files_refused)}});
  }
  return report;
}

Status FederationModule::pull_partner(const FederationPartner& partner,
                                      FederationPullReport& report) {
  ServerContext& ctx = *context_;
  const auto refuse = [&](const std::string& path, const std::string& reason) {
    ++report.files_refused;
    report.refusals.push_back(partner.region + " " + path + ": " + reason);
    ctx.logger.log(LogLevel::kWarning, "federation_file_refused",
                   {{"region", partner.region}, {"path", path}, {"reason", reason}});
  };
  auto index = config_.fetch(wire::url_for(partner.base_url, partner.index_path));
  if (!index) {
    refuse(partner.index_path, "index unavailable: " + index.error().message);
    return ok();
  }
  auto paths = parse_partner_index(*index);
  if (!paths) {
    refuse(partner.index_path, "malformed index: " + paths.error().message);
    return ok();
  }
  for (const std::string& path : *paths) {
    bool imported = false;
    auto known = ctx.store.read([&](StoreTransaction& tx) -> Status {
      auto rows = tx.query(
          "SELECT COUNT(*) FROM federation_file WHERE region = ? AND path = ? AND status = 'ok'",
          {partner.region, path});
      GL_RETURN_IF_ERROR(rows);
      imported = !rows->empty() && int_of(rows->front()[0]) > 0;
      return ok();
    });
    if (!known) return known;
    if (imported) {
      ++report.files_known;
      continue;
    }
    auto bytes = config_.fetch(wire::url_for(partner.base_url, path));
    if (!bytes) {
      refuse(path, "fetch failed: " + bytes.error().message);
      continue;
    }
    GL_RETURN_IF_ERROR(import_file(partner, path, *bytes, report));
  }
  return ok();
}

Status FederationModule::import_file(const FederationPartner& partner, const std::string& path,
                                     const std::string& bytes, FederationPullReport& report) {
  ServerContext& ctx = *context_;
  const std::int64_t now = ctx.clock.now_unix_seconds();
  const std::string content_sha = to_hex(sha256(as_bytes(bytes)));
  auto checked = verify_partner_file(partner, config_.region, bytes);
  std::string refusal = checked ? std::string() : checked.error().reason;
  bool seen_before = false;
  std::size_t keys_stored = 0;
  std::size_t revisions_stored = 0;
  auto s = ctx.store.transact([&](StoreTransaction& tx) -> Status {
    auto same =
        tx.query("SELECT COUNT(*) FROM federation_file WHERE region = ? AND content_sha256 = ?",
                 {partner.region, content_sha});
    GL_RETURN_IF_ERROR(same);
    if (!same->empty() && int_of(same->front()[0]) > 0) {
      seen_before = true;
      return ok();
    }
    if (refusal.empty()) {
      auto replay =
          tx.query("SELECT path FROM federation_bin WHERE bin_sha256 = ?", {checked->second});
      GL_RETURN_IF_ERROR(replay);
      if (!replay->empty()) {
        refusal = "replay of " + text_of(replay->front()[0]) + " (same export.bin)";
      }
    }
    if (refusal.empty()) {
      GL_RETURN_IF_ERROR(
          tx.execute("INSERT INTO federation_bin(bin_sha256, region, path, processed_at) "
                     "VALUES(?, ?, ?, ?)",
                     {checked->second, partner.region, path, now}));
      for (const TemporaryExposureKey& k : checked->first.keys) {
        if (k.report_type == ReportType::kRevoked) continue;
        auto r = tx.execute(
            "INSERT INTO federation_key(origin, key_data, rsin, rp, trl, report_type, dsos, "
            "received_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            key_row(partner.region, k, now));
        GL_RETURN_IF_ERROR(r);
        keys_stored += static_cast<std::size_t>(*r);
      }
      GL_ASSIGN_OR_RETURN(revisions_stored,
                          import_revisions(tx, partner.region, checked->first.revised_keys, now));
    }
    auto r = tx.execute(
        "INSERT INTO federation_file(region, path, content_sha256, status, reason, processed_at) "
        "VALUES(?, ?, ?, ?, ?, ?)",
        {partner.region, path, content_sha, std::string(refusal.empty() ? "ok" : "refused"),
         refusal, now});
    GL_RETURN_IF_ERROR(r);
    return ok();
  });
  if (!s) return s;
  if (seen_before) {
    ++report.files_known;
  } else if (!refusal.empty()) {
    ++report.files_refused;
    report.refusals.push_back(partner.region + " " + path + ": " + refusal);
    ctx.logger.log(LogLevel::kWarning, "federation_file_refused",
                   {{"region", partner.region}, {"path", path}, {"reason", refusal}});
  } else {
    ++report.files_imported;
    report.keys_imported += keys_stored;
    report.revisions_imported += revisions_stored;
  }
  return ok();
}

namespace {

// Reads rows of (key_data, rsin, rp, trl, report_type, dsos, time) into keys; window_start
// becomes the earliest time.
Status read_key_rows(const std::vector<SqlRow>& rows, std::vector<TemporaryExposureKey>& keys,
                     std::int64_t& window_start) {
  for (const auto& row : rows) {
    const auto* data = std::get_if<Bytes>(&row[0]);
    if (data == nullptr)
      return make_error(ErrorCode::kInternal, "federation key_data is not a blob");
    TemporaryExposureKey k;
    GL_ASSIGN_OR_RETURN(k.key_data, Tek::from_span(*data));
    k.rolling_start_interval_number = {static_cast<std::uint32_t>(int_of(row[1]))};
    k.rolling_period = static_cast<std::uint32_t>(int_of(row[2]));
    k.transmission_risk_level = static_cast<std::int32_t>(int_of(row[3]));
    k.report_type = static_cast<ReportType>(int_of(row[4]));
    if (std::holds_alternative<std::int64_t>(row[5])) {
      k.days_since_onset_of_symptoms = static_cast<std::int32_t>(int_of(row[5]));
    }
    window_start = std::min(window_start, int_of(row[6]));
    keys.push_back(std::move(k));
  }
  return ok();
}

}  // namespace

Result<std::size_t> FederationModule::republish() {
  return publish_leased(&FederationModule::republish_leased, "federation_republished");
}

Result<std::size_t> FederationModule::publish_leased(Status (FederationModule::*step)(std::size_t&),
                                                     const char* event) {
  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  GL_RETURN_IF_ERROR(under_lease([&] { return (this->*step)(written); }));
  if (written > 0)
    context_->logger.log(LogLevel::kInfo, event, {{"files", std::to_string(written)}});
  return written;
}

Status FederationModule::republish_leased(std::size_t& written) {
  ServerContext& ctx = *context_;
  const std::int64_t now = ctx.clock.now_unix_seconds();
  for (const auto& partner : config_.partners) {
    const std::string& origin = partner.region;
    const std::string feed = std::string(kFederatedDirectory) + origin + "/";
    std::vector<TemporaryExposureKey> keys;
    std::vector<TemporaryExposureKey> revised;
    std::int64_t window_start = now;
    constexpr std::string_view kColumns =
        "SELECT key_data, rsin, rp, trl, report_type, dsos, received_at FROM ";
    auto read = ctx.store.read([&](StoreTransaction& tx) -> Status {
      GL_ASSIGN_OR_RETURN(
          auto rows,
          tx.query(std::string(kColumns) + "federation_key WHERE origin = ? AND batch IS NULL",
                   {origin}));
      GL_RETURN_IF_ERROR(read_key_rows(rows, keys, window_start));
      GL_ASSIGN_OR_RETURN(
          rows,
          tx.query(std::string(kColumns) + "federation_revised WHERE origin = ? AND batch IS NULL",
                   {origin}));
      return read_key_rows(rows, revised, window_start);
    });
    GL_RETURN_IF_ERROR(read);
    if (keys.empty() && revised.empty()) continue;
    const std::int64_t window_end = std::max(now, window_start + 1);
    const std::string batch = feed + std::to_string(window_end);
    auto s = ctx.store.transact([&](StoreTransaction& tx) -> Status {
      for (const auto& k : keys) {
        auto r = tx.execute(
            "UPDATE federation_key SET batch = ? WHERE origin = ? AND key_data = ? AND rsin = ?",
            {batch, origin, Bytes(k.key_data.span().begin(), k.key_data.span().end()),
             std::int64_t{k.rolling_start_interval_number.value}});
        GL_RETURN_IF_ERROR(r);
      }
      for (const auto& k : revised) {
        GL_RETURN_IF_ERROR(tx.execute(
            "UPDATE federation_revised SET batch = ? WHERE origin = ? AND key_data = ? AND "
            "rsin = ? AND report_type = ?",
            {batch, origin, Bytes(k.key_data.span().begin(), k.key_data.span().end()),
             std::int64_t{k.rolling_start_interval_number.value},
             static_cast<std::int64_t>(k.report_type)}));
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    auto files =
        publish_batch(feed, origin, std::move(keys), std::move(revised), window_start, window_end);
    GL_RETURN_IF_ERROR(files);
    written += *files;
  }
  return ok();
}

Result<std::size_t> FederationModule::offer_travellers() {
  return publish_leased(&FederationModule::offer_travellers_leased,
                        "federation_travellers_offered");
}

Status FederationModule::offer_travellers_leased(std::size_t& written) {
  ServerContext& ctx = *context_;
  const std::int64_t now = ctx.clock.now_unix_seconds();
  std::vector<std::string> regions;
  auto listed = ctx.store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query(
        "SELECT DISTINCT region FROM federation_outbound WHERE batch IS NULL AND "
        "embargo_until <= ? ORDER BY region",
        {now});
    GL_RETURN_IF_ERROR(rows);
    for (const auto& row : *rows) regions.push_back(text_of(row[0]));
    return ok();
  });
  GL_RETURN_IF_ERROR(listed);
  for (const std::string& region : regions) {
    const std::string feed = std::string(kTravellerDirectory) + region + "/";
    std::vector<TemporaryExposureKey> keys;
    std::int64_t window_start = now;
    // Claimed first: a crash after this republishes nothing twice (the keys are then in the
    // partners' next pull of the whole feed only).
    auto s = ctx.store.transact([&](StoreTransaction& tx) -> Status {
      auto rows = tx.query(
          "SELECT key_data, rsin, rp, trl, report_type, dsos, received_at FROM "
          "federation_outbound WHERE region = ? AND batch IS NULL AND embargo_until <= ?",
          {region, now});
      GL_RETURN_IF_ERROR(rows);
      GL_RETURN_IF_ERROR(read_key_rows(*rows, keys, window_start));
      auto r = tx.execute(
          "UPDATE federation_outbound SET batch = ? WHERE region = ? AND batch IS NULL AND "
          "embargo_until <= ?",
          {feed + std::to_string(now), region, now});
      GL_RETURN_IF_ERROR(r);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    if (keys.empty()) continue;
    auto files = publish_batch(feed, config_.region, std::move(keys), {}, window_start,
                               std::max(now, window_start + 1));
    GL_RETURN_IF_ERROR(files);
    written += *files;
  }
  return ok();
}

Result<std::size_t> FederationModule::publish_batch(
    const std::string& feed, const std::string& region, std::vector<TemporaryExposureKey> keys,
    std::vector<TemporaryExposureKey> revised, std::int64_t window_start, std::int64_t window_end) {
  ServerContext& ctx = *context_;
  const std::int64_t now = ctx.clock.now_unix_seconds();
  ExportBuildOptions options = ctx.exporter.config().build;
  options.region = region;
  const auto& signers = ctx.exporter.signers();
  auto files =
      build_export_files(std::move(keys), window_start, window_end, options, signers, ctx.rng);
  GL_RETURN_IF_ERROR(files);
  if (!revised.empty()) {
    GL_ASSIGN_OR_RETURN(auto file,
                        build_revised_export_file(std::move(revised), window_start, window_end,
                                                  files->size() + 1, region, signers));
    files->push_back(std::move(file));
  }
  std::vector<wire::SignatureInfo> infos;
  for (const auto& s : signers) infos.push_back(s.info);
  for (auto& f : *files) {
    Publication p;
    p.path = feed + f.name;
    p.kind = "export";
    auto shared = std::make_shared<const std::string>(f.zip.begin(), f.zip.end());
    p.sha256 = sha256(as_bytes(*shared));
    p.bytes = std::move(shared);
    p.window_start = window_start;
    p.window_end = window_end;
    p.item_count = f.key_count;
    p.region = region;
    p.signed_by = infos;
    const std::string path = p.path;
    const std::string sha_hex = to_hex(p.sha256);
    GL_RETURN_IF_ERROR(ctx.site.publish(std::move(p)));
    auto recorded = ctx.store.transact([&](StoreTransaction& tx) -> Status {
      auto r = tx.execute(
          "INSERT INTO federation_batch(path, feed, origin, window_start, window_end, "
          "created_at, key_count, sha256_hex) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
          {path, feed, region, window_start, window_end, now,
           static_cast<std::int64_t>(f.key_count), sha_hex});
      GL_RETURN_IF_ERROR(r);
      return ok();
    });
    GL_RETURN_IF_ERROR(recorded);
  }
  GL_RETURN_IF_ERROR(rebuild_index(feed));
  return files->size();
}

Result<bool> FederationModule::sync_published() {
  // This instance publishing right now: its own files are in the cache already.
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return false;
  ServerContext& ctx = *context_;
  std::map<std::string, std::vector<std::string>> feeds;
  for (const auto& p : config_.partners) {
    feeds[std::string(kFederatedDirectory) + p.region + "/"];
  }
  GL_RETURN_IF_ERROR(ctx.store.read([&](StoreTransaction& tx) -> Status {
    GL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT path, feed FROM federation_batch "
                                            "ORDER BY window_end, path"));
    for (const auto& row : rows) feeds[text_of(row[1])].push_back(text_of(row[0]));
    return ok();
  }));
  bool changed = false;
  std::set<std::string> listed;
  for (const auto& [feed, paths] : feeds) {
    for (const std::string& path : paths) {
      listed.insert(path);
      if (ctx.site.find(path)) continue;
      if (auto s = ctx.site.load(path, "application/zip", kZipCacheControl); !s) {
        return make_error(ErrorCode::kIo,
                          "federated file listed in the database is missing: " + path);
      }
      changed = true;
    }
    const std::string index_path = feed + "index.txt";
    listed.insert(index_path);
    std::string index = wire::format_feed_index(paths);
    const auto current = ctx.site.find(index_path);
    if (!current || *current->bytes != index) {
      // Memory only: the instance that published wrote the index file.
      ctx.site.put(index_path, std::move(index), "text/plain; charset=utf-8", kIndexCacheControl);
      changed = true;
    }
  }
  // Files and feeds another instance's retention removed.
  for (std::string_view directory : {kFederatedDirectory, kTravellerDirectory}) {
    for (const std::string& path : ctx.site.cached_paths(directory)) {
      if (listed.contains(path)) continue;
      if (path.ends_with("/index.txt")) {
        const auto current = ctx.site.find(path);
        if (current && current->bytes->empty()) continue;
        ctx.site.put(path, std::string(), "text/plain; charset=utf-8", kIndexCacheControl);
      } else {
        ctx.site.forget(path);
      }
      changed = true;
    }
  }
  return changed;
}

Status FederationModule::rebuild_index(const std::string& feed) {
  ServerContext& ctx = *context_;
  std::vector<std::string> paths;
  auto read = ctx.store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query(
        "SELECT path FROM federation_batch WHERE feed = ? ORDER BY window_end, path", {feed});
    GL_RETURN_IF_ERROR(rows);
    for (const auto& row : *rows) paths.push_back(text_of(row[0]));
    return ok();
  });
  if (!read) return read;
  return ctx.site.write_metadata(feed + "index.txt", wire::format_feed_index(paths),
                                 "text/plain; charset=utf-8", kIndexCacheControl);
}

Status FederationModule::delete_expired(std::int64_t /*now*/, std::int64_t cutoff) {
  std::lock_guard lock(mutex_);
  ServerContext& ctx = *context_;
  std::vector<std::string> expired;
  std::set<std::string> feeds;
  auto s = ctx.store.transact([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT path, feed FROM federation_batch WHERE window_end < ?", {cutoff});
    GL_RETURN_IF_ERROR(rows);
    for (const auto& row : *rows) {
      expired.push_back(text_of(row[0]));
      feeds.insert(text_of(row[1]));
    }
    for (const char* sql : {"DELETE FROM federation_batch WHERE window_end < ?",
                            "DELETE FROM federation_key WHERE received_at < ?",
                            "DELETE FROM federation_revised WHERE received_at < ?",
                            "DELETE FROM federation_outbound WHERE received_at < ?",
                            "DELETE FROM federation_bin WHERE processed_at < ?",
                            "DELETE FROM federation_file WHERE processed_at < ?"}) {
      GL_RETURN_IF_ERROR(tx.execute(sql, {cutoff}));
    }
    return ok();
  });
  if (!s) return s;
  for (const auto& path : expired) {
    GL_RETURN_IF_ERROR(ctx.site.remove(path));
  }
  for (const auto& feed : feeds) {
    GL_RETURN_IF_ERROR(rebuild_index(feed));
  }
  return ok();
}

}  // namespace greenlight::server
