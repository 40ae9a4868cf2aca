#include "greenlight/crypto/gaen.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "greenlight/crypto/hash.h"
#include "internal/hkdf16.h"
#include "internal/openssl_support.h"

namespace greenlight {
namespace {

constexpr std::string_view kRpikInfo = "EN-RPIK";
constexpr std::string_view kAemkInfo = "EN-AEMK";
constexpr std::array<std::uint8_t, 6> kRpiPrefix = {'E', 'N', '-', 'R', 'P', 'I'};

static_assert(sizeof(Rpi) == 16, "RPIs must be packed 16-byte blocks for bulk encryption");

void write_le32(std::uint8_t* p, std::uint32_t v) {
  if constexpr (std::endian::native == std::endian::big) v = std::byteswap(v);
  std::memcpy(p, &v, sizeof(v));
}

void write_padded_data(std::uint8_t* block, std::uint32_t interval) {
  std::copy(kRpiPrefix.begin(), kRpiPrefix.end(), block);
  std::fill(block + kRpiPrefix.size(), block + 12, std::uint8_t{0});
  write_le32(block + 12, interval);
}

internal::CipherCtxPtr new_cipher_ctx() {
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) internal::fatal_openssl("EVP_CIPHER_CTX_new");
  return ctx;
}

Aem aes_ctr_4(const Aemk& aemk, const Rpi& rpi, const ByteArray<4>& in) {
  thread_local internal::CipherCtxPtr ctx = new_cipher_ctx();
  Aem out{};
  int len = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), internal::aes_128_ctr(), aemk.data(), rpi.data(), nullptr) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
      static_cast<std::size_t>(len) != out.size()) {
    internal::fatal_openssl("AES-128-CTR");
  }
  return out;
}

}  // namespace

Rpik derive_rpik(const Tek& tek) {
  Rpik out;
  hkdf_sha256_16(tek.span(), as_bytes(kRpikInfo), out.mutable_span());
  return out;
}

Aemk derive_aemk(const Tek& tek) {
  Aemk out;
  hkdf_sha256_16(tek.span(), as_bytes(kAemkInfo), out.mutable_span());
  return out;
}

ByteArray<16> rpi_padded_data(EnIntervalNumber interval) {
  ByteArray<16> block{};
  write_padded_data(block.data(), interval.value);
  return block;
}

Rpi make_rpi(const Rpik& rpik, EnIntervalNumber interval) {
  thread_local internal::AesEcbRekeyed ecb;
  const ByteArray<16> padded = rpi_padded_data(interval);
  Rpi out{};
  ecb.encrypt(rpik.data(), padded.data(), out.data(), out.size());
  return out;
}

Aem encrypt_aem(const Aemk& aemk, const Rpi& rpi, const Metadata& metadata) {
  return aes_ctr_4(aemk, rpi, metadata);
}

Metadata decrypt_aem(const Aemk& aemk, const Rpi& rpi, const Aem& aem) {
  return aes_ctr_4(aemk, rpi, aem);
}

Metadata encode_metadata(const BluetoothMetadata& m) {
  return {m.version, static_cast<std::uint8_t>(m.tx_power_dbm), 0, 0};
}

BluetoothMetadata decode_metadata(const Metadata& m) {
  return {m[0], static_cast<std::int8_t>(m[1])};
}

// The padded blocks of one rolling period, written once per period: their constant "EN-RPI"
// prefix and zero bytes once, their interval bytes when a range leaves the prepared period.
// Callers expand many keys of the same day, each from its own first interval, so the blocks
// are aligned to the day (00:00 UTC) and a range inside it is encrypted from an offset;
// rewriting all 144 interval fields per key cost more than the encryption.
struct GaenExpander::Impl {
  internal::AesEcbRekeyed ecb;
  internal::ShortHkdf hkdf;
  std::array<std::uint8_t, kTekRollingPeriod * 16> padded{};
  std::uint32_t padded_start = 0;
  std::array<std::uint8_t, kTekRollingPeriod * 16> scattered{};  // rpis_at()'s blocks

  Impl() {
    for (std::uint32_t j = 0; j < kTekRollingPeriod; ++j) {
      write_padded_data(padded.data() + 16 * j, j);
    }
  }

  // The padded blocks of intervals [start, start + n), n <= 144.
  const std::uint8_t* blocks(std::uint32_t start, std::size_t n) {
    if (!prepared(start, n)) {
      const std::uint32_t day = day_start({start}).value;
      prepare(std::uint64_t{start} + n <= std::uint64_t{day} + kTekRollingPeriod ? day : start);
    }
    return padded.data() + 16 * (start - padded_start);
  }

  bool prepared(std::uint32_t start, std::size_t n) const {
    return start >= padded_start &&
           std::uint64_t{start} + n <= std::uint64_t{padded_start} + kTekRollingPeriod;
  }

  void prepare(std::uint32_t start) {
    for (std::uint32_t j = 0; j < kTekRollingPeriod; ++j) {
      write_le32(padded.data() + 16 * j + 12, start + j);
    }
    padded_start = start;
  }
};

GaenExpander::GaenExpander() : impl_(std::make_unique<Impl>()) {}
GaenExpander::~GaenExpander() = default;

Rpik GaenExpander::rpik(const Tek& tek) {
  Rpik out;
  impl_->hkdf.derive(tek.span(), as_bytes(kRpikInfo), out.mutable_span());
  return out;
}

Aemk GaenExpander::aemk(const Tek& tek) {
  Aemk out;
  impl_->hkdf.derive(tek.span(), as_bytes(kAemkInfo), out.mutable_span());
  return out;
}

void GaenExpander::expand_rpis(const Tek& tek, EnIntervalNumber start, std::span<Rpi> out) {
  const Rpik key = rpik(tek);
  expand_rpis_from_rpik(key, start, out);
}

void GaenExpander::rpis_at(const Rpik& rpik, std::span<const EnIntervalNumber> intervals,
                           std::span<Rpi> out) {
  if (intervals.size() > kTekRollingPeriod || out.size() < intervals.size()) {
    internal::fatal_openssl("GaenExpander::rpis_at: at most 144 intervals, out as long");
  }
  auto& blocks = impl_->scattered;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    write_padded_data(blocks.data() + 16 * i, intervals[i].value);
  }
  impl_->ecb.encrypt(rpik.data(), blocks.data(), reinterpret_cast<std::uint8_t*>(out.data()),
                     intervals.size() * 16);
}

void GaenExpander::expand_rpis_from_rpik(const Rpik& rpik, EnIntervalNumber start,
                                         std::span<Rpi> out) {
  // More than one rolling period is outside the contract but handled, in chunks.
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t n = std::min<std::size_t>(out.size() - done, kTekRollingPeriod);
    const auto chunk_start = static_cast<std::uint32_t>(start.value + done);
    impl_->ecb.encrypt(rpik.data(), impl_->blocks(chunk_start, n),
                       reinterpret_cast<std::uint8_t*>(out.data() + done), n * 16);
    done += n;
  }
}

}  // namespace greenlight
