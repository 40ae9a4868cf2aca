// One way to build a complete key server, used by `greenlight server run`, `greenlight
// server export-now --db`, the tests, the simulator and the benchmarks, so that every
// instance is built the same way (docs/server.md "Assembly"):
//
//   store (SQLite file or PostgreSQL, by the database string) -> Server -> transparency log
//   module first (its before-publish hook must be in place before anything can publish) ->
//   venue-warning module -> monitor pages and console when configured -> ready to start() or
//   to export_now() without serving.
//
// Several instances assembled with the same PostgreSQL database and export directory
// form one service: claims are single use across them, the failure budget is shared, one
// instance at a time builds an export window (lease "export") and the others serve it, and
// with the log in the server's database (TransparencyLogSetup::database empty) they append
// to and serve one transparency log.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/console.h"
#include "greenlight/server/server.h"
#include "greenlight/server/transparency_log.h"
#include "greenlight/server/venue_warnings.h"

namespace greenlight::server {

struct TransparencyLogSetup {
  // The log's own SQLite file; empty: the log's tables live in the server's database
  // (options.database_path), which every instance of a multi-instance service shares.
  std::filesystem::path database;
  std::string origin;  // empty: the signer's name
  NoteSigner signer;
};

struct ServerRunConfig {
  // options.database_path: SQLite file or PostgreSQL connection string (store.h open_store).
  ServerOptions options;
  ServerKeys keys;
  ServerEnvironment environment;
  std::optional<TransparencyLogSetup> log;  // nullopt: no transparency log
  bool venue_warnings = true;
  VenueWarningConfig venue;  // its arrival granularity follows options.publish
  // The HA console at /console/ (docs/console.md); empty api_keys: the health-authority keys.
  std::optional<ConsoleConfig> console = std::nullopt;
  // Write the public monitor pages into the export tree and serve /monitor/ (docs/monitor.md).
  bool monitor = false;
};

struct AssembledServer {
  std::unique_ptr<Server> server;
  // null without a log; a log in the server's database is usable while server lives.
  std::shared_ptr<TransparencyLog> log;
  std::shared_ptr<VenueWarningModule> venues;  // null without venue warnings
};

// Opens the store, creates the server and attaches its modules; does not start it.
[[nodiscard]] Result<AssembledServer> assemble_server(ServerRunConfig config);

}  // namespace greenlight::server
