#include "greenlight/crypto/secret_bytes.h"

#include <openssl/crypto.h>

namespace greenlight {

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size > 0) OPENSSL_cleanse(data, size);
}

// The lengths are not secret (they are fixed by the protocol); only the contents are
// compared in constant time.
bool constant_time_equal(ByteSpan a, ByteSpan b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    wipe();
    data_ = other.data_;
  }
  return *this;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    other.data_.clear();
  }
  return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

// Clears the vector too, so that a wiped object never exposes zeroed bytes as if they were
// the secret.
void SecretBytes::wipe() noexcept {
  secure_wipe(data_.data(), data_.size());
  data_.clear();
}

}  // namespace greenlight
