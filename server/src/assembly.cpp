#include "greenlight/server/assembly.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "greenlight/server/monitor_site.h"

namespace greenlight::server {

Result<AssembledServer> assemble_server(ServerRunConfig config) {
  AssembledServer out;
  // The log in the server's database is opened once the store is; its own file before.
  const bool log_in_store = config.log && config.log->database.empty();
  std::string log_origin;
  if (config.log) {
    log_origin = config.log->origin.empty() ? config.log->signer.name() : config.log->origin;
  }
  if (config.log && !log_in_store) {
    if (config.log->database == config.options.database_path) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the transparency log database must differ from the server database, got " +
                            config.log->database.string() +
                            " for both (leave it empty to keep the log in the server database)");
    }
    auto log = TransparencyLog::open(config.log->database, std::move(log_origin),
                                     std::move(config.log->signer));
    if (!log) {
      return make_error(log.error().code, "transparency log " + config.log->database.string() +
                                              ": " + log.error().message);
    }
    out.log = std::shared_ptr<TransparencyLog>(std::move(*log));
  }
  const std::int64_t granularity = config.options.publish.arrival_granularity_seconds;
  // Venue warnings are signed with the certificate key unless the authority named another
  // (docs/venues.md "Two-party warnings"); phones pin its public half.
  if (config.venue_warnings && !config.venue.authority_key) {
    config.venue.authority_key = config.keys.authority_key;
  }
  // What the monitor and the console need from the keys before Server::create takes them.
  const std::vector<std::string> ha_api_keys = config.keys.health_authority_api_keys;
  std::optional<EcdsaP256PublicKey> venue_authority;
  if (config.venue_warnings) venue_authority = config.venue.authority_key->public_key();
  auto created = Server::create(std::move(config.options), std::move(config.keys),
                                std::move(config.environment));
  GL_RETURN_IF_ERROR(created);
  out.server = std::move(*created);
  if (log_in_store) {
    // Not owned: the store lives as long as the server, whose modules are the log's users.
    std::shared_ptr<SqlDatabase> db(std::shared_ptr<void>(), &out.server->context().store);
    auto log = TransparencyLog::open_in(std::move(db), std::move(log_origin),
                                        std::move(config.log->signer));
    if (!log) {
      return make_error(log.error().code,
                        "transparency log in the server database: " + log.error().message);
    }
    out.log = std::shared_ptr<TransparencyLog>(std::move(*log));
  }
  // The log first: its before-publish hook must be in place before any module can publish.
  if (out.log) {
    if (auto s = out.server->add_module(make_transparency_log_module(out.log)); !s) {
      return make_error(s.error().code, "transparency log: " + s.error().message);
    }
  }
  if (config.venue_warnings) {
    config.venue.arrival_granularity_seconds = granularity;
    out.venues = std::make_shared<VenueWarningModule>(std::move(config.venue));
    GL_RETURN_IF_ERROR(out.server->add_module(out.venues));
  }
  if (config.monitor) {
    MonitorConfig monitor;
    if (out.log) monitor.log_vkey = out.log->verifier().vkey();
    if (venue_authority) monitor.venue_authority_keys.push_back(*venue_authority);
    if (auto s = out.server->add_module(make_monitor_module(std::move(monitor))); !s) {
      return make_error(s.error().code, "monitor pages: " + s.error().message);
    }
  }
  if (config.console) {
    if (config.console->api_keys.empty()) config.console->api_keys = ha_api_keys;
    if (auto s = out.server->add_module(make_console_module(std::move(*config.console))); !s) {
      return make_error(s.error().code, "console: " + s.error().message);
    }
  }
  return out;
}

}  // namespace greenlight::server
