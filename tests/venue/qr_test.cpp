#include "greenlight/venue_tools/qr.h"

#include <catch2/catch.hpp>
#include <string>

namespace greenlight::venue_tools {
namespace {

TEST_CASE("a QR code survives PNG encoding and decodes with zbar", "[venue][qr]") {
  const std::string text =
      GENERATE(std::string("https://greenlight.example/v1/venue#CAESBENhZsOp"),
               std::string("https://greenlight.example/v1/venue#") + std::string(400, 'A') + "-_");
  CAPTURE(text);
  auto qr = encode_qr(text);
  REQUIRE(qr);
  CHECK(qr->width >= 21);
  CHECK((qr->width - 17) % 4 == 0);  // versions 1..40 have width 17 + 4 * version

  const GrayImage image = rasterize_qr(*qr, 4, 4);
  CHECK(image.width == static_cast<std::uint32_t>((qr->width + 8) * 4));
  auto png = encode_png(image);
  REQUIRE(png);
  auto decoded = decode_png(*png);
  REQUIRE(decoded);
  CHECK(decoded->width == image.width);
  CHECK(decoded->pixels == image.pixels);

  auto codes = scan_qr_codes(*decoded);
  REQUIRE(codes);
  REQUIRE(codes->size() == 1);
  CHECK(codes->front() == text);
}

TEST_CASE("an image without a QR code yields no codes", "[venue][qr]") {
  GrayImage blank;
  blank.width = blank.height = 64;
  blank.pixels.assign(64 * 64, 255);
  auto codes = scan_qr_codes(blank);
  REQUIRE(codes);
  CHECK(codes->empty());
}

TEST_CASE("bad PNG input is rejected", "[venue][qr]") {
  CHECK_FALSE(decode_png(Bytes{}));
  CHECK_FALSE(decode_png(Bytes{0x89, 'P', 'N', 'G', 0, 0, 0}));
  auto qr = encode_qr("x");
  REQUIRE(qr);
  auto png = encode_png(rasterize_qr(*qr, 2, 4));
  REQUIRE(png);
  Bytes truncated(png->begin(), png->begin() + static_cast<std::ptrdiff_t>(png->size() / 2));
  CHECK_FALSE(decode_png(truncated));
  auto capped = decode_png(*png, 10);
  REQUIRE_FALSE(capped);
  CHECK(capped.error().code == ErrorCode::kResourceExhausted);
  CHECK_FALSE(encode_qr(""));
  CHECK_FALSE(encode_qr(std::string(4000, 'x')));  // above the capacity of version 40-Q
}

}  // namespace
}  // namespace greenlight::venue_tools
