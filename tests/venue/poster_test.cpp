#include "greenlight/venue_tools/poster.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "greenlight/crypto/random.h"
#include "venue_test_support.h"

namespace greenlight::venue_tools {
namespace {

namespace fs = std::filesystem;

SeededRandom& test_rng() {
  static SeededRandom rng(99);
  return rng;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

wire::VenueInfo sample_info() {
  wire::VenueInfo info;
  info.description = "Bar <Rose> & \"Crown\"";
  info.address = "1 High St";
  info.type = wire::VenueType::kFoodService;
  info.default_checkin_minutes = 120;
  return info;
}

TEST_CASE("create_venue writes URL, secret and posters that decode back", "[venue][poster]") {
  test::ScratchDir dir;
  SeededRandom rng(11);
  const fs::path out = dir.path() / "venue";
  auto created = create_venue(sample_info(), wire::kDefaultVenueBaseUrl, out, rng);
  REQUIRE(created);
  CHECK(created->url.starts_with(std::string(wire::kDefaultVenueBaseUrl) + "#"));
  CHECK(slurp(out / "venue.url") == created->url + "\n");

  struct stat st {};
  REQUIRE(::stat((out / "venue.secret").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // The poster goes through libpng and zbar back to the exact URL and venue.
  auto from_png = decode_venue_url_or_image((out / "poster.png").string());
  REQUIRE(from_png);
  CHECK(from_png->location_tag == created->venue.location_tag);
  CHECK(from_png->payload.description == "Bar <Rose> & \"Crown\"");
  auto from_url = decode_venue_url_or_image(created->url);
  REQUIRE(from_url);
  CHECK(from_url->location_id == created->venue.location_id);

  auto secret = read_venue_secret(out / "venue.secret");
  REQUIRE(secret);
  CHECK(secret->venue.location_id == created->venue.location_id);
  REQUIRE(secret->owner_seed);
  CHECK(*secret->owner_seed == created->owner_seed);
  auto owner = venue_owner_key(*secret);
  REQUIRE(owner);
  CHECK(owner->public_key().raw() == *created->venue.payload.owner_public_key);
  // The owner key is in venue.secret only: not on the poster, not in the URL.
  const std::string secret_text = slurp(out / "venue.secret");
  CHECK(secret_text.starts_with("greenlight-venue-secret v2\n# KEEP THIS FILE SECRET"));
  const std::string owner_b64 = base64url_encode(created->owner_seed.span());
  CHECK(secret_text.find("owner-key: " + owner_b64 + "\n") != std::string::npos);
  for (const auto* f : {"venue.url", "poster.svg", "poster.png"}) {
    CAPTURE(f);
    CHECK(slurp(out / f).find(owner_b64) == std::string::npos);
  }
  CHECK(created->url.find(owner_b64) == std::string::npos);

  const std::string svg = slurp(out / "poster.svg");
  CHECK(svg.find("Bar &lt;Rose&gt; &amp; &quot;Crown&quot;") != std::string::npos);
  CHECK(svg.find("<Rose>") == std::string::npos);
  CHECK(svg.find("1 High St") != std::string::npos);

  if (poster_pdf_supported()) {
    REQUIRE(created->pdf_file == out / "poster.pdf");
    CHECK(slurp(created->pdf_file).starts_with("%PDF-"));
  } else {
    CHECK(created->pdf_file.empty());
  }

  SECTION("an existing venue is never overwritten") {
    const std::string before = slurp(out / "venue.secret");
    auto again = create_venue(sample_info(), wire::kDefaultVenueBaseUrl, out, rng);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::kAlreadyExists);
    CHECK(slurp(out / "venue.secret") == before);
  }
}

TEST_CASE("two venues with the same text are different venues", "[venue][poster]") {
  test::ScratchDir dir;
  SeededRandom rng(12);
  auto a = create_venue(sample_info(), wire::kDefaultVenueBaseUrl, dir.path() / "a", rng);
  auto b = create_venue(sample_info(), wire::kDefaultVenueBaseUrl, dir.path() / "b", rng);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->url != b->url);
  CHECK(a->venue.location_tag != b->venue.location_tag);
}

TEST_CASE("bad venue input writes nothing", "[venue][poster]") {
  test::ScratchDir dir;
  SeededRandom rng(13);
  wire::VenueInfo info = sample_info();
  info.default_checkin_minutes = 0;
  CHECK_FALSE(create_venue(info, wire::kDefaultVenueBaseUrl, dir.path() / "x", rng));
  CHECK_FALSE(fs::exists(dir.path() / "x"));
  CHECK_FALSE(create_venue(sample_info(), "greenlight.example", dir.path() / "y", rng));
  CHECK_FALSE(fs::exists(dir.path() / "y"));
}

TEST_CASE("decode rejects files that are not one venue QR code", "[venue][poster]") {
  test::ScratchDir dir;
  CHECK_FALSE(decode_venue_url_or_image((dir.path() / "missing.png").string()));
  { std::ofstream(dir.path() / "junk.png") << "not a png"; }
  CHECK_FALSE(decode_venue_url_or_image((dir.path() / "junk.png").string()));

  // A QR code holding some other URL is not a venue.
  auto qr = encode_qr("https://example.org/not-a-venue");
  REQUIRE(qr);
  auto png = encode_png(rasterize_qr(*qr, 4, 4));
  REQUIRE(png);
  {
    std::ofstream f(dir.path() / "other.png", std::ios::binary);
    f.write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
  }
  CHECK_FALSE(decode_venue_url_or_image((dir.path() / "other.png").string()));

  { std::ofstream(dir.path() / "bad.secret") << "greenlight-venue-secret v1\nAAAA\n"; }
  CHECK_FALSE(read_venue_secret(dir.path() / "bad.secret"));
  // A secret whose owner key belongs to another venue is refused.
  SeededRandom rng(12);
  const fs::path out = dir.path() / "venue";
  REQUIRE(create_venue(sample_info(), wire::kDefaultVenueBaseUrl, out, rng));
  REQUIRE(read_venue_secret(out / "venue.secret"));
  {
    const std::string text = slurp(out / "venue.secret");
    const std::size_t at = text.find("owner-key: ");
    REQUIRE(at != std::string::npos);
    std::ofstream(dir.path() / "swapped.secret")
        << text.substr(0, at) << "owner-key: " << base64url_encode(Bytes(32, 7)) << "\n";
  }
  CHECK_FALSE(read_venue_secret(dir.path() / "swapped.secret"));
  // A version-1 secret (legacy poster) reads, but has no owner key: no warnings.
  {
    std::ofstream(dir.path() / "legacy.secret")
        << "greenlight-venue-secret v1\n"
        << base64url_encode(test::make_legacy_venue("Old", test_rng()).raw_payload.span()) << "\n";
  }
  auto legacy = read_venue_secret(dir.path() / "legacy.secret");
  REQUIRE(legacy);
  CHECK_FALSE(legacy->owner_seed);
  CHECK(venue_owner_key(*legacy).error().code == ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace greenlight::venue_tools
