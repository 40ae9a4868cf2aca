// QR codes for venue posters: encoding (libqrencode), PNG images (libpng simplified API),
// and decoding images back to text with a real QR decoder (libzbar), so that a poster can
// be checked end to end. Not part of the phone library. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"

namespace greenlight::venue_tools {

// A QR symbol: width x width modules, row-major, true = dark.
struct QrMatrix {
  int width = 0;
  std::vector<bool> dark;
  bool at(int x, int y) const {
    return dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                static_cast<std::size_t>(x)];
  }
};

// Byte-mode QR code at error-correction level Q (25%: survives smudges and tape on a
// printed poster), smallest version that fits.
[[nodiscard]] Result<QrMatrix> encode_qr(std::string_view text);

// 8-bit grayscale image, row-major, 0 = black, 255 = white.
struct GrayImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> pixels;
};

// The symbol with a quiet zone of quiet_modules on each side, module_pixels per module.
GrayImage rasterize_qr(const QrMatrix& qr, int module_pixels = 16, int quiet_modules = 4);

[[nodiscard]] Result<Bytes> encode_png(const GrayImage& image);
// Any PNG (palette, RGB, alpha, 16-bit) converted to 8-bit grayscale. Rejects images above
// max_pixels.
[[nodiscard]] Result<GrayImage> decode_png(ByteSpan png, std::uint64_t max_pixels = 64u << 20);

// Every QR code zbar finds in the image, as raw text (no charset conversion).
[[nodiscard]] Result<std::vector<std::string>> scan_qr_codes(const GrayImage& image);

}  // namespace greenlight::venue_tools
