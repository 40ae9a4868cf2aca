// libFuzzer target for the venue QR payload parser (proto/include/greenlight/wire/venue.h):
// untrusted bytes as a raw payload and as a scanned URL. Seeds: tests/data/fuzz/venue_payload.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "greenlight/wire/venue.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const greenlight::ByteSpan raw(data, size);
  auto payload = greenlight::wire::decode_venue_payload(raw);
  if (payload) {
    // Canonical: whatever is accepted encodes back to exactly the same bytes.
    auto again = greenlight::wire::encode_venue_payload(*payload);
    if (!again || *again != greenlight::Bytes(raw.begin(), raw.end())) __builtin_trap();
  }
  auto venue = greenlight::wire::parse_venue_url(greenlight::as_string_view(raw));
  if (venue) {
    auto url = greenlight::wire::venue_url(
        std::string_view(reinterpret_cast<const char*>(data), size)
            .substr(0, std::string_view(reinterpret_cast<const char*>(data), size).find('#')),
        venue->raw_payload.span());
    if (!url || *url != greenlight::as_string_view(raw)) __builtin_trap();
  }
  return 0;
}
