// libFuzzer target for upload certificates (server/include/greenlight/server/certificate.h):
// compact ES256 JWTs whose header and claims are JSON. Input byte 0 chooses the path:
//   even: the rest is a token, verified as the server does (signature before claims);
//   odd:  the rest is "HEADER_JSON\0CLAIMS_JSON"; the harness signs it with the test key
//         (tests/data/cli/test_signing_key.pem, public in the tree) so that mutations reach the
//         header and claims parsing behind the signature check.
// Seeds: tests/data/fuzz/certificate.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/server/certificate.h"

namespace {

constexpr char kTestKeyPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgv6/To+r40RuldhoT\n"
    "2yURGJ9wxpsWKo94knGyz0Ev95yhRANCAAT40MtMMymufhJR+r7CcN3P/8yOiWGD\n"
    "TZoFAXqPJRATNZhl1hIVWbTbhpPgyMmKumDdk5CZUVzgkepAePhHoS/b\n"
    "-----END PRIVATE KEY-----\n";

struct Keys {
  std::optional<greenlight::EcdsaP256PrivateKey> private_key;
  std::vector<greenlight::server::TrustedAuthorityKey> trusted;
};

const Keys& keys() {
  static const Keys* k = [] {
    auto* out = new Keys;  // lives for the whole fuzzing process
    auto key = greenlight::EcdsaP256PrivateKey::from_pem(kTestKeyPem);
    if (!key) return out;
    out->trusted.push_back({"fuzz-kid", key->public_key()});
    out->private_key = std::move(*key);
    return out;
  }();
  return *k;
}

greenlight::server::CertificateExpectations expectations() {
  greenlight::server::CertificateExpectations expect;
  expect.issuer = "greenlight-ha";
  expect.audience = "greenlight-keys";
  expect.now = 1700000000;
  return expect;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Keys& k = keys();
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token;
  if ((data[0] & 1) == 0) {
    token = std::string(rest);
  } else {
    if (!k.private_key) return 0;
    const std::size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) return 0;
    token = greenlight::base64url_encode(greenlight::as_bytes(rest.substr(0, nul))) + "." +
            greenlight::base64url_encode(greenlight::as_bytes(rest.substr(nul + 1)));
    auto signature = k.private_key->sign_raw(greenlight::as_bytes(token));
    if (!signature) return 0;
    token += "." + greenlight::base64url_encode(*signature);
  }
  auto claims = greenlight::server::verify_certificate(token, k.trusted, expectations());
  if (claims) {
    // Whatever verifies satisfies the documented claim checks.
    const auto expect = expectations();
    if (claims->issuer != expect.issuer || claims->audience != expect.audience ||
        claims->expires_at <= expect.now || claims->id.size() < 22 || claims->id.size() > 64) {
      __builtin_trap();
    }
  }
  return 0;
}
