#include "greenlight/server/assembly.h"

#include <utility>

namespace greenlight::server {

Result<AssembledServer> assemble_server(ServerRunConfig config) {
  AssembledServer out;
  if (config.log) {
    std::string origin =
        config.log->origin.empty() ? config.log->signer.name() : config.log->origin;
    if (config.log->database == config.options.database_path) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the transparency log database must differ from the server database, got " +
                            config.log->database.string() + " for both");
    }
    auto log = TransparencyLog::open(config.log->database, std::move(origin),
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
  auto created = Server::create(std::move(config.options), std::move(config.keys),
                                std::move(config.environment));
  GL_RETURN_IF_ERROR(created);
  out.server = std::move(*created);
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
  return out;
}

}  // namespace greenlight::server
