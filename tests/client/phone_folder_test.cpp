#include "greenlight/client/phone_folder.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "client_test_support.h"
#include "greenlight/crypto/signed_note.h"

namespace greenlight::client {
namespace {

using test::kDay0;
using test::kHour;

}  // namespace

TEST_CASE("a phone folder is created once and opened with its pinned trust", "[phone_folder]") {
  test::TempDir tmp;
  const auto dir = tmp.path() / "phone";
  SeededRandom random(7);
  ManualClock clock(kDay0 + 10 * kHour);

  auto missing = PhoneFolder::open(dir, clock, random);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);

  REQUIRE(PhoneFolder::init(dir, random));
  auto again = PhoneFolder::init(dir, random);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kAlreadyExists);
  CHECK((std::filesystem::status(dir / "checkin.key").permissions() &
         std::filesystem::perms::group_read) == std::filesystem::perms::none);

  const test::TestSigner signer = test::make_signer();
  const std::string pem = signer.private_key.public_key().to_pem();
  {
    auto phone = PhoneFolder::open(dir, clock, random);
    REQUIRE(phone);
    CHECK((*phone)->client().config().trusted_keys.empty());
    // A bad key changes nothing.
    auto bad = (*phone)->pin_export_key({"310", "v1", "not a pem"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::kInvalidArgument);
    CHECK((*phone)->trust().export_keys.empty());
    REQUIRE((*phone)->pin_export_key({"310", "v1", pem}));
    REQUIRE((*phone)->pin_export_key({"310", "v1", pem}));  // replaces, no duplicate
    CHECK((*phone)->client().config().trusted_keys.size() == 1);
  }
  auto signer_note = NoteSigner::generate("greenlight.test/log");
  REQUIRE(signer_note);
  const std::string vkey = signer_note->verifier().vkey();
  {
    auto phone = PhoneFolder::open(dir, clock, random);
    REQUIRE(phone);
    REQUIRE((*phone)->trust().export_keys.size() == 1);
    CHECK((*phone)->trust().export_keys[0].public_key_pem == pem);
    REQUIRE((*phone)->client().config().trusted_keys.size() == 1);
    CHECK((*phone)->client().config().trusted_keys[0].verification_key_id == "310");
    CHECK((*phone)->client().log_monitor() == nullptr);
    CHECK_FALSE((*phone)->pin_log({"", "not+a+key"}));
    REQUIRE((*phone)->pin_log({"", vkey}));
    CHECK((*phone)->client().log_monitor() != nullptr);
    REQUIRE((*phone)->pin_log({"", vkey}));  // the same log again is fine
    auto other = NoteSigner::generate("other.test/log");
    REQUIRE(other);
    auto replaced = (*phone)->pin_log({"", other->verifier().vkey()});
    REQUIRE_FALSE(replaced);
    CHECK(replaced.error().code == ErrorCode::kFailedPrecondition);
  }
  auto phone = PhoneFolder::open(dir, clock, random);
  REQUIRE(phone);
  REQUIRE((*phone)->trust().log);
  CHECK((*phone)->trust().log->origin == "greenlight.test/log");
  CHECK((*phone)->client().log_monitor() != nullptr);
  // The folder's phone works: GREEN with nothing heard, and an advertisement.
  auto colour = (*phone)->colour();
  REQUIRE(colour);
  CHECK(colour->colour == Colour::kGreen);
  CHECK((*phone)->client().advertisement());
}

TEST_CASE("trust.json round-trips and rejects malformed content", "[phone_folder]") {
  PhoneTrust trust;
  trust.export_keys.push_back({"a", "v1", "PEM"});
  trust.log = PinnedLog{"origin", "vkey"};
  auto back = phone_trust_from_json(phone_trust_to_json(trust));
  REQUIRE(back);
  REQUIRE(back->export_keys.size() == 1);
  CHECK(back->export_keys[0].key_id == "a");
  REQUIRE(back->log);
  CHECK(back->log->verifier_key == "vkey");
  CHECK_FALSE(phone_trust_from_json("[]"));
  CHECK_FALSE(phone_trust_from_json(R"({"export_keys": [{"key_id": 1}]})"));
  CHECK_FALSE(phone_trust_from_json(R"({"export_keys": [], "log": 3})"));
}

}  // namespace greenlight::client
