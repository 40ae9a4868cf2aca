// `greenlight venue`: venue QR codes (docs/venues.md "CLI").
//
//   greenlight venue create --name NAME [--address TEXT] [--type TYPE] [--minutes N]
//                           [--valid-from TIME] [--valid-until TIME] [--base-url URL]
//                           --out-dir DIR
//   greenlight venue decode URL|IMAGE.png
//   greenlight venue warn --secret DIR/venue.secret --code CODE --from TIME --until TIME
//                         --url HOST:PORT [--tls] [--ca-file PEM] [--risk N]
//   greenlight venue release --secret DIR/venue.secret --code CODE --url HOST:PORT
//                            [--tls] [--ca-file PEM]
//
// create prints the check-in URL and writes DIR/venue.url, DIR/venue.secret (0600, the
// owner key, apart from the poster), DIR/poster.png, DIR/poster.svg and DIR/poster.pdf
// (when built with cairo). decode prints the payload's fields and the venue's location tag.
// Neither touches the network. warn signs a warning for [from, until) with the owner key;
// release signs the positive visitors' reports the server holds for this venue; both need
// a health-authority code of purpose "venue_host" (docs/venues.md "Host tools").
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "command.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/random.h"
#include "greenlight/server/http_client.h"
#include "greenlight/venue_tools/host_warning.h"
#include "greenlight/venue_tools/poster.h"
#include "greenlight/wire/venue.h"
#include "utc_time.h"

namespace greenlight::cli {
namespace {

struct CreateOptions {
  std::string name;
  std::string address;
  std::string type = "other";
  std::uint32_t minutes = 60;
  std::string valid_from;
  std::string valid_until;
  std::string base_url = std::string(wire::kDefaultVenueBaseUrl);
  std::string out_dir;
};

// An unset time (empty flag) is 0: no bound.
std::uint64_t parse_time(const std::string& flag, const std::string& text) {
  if (text.empty()) return 0;
  return static_cast<std::uint64_t>(parse_utc_time(flag, text));
}

std::string format_time(std::uint64_t t) {
  if (t == 0) return "-";
  const auto tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::to_string(t) + " (" + buf + ")";
}

// The library's errors name a venue field ("description must have 1..100 characters");
// the option that gives it goes in front ("--name: description ...").
std::string naming_the_option(const std::string& message) {
  static constexpr std::pair<std::string_view, std::string_view> kOptions[] = {
      {"description", "--name"},
      {"address", "--address"},
      {"default_checkin_minutes", "--minutes"},
      {"valid_from", "--valid-from"},
      {"valid_until", "--valid-until"}};
  for (const auto& [field, option] : kOptions) {
    if (message.starts_with(field) && message.size() > field.size() &&
        message[field.size()] == ' ') {
      return std::string(option) + ": " + message;
    }
  }
  return message;
}

void run_create(const CreateOptions& options) {
  auto type = wire::venue_type_from_name(options.type);
  if (!type) throw CommandError{"--type: " + type.error().message};
  wire::VenueInfo info;
  info.description = options.name;
  info.address = options.address;
  info.type = *type;
  info.default_checkin_minutes = options.minutes;
  info.valid_from = parse_time("--valid-from", options.valid_from);
  info.valid_until = parse_time("--valid-until", options.valid_until);
  auto created =
      venue_tools::create_venue(info, options.base_url, options.out_dir, system_random());
  if (!created) throw CommandError{naming_the_option(created.error().message)};
  std::printf("%s\n", created->url.c_str());
  std::fprintf(stderr, "wrote %s, %s, %s, %s%s%s\n", created->url_file.c_str(),
               created->secret_file.c_str(), created->png_file.c_str(), created->svg_file.c_str(),
               created->pdf_file.empty() ? "" : ", ", created->pdf_file.c_str());
  if (created->pdf_file.empty()) std::fprintf(stderr, "no poster.pdf: built without cairo\n");
  std::fprintf(stderr,
               "KEEP %s SECRET AND SAFE: it holds the venue owner's key, which every warning "
               "for this venue needs. It is not on the poster. If you lose it, create a new "
               "venue and replace the poster.\n",
               created->secret_file.c_str());
}

void run_decode(const std::string& input) {
  constexpr std::string_view kExpected =
      "expected a venue URL (https://HOST/PATH#PAYLOAD) or a PNG image holding one venue QR code";
  if (input.empty()) throw CommandError{std::string(kExpected) + ", got an empty argument"};
  auto venue = venue_tools::decode_venue_url_or_image(input);
  if (!venue) {
    const bool unreadable =
        venue.error().code == ErrorCode::kIo || venue.error().code == ErrorCode::kNotFound;
    throw CommandError{unreadable ? std::string(kExpected) + ": " + venue.error().message
                                  : venue.error().message};
  }
  const auto& p = venue->payload;
  std::printf("name: %s\n", p.description.c_str());
  std::printf("address: %s\n", p.address.c_str());
  std::printf("type: %s\n", std::string(wire::venue_type_name(p.type)).c_str());
  std::printf("default_checkin_minutes: %u\n", p.default_checkin_minutes);
  std::printf("valid_from: %s\n", format_time(p.valid_from).c_str());
  std::printf("valid_until: %s\n", format_time(p.valid_until).c_str());
  std::printf("version: %u%s\n", p.version,
              p.owner_public_key ? "" : " (legacy: no owner key, warnings are never accepted)");
  std::printf("payload_bytes: %zu\n", venue->raw_payload.size());
  std::printf("location_tag: %s\n", to_hex(venue->location_tag).c_str());
}

struct WarnOptions {
  std::string secret;
  std::string code;
  std::string from;
  std::string until;
  std::string url;
  bool tls = false;
  std::string ca_file;
  unsigned risk = 8;
};

void run_warn(const WarnOptions& options) {
  auto venue = venue_tools::read_venue_secret(options.secret);
  if (!venue) throw CommandError{"--secret: " + venue.error().message};
  if (auto owner = venue_tools::venue_owner_key(*venue); !owner) {
    throw CommandError{"--secret: " + owner.error().message};
  }
  auto host_port = server::parse_host_port(options.url);
  if (!host_port) throw CommandError{"--url: " + host_port.error().message};
  if (options.risk < 1 || options.risk > 8) {
    throw CommandError{"--risk must be 1..8, got " + std::to_string(options.risk)};
  }
  venue_tools::HostWarningRequest request;
  request.host = host_port->first;
  request.port = host_port->second;
  request.tls = options.tls;
  request.ca_file = options.ca_file;
  request.code = options.code;
  request.from = static_cast<std::int64_t>(parse_time("--from", options.from));
  request.until = static_cast<std::int64_t>(parse_time("--until", options.until));
  request.risk_level = static_cast<std::uint8_t>(options.risk);
  auto sent = venue_tools::send_host_warning(
      *venue, request, static_cast<std::int64_t>(std::time(nullptr)), system_random());
  if (!sent) throw CommandError{sent.error().message};
  std::printf("warning accepted: %zu report(s) for %s .. %s\n", *sent,
              format_time(static_cast<std::uint64_t>(request.from)).c_str(),
              format_time(static_cast<std::uint64_t>(request.until)).c_str());
}

void run_release(const WarnOptions& options) {
  auto venue = venue_tools::read_venue_secret(options.secret);
  if (!venue) throw CommandError{"--secret: " + venue.error().message};
  if (auto owner = venue_tools::venue_owner_key(*venue); !owner) {
    throw CommandError{"--secret: " + owner.error().message};
  }
  auto host_port = server::parse_host_port(options.url);
  if (!host_port) throw CommandError{"--url: " + host_port.error().message};
  venue_tools::HostWarningRequest request;
  request.host = host_port->first;
  request.port = host_port->second;
  request.tls = options.tls;
  request.ca_file = options.ca_file;
  request.code = options.code;
  auto released = venue_tools::release_pending_reports(*venue, request, system_random());
  if (!released) throw CommandError{released.error().message};
  for (const auto& r : released->released) {
    const auto start = static_cast<std::uint64_t>(unix_seconds_from_interval(r.start_interval));
    const auto end = static_cast<std::uint64_t>(unix_seconds_from_interval(r.end_interval()));
    std::printf("released: %s .. %s risk %u\n", format_time(start).c_str(),
                format_time(end).c_str(), static_cast<unsigned>(r.risk_level));
  }
  std::printf("pending: %zu, released: %zu, unreadable: %zu\n", released->pending,
              released->released.size(), released->unreadable);
}

void setup_venue(CLI::App& app) {
  CLI::App* venue = app.add_subcommand("venue", "Venue QR codes: create posters, decode codes");
  venue->require_subcommand(1);

  auto options = std::make_shared<CreateOptions>();
  CLI::App* create = venue->add_subcommand(
      "create", "Create a venue QR code (offline): print the URL, write posters and the secret");
  create->add_option("--name", options->name, "Venue name shown to visitors (1..100 characters)")
      ->required();
  create->add_option("--address", options->address, "Address (0..100 characters)");
  create->add_option("--type", options->type,
                     "Venue type: other, retail, food_service, workplace, education, "
                     "public_building, cultural_event, club_activity, private_event, "
                     "worship_service, health_care, transport (default other)");
  create->add_option("--minutes", options->minutes,
                     "Default check-in length in minutes, 1..1440 (default 60)");
  create->add_option("--valid-from", options->valid_from,
                     "Start of validity: UTC seconds or YYYY-MM-DD[THH:MM[:SS]Z]");
  create->add_option("--valid-until", options->valid_until,
                     "End of validity: UTC seconds or YYYY-MM-DD[THH:MM[:SS]Z]");
  create->add_option(
      "--base-url", options->base_url,
      "URL before the '#' (default " + std::string(wire::kDefaultVenueBaseUrl) + ")");
  create
      ->add_option("--out-dir", options->out_dir,
                   "Directory for venue.url, venue.secret, "
                   "poster.png, poster.svg, poster.pdf")
      ->required();
  create->callback([options] { run_create(*options); });

  auto input = std::make_shared<std::string>();
  CLI::App* decode =
      venue->add_subcommand("decode", "Print the fields of a venue QR code (URL or PNG image)");
  decode->add_option("input", *input, "Check-in URL, or a PNG image of a venue QR code")
      ->required();
  decode->callback([input] { run_decode(*input); });

  auto warn_options = std::make_shared<WarnOptions>();
  CLI::App* warn = venue->add_subcommand(
      "warn", "Warn every guest of a time window (venue host, with a health-authority code)");
  warn->add_option("--secret", warn_options->secret,
                   "The venue.secret file of `venue create` (holds the owner key)")
      ->required();
  warn->add_option("--code", warn_options->code, "Verification code of purpose venue_host")
      ->required();
  warn->add_option("--from", warn_options->from,
                   "Start of the window: UTC seconds or YYYY-MM-DD[THH:MM[:SS]Z]")
      ->required();
  warn->add_option("--until", warn_options->until, "End of the window (in the past, <= 14 days)")
      ->required();
  warn->add_option("--url", warn_options->url, "Key server HOST:PORT")->required();
  warn->add_flag("--tls", warn_options->tls, "Use HTTPS");
  warn->add_option("--ca-file", warn_options->ca_file, "PEM of the server's CA (with --tls)");
  warn->add_option("--risk", warn_options->risk, "Risk level 1..8 (default 8)");
  warn->callback([warn_options] { run_warn(*warn_options); });

  auto release_options = std::make_shared<WarnOptions>();
  CLI::App* release = venue->add_subcommand(
      "release",
      "Release the positive visitors' reports held for this venue as owner-signed warnings "
      "(venue host, with a health-authority code)");
  release
      ->add_option("--secret", release_options->secret,
                   "The venue.secret file of `venue create` (holds the owner key)")
      ->required();
  release->add_option("--code", release_options->code, "Verification code of purpose venue_host")
      ->required();
  release->add_option("--url", release_options->url, "Key server HOST:PORT")->required();
  release->add_flag("--tls", release_options->tls, "Use HTTPS");
  release->add_option("--ca-file", release_options->ca_file, "PEM of the server's CA (with --tls)");
  release->callback([release_options] { run_release(*release_options); });
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(venue, setup_venue);

}  // namespace greenlight::cli
