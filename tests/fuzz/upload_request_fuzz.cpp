// libFuzzer target for the body of POST /v1/publish: the server's JSON parse entry point
// (server/src/internal/routes.h parse_json_object, depth-limited) and the upload structure
// parser (server/include/greenlight/server/publish.h parse_upload_request). Accepted uploads
// must satisfy the structural rules of step 1 in publish.h. Seeds: tests/data/fuzz/upload_request.
#include <cstddef>
#include <cstdint>
#include <string>

#include "greenlight/server/publish.h"
#include "internal/routes.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto object = greenlight::server::internal::parse_json_object(body);
  if (!object) return 0;
  auto upload = greenlight::server::parse_upload_request(*object);
  if (!upload) return 0;
  if (upload->hmac_key.size() < 16 || upload->hmac_key.size() > 64) __builtin_trap();
  return 0;
}
