// The `greenlight server run` flags of the interoperability modules (docs/server.md "EN
// Express API", docs/federation.md): --api, --en-device-api-key-file,
// --en-admin-api-key-file, --en-health-authority-id, --federate-from. The region is the exports'
// --region.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "greenlight/server/server.h"

namespace greenlight::cli {

struct InteropFlags {
  std::string api = "greenlight";
  std::string en_device_api_key_file;
  std::string en_admin_api_key_file;
  std::vector<std::string> en_health_authority_ids;
  std::vector<std::string> federate_from;

  void add_to(CLI::App* run_cmd);
  // Adds the modules the flags ask for to server (before start). load_api_keys reads a file
  // of API keys, one per line. CommandError on a bad flag or an unreadable key.
  void attach(
      server::Server& server, const std::string& region,
      const std::function<std::vector<std::string>(const std::string&)>& load_api_keys) const;
};

}  // namespace greenlight::cli
