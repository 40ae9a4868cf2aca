// One phone kept in a folder, for tools and tests that run a phone without an app
// (`greenlight phone`, docs/cli.md): everything an app would keep in its sandbox.
//
//   DIR/phone.db       the device database (Client: keys, encounter log, exports, windows,
//                      check-ins)
//   DIR/trust.json     what the phone trusts, as an app pins it: export signing keys,
//                      optionally the transparency log (origin + verifier key) and the
//                      health authority's venue-warning keys
//   DIR/checkin.key    the 32-byte key of the encrypted check-in store (an app keeps it in
//                      the platform keystore), mode 0600
//
// Guarantees: init() refuses a folder that already holds a phone; open() refuses one that
// does not. Pinning validates the key before anything is written, then replaces trust.json
// atomically (write to a temporary file, rename), so a failed pin changes nothing. Every
// open() applies the pinned trust: the Client verifies exports with the pinned keys and,
// with a pinned log, requires log coverage (client.h). Uploads go through client::Uploader
// (uploader.h): their state lives in phone.db, so an upload interrupted by a lost
// connection (or a killed process) is resumed by resume_upload() in a later open().
// Not thread-safe; one process at a
// time per folder (SQLite serialises writers, trust.json is last-writer-wins).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "greenlight/client/client.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/uploader.h"
#include "greenlight/client/venue_checkins.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/wire/export_file.h"

namespace greenlight::client {

struct PinnedExportKey {
  std::string key_id;
  std::string key_version;
  std::string public_key_pem;
};

struct PinnedLog {
  std::string origin;        // the checkpoint origin (default: the verifier key's name)
  std::string verifier_key;  // NAME+HASH+KEY
};

struct PhoneTrust {
  std::vector<PinnedExportKey> export_keys;
  std::optional<PinnedLog> log;
  // PEM P-256 public keys of the health authority that signs venue warnings (without one,
  // no venue warning is accepted: venue_matcher.h).
  std::vector<std::string> venue_authority_keys;
};

class PhoneFolder {
 public:
  // Creates dir (and parents) with a new device database and check-in key. kAlreadyExists
  // when dir already holds a phone.
  [[nodiscard]] static Status init(const std::filesystem::path& dir, RandomSource& random);

  // Opens the phone in dir with the given clock and randomness (both must outlive it).
  // kNotFound when dir holds no phone (run init first).
  [[nodiscard]] static Result<std::unique_ptr<PhoneFolder>> open(const std::filesystem::path& dir,
                                                                 const Clock& clock,
                                                                 RandomSource& random,
                                                                 ClientConfig config = {});

  // Pins an export signing key (replacing one with the same id and version in trust.json;
  // the replaced key stays trusted by this open Client until the folder is opened again).
  // The PEM must be a P-256 public key. Pinning the same key again changes nothing.
  [[nodiscard]] Status pin_export_key(const PinnedExportKey& key);
  // Pins the transparency log; from then on every sync requires log coverage. A log cannot
  // be unpinned or replaced by another (kFailedPrecondition), as in Client::require_log.
  [[nodiscard]] Status pin_log(const PinnedLog& log);
  // Pins the health authority's venue-warning key (a PEM P-256 public key); pinning the same
  // key again changes nothing.
  [[nodiscard]] Status pin_venue_authority_key(const std::string& public_key_pem);

  const PhoneTrust& trust() const { return trust_; }
  Client& client() { return *client_; }
  // The check-in store and venue warnings over the same database (opened on first use).
  [[nodiscard]] Result<VenueCheckins*> venues();
  // The colour with venue warnings included.
  [[nodiscard]] Result<ColourDecision> colour();

  // Uploads the phone's keys of the last 14 days (and, with release, today's key, which is
  // then rotated) with the verification code, reporting the venue visits that ended in the
  // same 14 days (fake reports pad the list), to the key server at base_url over transport.
  // The returned status says how it ended: kPublished, kFailed (with the failure), or an
  // unfinished stage after a network error (resume_upload() later). Errors: as
  // Uploader::upload (kInvalidArgument for a code that is not digits, kFailedPrecondition
  // while an unfinished upload exists or when there are no keys).
  [[nodiscard]] Result<UploadStatus> upload(HttpTransport& transport, const std::string& base_url,
                                            const std::string& code,
                                            SameDayRelease release = SameDayRelease::kNo);
  // Continues an unfinished upload; a finished one is returned as is (kNone: none started).
  [[nodiscard]] Result<UploadStatus> resume_upload(HttpTransport& transport,
                                                   const std::string& base_url);
  // Where the last upload stands, without network.
  [[nodiscard]] Result<UploadStatus> upload_status();
  // One fake upload flow now (the same requests and sizes as upload()); stores nothing.
  [[nodiscard]] Result<ChaffReport> chaff(HttpTransport& transport, const std::string& base_url);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  PhoneFolder(std::filesystem::path dir, RandomSource& random, PhoneTrust trust,
              std::unique_ptr<Client> client, CheckinStoreKey checkin_key)
      : dir_(std::move(dir)),
        random_(random),
        trust_(std::move(trust)),
        client_(std::move(client)),
        checkin_key_(checkin_key) {}
  [[nodiscard]] Status save_trust(const PhoneTrust& trust) const;
  [[nodiscard]] Result<std::unique_ptr<Uploader>> uploader(HttpTransport& transport,
                                                           const std::string& base_url);

  std::filesystem::path dir_;
  RandomSource& random_;
  PhoneTrust trust_;
  std::unique_ptr<Client> client_;
  CheckinStoreKey checkin_key_;
  std::unique_ptr<VenueCheckins> venues_;
};

// trust.json's form: {"export_keys": [{"key_id": ..., "key_version": ...,
// "public_key_pem": ...}], "log": {"origin": ..., "verifier_key": ...}} ("log" optional).
std::string phone_trust_to_json(const PhoneTrust& trust);
[[nodiscard]] Result<PhoneTrust> phone_trust_from_json(std::string_view json);

}  // namespace greenlight::client
