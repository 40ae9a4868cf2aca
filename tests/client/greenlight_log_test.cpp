// The transparency-log part of the C API (greenlight.h: gl_client_require_log,
// gl_client_log_status, and gl_client_process_export with a log required), driven from C
// in c_api_log_test.c.
#include <catch2/catch.hpp>
#include <string>

#include "greenlight/crypto/signed_note.h"
#include "greenlight/greenlight.h"

extern "C" int gl_c_api_log_test(const char* log_vkey);

namespace {

TEST_CASE("C API: a required log refuses an unlogged export and keeps evidence", "[c_api][log]") {
  auto signer = greenlight::NoteSigner::generate("greenlight.test/log");
  REQUIRE(signer);
  const std::string vkey = signer->verifier().vkey();
  CHECK(gl_c_api_log_test(vkey.c_str()) == 0);
}

TEST_CASE("C API: log functions reject a NULL handle", "[c_api][log]") {
  CHECK(gl_client_require_log(nullptr, "x", nullptr) != GL_OK);
  CHECK(gl_client_log_status(nullptr, nullptr, nullptr) != GL_OK);
}

}  // namespace
