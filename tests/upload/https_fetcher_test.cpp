// The built-in client over https:// (client/http_fetcher.h): a loopback TLS server with a
// throwaway self-signed certificate, trusted through a pinned CA file; anything else fails.
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/uploader.h"
#include "greenlight/crypto/ecdsa.h"
#include "upload_test_support.h"

namespace greenlight::upload_test {
namespace {

namespace fs = std::filesystem;
using server::testing::TempDir;

// A self-signed CA certificate for 127.0.0.1 (IP SAN), made with OpenSSL.
void make_self_signed(const fs::path& cert_path, const fs::path& key_path) {
  auto key = EcdsaP256PrivateKey::generate();
  REQUIRE(key);
  const std::string pem = key->to_pem();
  std::ofstream(key_path, std::ios::binary) << pem;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  REQUIRE(pkey != nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
  X509_set_version(x509.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x509.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x509.get()), 3600);
  X509_set_pubkey(x509.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x509.get(), name);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x509.get(), x509.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(x509.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(x509.get(), pkey.get(), EVP_sha256()) > 0);
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(cert_path.c_str(), "wb"), std::fclose);
  REQUIRE(f != nullptr);
  PEM_write_X509(f.get(), x509.get());
}

TEST_CASE("https: the built-in client trusts a pinned CA and nothing else", "[upload][tls]") {
  TempDir certs;
  make_self_signed(certs.path() / "cert.pem", certs.path() / "key.pem");
  server::testing::TestServer ts({.adjust = [&](server::ServerOptions& o) {
    o.http.tls = server::TlsOptions{certs.path() / "cert.pem", certs.path() / "key.pem"};
  }});
  const std::string https = "https://127.0.0.1:" + std::to_string(ts.port());

  client::BeastHttpFetcher pinned({.ca_file = (certs.path() / "cert.pem").string()});
  auto health = pinned.get(https + "/healthz");
  INFO((health ? std::string() : health.error().message));
  REQUIRE(health);
  CHECK(as_string_view(*health).starts_with("ok"));
  auto missing = pinned.get(https + "/v1/exports/nothing.zip");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);

  // POST with a body and a status other than 200 is a response, not an error.
  client::TransportRequest post{client::HttpMethod::kPost,
                                https + "/v1/verify",
                                {{"Content-Type", "application/json"}},
                                R"({"code":"12345678901234567890"})"};
  auto refused = pinned.send(post);
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(refused->body.size() % 1024 == 0);

  SECTION("the system trust store does not know a self-signed certificate") {
    client::BeastHttpFetcher system;
    auto r = system.get(https + "/healthz");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("TLS handshake failed"));
  }
  SECTION("another CA is refused") {
    TempDir other;
    make_self_signed(other.path() / "cert.pem", other.path() / "key.pem");
    client::BeastHttpFetcher wrong({.ca_file = (other.path() / "cert.pem").string()});
    CHECK_FALSE(wrong.get(https + "/healthz"));
  }
  SECTION("a missing CA file is an error, never an unverified connection") {
    client::BeastHttpFetcher missing_ca({.ca_file = (certs.path() / "nope.pem").string()});
    auto r = missing_ca.get(https + "/healthz");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("CA certificates"));
  }
  SECTION("plain http to the TLS port gets no answer") {
    client::BeastHttpFetcherOptions quick;
    quick.timeout = std::chrono::milliseconds(5000);
    client::BeastHttpFetcher plain(quick);
    auto r = plain.get("http://127.0.0.1:" + std::to_string(ts.port()) + "/healthz");
    CHECK((!r || as_string_view(*r) != "ok"));
  }
  SECTION("other schemes are refused") {
    client::BeastHttpFetcher f;
    auto r = f.get("ftp://127.0.0.1/x");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace greenlight::upload_test
