#include "greenlight/crypto/bytes.h"

#include <array>

namespace greenlight {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  return std::string("byte 0x") + kHexDigits[u >> 4] + kHexDigits[u & 0x0f];
}

using DecodeTable = std::array<std::int8_t, 256>;

constexpr DecodeTable make_decode_table(const char* alphabet) {
  DecodeTable table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}

constexpr DecodeTable kBase64Decode = make_decode_table(kBase64Alphabet);
constexpr DecodeTable kBase64UrlDecode = make_decode_table(kBase64UrlAlphabet);

std::string encode(ByteSpan bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) |
                            std::uint32_t{bytes[i + 2]};
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

// Strict decoder: canonical encodings only (unused trailing bits must be zero), so every
// byte string has exactly one accepted text form.
Result<Bytes> decode(std::string_view text, const DecodeTable& table, bool padded,
                     std::string_view name) {
  std::size_t data_len = text.size();
  if (padded) {
    if (text.size() % 4 != 0) {
      return make_error(ErrorCode::kInvalidArgument, std::string(name) +
                                                         " length must be a multiple of 4, got " +
                                                         std::to_string(text.size()));
    }
    while (data_len > 0 && text.size() - data_len < 2 && text[data_len - 1] == '=') --data_len;
  } else if (text.size() % 4 == 1) {
    return make_error(ErrorCode::kInvalidArgument, std::string(name) + " length " +
                                                       std::to_string(text.size()) +
                                                       " is impossible (length mod 4 == 1)");
  }
  Bytes out;
  out.reserve(data_len / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_len; ++i) {
    const std::int8_t v = table[static_cast<unsigned char>(text[i])];
    if (v < 0) {
      return make_error(ErrorCode::kInvalidArgument, "invalid " + std::string(name) +
                                                         " character " + describe_char(text[i]) +
                                                         " at position " + std::to_string(i));
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(name) + " has a dangling character at the end");
  }
  if ((acc & ((1u << bits) - 1)) != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(name) + " is not canonical (non-zero trailing bits)");
  }
  return out;
}

}  // namespace

std::string to_hex(ByteSpan bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 0x0f];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "hex must have an even number of digits, got " + std::to_string(hex.size()));
  }
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      const std::size_t pos = hi < 0 ? i : i + 1;
      return make_error(
          ErrorCode::kInvalidArgument,
          "invalid hex digit " + describe_char(hex[pos]) + " at position " + std::to_string(pos));
    }
    out[i / 2] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string base64_encode(ByteSpan bytes) { return encode(bytes, kBase64Alphabet, true); }

Result<Bytes> base64_decode(std::string_view text) {
  return decode(text, kBase64Decode, true, "base64");
}

std::string base64url_encode(ByteSpan bytes) { return encode(bytes, kBase64UrlAlphabet, false); }

Result<Bytes> base64url_decode(std::string_view text) {
  return decode(text, kBase64UrlDecode, false, "base64url");
}

}  // namespace greenlight
