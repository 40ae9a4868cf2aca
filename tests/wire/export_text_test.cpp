#include "greenlight/wire/export_text.h"

#include <catch2/catch.hpp>
#include <string>

#include "wire/wire_test_util.h"

namespace greenlight::wire {

TEST_CASE("format_key_line prints KEY_HEX RSIN ROLLING_PERIOD REPORT_TYPE TRL DSOS",
          "[export_text]") {
  TemporaryExposureKey key;
  key.key_data = Tek::from_span(test::hex("75c734c6dd1a782de7a965da5eb93125")).value();
  key.rolling_start_interval_number = {2642976};
  key.rolling_period = 144;
  key.report_type = ReportType::kConfirmedTest;
  key.transmission_risk_level = 4;
  CHECK(format_key_line(key) == "75c734c6dd1a782de7a965da5eb93125 2642976 144 1 4 -");
  key.days_since_onset_of_symptoms = -3;
  CHECK(format_key_line(key) == "75c734c6dd1a782de7a965da5eb93125 2642976 144 1 4 -3");
}

TEST_CASE("format_export_summary of the reference/gaen.md 3c example", "[export_text]") {
  auto file = read_export_zip_unverified(test::read_test_file("export/srv_example.zip"));
  REQUIRE(file);
  CHECK(format_export_summary(*file) ==
        "start_timestamp: 1590159600 (2020-05-22T15:00:00Z)\n"
        "end_timestamp: 1590246000 (2020-05-23T15:00:00Z)\n"
        "region: US\n"
        "batch: 1/1\n"
        "signature_info: key_id=some_id key_version=1 algorithm=1.2.840.10045.4.3.2\n"
        "export.sig: key_id=some_id key_version=1 algorithm=1.2.840.10045.4.3.2 "
        "signature_bytes=72\n"
        "keys: 2 (key_hex rsin rolling_period report_type trl dsos)\n"
        "172fc480e598490c34177604339b1543 2649980 1 0 8 -\n"
        "2b63053ac483238de176169e861f3dcd 2649866 114 0 1 -\n"
        "revised_keys: 0 (key_hex rsin rolling_period report_type trl dsos)\n");
}

TEST_CASE("format_export_summary neutralises control characters from the file", "[export_text]") {
  UnverifiedExport file;
  file.batch.region = "\x1b[31mRED\n";
  file.batch.start_timestamp = 253402300800;  // year 10000: no ISO form
  file.signatures.push_back({SignatureInfo{"v\r1", "id\x07", "alg"}, Bytes(3)});
  const std::string text = format_export_summary(file);
  CHECK(text.find("region: ?[31mRED?\n") != std::string::npos);
  CHECK(text.find("start_timestamp: 253402300800\n") != std::string::npos);
  CHECK(text.find("export.sig: key_id=id? key_version=v?1 algorithm=alg signature_bytes=3\n") !=
        std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
}

}  // namespace greenlight::wire
