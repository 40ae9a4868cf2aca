#include "greenlight/wire/key_json.h"

#include <catch2/catch.hpp>
#include <string>

namespace greenlight::wire {
namespace {

std::string error_of(const Result<KeyFile>& result) {
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kInvalidArgument);
  return result.error().message;
}

}  // namespace

TEST_CASE("parse_key_file_json reads hex and base64 keys with defaults", "[key_json]") {
  auto file = parse_key_file_json(R"({
    "keys": [
      {"key": "75c734c6dd1a782de7a965da5eb93125", "rolling_start_interval_number": 2642976,
       "transmission_risk_level": 4, "report_type": 1, "days_since_onset_of_symptoms": -2},
      {"key": "Fy/EgOWYSQw0F3YEM5sVQw==", "rolling_start_interval_number": 2649980,
       "rolling_period": 1}
    ],
    "revised_keys": [
      {"key": "2B63053AC483238DE176169E861F3DCD", "rolling_start_interval_number": 0,
       "report_type": 5, "days_since_onset_of_symptoms": 0}
    ]})");
  REQUIRE(file);
  REQUIRE(file->keys.size() == 2);
  REQUIRE(file->revised_keys.size() == 1);

  const auto& a = file->keys[0];
  CHECK(to_hex(a.key_data.span()) == "75c734c6dd1a782de7a965da5eb93125");
  CHECK(a.rolling_start_interval_number.value == 2642976);
  CHECK(a.rolling_period == 144);
  CHECK(a.transmission_risk_level == 4);
  CHECK(a.report_type == ReportType::kConfirmedTest);
  CHECK(a.days_since_onset_of_symptoms == -2);

  const auto& b = file->keys[1];
  CHECK(to_hex(b.key_data.span()) == "172fc480e598490c34177604339b1543");
  CHECK(b.rolling_period == 1);
  CHECK(b.transmission_risk_level == 0);
  CHECK(b.report_type == ReportType::kUnknown);
  CHECK_FALSE(b.days_since_onset_of_symptoms);

  const auto& r = file->revised_keys[0];
  CHECK(to_hex(r.key_data.span()) == "2b63053ac483238de176169e861f3dcd");
  CHECK(r.rolling_start_interval_number.value == 0);
  CHECK(r.report_type == ReportType::kRevoked);
  CHECK(r.days_since_onset_of_symptoms == 0);
}

TEST_CASE("key_file_to_json round-trips through parse_key_file_json", "[key_json]") {
  auto file = parse_key_file_json(R"({"keys": [
      {"key": "75c734c6dd1a782de7a965da5eb93125", "rolling_start_interval_number": 2642976,
       "rolling_period": 12, "transmission_risk_level": 8, "report_type": 3,
       "days_since_onset_of_symptoms": -14}],
    "revised_keys": [{"key": "2b63053ac483238de176169e861f3dcd",
                      "rolling_start_interval_number": 2649866}]})");
  REQUIRE(file);
  auto again = parse_key_file_json(key_file_to_json(*file));
  REQUIRE(again);
  REQUIRE(again->keys.size() == 1);
  REQUIRE(again->revised_keys.size() == 1);
  const auto& k = again->keys[0];
  CHECK(to_hex(k.key_data.span()) == "75c734c6dd1a782de7a965da5eb93125");
  CHECK(k.rolling_start_interval_number.value == 2642976);
  CHECK(k.rolling_period == 12);
  CHECK(k.transmission_risk_level == 8);
  CHECK(k.report_type == ReportType::kSelfReport);
  CHECK(k.days_since_onset_of_symptoms == -14);
  CHECK(to_hex(again->revised_keys[0].key_data.span()) == "2b63053ac483238de176169e861f3dcd");
  CHECK_FALSE(again->revised_keys[0].days_since_onset_of_symptoms);
}

TEST_CASE("parse_key_file_json names the bad field and index", "[key_json]") {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case c = GENERATE(
      Case{"[]", "key file must be a JSON object with a \"keys\" array, got array"},
      Case{"{\"keys\": [", "key file must be JSON: "},
      Case{"{}", "key file must have a \"keys\" array, it is missing"},
      Case{R"({"keys": [], "extra": 1})",
           "key file has an unknown field \"extra\" (expected \"keys\" and \"revised_keys\")"},
      Case{R"({"keys": {}})", "keys must be an array, got object"},
      Case{R"({"keys": [1]})", "keys[0] must be an object, got int64"},
      Case{R"({"keys": [{"rolling_start_interval_number": 1}]})", "keys[0].key is required"},
      Case{R"({"keys": [{"key": 5, "rolling_start_interval_number": 1}]})",
           "keys[0].key must be a string, got int64"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb931",
                         "rolling_start_interval_number": 1}]})",
           "keys[0].key must be 16 bytes as 32 hex digits or base64, got 15 bytes of hex"},
      Case{R"({"keys": [{"key": "AQID", "rolling_start_interval_number": 1}]})",
           "keys[0].key must be 16 bytes as 32 hex digits or base64, got 3 bytes of base64"},
      Case{R"({"keys": [{"key": "not a key!", "rolling_start_interval_number": 1}]})",
           "keys[0].key must be 16 bytes as 32 hex digits or base64, got 10 characters that are "
           "neither"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125"}]})",
           "keys[0].rolling_start_interval_number is required"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": "2642976"}]})",
           "keys[0].rolling_start_interval_number must be an integer, got string"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 1.5}]})",
           "keys[0].rolling_start_interval_number must be an integer, got double"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": -1}]})",
           "keys[0].rolling_start_interval_number must be 0..2147483647, got -1"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 18446744073709551615}]})",
           "keys[0].rolling_start_interval_number must be 0..2147483647, got "
           "18446744073709551615"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 1, "rolling_period": 145}]})",
           "keys[0].rolling_period must be 1..144, got 145"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 1, "rolling_period": 0}]})",
           "keys[0].rolling_period must be 1..144, got 0"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 1, "transmission_risk_level": 9}]})",
           "keys[0].transmission_risk_level must be 0..8, got 9"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 1, "report_type": 6}]})",
           "keys[0].report_type must be 0..5, got 6"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 1,
                         "days_since_onset_of_symptoms": -15}]})",
           "keys[0].days_since_onset_of_symptoms must be -14..14, got -15"},
      Case{R"({"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 1, "rollingPeriod": 1}]})",
           "keys[0] has an unknown field \"rollingPeriod\""},
      Case{R"({"keys": [], "revised_keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",
                         "rolling_start_interval_number": 1},
                        {"key": "", "rolling_start_interval_number": 1}]})",
           "revised_keys[1].key must be 16 bytes as 32 hex digits or base64, got 0 bytes of hex"});
  CAPTURE(c.json);
  CHECK_THAT(error_of(parse_key_file_json(c.json)), Catch::StartsWith(c.message));
}

}  // namespace greenlight::wire
