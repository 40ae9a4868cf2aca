#include "greenlight/sim/server_publisher.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "greenlight/client/client.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/log_monitor.h"
#include "greenlight/client/uploader.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/ed25519.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/log_leaf.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/http.h"
#include "greenlight/server/http_client.h"
#include "greenlight/server/server.h"
#include "greenlight/server/transparency_log.h"
#include "greenlight/server/venue_warnings.h"
#include "greenlight/wire/export_file.h"
#include "greenlight/wire/published_layout.h"
#include "greenlight/wire/upload_auth.h"
#include "greenlight/wire/venue_warning.h"
#include "internal/publisher_transport.h"

namespace greenlight::sim {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using server::Method;

constexpr char kKeyId[] = "sim";
constexpr char kKeyVersion[] = "v1";
constexpr char kExportIndex[] = "/v1/exports/index.txt";
constexpr char kVenueIndex[] = "/v1/venues/index.txt";
constexpr char kLogOrigin[] = "greenlight.sim/log";
constexpr std::size_t kHmacKeyBytes = 32;
constexpr std::size_t kMaxBodyBytes = 1 << 20;  // an upload with 512 venue reports is ~60 KiB

struct Reply {
  unsigned status = 0;
  std::string body;
  std::uint64_t bytes = 0;  // received: the whole response over HTTP, the body in process
};

// The server's randomness (codes, tokens, certificate ids, padding keys, batch shuffles)
// from one seed, behind a mutex because the server may call it from several threads.
class LockedSeededRandom final : public RandomSource {
 public:
  explicit LockedSeededRandom(ByteSpan seed) : rng_(seed) {}
  void fill(MutableByteSpan out) override {
    std::lock_guard lock(mutex_);
    rng_.fill(out);
  }

 private:
  std::mutex mutex_;
  SeededRandom rng_;
};

std::string random_hex(std::size_t bytes) {
  Bytes b(bytes);
  system_random().fill(b);
  return to_hex(b);
}

// The report types the health authority issues codes for, by their one wire name.
Result<std::string_view> code_report_type(ReportType type) {
  switch (type) {
    case ReportType::kConfirmedTest:
    case ReportType::kConfirmedClinicalDiagnosis:
    case ReportType::kSelfReport:
      return wire::report_type_name(type);
    default:
      break;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "the health authority issues codes for confirmed, clinical or self-reported "
                    "cases, got report type " +
                        std::to_string(static_cast<int>(type)));
}

Result<json::object> parse_object(const Reply& r, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) {
    return make_error(ErrorCode::kInternal, std::string(what) + ": expected a JSON object, got " +
                                                std::to_string(r.body.size()) +
                                                " bytes that do not parse");
  }
  return std::move(v.as_object());
}

Result<std::string> string_member(const json::object& o, std::string_view member,
                                  std::string_view what) {
  const json::value* v = o.if_contains(member);
  if (v == nullptr || !v->is_string()) {
    return make_error(ErrorCode::kInternal, std::string(what) + ": expected a string member \"" +
                                                std::string(member) + "\"");
  }
  return std::string(v->as_string());
}

// A non-200 reply as an error: "<what>: HTTP 400 invalid_argument: <server message>".
Error reply_error(const Reply& r, std::string_view what) {
  std::string detail;
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (const auto* e = o.if_contains("error"); e != nullptr && e->is_string()) {
      detail += " " + std::string(e->as_string());
    }
    if (const auto* m = o.if_contains("message"); m != nullptr && m->is_string()) {
      detail += ": " + std::string(m->as_string());
    }
  }
  ErrorCode code = ErrorCode::kUnavailable;
  if (r.status == 401 || r.status == 403) {
    code = ErrorCode::kAuthentication;
  } else if (r.status == 409) {
    code = ErrorCode::kAlreadyExists;
  } else if (r.status >= 400 && r.status < 500) {
    code = ErrorCode::kInvalidArgument;
  }
  return Error{code, std::string(what) + ": HTTP " + std::to_string(r.status) + detail};
}

std::vector<std::string> index_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(std::move(line));
    pos = end + 1;
  }
  return out;
}

std::uint64_t tree_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

std::int64_t as_int(const server::SqlValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return 0;
}

// The folders of the key servers alive in this process (remove_server_directories).
std::mutex& live_directories_mutex() {
  static std::mutex m;
  return m;
}
std::set<fs::path>& live_directories() {
  static std::set<fs::path> directories;
  return directories;
}
// Held shared by every call into a key server (and its creation and end), exclusively by
// remove_server_directories: a folder is not removed while a server writes into it (a
// server thread recreated files under a folder being removed, which was left behind).
std::shared_mutex& server_activity() {
  static std::shared_mutex m;
  return m;
}

}  // namespace

void remove_server_directories() {
  // Never released: the servers stay stopped for the process's end.
  server_activity().lock();
  const std::lock_guard lock(live_directories_mutex());
  for (const auto& directory : live_directories()) {
    std::error_code ec;
    fs::remove_all(directory, ec);
  }
  live_directories().clear();
}

struct ServerPublisher::Impl {
  ServerTransport transport = ServerTransport::kLoopback;
  fs::path directory;
  std::string name;
  std::string ha_key;
  std::shared_ptr<server::ManualClock> clock;
  std::unique_ptr<RandomSource> seeded;  // outlives the server
  RandomSource* rng = &system_random();
  std::unique_ptr<server::Server> server;
  std::shared_ptr<server::VenueWarningModule> venues;
  std::optional<EcdsaP256PublicKey> venue_authority;  // pinned by the phones
  std::int64_t host_certificates = 0;                 // used by venue owners' releases, not uploads
  std::unique_ptr<server::HttpClient> client;         // loopback only
  std::vector<wire::TrustedSigningKey> trusted;
  std::set<std::string> downloaded;  // paths of export and venue files already fetched
  std::shared_ptr<server::TransparencyLog> log;
  std::optional<client::LogMonitor> monitor;  // the phones' shared view of the log
  std::uint64_t logged_files_verified = 0;
  // The uploading phones: the client library's Uploader over the publisher's transport, its
  // upload state in one in-memory device database (one upload at a time, each finished
  // before the next starts), the phone's clock set to the simulated time.
  client::ManualClock phone_clock;
  std::unique_ptr<client::Client> phone;
  std::unique_ptr<internal::PublisherTransport> phone_transport;
  std::unique_ptr<client::Uploader> uploader;
  client::UploadStatus last_upload;

  ~Impl() {
    const std::shared_lock active(server_activity());
    uploader.reset();
    phone_transport.reset();
    phone.reset();
    client.reset();
    if (server) server->stop();
    server.reset();
    log.reset();  // closes the log database before the directory goes
    if (directory.empty()) return;
    const std::lock_guard lock(live_directories_mutex());
    live_directories().erase(directory);
    std::error_code ec;
    fs::remove_all(directory, ec);
  }

  Result<Reply> call(Method method, std::string_view path, std::string_view body = {},
                     std::string_view bearer = {}) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(bearer));
    return send(method, path, body, std::move(headers));
  }

  // One request over the publisher's transport; path is "/path?query".
  Result<Reply> send(Method method, std::string_view path, std::string_view body,
                     std::vector<std::pair<std::string, std::string>> headers) {
    if (transport == ServerTransport::kLoopback) {
      auto r = client->request(method, path, body, headers);
      GL_RETURN_IF_ERROR(r);
      return Reply{r->status, std::move(r->body), client->last_response_bytes()};
    }
    server::HttpRequest request;
    request.method = method;
    const std::size_t question = path.find('?');
    request.path = std::string(path.substr(0, question));
    if (question != std::string_view::npos) request.query = std::string(path.substr(question + 1));
    request.headers = std::move(headers);
    request.body = std::string(body);
    server::HttpResponse response = server->context().router.dispatch(request);
    std::string text = response.body ? *response.body : std::string();
    const std::uint64_t bytes = text.size();
    return Reply{response.status, std::move(text), bytes};
  }

  // POST a JSON body; the parsed 200 response, or the step's error.
  Result<json::object> post(std::string_view path, const json::object& body, std::string_view what,
                            std::string_view bearer = {}) {
    auto r = call(Method::kPost, path, json::serialize(body), bearer);
    GL_RETURN_IF_ERROR(r);
    if (r->status != 200) return std::unexpected(reply_error(*r, what));
    return parse_object(*r, what);
  }

  Result<Reply> get(std::string_view path) {
    auto r = call(Method::kGet, path);
    GL_RETURN_IF_ERROR(r);
    if (r->status != 200) return std::unexpected(reply_error(*r, "GET " + std::string(path)));
    return r;
  }

  // A phone's request (client::Uploader) over the same transport.
  Result<internal::ServerReply> phone_send(const client::TransportRequest& request,
                                           std::string_view target) {
    const Method method =
        request.method == client::HttpMethod::kPost ? Method::kPost : Method::kGet;
    auto r = send(method, target, request.body, request.headers);
    GL_RETURN_IF_ERROR(r);
    internal::ServerReply out;
    out.response.status = r->status;
    out.response.body = std::move(r->body);
    out.bytes = r->bytes;
    return out;
  }
};

namespace {

// The phone's log requests over the publisher's transport; counts what was received.
class PublisherLogFetcher final : public client::LogFetcher {
 public:
  using Get = std::function<Result<Reply>(std::string_view path)>;
  explicit PublisherLogFetcher(Get get) : get_(std::move(get)) {}
  Result<Bytes> fetch(std::string_view path) override {
    auto r = get_("/" + std::string(path));
    GL_RETURN_IF_ERROR(r);
    bytes_ += r->bytes;
    if (r->status == 404) {
      return make_error(ErrorCode::kNotFound, "GET /" + std::string(path) + ": HTTP 404");
    }
    if (r->status != 200) return std::unexpected(reply_error(*r, "GET /" + std::string(path)));
    return Bytes(r->body.begin(), r->body.end());
  }
  std::uint64_t bytes() const { return bytes_; }

 private:
  Get get_;
  std::uint64_t bytes_ = 0;
};

// An upload the Uploader did not publish, as an error naming the client's outcome.
Error upload_error(const client::UploadStatus& s) {
  ErrorCode code = ErrorCode::kUnavailable;  // no answer: the upload stays resumable
  switch (s.failure) {
    case client::UploadFailure::kNone:
      break;
    case client::UploadFailure::kInvalidCode:
    case client::UploadFailure::kExpiredAuthorisation:
      code = ErrorCode::kAuthentication;
      break;
    case client::UploadFailure::kExpiredCode:
      code = ErrorCode::kFailedPrecondition;
      break;
    case client::UploadFailure::kTooManyAttempts:
      code = ErrorCode::kResourceExhausted;
      break;
    case client::UploadFailure::kRejected:
      code = ErrorCode::kInvalidArgument;
      break;
    case client::UploadFailure::kProtocol:
      code = ErrorCode::kInternal;
      break;
  }
  return Error{code, "client upload " + std::string(client::upload_stage_name(s.stage)) + " (" +
                         std::string(client::upload_failure_name(s.failure)) + "): " + s.message};
}

// Log before use: a downloaded file is used only if a verified leaf commits to its SHA-256.
Status require_logged(client::LogMonitor& monitor, LogLeafKind kind, std::string_view body,
                      std::string_view path, client::LogFetcher& fetcher) {
  auto s = monitor.require_logged(kind, sha256(as_bytes(body)), &fetcher);
  if (!s) {
    return make_error(ErrorCode::kFailedPrecondition,
                      std::string(path) + " is not covered by the verified transparency log (" +
                          std::string(log_leaf_kind_name(kind)) + ", " +
                          std::to_string(monitor.size()) + " leaves): " + s.error().message);
  }
  return ok();
}

}  // namespace

ServerPublisher::ServerPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerPublisher::~ServerPublisher() = default;

Result<std::unique_ptr<ServerPublisher>> ServerPublisher::create(
    const ServerPublisherOptions& options) {
  auto d = std::make_unique<Impl>();
  // Released before d's end on an error (~Impl takes it too).
  const std::shared_lock active(server_activity());
  d->transport = options.transport;
  if (options.seed) {
    // A stream of its own: never the simulation's key streams for the same seed.
    std::string label = "greenlight-sim-server-rng:" + std::to_string(*options.seed);
    d->seeded = std::make_unique<LockedSeededRandom>(sha256(as_bytes(label)));
    d->rng = d->seeded.get();
  }

  std::error_code ec;
  const fs::path parent =
      options.temp_parent.empty() ? fs::temp_directory_path(ec) : options.temp_parent;
  if (ec) return make_error(ErrorCode::kIo, "no temporary directory: " + ec.message());
  std::string pattern = (parent / "greenlight-sim-server-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return make_error(ErrorCode::kIo,
                      "cannot create a temporary directory under " + parent.string());
  }
  d->directory = pattern;
  {
    const std::lock_guard lock(live_directories_mutex());
    live_directories().insert(d->directory);
  }

  auto export_key = EcdsaP256PrivateKey::generate();
  GL_RETURN_IF_ERROR(export_key);
  auto authority_key = EcdsaP256PrivateKey::generate();
  GL_RETURN_IF_ERROR(authority_key);
  d->trusted.push_back(wire::TrustedSigningKey{kKeyId, kKeyVersion, export_key->public_key()});
  d->ha_key = "sim-health-authority-" + random_hex(16);

  // The log's checkpoint key: from the seeded stream when there is one (a reproducible run
  // signs the same checkpoints), otherwise from OpenSSL.
  auto signer = [&]() -> Result<NoteSigner> {
    if (!d->seeded) return NoteSigner::generate(kLogOrigin);
    SecretBytes seed(32);
    d->rng->fill(seed.mutable_span());
    auto key = Ed25519PrivateKey::from_seed(seed.span());
    GL_RETURN_IF_ERROR(key);
    return NoteSigner::create(kLogOrigin, std::move(*key));
  }();
  GL_RETURN_IF_ERROR(signer);
  const NoteVerifier log_verifier = signer->verifier();
  auto log = server::TransparencyLog::open(d->directory / "log.db", kLogOrigin, std::move(*signer));
  GL_RETURN_IF_ERROR(log);
  d->log = std::move(*log);
  d->monitor.emplace(client::LogMonitorConfig{CheckpointPolicy{kLogOrigin, log_verifier, {}, 0}});

  server::ServerOptions so;
  so.database_path = d->directory / "server.db";
  so.export_directory = d->directory / "site";
  so.http.listen_address = "127.0.0.1";
  so.http.port = 0;
  so.http.io_threads = 1;
  so.http.worker_threads = 2;
  so.http.max_body_bytes = kMaxBodyBytes;
  so.exports.build.min_keys = options.export_min_keys;
  so.exports.build.padding_range = options.export_padding_range;
  so.export_period_seconds = 0;     // exports only when fetch_new asks
  so.retention_period_seconds = 0;  // the run keeps everything (the privacy view counts it all)

  std::vector<wire::ExportSigner> signers;
  signers.push_back(wire::ExportSigner{
      wire::SignatureInfo{kKeyVersion, kKeyId, wire::kEcdsaP256Sha256Oid}, std::move(*export_key)});
  // The health authority authorises venue warnings with its certificate key; phones pin it.
  server::VenueWarningConfig venue_config;
  venue_config.authority_key = *authority_key;
  d->venue_authority = authority_key->public_key();
  server::ServerKeys keys{std::move(signers), std::move(*authority_key), {d->ha_key}, {}};
  server::ServerEnvironment env;
  d->clock = std::make_shared<server::ManualClock>(0);
  env.clock = d->clock;
  env.rng = d->rng;
  env.log_sink = [](std::string_view) {};  // failures reach the caller as HTTP errors

  auto created = server::Server::create(std::move(so), std::move(keys), std::move(env));
  GL_RETURN_IF_ERROR(created);
  d->server = std::move(*created);
  // Same order as `greenlight server run`: the log's before-publish hook sees every file.
  GL_RETURN_IF_ERROR(d->server->add_module(server::make_transparency_log_module(d->log)));
  d->venues = std::make_shared<server::VenueWarningModule>(venue_config);
  GL_RETURN_IF_ERROR(d->server->add_module(d->venues));

  if (d->transport == ServerTransport::kLoopback) {
    auto port = d->server->start();
    GL_RETURN_IF_ERROR(port);
    server::HttpClientOptions co;
    co.host = "127.0.0.1";
    co.port = *port;
    d->client = std::make_unique<server::HttpClient>(co);
    d->name = "greenlight server over loopback HTTP (127.0.0.1:" + std::to_string(*port) + ")";
  } else {
    d->name = "greenlight server in process (router dispatch, no sockets)";
  }

  // The uploading phones: the client's Uploader, drawing its HMAC keys from the publisher's
  // stream (as the run's phones did before the client had an uploader, so a seeded run
  // keeps its bytes).
  auto phone = client::Client::open(":memory:", client::ClientConfig{}, d->phone_clock, *d->rng);
  GL_RETURN_IF_ERROR(phone);
  d->phone = std::move(*phone);
  Impl* impl = d.get();
  d->phone_transport = std::make_unique<internal::PublisherTransport>(
      [impl](const client::TransportRequest& request, std::string_view target) {
        return impl->phone_send(request, target);
      });
  d->phone_transport->set_observer(options.phone_request_observer);
  client::UploaderOptions upload_options;
  upload_options.base_url = d->transport == ServerTransport::kLoopback
                                ? "http://127.0.0.1:" + std::to_string(d->server->port())
                                : std::string("http://greenlight.sim");
  auto uploader = client::Uploader::open(*d->phone, *d->phone_transport, upload_options);
  GL_RETURN_IF_ERROR(uploader);
  d->uploader = std::move(*uploader);
  return std::unique_ptr<ServerPublisher>(new ServerPublisher(std::move(d)));
}

std::string_view ServerPublisher::name() const { return impl_->name; }
ServerTransport ServerPublisher::transport() const { return impl_->transport; }
std::uint16_t ServerPublisher::port() const {
  return impl_->transport == ServerTransport::kLoopback ? impl_->server->port() : 0;
}
const std::filesystem::path& ServerPublisher::directory() const { return impl_->directory; }
const server::TransparencyLog& ServerPublisher::transparency_log() const { return *impl_->log; }
const client::UploadStatus& ServerPublisher::last_upload() const { return impl_->last_upload; }

Status ServerPublisher::publish(const SimUpload& upload, std::int64_t unix_seconds) {
  const std::shared_lock active(server_activity());
  Impl& d = *impl_;
  d.clock->set(unix_seconds);
  auto type = code_report_type(upload.report_type);
  GL_RETURN_IF_ERROR(type);

  // Health authority: a verification code stating the report type and symptom onset.
  json::object code_request{{"kind", "long"}, {"report_type", *type}, {"purpose", "keys"}};
  if (upload.symptom_onset_interval) {
    code_request["symptom_onset_interval"] = upload.symptom_onset_interval->value;
  }
  auto code_reply = d.post("/v1/codes", code_request, "POST /v1/codes", d.ha_key);
  GL_RETURN_IF_ERROR(code_reply);
  auto code = string_member(*code_reply, "code", "POST /v1/codes");
  GL_RETURN_IF_ERROR(code);

  // Phone: the client library's Uploader runs code -> token -> certificate (binding the HMAC
  // of the canonical key list) -> publish with the keys and the sealed venue reports.
  d.phone_clock.set(unix_seconds);
  auto uploaded = d.uploader->upload_prepared({*code, upload.keys, upload.venue_reports});
  GL_RETURN_IF_ERROR(uploaded);
  d.last_upload = *uploaded;
  if (uploaded->stage != client::UploadStage::kPublished) {
    return std::unexpected(upload_error(*uploaded));
  }
  GL_RETURN_IF_ERROR(d.uploader->clear());  // the row goes, secrets with it

  // Each venue's owner releases its warnings with its own venue_host code from the health
  // authority (tools/venue host_warning.h); the server adds the authority's signature.
  for (std::size_t first = 0; first < upload.venue_warnings.size();) {
    const VenueLocationTag tag = upload.venue_warnings[first].location_tag;
    std::size_t last = first;
    json::array warnings;
    while (last < upload.venue_warnings.size() && upload.venue_warnings[last].location_tag == tag) {
      warnings.push_back(json::string(wire::venue_warning_to_base64(upload.venue_warnings[last])));
      ++last;
    }
    first = last;
    auto host_code = d.post("/v1/codes", json::object{{"kind", "long"}, {"purpose", "venue_host"}},
                            "POST /v1/codes", d.ha_key);
    GL_RETURN_IF_ERROR(host_code);
    auto hcode = string_member(*host_code, "code", "POST /v1/codes");
    GL_RETURN_IF_ERROR(hcode);
    auto htoken_reply = d.post("/v1/verify", json::object{{"code", *hcode}}, "POST /v1/verify");
    GL_RETURN_IF_ERROR(htoken_reply);
    auto htoken = string_member(*htoken_reply, "token", "POST /v1/verify");
    GL_RETURN_IF_ERROR(htoken);
    SecretBytes host_key(kHmacKeyBytes);
    d.rng->fill(host_key.mutable_span());
    const Sha256Digest host_mac = wire::venue_host_mac(host_key.span(), tag);
    auto hcert_reply = d.post("/v1/certificate",
                              json::object{{"token", *htoken}, {"tekmac", base64_encode(host_mac)}},
                              "POST /v1/certificate");
    GL_RETURN_IF_ERROR(hcert_reply);
    auto hcert = string_member(*hcert_reply, "certificate", "POST /v1/certificate");
    GL_RETURN_IF_ERROR(hcert);
    auto released = d.post("/v1/venue-warning",
                           json::object{{"certificate", *hcert},
                                        {"hmac_key", base64_encode(host_key.span())},
                                        {"venue_warnings", std::move(warnings)},
                                        {"resolve_pending", true}},
                           "POST /v1/venue-warning");
    GL_RETURN_IF_ERROR(released);
    ++d.host_certificates;
  }
  return ok();
}

std::vector<EcdsaP256PublicKey> ServerPublisher::authority_keys() const {
  return {*impl_->venue_authority};
}

Result<PublishedBatch> ServerPublisher::fetch_new(std::int64_t unix_seconds) {
  const std::shared_lock active(server_activity());
  Impl& d = *impl_;
  d.clock->set(unix_seconds);
  // The export run also publishes the venue-warning batches (an export job of the module).
  GL_RETURN_IF_ERROR(d.server->export_now());

  PublishedBatch batch;
  // The phones' log check: the latest checkpoint's signature, and that it extends the one
  // verified before (folding the new leaves into the verified frontier).
  PublisherLogFetcher log_fetcher(
      [&d](std::string_view path) { return d.call(Method::kGet, path); });
  auto synced = d.monitor->sync(log_fetcher);
  if (!synced) {
    return make_error(synced.error().code,
                      "transparency log check failed: " + synced.error().message);
  }
  auto export_index = d.get(kExportIndex);
  GL_RETURN_IF_ERROR(export_index);
  batch.download_bytes += export_index->bytes;
  for (const auto& path : index_lines(export_index->body)) {
    if (d.downloaded.contains(path)) continue;
    auto file = d.get("/" + path);
    GL_RETURN_IF_ERROR(file);
    batch.download_bytes += file->bytes;
    const std::string& body = file->body;
    auto verified = wire::read_export_zip(as_bytes(body), d.trusted);
    if (!verified) {
      return make_error(verified.error().code,
                        "export " + path + " rejected: " + verified.error().message);
    }
    GL_RETURN_IF_ERROR(
        require_logged(*d.monitor, LogLeafKind::kExportBatch, body, path, log_fetcher));
    ++d.logged_files_verified;
    for (auto& k : verified->batch.keys) batch.keys.push_back(std::move(k));
    d.downloaded.insert(path);
  }

  auto venue_index = d.get(kVenueIndex);
  GL_RETURN_IF_ERROR(venue_index);
  batch.download_bytes += venue_index->bytes;
  for (const auto& path : index_lines(venue_index->body)) {
    if (d.downloaded.contains(path)) continue;
    auto file = d.get("/" + path);
    GL_RETURN_IF_ERROR(file);
    batch.download_bytes += file->bytes;
    const std::string& body = file->body;
    auto verified = wire::read_venue_warning_file(as_bytes(body), d.trusted);
    if (!verified) {
      return make_error(verified.error().code,
                        "venue-warning batch " + path + " rejected: " + verified.error().message);
    }
    GL_RETURN_IF_ERROR(
        require_logged(*d.monitor, LogLeafKind::kVenueWarningBatch, body, path, log_fetcher));
    ++d.logged_files_verified;
    for (auto& w : verified->batch.warnings) batch.venue_warnings.push_back(std::move(w));
    d.downloaded.insert(path);
  }
  batch.download_bytes += log_fetcher.bytes();
  // Within one export keys are sorted by key bytes; across several exports sort again so
  // that the order never depends on how the server split its windows.
  wire::sort_keys_by_key_data(batch.keys);
  return batch;
}

ServerHoldings ServerPublisher::holdings() const {
  const std::shared_lock active(server_activity());
  Impl& d = *impl_;
  ServerHoldings h;
  std::int64_t stored_keys = 0;
  std::int64_t exported_keys = 0;
  std::int64_t exported_real = 0;
  auto read = d.server->context().store.read([&](server::StoreTransaction& tx) -> Status {
    auto one = [&](std::string_view sql) -> Result<std::int64_t> {
      auto rows = tx.query(sql);
      GL_RETURN_IF_ERROR(rows);
      if (rows->empty() || rows->front().empty()) return 0;
      return as_int(rows->front()[0]);
    };
    auto uploads = one("SELECT COUNT(*) FROM used_certificates");
    auto keys = one("SELECT COUNT(*) FROM exposure_keys");
    auto in_files = one("SELECT COALESCE(SUM(key_count), 0) FROM export_files");
    auto real = one("SELECT COALESCE(SUM(real_key_count), 0) FROM export_batches");
    auto reports =
        one("SELECT (SELECT COUNT(*) FROM venue_pending) + (SELECT COUNT(*) FROM venue_report)");
    for (const auto* r : {&uploads, &keys, &in_files, &real, &reports}) {
      if (!*r) return std::unexpected(r->error());
    }
    h.uploads = static_cast<std::uint64_t>(*uploads - d.host_certificates);
    stored_keys = *keys;
    exported_keys = *in_files;
    exported_real = *real;
    h.venue_reports = static_cast<std::uint64_t>(*reports);
    return ok();
  });
  if (!read) {  // the privacy view says so rather than failing the run at its end
    const std::string& why = read.error().message;
    std::copy_n(why.begin(), std::min(why.size(), h.read_error.size() - 1), h.read_error.begin());
    return h;
  }
  h.padding_keys =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, exported_keys - exported_real));
  h.keys = static_cast<std::uint64_t>(stored_keys) + h.padding_keys;
  h.stored_bytes = tree_bytes(d.directory);
  h.transparency_log = true;
  h.log_leaves = d.log->published_size();
  h.logged_files_verified = d.logged_files_verified;
  return h;
}

}  // namespace greenlight::sim
