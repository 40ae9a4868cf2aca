#include "greenlight/venue_tools/qr.h"

#include <png.h>
#include <qrencode.h>
#include <zbar.h>  // declares its C API inside namespace zbar in C++

#include <cerrno>
#include <cstring>
#include <memory>

namespace greenlight::venue_tools {
namespace {

struct QrcodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
struct PngImageDeleter {
  void operator()(png_image* image) const { png_image_free(image); }
};
struct ZbarScannerDeleter {
  void operator()(zbar::zbar_image_scanner_t* scanner) const {
    zbar::zbar_image_scanner_destroy(scanner);
  }
};
struct ZbarImageDeleter {
  void operator()(zbar::zbar_image_t* image) const { zbar::zbar_image_destroy(image); }
};

std::string png_message(const png_image& image) { return std::string(image.message); }

}  // namespace

Result<QrMatrix> encode_qr(std::string_view text) {
  if (text.empty()) return make_error(ErrorCode::kInvalidArgument, "QR text must not be empty");
  errno = 0;
  std::unique_ptr<QRcode, QrcodeDeleter> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_Q));
  if (!code) {
    if (errno == ERANGE) {
      return make_error(ErrorCode::kResourceExhausted,
                        "text of " + std::to_string(text.size()) + " bytes does not fit a QR code");
    }
    return make_error(ErrorCode::kInternal,
                      std::string("libqrencode failed: ") + std::strerror(errno));
  }
  QrMatrix qr;
  qr.width = code->width;
  const auto n = static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
  qr.dark.resize(n);
  for (std::size_t i = 0; i < n; ++i) qr.dark[i] = (code->data[i] & 1) != 0;
  return qr;
}

GrayImage rasterize_qr(const QrMatrix& qr, int module_pixels, int quiet_modules) {
  if (module_pixels < 1) module_pixels = 1;
  if (quiet_modules < 0) quiet_modules = 0;
  const int side_modules = qr.width + 2 * quiet_modules;
  GrayImage image;
  image.width = static_cast<std::uint32_t>(side_modules * module_pixels);
  image.height = image.width;
  image.pixels.assign(static_cast<std::size_t>(image.width) * image.height, 255);
  for (int y = 0; y < qr.width; ++y) {
    for (int x = 0; x < qr.width; ++x) {
      if (!qr.at(x, y)) continue;
      const int px = (x + quiet_modules) * module_pixels;
      const int py = (y + quiet_modules) * module_pixels;
      for (int dy = 0; dy < module_pixels; ++dy) {
        const auto row = static_cast<std::size_t>(py + dy) * image.width;
        std::memset(&image.pixels[row + static_cast<std::size_t>(px)], 0,
                    static_cast<std::size_t>(module_pixels));
      }
    }
  }
  return image;
}

Result<Bytes> encode_png(const GrayImage& image) {
  if (image.width == 0 || image.height == 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) {
    return make_error(ErrorCode::kInvalidArgument, "image size does not match its pixels");
  }
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = image.width;
  png.height = image.height;
  png.format = PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  // First call computes the size, second writes.
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels.data(), 0, nullptr)) {
    std::string message = png_message(png);
    png_image_free(&png);
    return make_error(ErrorCode::kInternal, "libpng: " + message);
  }
  Bytes out(size);
  if (!png_image_write_to_memory(&png, out.data(), &size, 0, image.pixels.data(), 0, nullptr)) {
    std::string message = png_message(png);
    png_image_free(&png);
    return make_error(ErrorCode::kInternal, "libpng: " + message);
  }
  out.resize(size);
  return out;
}

Result<GrayImage> decode_png(ByteSpan data, std::uint64_t max_pixels) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  // png_image_free is idempotent; libpng also frees on errors and at the end of a read.
  std::unique_ptr<png_image, PngImageDeleter> guard(&png);
  if (!png_image_begin_read_from_memory(&png, data.data(), data.size())) {
    return make_error(ErrorCode::kInvalidArgument, "not a readable PNG image: " + png_message(png));
  }
  if (static_cast<std::uint64_t>(png.width) * png.height > max_pixels) {
    return make_error(ErrorCode::kResourceExhausted,
                      "PNG of " + std::to_string(png.width) + "x" + std::to_string(png.height) +
                          " pixels exceeds the cap of " + std::to_string(max_pixels));
  }
  png.format = PNG_FORMAT_GRAY;
  GrayImage image;
  image.width = png.width;
  image.height = png.height;
  image.pixels.resize(PNG_IMAGE_SIZE(png));
  // Transparent pixels are composited on white, as a printed poster would show them.
  png_color white{255, 255, 255};
  if (!png_image_finish_read(&png, &white, image.pixels.data(), 0, nullptr)) {
    return make_error(ErrorCode::kInvalidArgument, "cannot decode PNG: " + png_message(png));
  }
  return image;
}

Result<std::vector<std::string>> scan_qr_codes(const GrayImage& image) {
  if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) {
    return make_error(ErrorCode::kInvalidArgument, "image size does not match its pixels");
  }
  std::unique_ptr<zbar::zbar_image_scanner_t, ZbarScannerDeleter> scanner(
      zbar::zbar_image_scanner_create());
  std::unique_ptr<zbar::zbar_image_t, ZbarImageDeleter> zimage(zbar::zbar_image_create());
  if (!scanner || !zimage) return make_error(ErrorCode::kInternal, "zbar: out of memory");
  zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
  zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
  zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_BINARY, 1);
  zbar::zbar_image_set_format(zimage.get(), zbar_fourcc('Y', '8', '0', '0'));
  zbar::zbar_image_set_size(zimage.get(), image.width, image.height);
  // zbar does not modify the pixels and does not own them (no cleanup handler).
  zbar::zbar_image_set_data(zimage.get(), image.pixels.data(), image.pixels.size(), nullptr);
  if (zbar::zbar_scan_image(scanner.get(), zimage.get()) < 0) {
    return make_error(ErrorCode::kInternal, "zbar failed to scan the image");
  }
  std::vector<std::string> out;
  for (const zbar::zbar_symbol_t* sym = zbar::zbar_image_first_symbol(zimage.get()); sym != nullptr;
       sym = zbar::zbar_symbol_next(sym)) {
    if (zbar::zbar_symbol_get_type(sym) != zbar::ZBAR_QRCODE) continue;
    out.emplace_back(zbar::zbar_symbol_get_data(sym), zbar::zbar_symbol_get_data_length(sym));
  }
  return out;
}

}  // namespace greenlight::venue_tools
