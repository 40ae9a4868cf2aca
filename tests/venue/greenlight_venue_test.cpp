#include "greenlight/greenlight_venue.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "greenlight/client/venue_upload.h"
#include "greenlight/wire/venue_warning.h"
#include "venue_test_support.h"

extern "C" int gl_venue_c_api_day(const char* dir);

extern "C" int gl_venue_test_url(char* url, size_t url_size) {
  using namespace greenlight;
  try {
    SeededRandom rng(31);
    const std::string u = test::url_of(test::make_venue("Marker Bistro", rng, 45));
    if (u.size() + 1 > url_size) return 1;
    std::memcpy(url, u.c_str(), u.size() + 1);
    return 0;
  } catch (...) {
    return 2;
  }
}

extern "C" int gl_venue_test_build_batch(const char* url, int64_t start, int64_t end, uint8_t* file,
                                         size_t* file_len, char* pem, size_t pem_size) {
  using namespace greenlight;
  try {
    // The venue of gl_venue_test_url again (same seed), with its owner key.
    SeededRandom venue_rng(31);
    const auto owned = test::make_owned_venue("Marker Bistro", venue_rng, 45);
    auto venue = wire::parse_venue_url(url);
    auto key = EcdsaP256PrivateKey::generate();
    if (!venue || !key || venue->location_tag != owned.venue.location_tag) return 1;
    SeededRandom rng(32);
    auto warnings =
        client::host_warnings(venue->location_id, owned.owner(), start, end, end, 5, rng);
    if (!warnings) return 2;
    wire::VenueWarningBatch batch;
    batch.start_timestamp = static_cast<std::uint64_t>(end);
    batch.end_timestamp = static_cast<std::uint64_t>(end + 3600);
    for (auto w : *warnings) {
      if (!authorize_venue_warning(w, *key)) return 2;
      batch.warnings.push_back(w);
    }
    auto bytes = wire::write_venue_warning_file(
        batch, {wire::ExportSigner{{"v1", "310", wire::kEcdsaP256Sha256Oid}, *key}});
    const std::string public_pem = key->public_key().to_pem();
    if (!bytes || bytes->size() > *file_len || public_pem.size() + 1 > pem_size) return 3;
    std::memcpy(file, bytes->data(), bytes->size());
    *file_len = bytes->size();
    std::memcpy(pem, public_pem.c_str(), public_pem.size() + 1);
    return 0;
  } catch (...) {
    return 4;
  }
}

namespace {

TEST_CASE("the venue feature through the C API, driven from C", "[venue][c_api]") {
  greenlight::test::ScratchDir dir;
  CHECK(gl_venue_c_api_day(dir.path().c_str()) == 0);
}

TEST_CASE("the venue C API rejects NULL handles", "[venue][c_api]") {
  gl_venue_info info;
  CHECK(gl_venue_scan(nullptr, "x", &info) == GL_ERR_INVALID_ARGUMENT);
  CHECK(std::string(gl_venue_last_error(nullptr)).empty());
  gl_venue* venue = nullptr;
  const uint8_t key[32] = {};
  char error[64] = "";
  CHECK(gl_venue_open(nullptr, key, sizeof key, &venue, error, sizeof error) ==
        GL_ERR_INVALID_ARGUMENT);
  CHECK(venue == nullptr);
  gl_venue_close(nullptr);
}

}  // namespace
