// Test helper: protobuf wire encoding written by hand, so the venue tests can build
// canonical and non-canonical payloads without the generated code.
#pragma once

#include <cstdint>
#include <string_view>

#include "greenlight/crypto/bytes.h"

namespace greenlight::test {

class ProtoBytes {
 public:
  ProtoBytes& varint(std::uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  // A varint padded to `width` bytes (non-canonical when longer than needed).
  ProtoBytes& overlong_varint(std::uint64_t v, int width) {
    for (int i = 0; i < width - 1; ++i) {
      bytes_.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  ProtoBytes& key(std::uint32_t field, std::uint32_t wire_type) {
    return varint((std::uint64_t{field} << 3) | wire_type);
  }
  ProtoBytes& uint_field(std::uint32_t field, std::uint64_t v) { return key(field, 0).varint(v); }
  ProtoBytes& bytes_field(std::uint32_t field, ByteSpan data) {
    key(field, 2).varint(data.size());
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return *this;
  }
  ProtoBytes& string_field(std::uint32_t field, std::string_view s) {
    return bytes_field(field, as_bytes(s));
  }
  ProtoBytes& raw(ByteSpan data) {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return *this;
  }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

}  // namespace greenlight::test
