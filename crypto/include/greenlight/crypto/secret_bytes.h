// Secret byte containers: memory is wiped (OPENSSL_cleanse) on destruction and on
// reassignment, and equality is constant time (CRYPTO_memcmp). Use for TEKs, RPIKs,
// AEMKs, venue secrets and private keys. Not thread-safe per object; copies are
// independent and each is wiped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"

namespace greenlight {

void secure_wipe(void* data, std::size_t size) noexcept;
bool constant_time_equal(ByteSpan a, ByteSpan b) noexcept;

// Fixed-size secret. Tag makes keys of the same size distinct types (a Tek is not an
// Rpik), so passing one where the other is expected does not compile. There is no
// constructor from a span of unchecked size: from_span() fails with kInvalidArgument on
// a wrong size instead of silently zero-filling.
template <std::size_t N, typename Tag = void>
class SecretArray {
 public:
  SecretArray() = default;
  explicit SecretArray(const ByteArray<N>& bytes) : data_(bytes) {}
  SecretArray(const SecretArray&) = default;
  SecretArray& operator=(const SecretArray& other) {
    if (this != &other) data_ = other.data_;
    return *this;
  }
  ~SecretArray() { secure_wipe(data_.data(), N); }

  [[nodiscard]] static Result<SecretArray> from_span(ByteSpan bytes) {
    if (bytes.size() != N) {
      return make_error(ErrorCode::kInvalidArgument, "a " + std::to_string(N) +
                                                         "-byte secret was expected, got " +
                                                         std::to_string(bytes.size()) + " bytes");
    }
    SecretArray out;
    for (std::size_t i = 0; i < N; ++i) out.data_[i] = bytes[i];
    return out;
  }

  static constexpr std::size_t size() { return N; }
  const std::uint8_t* data() const { return data_.data(); }
  std::uint8_t* data() { return data_.data(); }
  ByteSpan span() const { return {data_.data(), N}; }
  MutableByteSpan mutable_span() { return {data_.data(), N}; }
  const ByteArray<N>& array() const { return data_; }

  friend bool operator==(const SecretArray& a, const SecretArray& b) {
    return constant_time_equal(a.span(), b.span());
  }

 private:
  ByteArray<N> data_{};
};

// Variable-size secret.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : data_(size) {}
  explicit SecretBytes(ByteSpan bytes) : data_(bytes.begin(), bytes.end()) {}
  SecretBytes(const SecretBytes& other) : data_(other.data_) {}
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) {}
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  const std::uint8_t* data() const { return data_.data(); }
  std::uint8_t* data() { return data_.data(); }
  ByteSpan span() const { return {data_.data(), data_.size()}; }
  MutableByteSpan mutable_span() { return {data_.data(), data_.size()}; }

  friend bool operator==(const SecretBytes& a, const SecretBytes& b) {
    return constant_time_equal(a.span(), b.span());
  }

 private:
  void wipe() noexcept;
  std::vector<std::uint8_t> data_;
};

}  // namespace greenlight
