// `greenlight phone`: one phone in the terminal over the real client library (docs/cli.md
// "phone"). Every subcommand takes --dir DIR (the phone's folder, client::PhoneFolder) and
// --now TIME (UTC seconds or YYYY-MM-DD[THH:MM[:SS]Z]; default the system clock), which is
// the phone's clock for that command.
//
//   greenlight phone init --dir DIR
//   greenlight phone advertise --dir DIR                 RPI||AEM, 40 hex digits
//   greenlight phone hear --dir DIR --payload HEX --rssi DBM [--minutes M]
//   greenlight phone pin --dir DIR --public-key PEM --key-id ID --key-version V
//                        [--log-key VKEY [--log-origin ORIGIN]]
//   greenlight phone sync --dir DIR --server URL
//   greenlight phone colour --dir DIR                   GREEN|YELLOW|RED, then why
//   greenlight phone checkin --dir DIR URL
//   greenlight phone upload --dir DIR --server URL --code CODE [--release-current]
//   greenlight phone upload --dir DIR --server URL --resume
//   greenlight phone upload-status --dir DIR
//   greenlight phone chaff --dir DIR --server URL
//
// upload exits 0 when the keys are published, 1 when the upload failed or was refused (one
// line says why), and 75 (EX_TEMPFAIL) when the server did not answer: the upload is kept in
// phone.db and `phone upload --resume` continues it.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "command.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/colour.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/phone_folder.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/random.h"
#include "utc_time.h"

namespace greenlight::cli {
namespace {

struct PhoneOptions {
  std::string dir;
  std::string now;
};

std::string read_text_file(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CommandError{flag + ": cannot read " + path};
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.pop_back();
  }
  return text;
}

// The phone's clock for one command: --now, or the system clock read once.
class PhoneSession {
 public:
  explicit PhoneSession(const PhoneOptions& options)
      : clock_(options.now.empty() ? client::SystemClock().now()
                                   : parse_utc_time("--now", options.now)) {
    auto folder = client::PhoneFolder::open(options.dir, clock_, system_random());
    if (!folder) throw CommandError{folder.error().message};
    folder_ = std::move(*folder);
  }
  client::ManualClock& clock() { return clock_; }
  client::PhoneFolder& folder() { return *folder_; }
  client::Client& client() { return folder_->client(); }

 private:
  client::ManualClock clock_;
  std::unique_ptr<client::PhoneFolder> folder_;
};

template <typename T>
T value_or_fail(Result<T> result, const std::string& what) {
  if (!result) throw CommandError{what + ": " + result.error().message};
  return std::move(*result);
}

void check(const Status& status, const std::string& what) {
  if (!status) throw CommandError{what + ": " + status.error().message};
}

void run_init(const PhoneOptions& options) {
  if (!options.now.empty()) (void)parse_utc_time("--now", options.now);
  check(client::PhoneFolder::init(options.dir, system_random()), "phone init");
  std::printf("phone created in %s\n", options.dir.c_str());
}

void run_advertise(const PhoneOptions& options) {
  PhoneSession session(options);
  const auto ad = value_or_fail(session.client().advertisement(), "advertise");
  std::printf("%s\n", to_hex(ad.payload()).c_str());
}

struct HearOptions {
  std::string payload;
  int rssi = 0;
  int minutes = 0;
};

void run_hear(const PhoneOptions& options, const HearOptions& hear) {
  const auto payload = from_hex_fixed<client::kAdvertisementPayloadSize>(hear.payload);
  if (!payload) throw CommandError{"--payload: " + payload.error().message};
  PhoneSession session(options);
  client::Observation o;
  std::copy_n(payload->begin(), o.rpi.size(), o.rpi.begin());
  std::copy_n(payload->begin() + static_cast<std::ptrdiff_t>(o.rpi.size()), o.aem.size(),
              o.aem.begin());
  o.rssi_dbm = static_cast<std::int8_t>(hear.rssi);
  const int scans = hear.minutes > 0 ? hear.minutes : 1;
  const std::int64_t start = session.clock().now();
  for (int i = 0; i < scans; ++i) {
    session.clock().set(start + static_cast<std::int64_t>(i) * 60);
    check(session.client().record_scan({&o, 1}), "hear");
  }
  std::printf("recorded %d sighting%s\n", scans, scans == 1 ? "" : "s");
}

struct PinOptions {
  std::string public_key;
  std::string key_id;
  std::string key_version;
  std::string log_key;
  std::string log_origin;
  std::string venue_authority_key;
};

void run_pin(const PhoneOptions& options, const PinOptions& pin) {
  PhoneSession session(options);
  check(session.folder().pin_export_key(
            {pin.key_id, pin.key_version, read_text_file("--public-key", pin.public_key)}),
        "--public-key " + pin.public_key);
  std::printf("pinned export key %s/%s\n", pin.key_id.c_str(), pin.key_version.c_str());
  if (!pin.venue_authority_key.empty()) {
    check(session.folder().pin_venue_authority_key(
              read_text_file("--venue-authority-key", pin.venue_authority_key)),
          "--venue-authority-key " + pin.venue_authority_key);
    std::printf("pinned venue-warning authority key\n");
  }
  if (pin.log_key.empty()) {
    if (!pin.log_origin.empty()) throw CommandError{"--log-origin needs --log-key"};
    return;
  }
  // A verifier key on the command line, or a file holding one.
  std::string vkey = pin.log_key;
  if (vkey.find('+') == std::string::npos) vkey = trimmed(read_text_file("--log-key", vkey));
  check(session.folder().pin_log({pin.log_origin, vkey}), "--log-key");
  std::printf("pinned transparency log %s\n", session.folder().trust().log->origin.c_str());
}

void run_sync(const PhoneOptions& options, const std::string& server) {
  PhoneSession session(options);
  client::BeastHttpFetcher fetcher;
  const auto report = value_or_fail(session.client().sync(fetcher, server), "sync");
  std::printf(
      "exports: %zu new, %zu already seen, %zu failed; %zu keys, %zu matched, %zu windows\n",
      report.exports_processed, report.exports_already_processed, report.exports_failed,
      report.keys_in_exports, report.keys_matched, report.windows_stored);
  if (report.log_required) {
    if (report.log_verified) {
      std::printf("log: verified, %llu leaves\n", static_cast<unsigned long long>(report.log_size));
    } else {
      std::printf("log: NOT verified (%s)\n", report.log_error.c_str());
    }
  }
  for (const auto& e : report.errors) std::printf("export error: %s\n", e.c_str());
  // Venue warnings come from the same server; a server without any publishes no index.
  auto venues = value_or_fail(session.folder().venues(), "venue check-ins");
  auto venue_report = venues->sync(fetcher, server);
  if (!venue_report) {
    if (venue_report.error().code != ErrorCode::kNotFound) {
      throw CommandError{"venue warnings: " + venue_report.error().message};
    }
    std::printf("venue warnings: none published\n");
  } else {
    std::printf("venue warnings: %zu new batches, %zu new matches\n",
                venue_report->batches_processed, venue_report->new_matches);
    for (const auto& e : venue_report->errors) std::printf("venue error: %s\n", e.c_str());
  }
  if (report.exports_failed > 0 || (venue_report && venue_report->batches_failed > 0)) {
    throw CommandError{"sync: some published files were refused (see above)"};
  }
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void run_colour(const PhoneOptions& options) {
  PhoneSession session(options);
  const auto decision = value_or_fail(session.folder().colour(), "colour");
  std::printf("%s\n%s\n", upper(client::colour_name(decision.colour)).c_str(),
              decision.explanation.text.c_str());
}

void run_checkin(const PhoneOptions& options, const std::string& url) {
  PhoneSession session(options);
  auto venues = value_or_fail(session.folder().venues(), "venue check-ins");
  const auto venue = value_or_fail(venues->scan(url), "checkin");
  const auto id = value_or_fail(venues->store().check_in(venue), "checkin");
  std::printf("checked in at %s (visit %lld)\n", venue.payload.description.c_str(),
              static_cast<long long>(id));
}

// Exit code of an upload the server did not finish answering (sysexits.h EX_TEMPFAIL).
constexpr int kExitResumable = 75;

struct UploadOptions {
  std::string server;
  std::string code;
  bool release_current = false;
  bool resume = false;
};

void print_upload_status(const client::UploadStatus& s) {
  std::printf("upload: %s", std::string(client::upload_stage_name(s.stage)).c_str());
  if (s.stage == client::UploadStage::kNone) {
    std::printf("\n");
    return;
  }
  if (s.failure != client::UploadFailure::kNone) {
    std::printf(" (%s)", std::string(client::upload_failure_name(s.failure)).c_str());
  }
  std::printf("; %zu key%s, %zu venue reports, %zu request%s; started %lld, updated %lld\n", s.keys,
              s.keys == 1 ? "" : "s", s.venue_reports, s.attempts, s.attempts == 1 ? "" : "s",
              static_cast<long long>(s.started_at), static_cast<long long>(s.updated_at));
  if (!s.message.empty()) std::printf("%s\n", s.message.c_str());
}

// Prints a published upload; throws for a failed or unfinished one.
void finish_upload(const client::UploadStatus& s, const std::string& dir,
                   const std::string& server) {
  switch (s.stage) {
    case client::UploadStage::kPublished:
      if (s.already_uploaded) {
        std::printf("published %zu key%s (the server already had them)\n", s.keys,
                    s.keys == 1 ? "" : "s");
      } else {
        std::printf("published %zu key%s (%zu new) and %zu venue reports; report type %s\n", s.keys,
                    s.keys == 1 ? "" : "s", s.inserted, s.venue_reports, s.report_type.c_str());
      }
      return;
    case client::UploadStage::kFailed:
      throw CommandError{"upload failed (" + std::string(client::upload_failure_name(s.failure)) +
                         "): " + s.message};
    case client::UploadStage::kNone:
      throw CommandError{"upload: no upload was started (use --code)"};
    default:
      throw CommandError{"upload unfinished (stage " +
                             std::string(client::upload_stage_name(s.stage)) + "): " + s.message +
                             "; continue with `greenlight phone upload --dir " + dir +
                             " --server " + server + " --resume`",
                         kExitResumable};
  }
}

void run_upload(const PhoneOptions& options, const UploadOptions& upload) {
  if (upload.resume == !upload.code.empty()) {
    throw CommandError{"phone upload: give either --code CODE or --resume"};
  }
  if (upload.resume && upload.release_current) {
    throw CommandError{"--release-current goes with --code (a resumed upload keeps its keys)"};
  }
  PhoneSession session(options);
  client::BeastHttpFetcher transport;
  const auto status =
      upload.resume
          ? value_or_fail(session.folder().resume_upload(transport, upload.server), "upload")
          : value_or_fail(
                session.folder().upload(transport, upload.server, upload.code,
                                        upload.release_current ? client::SameDayRelease::kYes
                                                               : client::SameDayRelease::kNo),
                "upload");
  finish_upload(status, options.dir, upload.server);
}

void run_upload_status(const PhoneOptions& options) {
  PhoneSession session(options);
  print_upload_status(value_or_fail(session.folder().upload_status(), "upload-status"));
}

void run_chaff(const PhoneOptions& options, const std::string& server) {
  PhoneSession session(options);
  client::BeastHttpFetcher transport;
  const auto report = value_or_fail(session.folder().chaff(transport, server), "chaff");
  if (!report.completed) {
    throw CommandError{"chaff: the server did not answer every step (" +
                       std::to_string(report.requests) + " requests sent)"};
  }
  std::printf("chaff flow sent: %zu requests, nothing published\n", report.requests);
}

CLI::App* add_phone_subcommand(CLI::App* phone, const std::string& name,
                               const std::string& description,
                               const std::shared_ptr<PhoneOptions>& options) {
  CLI::App* sub = phone->add_subcommand(name, description);
  sub->add_option("--dir", options->dir, "The phone's folder (created by `phone init`)")
      ->required();
  sub->add_option("--now", options->now,
                  "The phone's clock: UTC seconds or YYYY-MM-DD[THH:MM[:SS]Z] (default: the "
                  "system clock)");
  return sub;
}

void setup_phone(CLI::App& app) {
  CLI::App* phone =
      app.add_subcommand("phone", "A phone in the terminal: the real client library in a folder");
  phone->require_subcommand(1);

  {
    auto o = std::make_shared<PhoneOptions>();
    add_phone_subcommand(phone, "init", "Create a phone (device database, check-in key) in --dir",
                         o)
        ->callback([o] { run_init(*o); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    add_phone_subcommand(phone, "advertise",
                         "Print the Bluetooth payload broadcast at --now: RPI||AEM, 40 hex digits",
                         o)
        ->callback([o] { run_advertise(*o); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    auto h = std::make_shared<HearOptions>();
    CLI::App* sub = add_phone_subcommand(
        phone, "hear", "Record a heard advertisement at --now (or once a minute for --minutes)", o);
    sub->add_option("--payload", h->payload, "RPI||AEM as 40 hex digits (`phone advertise`)")
        ->required();
    sub->add_option("--rssi", h->rssi, "Received signal strength in dBm, e.g. -60")
        ->required()
        ->check(CLI::Range(-127, 20));
    sub->add_option("--minutes", h->minutes,
                    "One sighting per minute for this many minutes, from --now (default: one "
                    "sighting)")
        ->check(CLI::Range(1, 24 * 60));
    sub->callback([o, h] { run_hear(*o, *h); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    auto p = std::make_shared<PinOptions>();
    CLI::App* sub = add_phone_subcommand(
        phone, "pin", "Trust an export signing key (and a transparency log) from now on", o);
    sub->add_option("--public-key", p->public_key,
                    "PEM file of the server's P-256 export verification key")
        ->required();
    sub->add_option("--key-id", p->key_id, "verification_key_id of the exports (e.g. greenlight)")
        ->required();
    sub->add_option("--key-version", p->key_version, "verification_key_version (e.g. v1)")
        ->required();
    sub->add_option("--log-key", p->log_key,
                    "Transparency log verifier key NAME+HASH+KEY, or a file with it: every "
                    "export must then be logged");
    sub->add_option("--log-origin", p->log_origin,
                    "Checkpoint origin of the log (default: the key's name)");
    sub->add_option("--venue-authority-key", p->venue_authority_key,
                    "PEM file of the health authority's P-256 public key that signs venue "
                    "warnings (without it no venue warning is accepted)");
    sub->callback([o, p] { run_pin(*o, *p); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    auto server = std::make_shared<std::string>();
    CLI::App* sub = add_phone_subcommand(
        phone, "sync", "Download, verify and match new exports and venue warnings", o);
    sub->add_option("--server", *server, "Base URL of the published files, e.g. http://host:port")
        ->required();
    sub->callback([o, server] { run_sync(*o, *server); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    add_phone_subcommand(phone, "colour",
                         "Print the colour (GREEN, YELLOW or RED) at --now, then why", o)
        ->callback([o] { run_colour(*o); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    auto url = std::make_shared<std::string>();
    CLI::App* sub =
        add_phone_subcommand(phone, "checkin", "Check in at a venue QR code's URL at --now", o);
    sub->add_option("url", *url, "The venue's check-in URL (`greenlight venue create`)")
        ->required();
    sub->callback([o, url] { run_checkin(*o, *url); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    auto u = std::make_shared<UploadOptions>();
    CLI::App* sub = add_phone_subcommand(
        phone, "upload",
        "Upload the phone's keys (and venue visits) with a verification code, or --resume an "
        "interrupted upload",
        o);
    sub->add_option("--server", u->server, "Base URL of the key server, e.g. http://host:port")
        ->required();
    sub->add_option("--code", u->code, "The verification code from the health authority");
    sub->add_flag("--release-current", u->release_current,
                  "Also upload today's key (it is rotated: the phone advertises a new one)");
    sub->add_flag("--resume", u->resume,
                  "Continue the upload a lost connection interrupted (no --code)");
    sub->callback([o, u] { run_upload(*o, *u); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    add_phone_subcommand(phone, "upload-status", "Print where the last upload stands (no network)",
                         o)
        ->callback([o] { run_upload_status(*o); });
  }
  {
    auto o = std::make_shared<PhoneOptions>();
    auto server = std::make_shared<std::string>();
    CLI::App* sub = add_phone_subcommand(
        phone, "chaff", "Send one fake upload flow now (same requests as an upload)", o);
    sub->add_option("--server", *server, "Base URL of the key server, e.g. http://host:port")
        ->required();
    sub->callback([o, server] { run_chaff(*o, *server); });
  }
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(phone, setup_phone);

}  // namespace greenlight::cli
