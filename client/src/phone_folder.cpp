#include "greenlight/client/phone_folder.h"

#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <system_error>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/crypto/signed_note.h"

namespace greenlight::client {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kDatabaseFile = "phone.db";
constexpr const char* kTrustFile = "trust.json";
constexpr const char* kCheckinKeyFile = "checkin.key";

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot read " + path.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return make_error(ErrorCode::kIo, "cannot read " + path.string());
  return text;
}

// Writes to a temporary file next to path and renames it over path, so readers see the old
// or the new content, never a mix.
Status write_file_atomically(const fs::path& path, std::string_view text, bool private_file) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return make_error(ErrorCode::kIo, "cannot write " + tmp.string());
    if (private_file) ::chmod(tmp.c_str(), 0600);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) return make_error(ErrorCode::kIo, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot rename " + tmp.string() + ": " + ec.message());
  return ok();
}

Result<std::string> string_field(const json::object& o, std::string_view name,
                                 std::string_view where) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(where) + "." + std::string(name) + " must be a string");
  }
  return std::string(v->as_string());
}

Result<CheckpointPolicy> log_policy(const PinnedLog& log) {
  auto verifier = NoteVerifier::from_vkey(log.verifier_key);
  if (!verifier) {
    return make_error(ErrorCode::kInvalidArgument,
                      "log verifier key must be NAME+HASH+KEY: " + verifier.error().message);
  }
  std::string origin = log.origin.empty() ? verifier->name() : log.origin;
  return CheckpointPolicy{std::move(origin), std::move(*verifier), {}, 0};
}

Result<wire::TrustedSigningKey> trusted_key(const PinnedExportKey& key) {
  if (key.key_id.empty() || key.key_version.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "key id and key version must not be empty");
  }
  auto public_key = EcdsaP256PublicKey::from_pem(key.public_key_pem);
  if (!public_key) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected a PEM P-256 public key: " + public_key.error().message);
  }
  return wire::TrustedSigningKey{key.key_id, key.key_version, std::move(*public_key)};
}

}  // namespace

std::string phone_trust_to_json(const PhoneTrust& trust) {
  json::array keys;
  for (const PinnedExportKey& k : trust.export_keys) {
    keys.push_back(json::object{{"key_id", k.key_id},
                                {"key_version", k.key_version},
                                {"public_key_pem", k.public_key_pem}});
  }
  json::object root{{"export_keys", std::move(keys)}};
  if (!trust.venue_authority_keys.empty()) {
    json::array authority;
    for (const std::string& pem : trust.venue_authority_keys)
      authority.push_back(json::string(pem));
    root["venue_authority_keys"] = std::move(authority);
  }
  if (trust.log) {
    root["log"] =
        json::object{{"origin", trust.log->origin}, {"verifier_key", trust.log->verifier_key}};
  }
  return json::serialize(root) + "\n";
}

Result<PhoneTrust> phone_trust_from_json(std::string_view text) {
  json::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "trust.json must be a JSON object");
  }
  PhoneTrust trust;
  const json::value* keys = root.as_object().if_contains("export_keys");
  if (keys == nullptr || !keys->is_array()) {
    return make_error(ErrorCode::kInvalidArgument, "trust.json: export_keys must be an array");
  }
  for (const json::value& v : keys->as_array()) {
    if (!v.is_object()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "trust.json: export_keys entries must be objects");
    }
    const json::object& o = v.as_object();
    PinnedExportKey k;
    auto id = string_field(o, "key_id", "export_keys[]");
    GL_RETURN_IF_ERROR(id);
    auto version = string_field(o, "key_version", "export_keys[]");
    GL_RETURN_IF_ERROR(version);
    auto pem = string_field(o, "public_key_pem", "export_keys[]");
    GL_RETURN_IF_ERROR(pem);
    trust.export_keys.push_back({std::move(*id), std::move(*version), std::move(*pem)});
  }
  if (const json::value* log = root.as_object().if_contains("log")) {
    if (!log->is_object()) {
      return make_error(ErrorCode::kInvalidArgument, "trust.json: log must be an object");
    }
    auto origin = string_field(log->as_object(), "origin", "log");
    GL_RETURN_IF_ERROR(origin);
    auto vkey = string_field(log->as_object(), "verifier_key", "log");
    GL_RETURN_IF_ERROR(vkey);
    trust.log = PinnedLog{std::move(*origin), std::move(*vkey)};
  }
  if (const json::value* authority = root.as_object().if_contains("venue_authority_keys")) {
    if (!authority->is_array()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "trust.json: venue_authority_keys must be an array");
    }
    for (const json::value& v : authority->as_array()) {
      if (!v.is_string()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "trust.json: venue_authority_keys entries must be strings");
      }
      trust.venue_authority_keys.emplace_back(v.as_string());
    }
  }
  return trust;
}

Status PhoneFolder::init(const fs::path& dir, RandomSource& random) {
  std::error_code ec;
  if (fs::exists(dir / kDatabaseFile, ec)) {
    return make_error(ErrorCode::kAlreadyExists, dir.string() + " already holds a phone");
  }
  fs::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  CheckinStoreKey key(random.bytes<kCheckinStoreKeySize>());
  GL_RETURN_IF_ERROR(write_file_atomically(
      dir / kCheckinKeyFile,
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), true));
  GL_RETURN_IF_ERROR(write_file_atomically(dir / kTrustFile, phone_trust_to_json({}), false));
  // Creates the database with its schema and the first key.
  ManualClock clock(0);
  auto client = Client::open((dir / kDatabaseFile).string(), {}, clock, random);
  GL_RETURN_IF_ERROR(client);
  return ok();
}

Result<std::unique_ptr<PhoneFolder>> PhoneFolder::open(const fs::path& dir, const Clock& clock,
                                                       RandomSource& random, ClientConfig config) {
  std::error_code ec;
  if (!fs::exists(dir / kDatabaseFile, ec)) {
    return make_error(ErrorCode::kNotFound,
                      dir.string() + " holds no phone (create one with `greenlight phone init`)");
  }
  auto trust_text = read_file(dir / kTrustFile);
  GL_RETURN_IF_ERROR(trust_text);
  auto trust = phone_trust_from_json(*trust_text);
  GL_RETURN_IF_ERROR(trust);
  auto key_text = read_file(dir / kCheckinKeyFile);
  GL_RETURN_IF_ERROR(key_text);
  auto checkin_key = CheckinStoreKey::from_span(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(key_text->data()), key_text->size()));
  secure_wipe(key_text->data(), key_text->size());
  if (!checkin_key) {
    return make_error(ErrorCode::kInvalidArgument,
                      "checkin.key must be " + std::to_string(kCheckinStoreKeySize) +
                          " bytes, got " + std::to_string(key_text->size()));
  }

  for (const PinnedExportKey& k : trust->export_keys) {
    auto key = trusted_key(k);
    GL_RETURN_IF_ERROR(key);
    config.trusted_keys.push_back(std::move(*key));
  }
  if (trust->log) {
    auto policy = log_policy(*trust->log);
    GL_RETURN_IF_ERROR(policy);
    config.log = LogMonitorConfig{std::move(*policy)};
  }
  auto client = Client::open((dir / kDatabaseFile).string(), std::move(config), clock, random);
  GL_RETURN_IF_ERROR(client);
  return std::unique_ptr<PhoneFolder>(
      new PhoneFolder(dir, random, std::move(*trust), std::move(*client), *checkin_key));
}

Status PhoneFolder::save_trust(const PhoneTrust& trust) const {
  return write_file_atomically(dir_ / kTrustFile, phone_trust_to_json(trust), false);
}

Status PhoneFolder::pin_export_key(const PinnedExportKey& key) {
  auto trusted = trusted_key(key);
  GL_RETURN_IF_ERROR(trusted);
  for (const PinnedExportKey& k : trust_.export_keys) {
    if (k.key_id == key.key_id && k.key_version == key.key_version &&
        k.public_key_pem == key.public_key_pem) {
      return ok();
    }
  }
  PhoneTrust next = trust_;
  std::erase_if(next.export_keys, [&](const PinnedExportKey& k) {
    return k.key_id == key.key_id && k.key_version == key.key_version;
  });
  next.export_keys.push_back(key);
  GL_RETURN_IF_ERROR(save_trust(next));
  trust_ = std::move(next);
  client_->add_trusted_key(std::move(*trusted));
  return ok();
}

Status PhoneFolder::pin_log(const PinnedLog& log) {
  auto policy = log_policy(log);
  GL_RETURN_IF_ERROR(policy);
  PinnedLog pinned{policy->origin, log.verifier_key};
  if (trust_.log) {
    if (trust_.log->origin == pinned.origin && trust_.log->verifier_key == pinned.verifier_key) {
      return ok();
    }
    return make_error(ErrorCode::kFailedPrecondition, "this phone already pins the log " +
                                                          trust_.log->origin +
                                                          "; a pinned log cannot be replaced");
  }
  PhoneTrust next = trust_;
  next.log = pinned;
  GL_RETURN_IF_ERROR(save_trust(next));
  if (auto s = client_->require_log(LogMonitorConfig{std::move(*policy)}); !s) {
    (void)save_trust(trust_);
    return s;
  }
  trust_ = std::move(next);
  return ok();
}

Result<VenueCheckins*> PhoneFolder::venues() {
  if (!venues_) {
    auto v = VenueCheckins::open(*client_, checkin_key_, random_);
    GL_RETURN_IF_ERROR(v);
    venues_ = std::move(*v);
    for (const std::string& pem : trust_.venue_authority_keys) {
      auto key = EcdsaP256PublicKey::from_pem(pem);
      if (!key)
        return make_error(ErrorCode::kInvalidArgument,
                          "trust.json: venue authority key: " + key.error().message);
      venues_->pin_authority_key(std::move(*key));
    }
  }
  return venues_.get();
}

Status PhoneFolder::pin_venue_authority_key(const std::string& public_key_pem) {
  auto key = EcdsaP256PublicKey::from_pem(public_key_pem);
  if (!key) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected a PEM P-256 public key: " + key.error().message);
  }
  for (const std::string& pem : trust_.venue_authority_keys) {
    if (pem == public_key_pem) return ok();
  }
  PhoneTrust next = trust_;
  next.venue_authority_keys.push_back(public_key_pem);
  GL_RETURN_IF_ERROR(save_trust(next));
  trust_ = std::move(next);
  if (venues_) venues_->pin_authority_key(std::move(*key));
  return ok();
}

Result<ColourDecision> PhoneFolder::colour() {
  auto v = venues();
  GL_RETURN_IF_ERROR(v);
  return (*v)->colour();
}

Result<std::unique_ptr<Uploader>> PhoneFolder::uploader(HttpTransport& transport,
                                                        const std::string& base_url) {
  UploaderOptions options;
  options.base_url = base_url;
  return Uploader::open(*client_, transport, std::move(options));
}

Result<UploadStatus> PhoneFolder::upload(HttpTransport& transport, const std::string& base_url,
                                         const std::string& code, SameDayRelease release) {
  auto checkins = venues();
  GL_RETURN_IF_ERROR(checkins);
  auto up = uploader(transport, base_url);
  GL_RETURN_IF_ERROR(up);
  UploadRequest request;
  request.code = code;
  request.release = release;
  request.checkins = &(*checkins)->store();
  // The contagious period the keys cover: the client's retention (14 days).
  request.venue_from = client_->clock().now() - client_->config().retention_seconds;
  return (*up)->upload(request);
}

Result<UploadStatus> PhoneFolder::resume_upload(HttpTransport& transport,
                                                const std::string& base_url) {
  auto up = uploader(transport, base_url);
  GL_RETURN_IF_ERROR(up);
  return (*up)->resume();
}

Result<UploadStatus> PhoneFolder::upload_status() {
  // No request is sent: the transport is never used.
  BeastHttpFetcher unused;
  auto up = uploader(unused, "");
  GL_RETURN_IF_ERROR(up);
  return (*up)->status();
}

Result<ChaffReport> PhoneFolder::chaff(HttpTransport& transport, const std::string& base_url) {
  auto up = uploader(transport, base_url);
  GL_RETURN_IF_ERROR(up);
  return (*up)->run_chaff();
}

}  // namespace greenlight::client
