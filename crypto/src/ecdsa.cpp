#include "greenlight/crypto/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

#include "internal/openssl_support.h"

namespace greenlight {
namespace {

constexpr std::size_t kScalarSize = 32;
constexpr std::size_t kRawSignatureSize = 2 * kScalarSize;

std::shared_ptr<EVP_PKEY> share(internal::PkeyPtr key) {
  return std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
}

// Accepts only EC keys on P-256; anything else is an argument error naming what arrived.
Status check_p256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) {
    const char* type = EVP_PKEY_get0_type_name(key);
    return make_error(ErrorCode::kInvalidArgument,
                      std::string("expected an EC P-256 key, got ") + (type ? type : "unknown"));
  }
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1) {
    internal::clear_openssl_errors();
    return make_error(ErrorCode::kInvalidArgument, "EC key without a named curve");
  }
  if (std::strcmp(group, "prime256v1") != 0 && std::strcmp(group, "P-256") != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string("expected curve P-256, got ") + group);
  }
  return ok();
}

internal::BioPtr memory_bio(std::string_view text) {
  return internal::BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

Result<Bytes> sign_der(EVP_PKEY* key, ByteSpan message) {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::openssl_error("EVP_MD_CTX_new");
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, nullptr) != 1) {
    return internal::openssl_error("ECDSA sign init");
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return internal::openssl_error("ECDSA signature size");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return internal::openssl_error("ECDSA sign");
  }
  sig.resize(len);
  return sig;
}

}  // namespace

Result<EcdsaP256PublicKey> EcdsaP256PublicKey::from_pem(std::string_view pem) {
  if (!internal::fits_int(pem.size())) {
    return make_error(ErrorCode::kInvalidArgument, "PEM text too large");
  }
  internal::BioPtr bio = memory_bio(pem);
  if (!bio) return internal::openssl_error("BIO_new_mem_buf");
  internal::PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    internal::clear_openssl_errors();
    return make_error(ErrorCode::kInvalidArgument,
                      "expected a PEM \"PUBLIC KEY\" (SPKI) block, none could be parsed");
  }
  GL_RETURN_IF_ERROR(check_p256(key.get()));
  return EcdsaP256PublicKey(share(std::move(key)));
}

Result<EcdsaP256PublicKey> EcdsaP256PublicKey::from_spki_der(ByteSpan der) {
  if (!internal::fits_int(der.size())) {
    return make_error(ErrorCode::kInvalidArgument, "SPKI DER too large");
  }
  const unsigned char* p = der.data();
  internal::PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) {
    internal::clear_openssl_errors();
    return make_error(ErrorCode::kInvalidArgument, "expected a DER SubjectPublicKeyInfo, got " +
                                                       std::to_string(der.size()) +
                                                       " bytes that do not parse");
  }
  const auto consumed = static_cast<std::size_t>(p - der.data());
  if (consumed != der.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "SPKI DER has " + std::to_string(der.size() - consumed) + " trailing bytes");
  }
  GL_RETURN_IF_ERROR(check_p256(key.get()));
  return EcdsaP256PublicKey(share(std::move(key)));
}

std::string EcdsaP256PublicKey::to_pem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    internal::fatal_openssl("PEM_write_bio_PUBKEY");
  }
  return internal::read_bio(bio.get());
}

Bytes EcdsaP256PublicKey::to_spki_der() const {
  const int len = i2d_PUBKEY(key_.get(), nullptr);
  if (len <= 0) internal::fatal_openssl("i2d_PUBKEY");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d_PUBKEY(key_.get(), &p) != len) internal::fatal_openssl("i2d_PUBKEY");
  return out;
}

Status EcdsaP256PublicKey::verify(ByteSpan message, ByteSpan der_signature) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::openssl_error("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key_.get(),
                              nullptr) != 1) {
    return internal::openssl_error("ECDSA verify init");
  }
  const int rc = EVP_DigestVerify(ctx.get(), der_signature.data(), der_signature.size(),
                                  message.data(), message.size());
  if (rc != 1) {
    internal::clear_openssl_errors();
    return authentication_failed();
  }
  return ok();
}

Status EcdsaP256PublicKey::verify_raw(ByteSpan message, ByteSpan raw_signature) const {
  auto der = ecdsa_raw_to_der(raw_signature);
  if (!der) return authentication_failed();
  return verify(message, *der);
}

Result<EcdsaP256PrivateKey> EcdsaP256PrivateKey::generate() {
  internal::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return internal::openssl_error("EC P-256 key generation");
  return EcdsaP256PrivateKey(share(std::move(key)));
}

Result<EcdsaP256PrivateKey> EcdsaP256PrivateKey::from_pem(std::string_view pem) {
  if (!internal::fits_int(pem.size())) {
    return make_error(ErrorCode::kInvalidArgument, "PEM text too large");
  }
  internal::BioPtr bio = memory_bio(pem);
  if (!bio) return internal::openssl_error("BIO_new_mem_buf");
  internal::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    internal::clear_openssl_errors();
    return make_error(ErrorCode::kInvalidArgument,
                      "expected a PEM \"PRIVATE KEY\" (PKCS#8) or \"EC PRIVATE KEY\" (SEC1) "
                      "block, none could be parsed");
  }
  GL_RETURN_IF_ERROR(check_p256(key.get()));
  return EcdsaP256PrivateKey(share(std::move(key)));
}

std::string EcdsaP256PrivateKey::to_pem() const {
  internal::BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) bio.reset(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    internal::fatal_openssl("PEM_write_bio_PrivateKey");
  }
  return internal::read_bio(bio.get());
}

// The public half is re-parsed from its SPKI encoding so that the public key object
// never holds the private scalar.
EcdsaP256PublicKey EcdsaP256PrivateKey::public_key() const {
  const int len = i2d_PUBKEY(key_.get(), nullptr);
  if (len <= 0) internal::fatal_openssl("i2d_PUBKEY");
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_PUBKEY(key_.get(), &p) != len) internal::fatal_openssl("i2d_PUBKEY");
  const unsigned char* q = der.data();
  internal::PkeyPtr pub(d2i_PUBKEY(nullptr, &q, len));
  if (!pub) internal::fatal_openssl("d2i_PUBKEY");
  return EcdsaP256PublicKey(share(std::move(pub)));
}

Result<Bytes> EcdsaP256PrivateKey::sign(ByteSpan message) const {
  return sign_der(key_.get(), message);
}

Result<Bytes> EcdsaP256PrivateKey::sign_raw(ByteSpan message) const {
  auto der = sign_der(key_.get(), message);
  GL_RETURN_IF_ERROR(der);
  return ecdsa_der_to_raw(*der);
}

Result<Bytes> ecdsa_der_to_raw(ByteSpan der) {
  if (!internal::fits_int(der.size())) {
    return make_error(ErrorCode::kInvalidArgument, "DER signature too large");
  }
  const unsigned char* p = der.data();
  internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || static_cast<std::size_t>(p - der.data()) != der.size()) {
    internal::clear_openssl_errors();
    return make_error(ErrorCode::kInvalidArgument,
                      "expected a DER ECDSA signature (SEQUENCE of two INTEGERs), got " +
                          std::to_string(der.size()) + " bytes that do not parse exactly");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes raw(kRawSignatureSize);
  if (BN_is_negative(r) || BN_is_negative(s) ||
      BN_bn2binpad(r, raw.data(), kScalarSize) != static_cast<int>(kScalarSize) ||
      BN_bn2binpad(s, raw.data() + kScalarSize, kScalarSize) != static_cast<int>(kScalarSize)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "ECDSA signature values do not fit in 32 bytes (not a P-256 signature)");
  }
  return raw;
}

Result<Bytes> ecdsa_raw_to_der(ByteSpan raw) {
  if (raw.size() != kRawSignatureSize) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "raw ECDSA P-256 signature must be 64 bytes, got " + std::to_string(raw.size()));
  }
  internal::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig) return internal::openssl_error("ECDSA_SIG_new");
  internal::BignumPtr r(BN_bin2bn(raw.data(), kScalarSize, nullptr));
  internal::BignumPtr s(BN_bin2bn(raw.data() + kScalarSize, kScalarSize, nullptr));
  if (!r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return internal::openssl_error("ECDSA_SIG_set0");
  }
  // ECDSA_SIG_set0 took ownership.
  static_cast<void>(r.release());
  static_cast<void>(s.release());
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return internal::openssl_error("i2d_ECDSA_SIG");
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return internal::openssl_error("i2d_ECDSA_SIG");
  return der;
}

}  // namespace greenlight
