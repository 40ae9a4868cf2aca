#include "greenlight/venue_tools/poster.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <system_error>

#ifdef GREENLIGHT_HAVE_CAIRO
#include <cairo-pdf.h>
#include <cairo.h>
#endif

#if defined(GREENLIGHT_HAVE_CAIRO) && defined(__SANITIZE_ADDRESS__)
// cairo's text rendering loads fontconfig's configuration once per process and keeps it until
// exit by design (only FcFini releases it, and cairo never calls it), so LeakSanitizer reports
// it in every program that renders a PDF poster. This suppresses exactly that library's
// allocations, in sanitizer builds only (-DGREENLIGHT_SANITIZE=ON), and keeps LeakSanitizer
// from printing its statistics of used suppressions to stderr at exit.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }
#endif

namespace greenlight::venue_tools {
namespace {

constexpr std::string_view kSecretHeader = "greenlight-venue-secret v2\n";
constexpr std::string_view kLegacySecretHeader = "greenlight-venue-secret v1\n";
constexpr std::string_view kSecretWarning =
    "# KEEP THIS FILE SECRET AND SAFE. It holds the venue owner's key. Warnings for this\n"
    "# venue reach your guests only if you sign them with it (`greenlight venue warn` or\n"
    "# `greenlight venue release`) and the health authority authorises them. It is NOT on\n"
    "# the poster; do not print, photograph or share it. Whoever holds it can co-sign\n"
    "# warnings for your venue. If you lose it, no warning can ever reach the guests of this\n"
    "# poster: create a new venue and replace the poster.\n";
constexpr std::string_view kPayloadField = "payload: ";
constexpr std::string_view kOwnerKeyField = "owner-key: ";
constexpr std::size_t kMaxSecretFileBytes = 4096;
constexpr std::size_t kMaxImageFileBytes = 32u << 20;
constexpr std::string_view kInstruction = "Scan with greenlight to check in.";
constexpr std::string_view kPrivacyNote =
    "Your check-in stays on your phone. Scanning sends nothing.";

// A4 portrait in millimetres; the SVG and the PDF share this layout.
constexpr double kPageWidth = 210.0;
constexpr double kPageHeight = 297.0;
constexpr double kQrSide = 150.0;
constexpr double kQrTop = 55.0;
constexpr int kQuietModules = 4;

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::size_t utf8_chars(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  }
  return n;
}

// Title size in mm: shrinks long names so that they fit the page width.
double title_size(std::string_view title) {
  const double chars = static_cast<double>(utf8_chars(title));
  const double size = 11.0;
  return chars * size * 0.6 > kPageWidth - 20.0 ? (kPageWidth - 20.0) / (chars * 0.6) : size;
}

std::string format_mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t cap) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot open " + path.string());
  std::string data;
  data.resize(cap + 1);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) return make_error(ErrorCode::kIo, "cannot read " + path.string());
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > cap) {
    return make_error(ErrorCode::kResourceExhausted,
                      path.string() + " is larger than " + std::to_string(cap) + " bytes");
  }
  return data;
}

struct FdCloser {
  void operator()(const int* fd) const {
    if (*fd >= 0) ::close(*fd);
  }
};

// Creates path (failing if it exists) with the given mode and writes data.
Status write_new_file(const std::filesystem::path& path, ByteSpan data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return make_error(ErrorCode::kAlreadyExists, path.string() + " already exists");
    }
    return make_error(ErrorCode::kIo,
                      "cannot create " + path.string() + ": " + std::strerror(errno));
  }
  std::unique_ptr<int, FdCloser> guard(&fd);
  // The umask may only have removed bits; set the mode exactly.
  if (::fchmod(fd, mode) != 0) {
    return make_error(ErrorCode::kIo, "cannot chmod " + path.string());
  }
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kIo,
                        "cannot write " + path.string() + ": " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return make_error(ErrorCode::kIo, "cannot sync " + path.string());
  return ok();
}

#ifdef GREENLIGHT_HAVE_CAIRO
struct CairoSurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

cairo_status_t append_to_bytes(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<Bytes*>(closure);
  out->insert(out->end(), data, data + length);
  return CAIRO_STATUS_SUCCESS;
}

void centred_text(cairo_t* cr, std::string_view text, double y_mm, double size_mm, bool bold) {
  const std::string s(text);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size_mm);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  const double max_width = kPageWidth - 20.0;
  if (ext.x_advance > max_width) {
    cairo_set_font_size(cr, size_mm * max_width / ext.x_advance);
    cairo_text_extents(cr, s.c_str(), &ext);
  }
  cairo_move_to(cr, (kPageWidth - ext.x_advance) / 2.0, y_mm);
  cairo_show_text(cr, s.c_str());
}
#endif

}  // namespace

std::string render_poster_svg(const QrMatrix& qr, const wire::VenuePayload& payload) {
  const int side_modules = qr.width + 2 * kQuietModules;
  const double module_mm = kQrSide / side_modules;
  const double qr_left = (kPageWidth - kQrSide) / 2.0;
  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\" "
         "viewBox=\"0 0 210 297\">\n"
      << "<rect width=\"210\" height=\"297\" fill=\"#ffffff\"/>\n"
      << "<text x=\"105\" y=\"35\" text-anchor=\"middle\" font-family=\"DejaVu Sans, sans-serif\" "
         "font-weight=\"bold\" font-size=\""
      << format_mm(title_size(payload.description)) << "\">" << xml_escape(payload.description)
      << "</text>\n";
  svg << "<g transform=\"translate(" << format_mm(qr_left + kQuietModules * module_mm) << ' '
      << format_mm(kQrTop + kQuietModules * module_mm) << ") scale(" << format_mm(module_mm)
      << ")\">\n<path fill=\"#000000\" shape-rendering=\"crispEdges\" d=\"";
  for (int y = 0; y < qr.width; ++y) {
    for (int x = 0; x < qr.width; ++x) {
      if (qr.at(x, y)) svg << 'M' << x << ' ' << y << "h1v1h-1z";
    }
  }
  svg << "\"/>\n</g>\n";
  const double below = kQrTop + kQrSide;
  if (!payload.address.empty()) {
    svg << "<text x=\"105\" y=\"" << format_mm(below + 14)
        << "\" text-anchor=\"middle\" font-family=\"DejaVu Sans, sans-serif\" font-size=\""
        << format_mm(std::min(6.0, title_size(payload.address))) << "\">"
        << xml_escape(payload.address) << "</text>\n";
  }
  svg << "<text x=\"105\" y=\"" << format_mm(below + 32)
      << "\" text-anchor=\"middle\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"7\">"
      << xml_escape(kInstruction) << "</text>\n"
      << "<text x=\"105\" y=\"" << format_mm(below + 42)
      << "\" text-anchor=\"middle\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"4.5\">"
      << xml_escape(kPrivacyNote) << "</text>\n"
      << "</svg>\n";
  return svg.str();
}

bool poster_pdf_supported() {
#ifdef GREENLIGHT_HAVE_CAIRO
  return true;
#else
  return false;
#endif
}

Result<Bytes> render_poster_pdf(const QrMatrix& qr, const wire::VenuePayload& payload) {
#ifdef GREENLIGHT_HAVE_CAIRO
  constexpr double kPointsPerMm = 72.0 / 25.4;
  Bytes out;
  {
    std::unique_ptr<cairo_surface_t, CairoSurfaceDeleter> surface(
        cairo_pdf_surface_create_for_stream(append_to_bytes, &out, kPageWidth * kPointsPerMm,
                                            kPageHeight * kPointsPerMm));
    std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));
    cairo_scale(cr.get(), kPointsPerMm, kPointsPerMm);
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    cairo_set_source_rgb(cr.get(), 0, 0, 0);
    centred_text(cr.get(), payload.description, 35, title_size(payload.description), true);
    const int side_modules = qr.width + 2 * kQuietModules;
    const double module_mm = kQrSide / side_modules;
    const double left = (kPageWidth - kQrSide) / 2.0 + kQuietModules * module_mm;
    const double top = kQrTop + kQuietModules * module_mm;
    for (int y = 0; y < qr.width; ++y) {
      for (int x = 0; x < qr.width; ++x) {
        if (qr.at(x, y)) {
          cairo_rectangle(cr.get(), left + x * module_mm, top + y * module_mm, module_mm,
                          module_mm);
        }
      }
    }
    // Without antialiasing, adjacent modules leave no hairline gaps between them.
    cairo_set_antialias(cr.get(), CAIRO_ANTIALIAS_NONE);
    cairo_fill(cr.get());
    cairo_set_antialias(cr.get(), CAIRO_ANTIALIAS_DEFAULT);
    const double below = kQrTop + kQrSide;
    if (!payload.address.empty()) centred_text(cr.get(), payload.address, below + 14, 6, false);
    centred_text(cr.get(), kInstruction, below + 32, 7, false);
    centred_text(cr.get(), kPrivacyNote, below + 42, 4.5, false);
    cairo_show_page(cr.get());
    const cairo_status_t status = cairo_status(cr.get());
    cr.reset();
    cairo_surface_finish(surface.get());
    if (status != CAIRO_STATUS_SUCCESS ||
        cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
      return make_error(ErrorCode::kInternal,
                        std::string("cairo: ") + cairo_status_to_string(status));
    }
  }
  return out;
#else
  static_cast<void>(qr);
  static_cast<void>(payload);
  return make_error(ErrorCode::kFailedPrecondition, "built without cairo: no PDF posters");
#endif
}

Result<CreatedVenue> create_venue(const wire::VenueInfo& info, std::string_view base_url,
                                  const std::filesystem::path& out_dir, RandomSource& rng) {
  auto created_venue = wire::new_venue(info, rng);
  GL_RETURN_IF_ERROR(created_venue);
  const wire::VenuePayload* payload = &created_venue->payload;
  auto raw = wire::encode_venue_payload(*payload);
  GL_RETURN_IF_ERROR(raw);
  auto url = wire::venue_url(base_url, *raw);
  GL_RETURN_IF_ERROR(url);
  auto scanned = wire::scan_venue_payload(*raw);
  GL_RETURN_IF_ERROR(scanned);

  auto qr = encode_qr(*url);
  GL_RETURN_IF_ERROR(qr);
  const GrayImage image = rasterize_qr(*qr, 16, kQuietModules);
  auto png = encode_png(image);
  GL_RETURN_IF_ERROR(png);
  // Check the poster with a real decoder before anything is written.
  auto codes = scan_qr_codes(image);
  GL_RETURN_IF_ERROR(codes);
  if (codes->size() != 1 || codes->front() != *url) {
    return make_error(ErrorCode::kInternal, "the rendered QR code does not decode to the URL");
  }
  const std::string svg = render_poster_svg(*qr, *payload);
  Bytes pdf;
  if (poster_pdf_supported()) {
    auto rendered = render_poster_pdf(*qr, *payload);
    GL_RETURN_IF_ERROR(rendered);
    pdf = std::move(*rendered);
  }

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, "cannot create " + out_dir.string() + ": " + ec.message());
  }
  CreatedVenue created;
  created.url = *url;
  created.url_file = out_dir / "venue.url";
  created.secret_file = out_dir / "venue.secret";
  created.png_file = out_dir / "poster.png";
  created.svg_file = out_dir / "poster.svg";
  if (!pdf.empty()) created.pdf_file = out_dir / "poster.pdf";
  for (const auto* path : {&created.url_file, &created.secret_file, &created.png_file,
                           &created.svg_file, &created.pdf_file}) {
    if (!path->empty() && std::filesystem::exists(*path, ec)) {
      return make_error(ErrorCode::kAlreadyExists,
                        path->string() + " already exists; choose an empty --out-dir");
    }
  }
  std::string secret(kSecretHeader);
  secret += kSecretWarning;
  secret += kPayloadField;
  secret += base64url_encode(*raw);
  secret += '\n';
  secret += kOwnerKeyField;
  secret += base64url_encode(created_venue->owner_seed.span());
  secret += '\n';
  const Status secret_written = write_new_file(created.secret_file, as_bytes(secret), 0600);
  secure_wipe(secret.data(), secret.size());
  GL_RETURN_IF_ERROR(secret_written);
  const std::string url_line = *url + "\n";
  GL_RETURN_IF_ERROR(write_new_file(created.url_file, as_bytes(url_line), 0644));
  GL_RETURN_IF_ERROR(write_new_file(created.png_file, *png, 0644));
  GL_RETURN_IF_ERROR(write_new_file(created.svg_file, as_bytes(svg), 0644));
  if (!pdf.empty()) {
    GL_RETURN_IF_ERROR(write_new_file(created.pdf_file, pdf, 0644));
  }
  secure_wipe(raw->data(), raw->size());
  created.venue = std::move(*scanned);
  created.owner_seed = created_venue->owner_seed;
  return created;
}

Result<VenueSecret> read_venue_secret(const std::filesystem::path& file) {
  auto text = read_small_file(file, kMaxSecretFileBytes);
  GL_RETURN_IF_ERROR(text);
  const SecretBytes wiped(as_bytes(*text));
  secure_wipe(text->data(), text->size());
  std::string_view view(reinterpret_cast<const char*>(wiped.data()), wiped.size());
  const auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::kInvalidArgument, file.string() + ": " + std::string(why));
  };
  if (!view.ends_with('\n')) return bad("expected a newline at the end");
  const bool legacy = view.starts_with(kLegacySecretHeader);
  if (!legacy && !view.starts_with(kSecretHeader)) {
    return bad("not a greenlight venue secret (expected the line \"greenlight-venue-secret v2\")");
  }
  view.remove_prefix(kSecretHeader.size());
  view.remove_suffix(1);
  std::optional<std::string_view> payload_text;
  std::optional<std::string_view> owner_text;
  if (legacy) {
    payload_text = view;  // version 1: the payload line only
  } else {
    while (!view.empty()) {
      const std::size_t end = view.find('\n');
      const std::string_view line = view.substr(0, end);
      view = end == std::string_view::npos ? std::string_view{} : view.substr(end + 1);
      if (line.empty() || line.front() == '#') continue;
      if (line.starts_with(kPayloadField) && !payload_text) {
        payload_text = line.substr(kPayloadField.size());
      } else if (line.starts_with(kOwnerKeyField) && !owner_text) {
        owner_text = line.substr(kOwnerKeyField.size());
      } else {
        return bad("unexpected or repeated line (expected \"payload: \" and \"owner-key: \")");
      }
    }
    if (!payload_text || !owner_text) return bad("expected a payload and an owner-key line");
  }
  auto raw = base64url_decode(*payload_text);
  if (!raw) return bad(raw.error().message);
  auto venue = wire::scan_venue_payload(*raw);
  secure_wipe(raw->data(), raw->size());
  GL_RETURN_IF_ERROR(venue);
  VenueSecret secret;
  secret.venue = std::move(*venue);
  if (owner_text) {
    auto seed = base64url_decode(*owner_text);
    if (!seed) return bad("owner-key must be base64url of 32 bytes");
    auto owner_seed = wire::VenueOwnerSeed::from_span(*seed);
    secure_wipe(seed->data(), seed->size());
    if (!owner_seed) return bad("owner-key must be base64url of 32 bytes");
    secret.owner_seed = *owner_seed;
    auto key = wire::venue_owner_key(*secret.owner_seed);
    GL_RETURN_IF_ERROR(key);
    if (!secret.venue.payload.owner_public_key ||
        key->public_key().raw() != *secret.venue.payload.owner_public_key) {
      return bad("the owner key does not belong to this venue's payload");
    }
  }
  return secret;
}

Result<Ed25519PrivateKey> venue_owner_key(const VenueSecret& secret) {
  if (!secret.owner_seed) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "this venue.secret holds no owner key (a version-1 poster), so phones never "
                      "accept a warning for it: create a new venue with `greenlight venue create` "
                      "and replace the poster");
  }
  return wire::venue_owner_key(*secret.owner_seed);
}

Result<wire::ScannedVenue> decode_venue_url_or_image(std::string_view input) {
  if (input.starts_with("https://") || input.starts_with("http://")) {
    return wire::parse_venue_url(input);
  }
  auto data = read_small_file(std::filesystem::path(std::string(input)), kMaxImageFileBytes);
  GL_RETURN_IF_ERROR(data);
  auto image = decode_png(as_bytes(*data));
  GL_RETURN_IF_ERROR(image);
  auto codes = scan_qr_codes(*image);
  GL_RETURN_IF_ERROR(codes);
  if (codes->size() != 1) {
    return make_error(ErrorCode::kInvalidArgument, "expected exactly one QR code in " +
                                                       std::string(input) + ", found " +
                                                       std::to_string(codes->size()));
  }
  return wire::parse_venue_url(codes->front());
}

}  // namespace greenlight::venue_tools
