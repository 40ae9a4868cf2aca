#include "greenlight/greenlight.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "client_test_support.h"

extern "C" int gl_c_api_day_test(void);

extern "C" int gl_test_build_export(const gl_tek* keys, size_t count, int64_t start, int64_t end,
                                    uint8_t* zip, size_t* zip_len, char* pem, size_t pem_size) {
  using namespace greenlight;
  try {
    std::vector<TemporaryExposureKey> list;
    for (std::size_t i = 0; i < count; ++i) {
      TemporaryExposureKey k;
      k.key_data = Tek::from_span(ByteSpan(keys[i].key_data, sizeof keys[i].key_data)).value();
      k.rolling_start_interval_number = {keys[i].rolling_start_interval_number};
      k.rolling_period = keys[i].rolling_period;
      k.report_type = ReportType::kConfirmedTest;
      list.push_back(k);
    }
    const client::test::TestSigner signer = client::test::make_signer();
    const Bytes bytes = client::test::build_export(list, signer, start, end);
    const std::string public_pem = signer.private_key.public_key().to_pem();
    if (bytes.size() > *zip_len || public_pem.size() + 1 > pem_size) return 1;
    std::memcpy(zip, bytes.data(), bytes.size());
    *zip_len = bytes.size();
    std::memcpy(pem, public_pem.c_str(), public_pem.size() + 1);
    return 0;
  } catch (...) {
    return 2;
  }
}

namespace {

TEST_CASE("a day through the C API, driven from C", "[c_api]") { CHECK(gl_c_api_day_test() == 0); }

TEST_CASE("the C API rejects bad handles and arguments without crashing", "[c_api]") {
  gl_client* client = nullptr;
  char error[128] = "unchanged";
  CHECK(gl_client_open(nullptr, nullptr, nullptr, &client, error, sizeof error) ==
        GL_ERR_INVALID_ARGUMENT);
  CHECK(client == nullptr);
  CHECK(std::string(error).find("db_path") != std::string::npos);
  CHECK(gl_client_open("/nonexistent-dir/x/y.db", nullptr, nullptr, &client, error, sizeof error) ==
        GL_ERR_IO);
  CHECK(client == nullptr);

  std::size_t len = 20;
  std::uint8_t buffer[20];
  CHECK(gl_client_current_advertisement(nullptr, buffer, &len) == GL_ERR_INVALID_ARGUMENT);
  CHECK(std::string(gl_last_error(nullptr)) == "client handle is NULL");
  gl_client_close(nullptr);

  greenlight::client::test::TempDir dir;
  REQUIRE(gl_client_open(dir.file("device.db").c_str(), nullptr, nullptr, &client, error,
                         sizeof error) == GL_OK);
  CHECK(gl_client_current_advertisement(client, buffer, nullptr) == GL_ERR_INVALID_ARGUMENT);
  CHECK(gl_client_pin_signing_key(client, "not a pem", "1", "v1") != GL_OK);
  CHECK(std::string(gl_last_error(client)).size() > 0);
  CHECK(gl_client_set_risk_config_json(client, "{\"nope\": 1}") == GL_ERR_INVALID_ARGUMENT);
  CHECK(gl_client_set_risk_config_json(client, "{\"high_risk_normalized_minutes\": 20}") == GL_OK);
  CHECK(std::string(gl_last_error(client)).empty());
  const std::uint8_t garbage[3] = {1, 2, 3};
  CHECK(gl_client_process_export(client, garbage, sizeof garbage, nullptr) != GL_OK);
  CHECK(gl_client_record_scan(client, nullptr, nullptr, 0) == GL_OK);
  const std::int32_t rssi[1] = {500};
  CHECK(gl_client_record_scan(client, buffer, rssi, 1) == GL_ERR_INVALID_ARGUMENT);
  CHECK(gl_client_sync(client, "ftp://example.org", nullptr) == GL_ERR_INVALID_ARGUMENT);
  gl_client_close(client);

  CHECK(std::string(gl_status_name(GL_ERR_BUFFER_TOO_SMALL)) == "GL_ERR_BUFFER_TOO_SMALL");
}

}  // namespace
