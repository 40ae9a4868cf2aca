// Private helpers shared by the crypto sources: owning handles for OpenSSL objects,
// algorithm objects fetched once per process, and error conversion.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "greenlight/crypto/result.h"

namespace greenlight::internal {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const noexcept { Free(p); }
};

using CipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OpenSslDeleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, OpenSslDeleter<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpenSslDeleter<ECDSA_SIG, ECDSA_SIG_free>>;

// Algorithms fetched from the default provider once per process (explicit fetching avoids
// the per-call lookup that EVP_aes_128_ecb() and friends imply in OpenSSL 3). Never null:
// a missing algorithm aborts, since nothing in greenlight can work without it.
const EVP_MD* sha256_md();
const EVP_CIPHER* aes_128_ecb();
const EVP_CIPHER* aes_128_ctr();
const EVP_CIPHER* aes_256_ctr();
const EVP_CIPHER* aes_256_gcm();
EVP_MAC* hmac_mac();
EVP_KDF* hkdf_kdf();

// Fresh HMAC-SHA256 context (digest parameter set, no key yet).
MacCtxPtr new_hmac_sha256_ctx();

// AES-128-ECB without padding, re-keyed on every call: for callers that encrypt a few dozen
// to a few hundred blocks per key (GaenExpander: one RPIK per phone and day). It calls the
// provider's own cipher functions (provider-cipher(7): newctx, encrypt_init, cipher, from
// the dispatch table of the provider that implements aes_128_ecb()), because in OpenSSL 3.0
// EVP_EncryptInit_ex2 asks the provider for the key length by name on every call, which
// costs more than the key expansion and a hundred blocks. Falls back to the EVP calls when
// the provider does not offer those functions. One object per thread; the provider's
// context (and so the key schedule) is wiped when it is freed.
class AesEcbRekeyed {
 public:
  AesEcbRekeyed();
  ~AesEcbRekeyed();
  AesEcbRekeyed(const AesEcbRekeyed&) = delete;
  AesEcbRekeyed& operator=(const AesEcbRekeyed&) = delete;
  // Encrypts `size` bytes (whole 16-byte blocks) of `in` under the 16-byte `key`.
  void encrypt(const std::uint8_t* key, const std::uint8_t* in, std::uint8_t* out,
               std::size_t size);
  // False when the EVP fallback is in use.
  bool direct() const { return algctx_ != nullptr; }

 private:
  void* algctx_ = nullptr;
  CipherCtxPtr evp_;
};

// For operations that cannot fail short of a bug or memory exhaustion, in functions whose
// contract has no error channel: print the OpenSSL error queue and abort.
[[noreturn]] void fatal_openssl(std::string_view what);

// kInternal error carrying the OpenSSL error queue; clears the queue.
[[nodiscard]] std::unexpected<Error> openssl_error(std::string_view what);

// Drops whatever OpenSSL left on its error queue after an expected failure (bad input).
void clear_openssl_errors() noexcept;

// Reads all pending bytes of a memory BIO.
std::string read_bio(BIO* bio);

inline bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX); }

}  // namespace greenlight::internal
