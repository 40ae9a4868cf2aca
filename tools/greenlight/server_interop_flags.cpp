#include "server_interop_flags.h"

#include <memory>

#include "command.h"
#include "greenlight/server/en_express.h"
#include "greenlight/server/federation.h"
#include "text_file.h"

namespace greenlight::cli {
namespace {

constexpr std::uintmax_t kMaxPemBytes = 64u << 10;

}  // namespace

void InteropFlags::add_to(CLI::App* run_cmd) {
  run_cmd
      ->add_option("--api", api,
                   "Upload API: greenlight (default, docs/api.md) or google-en (EN Express: "
                   "/api/verify, /api/certificate, Google's v1 publish; docs/server.md)")
      ->check(CLI::IsMember({"greenlight", "google-en"}));
  run_cmd->add_option("--en-device-api-key-file", en_device_api_key_file,
                      "With --api google-en: X-API-Key values the apps send, one per line "
                      "(default: not checked)");
  run_cmd->add_option("--en-admin-api-key-file", en_admin_api_key_file,
                      "With --api google-en: X-API-Key values of the health authority's "
                      "POST /api/issue, one per line (default: no /api/issue)");
  run_cmd->add_option("--en-health-authority-id", en_health_authority_ids,
                      "With --api google-en: an accepted healthAuthorityID (repeatable; "
                      "default: any)");
  run_cmd->add_option("--federate-from", federate_from,
                      "REGION=URL,PEMFILE[,travellers]: pull and republish a partner region's "
                      "exports (or only the travellers it offers to --region), verified with its "
                      "export public key (repeatable; docs/federation.md)");
}

void InteropFlags::attach(
    server::Server& server, const std::string& region,
    const std::function<std::vector<std::string>(const std::string&)>& load_api_keys) const {
  const bool en = api == "google-en";
  if (!en && (!en_device_api_key_file.empty() || !en_admin_api_key_file.empty() ||
              !en_health_authority_ids.empty())) {
    throw CommandError{"--en-* flags need --api google-en"};
  }
  if (en) {
    server::EnExpressConfig config;
    if (!en_device_api_key_file.empty()) {
      config.device_api_keys = load_api_keys(en_device_api_key_file);
    }
    if (!en_admin_api_key_file.empty()) {
      config.admin_api_keys = load_api_keys(en_admin_api_key_file);
    }
    config.health_authority_ids = en_health_authority_ids;
    if (auto s = server.add_module(server::make_en_express_module(std::move(config))); !s) {
      throw CommandError{"--api google-en: " + s.error().message};
    }
  }
  if (federate_from.empty()) return;
  server::FederationConfig config;
  config.region = region;
  for (const std::string& spec : federate_from) {
    auto parsed = server::parse_federate_from(spec);
    if (!parsed) throw CommandError{parsed.error().message};
    auto key = EcdsaP256PublicKey::from_pem(
        read_input_file("--federate-from", parsed->pem_path, kMaxPemBytes));
    if (!key) throw CommandError{"--federate-from " + parsed->region + ": " + key.error().message};
    server::FederationPartner partner{parsed->region, parsed->base_url, std::move(*key)};
    // Only the travellers the partner offers to this region (its feed for us).
    if (parsed->travellers_only) partner.index_path = server::traveller_index_path(region);
    config.partners.push_back(std::move(partner));
  }
  if (auto s = server.add_module(std::make_shared<server::FederationModule>(std::move(config)));
      !s) {
    throw CommandError{"--federate-from: " + s.error().message};
  }
}

}  // namespace greenlight::cli
