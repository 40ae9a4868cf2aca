// Federation between regions (`greenlight server run --region AA --federate-from
// BB=URL,PEM`; docs/federation.md). A server pulls the signed exports of partner regions,
// verifies each file against that partner's pinned export key and republishes the keys for
// its own phones, keeping each key's origin region:
//
//   partner <URL>/v1/exports/index.txt -> every listed file not processed yet:
//     fetch -> the export.sig must verify under the pinned key (any key id/version the file
//     names) -> its region must be the partner's region (a partner relays only its own
//     keys, so A -> B -> A and longer loops cannot happen; a file of this server's own region
//     is refused too) -> its export.bin must not have been processed before (SHA-256 of
//     export.bin: a replay under another path or a re-signed copy is refused) -> keys and
//     the file's record stored in one transaction.
//   after every export run: the keys pulled since the last run are built into signed export
//     files of their origin region (export_builder.h, this server's signers), published
//     through the static site (so the transparency log's before-publish hook logs them as
//     KEY_BATCH leaves, like local batches) under v1/federated/<REGION>/ with their
//     own index v1/federated/<REGION>/index.txt.
//
// Revisions: a partner file's revised_keys (a report type changed, e.g. self report ->
// confirmed test, or a key revoked) of keys pulled from that partner before are stored and
// republished in the revised_keys of the next federated file of their origin (GAEN), which
// phones apply; a key not republished yet goes out with its new report type (revoked: not at
// all). Revisions of keys never pulled are ignored.
//
// Refused files (bad or missing signature, wrong region, replay, malformed) are logged
// ("federation_file_refused", partner region, path, reason) and remembered by the SHA-256 of
// their bytes, so the same bytes are not fetched and refused again; other bytes at that path
// are tried again. A crash loses nothing: a file is either fully imported and recorded or
// not at all, and the next pull resumes with the first file not recorded. Keys older than
// retention are deleted with their files.
//
// Travellers: an upload (greenlight's API) may carry "visited_regions": ["BB", ...]; its keys
// are then also offered to those regions in a traveller feed of this server's own region,
// v1/travellers/<BB>/index.txt (signed by this server, logged, published once each key's
// embargo is over). A partner that takes only the travellers offered to it is configured with
// "REGION=URL,PEMFILE,travellers" and pulls that feed instead of the partner's whole index.
//
// Phones choose regions by syncing the federated index of each region they want next to
// the server's own index (client Client::sync over feed sources, gl_client_set_regions).
//
// Several instances on one database: pull(), republish() and offer_travellers() each run
// under the store lease "federation", held under a random id per module, so exactly one
// instance federates at a time (the export run that calls them is under the export lease
// too); the others are refused with kUnavailable. Every instance serves the same federated
// tree: the site refresh (ServerContext::add_site_refresh_job, and a miss) loads the files
// another instance published and rebuilds the indexes in memory from federation_batch.
//
// Thread-safe: pull(), republish(), offer_travellers() and the refresh are serialised.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/server/server.h"

namespace greenlight::server {

inline constexpr std::string_view kFederatedDirectory = "v1/federated/";
inline constexpr std::string_view kTravellerDirectory = "v1/travellers/";
inline constexpr std::size_t kMaxVisitedRegions = 30;

// "v1/federated/<region>/index.txt".
std::string federated_index_path(std::string_view region);
// "v1/travellers/<region>/index.txt": the keys offered to region.
std::string traveller_index_path(std::string_view region);

struct FederationPartner {
  std::string region;    // the region its exports carry, e.g. "BB"
  std::string base_url;  // its site root, e.g. "https://bb.example" or "http://127.0.0.1:8081"
  EcdsaP256PublicKey export_key;
  std::string index_path = "v1/exports/index.txt";
};

// "BB=URL,PEMFILE[,travellers]" as given to --federate-from; the PEM file is not read here.
struct FederateFromSpec {
  std::string region;
  std::string base_url;
  std::string pem_path;
  bool travellers_only = false;
};
[[nodiscard]] Result<FederateFromSpec> parse_federate_from(std::string_view spec);
// Region names: 2..8 characters [A-Z0-9] (ISO 3166 codes or MCCs).
[[nodiscard]] bool valid_region(std::string_view region);

// GET url -> body, or an error (a non-200 status is an error). Injected for tests.
using FederationFetch = std::function<Result<std::string>(const std::string& url)>;
// The default: HTTP or HTTPS (system trust store) with the server's HttpClient.
FederationFetch default_federation_fetch();

struct FederationConfig {
  std::string region;  // this server's region
  std::vector<FederationPartner> partners;
  FederationFetch fetch;  // empty: default_federation_fetch()
};

struct FederationPullReport {
  std::size_t files_imported = 0;
  std::size_t files_known = 0;  // processed or refused before
  std::size_t files_refused = 0;
  std::size_t keys_imported = 0;
  std::size_t revisions_imported = 0;  // revised_keys of keys pulled before
  std::vector<std::string> refusals;   // "<region> <path>: <reason>"
};

class FederationModule final : public ServerModule {
 public:
  explicit FederationModule(FederationConfig config);
  [[nodiscard]] Status attach(ServerContext& context) override;

  // Pulls every partner once. Fails only on a store error; an unreachable partner or index
  // is a refusal line.
  [[nodiscard]] Result<FederationPullReport> pull();
  // Publishes the pulled keys not yet republished; returns the number of files written.
  [[nodiscard]] Result<std::size_t> republish();
  // Publishes the traveller keys whose embargo is over; returns the number of files written.
  [[nodiscard]] Result<std::size_t> offer_travellers();

 private:
  // Runs fn under the store lease "federation" (kUnavailable: another instance has it).
  [[nodiscard]] Status under_lease(const std::function<Status()>& fn);
  // Runs step under mutex_ and the lease and logs event with the files it wrote.
  [[nodiscard]] Result<std::size_t> publish_leased(Status (FederationModule::*step)(std::size_t&),
                                                   const char* event);
  [[nodiscard]] Status republish_leased(std::size_t& written);
  [[nodiscard]] Status offer_travellers_leased(std::size_t& written);
  // Loads what another instance published (files, indexes); whether the cache changed.
  [[nodiscard]] Result<bool> sync_published();
  [[nodiscard]] Status pull_partner(const FederationPartner& partner, FederationPullReport& report);
  [[nodiscard]] Status import_file(const FederationPartner& partner, const std::string& path,
                                   const std::string& bytes, FederationPullReport& report);
  // Writes feed + "index.txt" from the batches recorded for feed (a directory).
  [[nodiscard]] Status rebuild_index(const std::string& feed);
  // Builds, signs, publishes and records the files of one window of feed (the key files, then
  // one revised_keys file when revised is not empty); returns how many.
  [[nodiscard]] Result<std::size_t> publish_batch(const std::string& feed,
                                                  const std::string& region,
                                                  std::vector<TemporaryExposureKey> keys,
                                                  std::vector<TemporaryExposureKey> revised,
                                                  std::int64_t window_start,
                                                  std::int64_t window_end);
  [[nodiscard]] Status delete_expired(std::int64_t now, std::int64_t cutoff);

  FederationConfig config_;
  ServerContext* context_ = nullptr;
  std::string holder_;  // this module's lease holder id
  std::mutex mutex_;
};

}  // namespace greenlight::server
