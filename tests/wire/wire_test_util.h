// Test helpers for the wire formats: a tiny protobuf encoder and a tiny zip writer/reader,
// written independently of proto/src so that tests can build inputs the library would
// never write (15-byte keys, duplicate zip entries, lying zip headers).
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/bytes.h"

namespace greenlight::wire::test {

inline Bytes hex(std::string_view text) {
  auto bytes = from_hex(text);
  if (!bytes) throw std::invalid_argument("bad hex in test: " + bytes.error().message);
  return *bytes;
}

inline Bytes read_test_file(const std::string& relative) {
  const std::string path = std::string(GREENLIGHT_TEST_DATA_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Protobuf wire encoding, one field at a time, in the order called.
struct Pb {
  Bytes data;

  void put_varint(std::uint64_t v) {
    while (v >= 0x80) {
      data.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    data.push_back(static_cast<std::uint8_t>(v));
  }
  void put_tag(int field, int wire_type) {
    put_varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
  }
  Pb& varint(int field, std::uint64_t v) {
    put_tag(field, 0);
    put_varint(v);
    return *this;
  }
  Pb& sint32(int field, std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    return varint(field, (u << 1) ^ (v < 0 ? 0xffffffffu : 0u));
  }
  Pb& fixed64(int field, std::uint64_t v) {
    put_tag(field, 1);
    for (int i = 0; i < 8; ++i) data.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  Pb& bytes(int field, ByteSpan b) {
    put_tag(field, 2);
    put_varint(b.size());
    data.insert(data.end(), b.begin(), b.end());
    return *this;
  }
  Pb& bytes(int field, std::string_view s) { return bytes(field, as_bytes(s)); }
  Pb& message(int field, const Pb& m) { return bytes(field, m.data); }
};

inline std::uint32_t crc32(ByteSpan data) {
  std::uint32_t crc = 0xffffffffu;
  for (const std::uint8_t byte : data) {
    crc ^= byte;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline void put16(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put32(Bytes& out, std::uint32_t v) {
  put16(out, v & 0xffffu);
  put16(out, v >> 16);
}
inline std::uint32_t get16(const Bytes& in, std::size_t at) {
  return static_cast<std::uint32_t>(in.at(at) | in.at(at + 1) << 8);
}
inline std::uint32_t get32(const Bytes& in, std::size_t at) {
  return get16(in, at) | get16(in, at + 2) << 16;
}
inline void set32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.at(at + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(v >> (8 * i));
}

struct StoredEntry {
  std::string name;
  Bytes data;
};

// A zip of stored (uncompressed) entries, exactly as listed: duplicates allowed.
inline Bytes stored_zip(const std::vector<StoredEntry>& entries) {
  Bytes out;
  Bytes central;
  for (const auto& e : entries) {
    const auto offset = static_cast<std::uint32_t>(out.size());
    const std::uint32_t crc = crc32(e.data);
    const auto size = static_cast<std::uint32_t>(e.data.size());
    const auto name_size = static_cast<std::uint32_t>(e.name.size());
    put32(out, 0x04034b50);
    put16(out, 20);    // version needed
    put16(out, 0);     // flags
    put16(out, 0);     // stored
    put16(out, 0);     // time
    put16(out, 0x21);  // date 1980-01-01
    put32(out, crc);
    put32(out, size);
    put32(out, size);
    put16(out, name_size);
    put16(out, 0);
    out.insert(out.end(), e.name.begin(), e.name.end());
    out.insert(out.end(), e.data.begin(), e.data.end());

    put32(central, 0x02014b50);
    put16(central, 20);  // made by
    put16(central, 20);  // needed
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0x21);
    put32(central, crc);
    put32(central, size);
    put32(central, size);
    put16(central, name_size);
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, offset);
    central.insert(central.end(), e.name.begin(), e.name.end());
  }
  const auto central_offset = static_cast<std::uint32_t>(out.size());
  out.insert(out.end(), central.begin(), central.end());
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, central_offset);
  put16(out, 0);
  return out;
}

struct CentralEntry {
  std::string name;
  std::uint32_t method = 0;
  std::size_t central_at = 0;  // offset of the central directory record
  std::size_t local_at = 0;    // offset of the local header
};

// The central directory of a zip without archive comment.
inline std::vector<CentralEntry> zip_central_entries(const Bytes& zip) {
  const std::size_t eocd = zip.size() - 22;
  if (get32(zip, eocd) != 0x06054b50) throw std::runtime_error("no end of central directory");
  const std::uint32_t count = get16(zip, eocd + 10);
  std::size_t at = get32(zip, eocd + 16);
  std::vector<CentralEntry> out;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (get32(zip, at) != 0x02014b50) throw std::runtime_error("bad central directory record");
    const std::size_t name_size = get16(zip, at + 28);
    const std::size_t extra_size = get16(zip, at + 30);
    const std::size_t comment_size = get16(zip, at + 32);
    const auto name_begin = zip.begin() + static_cast<std::ptrdiff_t>(at + 46);
    out.push_back({std::string(name_begin, name_begin + static_cast<std::ptrdiff_t>(name_size)),
                   get16(zip, at + 10), at, get32(zip, at + 42)});
    at += 46 + name_size + extra_size + comment_size;
  }
  return out;
}

// Overwrites the uncompressed size of entry `name` in its central record and its local
// header (so the two still agree). Returns how many fields were patched.
inline int patch_uncompressed_size(Bytes& zip, std::string_view name, std::uint32_t size) {
  int patched = 0;
  for (const auto& e : zip_central_entries(zip)) {
    if (e.name != name) continue;
    set32(zip, e.central_at + 24, size);
    ++patched;
    if (get32(zip, e.local_at) == 0x04034b50) {
      set32(zip, e.local_at + 22, size);
      ++patched;
    }
  }
  return patched;
}

}  // namespace greenlight::wire::test
