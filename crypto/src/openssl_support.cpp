#include "internal/openssl_support.h"

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include <cstdio>
#include <cstdlib>
#include <string>

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

namespace {

// The provider functions behind aes_128_ecb(), resolved once per process; all null when
// the provider does not list them (then AesEcbRekeyed uses EVP).
struct EcbDispatch {
  void* provctx = nullptr;
  OSSL_FUNC_cipher_newctx_fn* newctx = nullptr;
  OSSL_FUNC_cipher_freectx_fn* freectx = nullptr;
  OSSL_FUNC_cipher_encrypt_init_fn* encrypt_init = nullptr;
  OSSL_FUNC_cipher_cipher_fn* cipher = nullptr;
  bool usable() const {
    return newctx != nullptr && freectx != nullptr && encrypt_init != nullptr && cipher != nullptr;
  }
};

bool names_aes_128_ecb(const char* names) {
  // algorithm_names is a colon-separated list of the algorithm's names.
  const std::string_view all(names);
  std::size_t at = 0;
  while (at <= all.size()) {
    const std::size_t end = std::min(all.find(':', at), all.size());
    const std::string_view name = all.substr(at, end - at);
    if (name.size() == 11 && OPENSSL_strncasecmp(name.data(), "AES-128-ECB", 11) == 0) {
      return true;
    }
    at = end + 1;
  }
  return false;
}

EcbDispatch resolve_ecb_dispatch() {
  EcbDispatch d;
  const OSSL_PROVIDER* prov = EVP_CIPHER_get0_provider(aes_128_ecb());
  if (prov == nullptr) return d;
  int no_cache = 0;
  // The query takes a non-const provider; it does not change it.
  auto* provider = const_cast<OSSL_PROVIDER*>(prov);
  const OSSL_ALGORITHM* algorithms =
      OSSL_PROVIDER_query_operation(provider, OSSL_OP_CIPHER, &no_cache);
  for (const OSSL_ALGORITHM* a = algorithms; a != nullptr && a->algorithm_names != nullptr; ++a) {
    if (!names_aes_128_ecb(a->algorithm_names)) continue;
    for (const OSSL_DISPATCH* f = a->implementation; f->function_id != 0; ++f) {
      switch (f->function_id) {
        case OSSL_FUNC_CIPHER_NEWCTX:
          d.newctx = OSSL_FUNC_cipher_newctx(f);
          break;
        case OSSL_FUNC_CIPHER_FREECTX:
          d.freectx = OSSL_FUNC_cipher_freectx(f);
          break;
        case OSSL_FUNC_CIPHER_ENCRYPT_INIT:
          d.encrypt_init = OSSL_FUNC_cipher_encrypt_init(f);
          break;
        case OSSL_FUNC_CIPHER_CIPHER:
          d.cipher = OSSL_FUNC_cipher_cipher(f);
          break;
        default:
          break;
      }
    }
    break;
  }
  if (algorithms != nullptr) OSSL_PROVIDER_unquery_operation(provider, OSSL_OP_CIPHER, algorithms);
  d.provctx = OSSL_PROVIDER_get0_provider_ctx(prov);
  if (!d.usable()) d = EcbDispatch{};
  return d;
}

// The fetched aes_128_ecb() keeps its provider loaded for the process, and with it these
// functions.
const EcbDispatch& ecb_dispatch() {
  static const EcbDispatch d = resolve_ecb_dispatch();
  return d;
}

}  // namespace

AesEcbRekeyed::AesEcbRekeyed() {
  const EcbDispatch& d = ecb_dispatch();
  if (d.usable()) algctx_ = d.newctx(d.provctx);
  if (algctx_ != nullptr) return;
  evp_.reset(EVP_CIPHER_CTX_new());
  if (!evp_ || EVP_EncryptInit_ex2(evp_.get(), aes_128_ecb(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(evp_.get(), 0) != 1) {
    fatal_openssl("AES-128-ECB init");
  }
}

AesEcbRekeyed::~AesEcbRekeyed() {
  if (algctx_ != nullptr) ecb_dispatch().freectx(algctx_);
}

void AesEcbRekeyed::encrypt(const std::uint8_t* key, const std::uint8_t* in, std::uint8_t* out,
                            std::size_t size) {
  if (size % 16 != 0) fatal_openssl("AES-128-ECB: not whole blocks");
  if (algctx_ != nullptr) {
    const EcbDispatch& d = ecb_dispatch();
    std::size_t written = 0;
    if (d.encrypt_init(algctx_, key, 16, nullptr, 0, nullptr) != 1 ||
        d.cipher(algctx_, out, &written, size, in, size) != 1 || written != size) {
      fatal_openssl("AES-128-ECB (provider)");
    }
    return;
  }
  int len = 0;
  if (!fits_int(size) || EVP_EncryptInit_ex2(evp_.get(), nullptr, key, nullptr, nullptr) != 1 ||
      EVP_EncryptUpdate(evp_.get(), out, &len, in, static_cast<int>(size)) != 1 ||
      static_cast<std::size_t>(len) != size) {
    fatal_openssl("AES-128-ECB");
  }
}

}  // namespace greenlight::internal
