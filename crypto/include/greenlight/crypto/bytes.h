// Byte containers and hex/base64 conversion.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/result.h"

namespace greenlight {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;

template <std::size_t N>
using ByteArray = std::array<std::uint8_t, N>;

std::string to_hex(ByteSpan bytes);
// Accepts upper or lower case; rejects odd length and non-hex characters with a message
// naming the offending position.
[[nodiscard]] Result<Bytes> from_hex(std::string_view hex);
// Same, but also checks the decoded length.
template <std::size_t N>
[[nodiscard]] Result<ByteArray<N>> from_hex_fixed(std::string_view hex) {
  auto bytes = from_hex(hex);
  GL_RETURN_IF_ERROR(bytes);
  if (bytes->size() != N) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "expected " + std::to_string(N) + " bytes of hex, got " + std::to_string(bytes->size()));
  }
  ByteArray<N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = (*bytes)[i];
  return out;
}

std::string base64_encode(ByteSpan bytes);
[[nodiscard]] Result<Bytes> base64_decode(std::string_view text);
// RFC 4648 section 5, without padding.
std::string base64url_encode(ByteSpan bytes);
[[nodiscard]] Result<Bytes> base64url_decode(std::string_view text);

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace greenlight
