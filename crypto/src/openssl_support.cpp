#include "internal/openssl_support.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>

namespace greenlight::internal {
namespace {

std::string drain_error_queue() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text;
}

template <typename T>
T* require_fetched(T* algorithm, const char* name) {
  if (algorithm == nullptr) {
    std::fprintf(stderr, "greenlight: OpenSSL has no %s: %s\n", name, drain_error_queue().c_str());
    std::abort();
  }
  return algorithm;
}

}  // namespace

// The fetched objects live until process exit on purpose: they are shared by every thread
// and freeing them during static destruction could race with OpenSSL's own cleanup.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = require_fetched(EVP_MD_fetch(nullptr, "SHA256", nullptr), "SHA256");
  return md;
}

const EVP_CIPHER* aes_128_ecb() {
  static EVP_CIPHER* const c =
      require_fetched(EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr), "AES-128-ECB");
  return c;
}

const EVP_CIPHER* aes_128_ctr() {
  static EVP_CIPHER* const c =
      require_fetched(EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr), "AES-128-CTR");
  return c;
}

const EVP_CIPHER* aes_256_ctr() {
  static EVP_CIPHER* const c =
      require_fetched(EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr), "AES-256-CTR");
  return c;
}

const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* const c =
      require_fetched(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr), "AES-256-GCM");
  return c;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* const m = require_fetched(EVP_MAC_fetch(nullptr, "HMAC", nullptr), "HMAC");
  return m;
}

EVP_KDF* hkdf_kdf() {
  static EVP_KDF* const k = require_fetched(EVP_KDF_fetch(nullptr, "HKDF", nullptr), "HKDF");
  return k;
}

MacCtxPtr new_hmac_sha256_ctx() {
  MacCtxPtr ctx(EVP_MAC_CTX_new(hmac_mac()));
  if (!ctx) fatal_openssl("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) fatal_openssl("HMAC digest parameter");
  return ctx;
}

void fatal_openssl(std::string_view what) {
  std::fprintf(stderr, "greenlight: fatal OpenSSL failure in %.*s: %s\n",
               static_cast<int>(what.size()), what.data(), drain_error_queue().c_str());
  std::abort();
}

std::unexpected<Error> openssl_error(std::string_view what) {
  std::string message(what);
  const std::string queue = drain_error_queue();
  if (!queue.empty()) message += ": " + queue;
  return make_error(ErrorCode::kInternal, std::move(message));
}

void clear_openssl_errors() noexcept { ERR_clear_error(); }

std::string read_bio(BIO* bio) {
  std::string out;
  char buf[1024];
  for (;;) {
    const int n = BIO_read(bio, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace greenlight::internal
