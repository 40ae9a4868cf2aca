// Venue posters and the files of `greenlight venue create` (docs/venues.md "CLI").
//
// create_venue() makes a new payload with a 32-byte seed from the given RandomSource and
// writes, into an existing or new directory:
//   venue.url     the check-in URL (base_url#base64url(payload)) and a newline
//   venue.secret  mode 0600, apart from the poster: the venue owner's key (Ed25519 seed)
//                 and the payload, which the host needs to warn or release warnings
//                 (docs/venues.md "Host tools"). Format: "greenlight-venue-secret v2\n",
//                 "#" comment lines (a warning to keep it secret), "payload: " +
//                 base64url(payload) and "owner-key: " + base64url(seed), one per line
//   poster.png    the QR code (PNG, grayscale)
//   poster.svg    A4 poster: venue name, QR code, address, instructions
//   poster.pdf    the same A4 poster, only when built with cairo (poster_pdf_supported())
// Existing files are not overwritten (kAlreadyExists), so a printed venue is never replaced
// by accident. Not thread-safe for the same directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/venue_tools/qr.h"
#include "greenlight/wire/venue.h"

namespace greenlight::venue_tools {

// The text printed on a poster (from the payload; the tests check the SVG escapes it).
std::string render_poster_svg(const QrMatrix& qr, const wire::VenuePayload& payload);

bool poster_pdf_supported();
// kFailedPrecondition when built without cairo.
[[nodiscard]] Result<Bytes> render_poster_pdf(const QrMatrix& qr,
                                              const wire::VenuePayload& payload);

struct CreatedVenue {
  std::string url;
  wire::ScannedVenue venue;
  wire::VenueOwnerSeed owner_seed;
  std::filesystem::path url_file;
  std::filesystem::path secret_file;
  std::filesystem::path png_file;
  std::filesystem::path svg_file;
  std::filesystem::path pdf_file;  // empty when no PDF was written
};

[[nodiscard]] Result<CreatedVenue> create_venue(const wire::VenueInfo& info,
                                                std::string_view base_url,
                                                const std::filesystem::path& out_dir,
                                                RandomSource& rng);

// venue.secret read back. owner_seed is nullopt for a version-1 file (a legacy poster
// without owner key), and checked against the payload's owner key otherwise.
struct VenueSecret {
  wire::ScannedVenue venue;
  std::optional<wire::VenueOwnerSeed> owner_seed;
};
[[nodiscard]] Result<VenueSecret> read_venue_secret(const std::filesystem::path& file);
// The owner's signing key; kFailedPrecondition for a legacy venue (a new poster is needed).
[[nodiscard]] Result<Ed25519PrivateKey> venue_owner_key(const VenueSecret& secret);

// `greenlight venue decode` input: a URL, or the path of a PNG image holding exactly one
// venue QR code.
[[nodiscard]] Result<wire::ScannedVenue> decode_venue_url_or_image(std::string_view input);

}  // namespace greenlight::venue_tools
