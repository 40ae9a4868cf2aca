#include "greenlight/wire/export_file.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "greenlight/crypto/random.h"
#include "wire/wire_test_util.h"

namespace greenlight::wire {
namespace {

using test::Pb;

// reference/gaen.md section 3c (SRV examples/export/testExport-2-records-1-of-1.zip).
const Bytes kExampleBin = test::hex(
    "454b204578706f72742076312020202009f0e8c75e0000000011703ac95e000000001a0255532001280132211a0131"
    "2207736f6d655f69642a13312e322e3834302e31303034352e342e332e323a1b0a10172fc480e598490c34177604"
    "339b1543100818fcdea10120013a1b0a102b63053ac483238de176169e861f3dcd1001188adea1012072");
const Bytes kExampleSig = test::hex(
    "0a710a211a01312207736f6d655f69642a13312e322e3834302e31303034352e342e332e3210011801224830460221"
    "009eb6e9d5ad6a688fa970b0e67c0886345eefdd1819592edd84604a1ccf4d0247022100906d7fcdf211c710f84a2a"
    "7917000573bef0ef27a4974129de2876ac6819f66a");
const Bytes kExampleDer = test::hex(
    "30460221009eb6e9d5ad6a688fa970b0e67c0886345eefdd1819592edd84604a1ccf4d0247022100906d7fcdf2"
    "11c710f84a2a7917000573bef0ef27a4974129de2876ac6819f66a");
constexpr char kExampleSpkiBase64[] =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEml59itec9qzwVojreLXdPNRsUWzfYHc1cKvIIi6/"
    "H56AJS/kZEYQnfDpxrgyGhdAm+pNN2GAJ3XdnQZ1Sk4amg==";

const SignatureInfo kExampleInfo{"1", "some_id", kEcdsaP256Sha256Oid};

TemporaryExposureKey make_key(std::string_view tek_hex, std::uint32_t rsin, std::uint32_t period,
                              std::int32_t trl) {
  TemporaryExposureKey key;
  key.key_data = Tek::from_span(test::hex(tek_hex)).value();
  key.rolling_start_interval_number = {rsin};
  key.rolling_period = period;
  key.transmission_risk_level = trl;
  return key;
}

ExportBatch example_batch() {
  ExportBatch batch;
  batch.start_timestamp = 1590159600;
  batch.end_timestamp = 1590246000;
  batch.region = "US";
  batch.batch_num = 1;
  batch.batch_size = 1;
  batch.signature_infos = {kExampleInfo};
  batch.keys = {make_key("172fc480e598490c34177604339b1543", 2649980, 1, 8),
                make_key("2b63053ac483238de176169e861f3dcd", 2649866, 114, 1)};
  return batch;
}

EcdsaP256PublicKey example_public_key() {
  auto der = base64_decode(kExampleSpkiBase64);
  REQUIRE(der);
  auto key = EcdsaP256PublicKey::from_spki_der(*der);
  REQUIRE(key);
  return *key;
}

std::vector<TrustedSigningKey> example_trust() { return {{"some_id", "1", example_public_key()}}; }

void check_same_info(const SignatureInfo& a, const SignatureInfo& b) {
  CHECK(a.verification_key_version == b.verification_key_version);
  CHECK(a.verification_key_id == b.verification_key_id);
  CHECK(a.signature_algorithm == b.signature_algorithm);
}

void check_same_key(const TemporaryExposureKey& a, const TemporaryExposureKey& b) {
  CHECK(to_hex(a.key_data.span()) == to_hex(b.key_data.span()));
  CHECK(a.rolling_start_interval_number == b.rolling_start_interval_number);
  CHECK(a.rolling_period == b.rolling_period);
  CHECK(a.transmission_risk_level == b.transmission_risk_level);
  CHECK(a.report_type == b.report_type);
  CHECK(a.days_since_onset_of_symptoms == b.days_since_onset_of_symptoms);
}

void check_same_batch(const ExportBatch& a, const ExportBatch& b) {
  CHECK(a.start_timestamp == b.start_timestamp);
  CHECK(a.end_timestamp == b.end_timestamp);
  CHECK(a.region == b.region);
  CHECK(a.batch_num == b.batch_num);
  CHECK(a.batch_size == b.batch_size);
  REQUIRE(a.signature_infos.size() == b.signature_infos.size());
  for (std::size_t i = 0; i < a.signature_infos.size(); ++i) {
    check_same_info(a.signature_infos[i], b.signature_infos[i]);
  }
  REQUIRE(a.keys.size() == b.keys.size());
  for (std::size_t i = 0; i < a.keys.size(); ++i) check_same_key(a.keys[i], b.keys[i]);
  REQUIRE(a.revised_keys.size() == b.revised_keys.size());
  for (std::size_t i = 0; i < a.revised_keys.size(); ++i) {
    check_same_key(a.revised_keys[i], b.revised_keys[i]);
  }
}

EcdsaP256PrivateKey generated_key() {
  auto key = EcdsaP256PrivateKey::generate();
  REQUIRE(key);
  return *key;
}

// A signer plus the matching trust entry, for tests that need a valid signature over bytes
// that encode_export_bin would refuse to write.
struct TestSigner {
  SignatureInfo info{"v1", "test", kEcdsaP256Sha256Oid};
  EcdsaP256PrivateKey key = generated_key();

  std::vector<TrustedSigningKey> trust() const {
    return {{info.verification_key_id, info.verification_key_version, key.public_key()}};
  }
  // A zip whose export.sig carries a valid signature over exactly these export.bin bytes.
  Bytes signed_zip(ByteSpan export_bin) const {
    auto der = key.sign(export_bin);
    REQUIRE(der);
    auto sig = encode_signature_list({{info, 1, 1, *der}});
    REQUIRE(sig);
    auto zip = make_export_zip(export_bin, *sig);
    REQUIRE(zip);
    return *zip;
  }
};

// export.bin with a hand-encoded TemporaryExposureKeyExport holding one key message.
Bytes export_bin_with_key(const Pb& key) {
  Pb message;
  message.fixed64(1, 1590159600).fixed64(2, 1590246000).bytes(3, "US").varint(4, 1).varint(5, 1);
  message.message(7, key);
  Bytes out(kExportBinHeader.begin(), kExportBinHeader.end());
  out.insert(out.end(), message.data.begin(), message.data.end());
  return out;
}

Pb valid_key_message() {
  Pb key;
  key.bytes(1, test::hex("172fc480e598490c34177604339b1543")).varint(2, 8).varint(3, 2649980);
  return key;
}

std::string error_of(const auto& result) {
  REQUIRE_FALSE(result);
  return result.error().message;
}

}  // namespace

TEST_CASE("export.bin of reference/gaen.md 3c is reproduced byte for byte", "[export_file]") {
  auto bin = encode_export_bin(example_batch());
  REQUIRE(bin);
  CHECK(bin->size() == 135);
  CHECK(to_hex(*bin) == to_hex(kExampleBin));
}

TEST_CASE("export.sig of reference/gaen.md 3c is reproduced byte for byte", "[export_file]") {
  auto sig = encode_signature_list({{kExampleInfo, 1, 1, kExampleDer}});
  REQUIRE(sig);
  CHECK(sig->size() == 115);
  CHECK(to_hex(*sig) == to_hex(kExampleSig));

  auto decoded = decode_signature_list(kExampleSig);
  REQUIRE(decoded);
  REQUIRE(decoded->size() == 1);
  check_same_info((*decoded)[0].info, kExampleInfo);
  CHECK((*decoded)[0].batch_num == 1);
  CHECK((*decoded)[0].batch_size == 1);
  CHECK((*decoded)[0].signature == kExampleDer);
}

TEST_CASE("export.bin of reference/gaen.md 3c decodes to its inputs", "[export_file]") {
  auto batch = decode_export_bin(kExampleBin);
  REQUIRE(batch);
  check_same_batch(*batch, example_batch());
}

TEST_CASE("the example signature verifies through the read path", "[export_file]") {
  auto zip = make_export_zip(kExampleBin, kExampleSig);
  REQUIRE(zip);
  auto verified = read_export_zip(*zip, example_trust());
  REQUIRE(verified);
  check_same_batch(verified->batch, example_batch());
  check_same_info(verified->signed_by, kExampleInfo);
  CHECK(verified->zip_sha256 == sha256(*zip));
}

TEST_CASE("a zip written by another tool (Python zipfile) reads and verifies", "[export_file]") {
  const Bytes zip = test::read_test_file("export/srv_example.zip");
  auto verified = read_export_zip(zip, example_trust());
  REQUIRE(verified);
  check_same_batch(verified->batch, example_batch());

  auto unverified = read_export_zip_unverified(zip);
  REQUIRE(unverified);
  CHECK(unverified->export_bin == kExampleBin);
  REQUIRE(unverified->signatures.size() == 1);
  check_same_info(unverified->signatures[0].first, kExampleInfo);
  CHECK(unverified->signatures[0].second == kExampleDer);
}

TEST_CASE("a zip with data descriptors (as Go's archive/zip writes) reads and verifies",
          "[export_file]") {
  const Bytes zip = test::read_test_file("export/srv_example_streamed.zip");
  REQUIRE(zip.at(6) == 0x08);  // general purpose flag: data descriptor
  auto verified = read_export_zip(zip, example_trust());
  REQUIRE(verified);
  check_same_batch(verified->batch, example_batch());
}

TEST_CASE("the zip holds export.bin then export.sig, deflated, and is deterministic",
          "[export_file]") {
  auto a = make_export_zip(kExampleBin, kExampleSig);
  auto b = make_export_zip(kExampleBin, kExampleSig);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
  const auto entries = test::zip_central_entries(*a);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].name == "export.bin");
  CHECK(entries[0].method == 8);
  CHECK(entries[1].name == "export.sig");
  CHECK(entries[1].method == 8);
}

TEST_CASE("round trip with a generated key keeps every field", "[export_file]") {
  SeededRandom random(42);
  auto random_key = [&](std::uint32_t rsin, std::uint32_t period, std::int32_t trl, ReportType type,
                        std::optional<std::int32_t> dsos) {
    TemporaryExposureKey key;
    key.key_data = Tek(random.bytes<16>());
    key.rolling_start_interval_number = {rsin};
    key.rolling_period = period;
    key.transmission_risk_level = trl;
    key.report_type = type;
    key.days_since_onset_of_symptoms = dsos;
    return key;
  };
  ExportBatch batch;
  batch.start_timestamp = 1700000000;
  batch.end_timestamp = 1700003600;
  batch.region = "CH";
  batch.batch_num = 2;
  batch.batch_size = 3;
  batch.keys = {random_key(2833200, 144, 0, ReportType::kConfirmedTest, -14),
                random_key(2833344, 1, 8, ReportType::kConfirmedClinicalDiagnosis, -1),
                random_key(0, 144, 3, ReportType::kUnknown, std::nullopt),
                random_key(2833488, 72, 5, ReportType::kSelfReport, 0),
                random_key(2833632, 143, 2, ReportType::kRecursive, 14)};
  batch.revised_keys = {random_key(2833200, 144, 1, ReportType::kRevoked, -7),
                        random_key(2833344, 100, 6, ReportType::kConfirmedTest, std::nullopt)};
  TestSigner signer;
  batch.signature_infos = {signer.info};

  auto zip = write_export_zip(batch, {{signer.info, signer.key}});
  REQUIRE(zip);
  auto verified = read_export_zip(*zip, signer.trust());
  REQUIRE(verified);
  check_same_batch(verified->batch, batch);
  check_same_info(verified->signed_by, signer.info);

  auto unverified = read_export_zip_unverified(*zip);
  REQUIRE(unverified);
  check_same_batch(unverified->batch, batch);
  auto bin = encode_export_bin(batch);
  REQUIRE(bin);
  CHECK(unverified->export_bin == *bin);
  REQUIRE(unverified->signatures.size() == 1);
  CHECK(signer.key.public_key().verify(*bin, unverified->signatures[0].second));
}

TEST_CASE("write_export_zip fills empty signature_infos from the signers", "[export_file]") {
  TestSigner signer;
  ExportBatch batch = example_batch();
  batch.signature_infos.clear();
  auto zip = write_export_zip(batch, {{signer.info, signer.key}});
  REQUIRE(zip);
  auto verified = read_export_zip(*zip, signer.trust());
  REQUIRE(verified);
  REQUIRE(verified->batch.signature_infos.size() == 1);
  check_same_info(verified->batch.signature_infos[0], signer.info);
}

TEST_CASE("two signers: either trusted key is enough", "[export_file]") {
  TestSigner first;
  TestSigner second;
  second.info = {"v2", "other", kEcdsaP256Sha256Oid};
  ExportBatch batch = example_batch();
  batch.signature_infos = {first.info, second.info};
  auto zip = write_export_zip(batch, {{first.info, first.key}, {second.info, second.key}});
  REQUIRE(zip);
  auto unverified = read_export_zip_unverified(*zip);
  REQUIRE(unverified);
  CHECK(unverified->signatures.size() == 2);

  auto verified = read_export_zip(*zip, second.trust());
  REQUIRE(verified);
  check_same_info(verified->signed_by, second.info);
}

TEST_CASE("write_export_zip refuses bad inputs", "[export_file]") {
  TestSigner signer;
  ExportBatch batch = example_batch();
  CHECK(error_of(write_export_zip(batch, {})) == "an export needs at least one signer, got none");
  // example_batch lists ("1", "some_id"), not the test signer.
  CHECK(error_of(write_export_zip(batch, {{signer.info, signer.key}}))
            .starts_with("batch.signature_infos must list the 1 signers in order"));
  batch.signature_infos.clear();
  SignatureInfo sha512 = signer.info;
  sha512.signature_algorithm = "1.2.840.10045.4.3.4";
  CHECK(error_of(write_export_zip(batch, {{sha512, signer.key}})) ==
        "signature_algorithm must be 1.2.840.10045.4.3.2, got \"1.2.840.10045.4.3.4\"");
}

TEST_CASE("encode_export_bin rejects out-of-range keys, naming the field", "[export_file]") {
  struct Case {
    const char* name;
    void (*mutate)(TemporaryExposureKey&);
    const char* message;  // after "keys[1]" / "revised_keys[0]"
  };
  const Case c = GENERATE(
      Case{"rolling_period 0", [](TemporaryExposureKey& k) { k.rolling_period = 0; },
           ".rolling_period must be 1..144, got 0"},
      Case{"rolling_period 145", [](TemporaryExposureKey& k) { k.rolling_period = 145; },
           ".rolling_period must be 1..144, got 145"},
      Case{"trl 9", [](TemporaryExposureKey& k) { k.transmission_risk_level = 9; },
           ".transmission_risk_level must be 0..8, got 9"},
      Case{"trl -1", [](TemporaryExposureKey& k) { k.transmission_risk_level = -1; },
           ".transmission_risk_level must be 0..8, got -1"},
      Case{"report_type 6",
           [](TemporaryExposureKey& k) { k.report_type = static_cast<ReportType>(6); },
           ".report_type must be 0..5, got 6"},
      Case{"dsos -15", [](TemporaryExposureKey& k) { k.days_since_onset_of_symptoms = -15; },
           ".days_since_onset_of_symptoms must be -14..14, got -15"},
      Case{"rsin 2^31",
           [](TemporaryExposureKey& k) { k.rolling_start_interval_number = {0x80000000u}; },
           ".rolling_start_interval_number must be 0..2147483647, got 2147483648"});
  CAPTURE(c.name);
  ExportBatch batch = example_batch();
  c.mutate(batch.keys[1]);
  CHECK(error_of(encode_export_bin(batch)) == "keys[1]" + std::string(c.message));
  batch.revised_keys = {batch.keys[1]};
  batch.keys.pop_back();
  CHECK(error_of(encode_export_bin(batch)) == "revised_keys[0]" + std::string(c.message));
}

TEST_CASE("read rejects keys that break the format, naming what arrived", "[export_file]") {
  struct Case {
    const char* name;
    Pb key;
    const char* message;
  };
  const Bytes key15 = test::hex("172fc480e598490c34177604339b15");
  const Bytes key17 = test::hex("172fc480e598490c34177604339b154300");
  const Case c = GENERATE_COPY(
      Case{"key_data 15 bytes", Pb().bytes(1, key15).varint(2, 8).varint(3, 2649980),
           "keys[0].key_data must be 16 bytes, got 15"},
      Case{"key_data 17 bytes", Pb().bytes(1, key17).varint(3, 2649980),
           "keys[0].key_data must be 16 bytes, got 17"},
      Case{"key_data missing", Pb().varint(2, 8).varint(3, 2649980),
           "keys[0].key_data must be 16 bytes, got 0"},
      Case{"rolling_period 0", valid_key_message().varint(4, 0),
           "keys[0].rolling_period must be 1..144, got 0"},
      Case{"rolling_period 145", valid_key_message().varint(4, 145),
           "keys[0].rolling_period must be 1..144, got 145"},
      Case{"rolling_period -1", valid_key_message().varint(4, static_cast<std::uint64_t>(-1)),
           "keys[0].rolling_period must be 1..144, got -1"},
      Case{"report_type 9", valid_key_message().varint(5, 9),
           "keys[0].report_type must be 0..5, got 9"},
      Case{"dsos 15", valid_key_message().sint32(6, 15),
           "keys[0].days_since_onset_of_symptoms must be -14..14, got 15"},
      Case{"dsos -15", valid_key_message().sint32(6, -15),
           "keys[0].days_since_onset_of_symptoms must be -14..14, got -15"},
      Case{"negative rsin",
           Pb().bytes(1, test::hex("172fc480e598490c34177604339b1543"))
               .varint(3, static_cast<std::uint64_t>(-5)),
           "keys[0].rolling_start_interval_number must be 0..2147483647, got -5"},
      Case{"rolling_period as bytes", valid_key_message().bytes(4, "x"),
           "keys[0]: field 4 has the wrong protobuf wire type"});
  CAPTURE(c.name);
  const Bytes bin = export_bin_with_key(c.key);
  TestSigner signer;
  CHECK(error_of(read_export_zip(signer.signed_zip(bin), signer.trust())) == c.message);
  CHECK(error_of(read_export_zip_unverified(signer.signed_zip(bin))) == c.message);
  CHECK(error_of(decode_export_bin(bin)) == c.message);
}

TEST_CASE("read accepts hand-encoded keys at the edges of the ranges", "[export_file]") {
  Pb key = valid_key_message();
  key.varint(4, 1).varint(5, 5).sint32(6, -14);
  TestSigner signer;
  auto verified = read_export_zip(signer.signed_zip(export_bin_with_key(key)), signer.trust());
  REQUIRE(verified);
  REQUIRE(verified->batch.keys.size() == 1);
  const auto& k = verified->batch.keys[0];
  CHECK(k.rolling_period == 1);
  CHECK(k.report_type == ReportType::kRevoked);
  CHECK(k.days_since_onset_of_symptoms == -14);
  CHECK(k.transmission_risk_level == 8);
  CHECK(k.rolling_start_interval_number.value == 2649980);
}

TEST_CASE("read rejects a wrong export.bin header", "[export_file]") {
  TestSigner signer;
  Bytes bin = kExampleBin;
  bin[11] = '2';  // "EK Export v2"
  CHECK(error_of(read_export_zip(signer.signed_zip(bin), signer.trust())) ==
        "export.bin must start with the 16-byte header \"EK Export v1    \", got hex "
        "454b204578706f727420763220202020");
  CHECK(error_of(read_export_zip_unverified(signer.signed_zip(bin)))
            .starts_with("export.bin must start with the 16-byte header"));

  const Bytes short_bin = test::hex("454b20457870");
  CHECK(error_of(read_export_zip(signer.signed_zip(short_bin), signer.trust())) ==
        "export.bin must start with the 16-byte header \"EK Export v1    \", got hex "
        "454b20457870");
}

TEST_CASE("read rejects a protobuf that does not parse after a valid signature", "[export_file]") {
  TestSigner signer;
  Bytes bin(kExportBinHeader.begin(), kExportBinHeader.end());
  bin.push_back(0x3a);  // keys, length-delimited
  bin.push_back(0x50);  // length 80, but nothing follows
  CHECK(error_of(read_export_zip(signer.signed_zip(bin), signer.trust())) ==
        "export.bin must hold a TemporaryExposureKeyExport protobuf after the header");
}

TEST_CASE("read rejects extra, missing and duplicate zip entries", "[export_file]") {
  using test::StoredEntry;
  const auto zip = [](std::vector<StoredEntry> entries) { return test::stored_zip(entries); };
  const StoredEntry bin{"export.bin", kExampleBin};
  const StoredEntry sig{"export.sig", kExampleSig};

  // The hand-made stored zip itself is accepted (so the rejections below are about entries).
  REQUIRE(read_export_zip(zip({bin, sig}), example_trust()));
  REQUIRE(read_export_zip(zip({sig, bin}), example_trust()));

  CHECK(error_of(
            read_export_zip(zip({bin, sig, {"readme.txt", Bytes{'h', 'i'}}}), example_trust())) ==
        "zip must hold only export.bin and export.sig, found \"readme.txt\"");
  CHECK(error_of(read_export_zip_unverified(zip({{"dir/export.bin", kExampleBin}, sig}))) ==
        "zip must hold only export.bin and export.sig, found \"dir/export.bin\"");
  CHECK(error_of(read_export_zip(zip({bin}), example_trust())) ==
        "zip must hold export.sig, it is missing");
  CHECK(error_of(read_export_zip(zip({sig}), example_trust())) ==
        "zip must hold export.bin, it is missing");
  CHECK(error_of(read_export_zip(zip({}), example_trust())) ==
        "zip must hold export.bin, it is missing");
  CHECK(error_of(read_export_zip(zip({bin, sig, bin}), example_trust())).find("once") !=
        std::string::npos);
  CHECK(error_of(read_export_zip_unverified(zip({bin, sig, sig}))).find("once") !=
        std::string::npos);
}

TEST_CASE("read rejects an unknown or wrong signing key with the generic error", "[export_file]") {
  auto zip = make_export_zip(kExampleBin, kExampleSig);
  REQUIRE(zip);
  TestSigner other;
  struct Case {
    const char* name;
    std::vector<TrustedSigningKey> trusted;
  };
  const Case c = GENERATE_COPY(
      Case{"no trusted keys", {}},
      Case{"right key, unknown id", {{"other_id", "1", example_public_key()}}},
      Case{"right key, unknown version", {{"some_id", "2", example_public_key()}}},
      Case{"matching id and version, wrong key", {{"some_id", "1", other.key.public_key()}}});
  CAPTURE(c.name);
  auto result = read_export_zip(*zip, c.trusted);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kAuthentication);
  CHECK(result.error().message == "authentication failed");
}

TEST_CASE("read rejects a tampered export.bin, export.sig or algorithm", "[export_file]") {
  SECTION("every byte of export.bin after the header is covered") {
    for (std::size_t i = kExportBinHeader.size(); i < kExampleBin.size(); ++i) {
      CAPTURE(i);
      Bytes bin = kExampleBin;
      bin[i] ^= 0x01;
      auto zip = make_export_zip(bin, kExampleSig);
      REQUIRE(zip);
      auto result = read_export_zip(*zip, example_trust());
      REQUIRE_FALSE(result);
      CHECK(result.error().code == ErrorCode::kAuthentication);
    }
  }
  SECTION("signature bytes") {
    Bytes der = kExampleDer;
    der[40] ^= 0x80;
    auto sig = encode_signature_list({{kExampleInfo, 1, 1, der}});
    REQUIRE(sig);
    auto zip = make_export_zip(kExampleBin, *sig);
    REQUIRE(zip);
    CHECK(error_of(read_export_zip(*zip, example_trust())) == "authentication failed");
  }
  SECTION("an algorithm other than ECDSA P-256 / SHA-256 is not accepted") {
    SignatureInfo info = kExampleInfo;
    info.signature_algorithm = "1.2.840.10045.4.3.4";
    auto sig = encode_signature_list({{info, 1, 1, kExampleDer}});
    REQUIRE(sig);
    auto zip = make_export_zip(kExampleBin, *sig);
    REQUIRE(zip);
    CHECK(error_of(read_export_zip(*zip, example_trust())) == "authentication failed");
  }
  SECTION("an export.sig that is not a TEKSignatureList") {
    auto zip = make_export_zip(kExampleBin, test::hex("0aff"));
    REQUIRE(zip);
    CHECK(error_of(read_export_zip(*zip, example_trust())) ==
          "export.sig must hold a TEKSignatureList protobuf");
  }
}

TEST_CASE("read applies the size caps", "[export_file]") {
  auto zip = make_export_zip(kExampleBin, kExampleSig);
  REQUIRE(zip);
  ExportReadLimits limits;
  SECTION("whole zip") {
    limits.max_zip_bytes = zip->size() - 1;
    auto result = read_export_zip(*zip, example_trust(), limits);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::kResourceExhausted);
    CHECK(result.error().message == "zip must be at most " + std::to_string(zip->size() - 1) +
                                        " bytes, got " + std::to_string(zip->size()));
  }
  SECTION("export.bin") {
    limits.max_export_bin_bytes = 134;
    auto result = read_export_zip_unverified(*zip, limits);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::kResourceExhausted);
    CHECK(result.error().message ==
          "export.bin must be at most 134 bytes, its zip header says 135");
    limits.max_export_bin_bytes = 135;
    CHECK(read_export_zip(*zip, example_trust(), limits));
  }
  SECTION("export.sig") {
    limits.max_export_sig_bytes = 114;
    auto result = read_export_zip(*zip, example_trust(), limits);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::kResourceExhausted);
    CHECK(result.error().message ==
          "export.sig must be at most 114 bytes, its zip header says 115");
  }
}

namespace {
// 100 MB of zeros deflates to about 100 KB. Built once: deflating takes a moment.
const Bytes& zip_bomb() {
  static const Bytes bomb = [] {
    const Bytes zeros(100u << 20, 0);
    auto zip = make_export_zip(zeros, kExampleSig);
    REQUIRE(zip);
    return *zip;
  }();
  return bomb;
}
}  // namespace

TEST_CASE("a zip bomb is rejected by the caps", "[export_file]") {
  Bytes bomb = zip_bomb();
  CHECK(bomb.size() < (1u << 20));
  ExportReadLimits limits;
  limits.max_export_bin_bytes = 1u << 20;

  SECTION("honest header: refused before inflating") {
    auto result = read_export_zip(bomb, example_trust(), limits);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::kResourceExhausted);
    CHECK(result.error().message ==
          "export.bin must be at most 1048576 bytes, its zip header says 104857600");
  }
  SECTION("lying header (claims 1000 bytes): refused once the cap is crossed") {
    REQUIRE(test::patch_uncompressed_size(bomb, "export.bin", 1000) == 2);
    auto result = read_export_zip_unverified(bomb, limits);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::kResourceExhausted);
    CHECK(result.error().message ==
          "export.bin must be at most 1048576 bytes, it inflates to more");
  }
}

TEST_CASE("read rejects truncated zips and garbage without crashing", "[export_file]") {
  auto zip = make_export_zip(kExampleBin, kExampleSig);
  REQUIRE(zip);
  for (std::size_t n = 0; n < zip->size(); ++n) {
    CAPTURE(n);
    const ByteSpan truncated(zip->data(), n);
    CHECK_FALSE(read_export_zip(truncated, example_trust()));
    CHECK_FALSE(read_export_zip_unverified(truncated));
  }
  SeededRandom random(7);
  for (std::size_t size : {1u, 22u, 100u, 4096u}) {
    Bytes garbage(size);
    random.fill(garbage);
    CAPTURE(size);
    auto result = read_export_zip_unverified(garbage);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::kInvalidArgument);
  }
  const Bytes text{'n', 'o', 't', ' ', 'a', ' ', 'z', 'i', 'p'};
  CHECK(error_of(read_export_zip(text, example_trust())).starts_with("not a valid zip archive"));
}

TEST_CASE("sort_keys_by_key_data orders keys by their bytes", "[export_file]") {
  std::vector<TemporaryExposureKey> keys = {
      make_key("ff000000000000000000000000000000", 1, 144, 0),
      make_key("00000000000000000000000000000001", 2, 144, 0),
      make_key("0000000000000000000000000000000f", 3, 144, 0),
      make_key("00000000000000000000000000000000", 4, 144, 0)};
  sort_keys_by_key_data(keys);
  std::vector<std::uint32_t> order;
  for (const auto& k : keys) order.push_back(k.rolling_start_interval_number.value);
  CHECK(order == std::vector<std::uint32_t>{4, 2, 3, 1});
}

}  // namespace greenlight::wire
