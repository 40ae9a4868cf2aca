// `greenlight venue`: venue QR codes (docs/venues.md "CLI").
//
//   greenlight venue create --name NAME [--address TEXT] [--type TYPE] [--minutes N]
//                           [--valid-from TIME] [--valid-until TIME] [--base-url URL]
//                           --out-dir DIR
//   greenlight venue decode URL|IMAGE.png
//
// create prints the check-in URL and writes DIR/venue.url, DIR/venue.secret (0600),
// DIR/poster.png, DIR/poster.svg and DIR/poster.pdf (when built with cairo). decode prints
// the payload's fields and the venue's location tag. Neither touches the network.
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "command.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/random.h"
#include "greenlight/venue_tools/poster.h"
#include "greenlight/wire/venue.h"

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

// UTC seconds, or an ISO 8601 UTC time "YYYY-MM-DD", "YYYY-MM-DDTHH:MMZ" or
// "YYYY-MM-DDTHH:MM:SSZ".
std::uint64_t parse_time(const std::string& flag, const std::string& text) {
  if (text.empty()) return 0;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 19) throw CommandError{flag + ": " + text + " is out of range"};
    return std::stoull(text);
  }
  const auto consumed_all = [&](int consumed) {
    return consumed >= 0 && static_cast<std::size_t>(consumed) == text.size();
  };
  int v[6] = {0, 0, 0, 0, 0, 0};
  int consumed = -1;
  char z = '\0';
  bool parsed = std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &v[0], &v[1], &v[2], &consumed) == 3 &&
                consumed_all(consumed);
  if (!parsed) {
    consumed = -1;
    parsed = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%c%n", &v[0], &v[1], &v[2], &v[3], &v[4],
                         &z, &consumed) == 6 &&
             z == 'Z' && consumed_all(consumed);
  }
  if (!parsed) {
    consumed = -1;
    parsed = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &v[0], &v[1], &v[2], &v[3],
                         &v[4], &v[5], &z, &consumed) == 7 &&
             z == 'Z' && consumed_all(consumed);
  }
  if (!parsed) {
    throw CommandError{flag + ": expected UTC seconds or YYYY-MM-DD[THH:MM[:SS]Z], got \"" + text +
                       "\""};
  }
  std::tm tm{};
  tm.tm_year = v[0] - 1900;
  tm.tm_mon = v[1] - 1;
  tm.tm_mday = v[2];
  tm.tm_hour = v[3];
  tm.tm_min = v[4];
  tm.tm_sec = v[5];
  const std::time_t t = timegm(&tm);
  if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[3] > 23 || v[4] > 59 || v[5] > 59 || t < 0 ||
      tm.tm_mday != v[2]) {
    throw CommandError{flag + ": \"" + text + "\" is not a valid UTC time"};
  }
  return static_cast<std::uint64_t>(t);
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
  if (!created) throw CommandError{created.error().message};
  std::printf("%s\n", created->url.c_str());
  std::fprintf(stderr, "wrote %s, %s, %s, %s%s%s\n", created->url_file.c_str(),
               created->secret_file.c_str(), created->png_file.c_str(), created->svg_file.c_str(),
               created->pdf_file.empty() ? "" : ", ", created->pdf_file.c_str());
  if (created->pdf_file.empty()) std::fprintf(stderr, "no poster.pdf: built without cairo\n");
}

void run_decode(const std::string& input) {
  auto venue = venue_tools::decode_venue_url_or_image(input);
  if (!venue) throw CommandError{venue.error().message};
  const auto& p = venue->payload;
  std::printf("name: %s\n", p.description.c_str());
  std::printf("address: %s\n", p.address.c_str());
  std::printf("type: %s\n", std::string(wire::venue_type_name(p.type)).c_str());
  std::printf("default_checkin_minutes: %u\n", p.default_checkin_minutes);
  std::printf("valid_from: %s\n", format_time(p.valid_from).c_str());
  std::printf("valid_until: %s\n", format_time(p.valid_until).c_str());
  std::printf("payload_bytes: %zu\n", venue->raw_payload.size());
  std::printf("location_tag: %s\n", to_hex(venue->location_tag).c_str());
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
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(venue, setup_venue);

}  // namespace greenlight::cli
