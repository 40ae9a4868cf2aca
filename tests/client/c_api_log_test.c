/* The transparency log through the C API, written in C: a phone that requires the log
 * refuses a validly signed export that the log does not cover, keeps evidence across a
 * restart, and its colour stays GREEN although the export holds the key of a contact.
 * Called from greenlight_log_test.cpp. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c_test_support.h"
#include "greenlight/greenlight.h"

/* Implemented in greenlight_test.cpp (C++). */
int gl_test_build_export(const gl_tek* keys, size_t count, int64_t start, int64_t end, uint8_t* zip,
                         size_t* zip_len, char* pem, size_t pem_size);

int gl_c_api_log_test(const char* log_vkey);

static int colour_of(gl_client* client, gl_colour* colour) {
  gl_colour_info info;
  char explanation[1024];
  size_t len = sizeof explanation;
  if (gl_client_colour(client, &info, explanation, &len) != GL_OK) return 1;
  *colour = info.colour;
  return 0;
}

static int run(const char* dir, const char* log_vkey) {
  char me_path[512];
  char other_path[512];
  char error[256];
  gl_client* me = NULL;
  gl_client* other = NULL;
  uint8_t ad[GL_ADVERTISEMENT_SIZE];
  size_t len;
  int scan;
  gl_tek keys[4];
  size_t key_count = sizeof keys / sizeof keys[0];
  static uint8_t zip[1 << 16];
  size_t zip_len = sizeof zip;
  char pem[1024];
  uint32_t matched = 7;
  uint64_t tree_size = 99;
  uint32_t evidence = 99;
  gl_colour colour = GL_RED;

  snprintf(me_path, sizeof me_path, "%s/me.db", dir);
  snprintf(other_path, sizeof other_path, "%s/other.db", dir);
  g_now = kDay0 + 9 * 3600;
  EXPECT(gl_client_open(me_path, test_now, NULL, &me, error, sizeof error) == GL_OK);
  EXPECT(gl_client_open(other_path, test_now, NULL, &other, error, sizeof error) == GL_OK);

  /* No log required yet; bad keys are refused and change nothing. */
  EXPECT(gl_client_log_status(me, &tree_size, &evidence) == GL_ERR_FAILED_PRECONDITION);
  EXPECT(gl_client_require_log(me, NULL, NULL) == GL_ERR_INVALID_ARGUMENT);
  EXPECT(gl_client_require_log(me, "not a key", NULL) == GL_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(gl_last_error(me), "log_vkey") != NULL);
  EXPECT(gl_client_log_status(me, NULL, NULL) == GL_ERR_FAILED_PRECONDITION);
  EXPECT(gl_client_require_log(me, log_vkey, NULL) == GL_OK);
  EXPECT(gl_client_log_status(me, &tree_size, &evidence) == GL_OK);
  EXPECT(tree_size == 0);
  EXPECT(evidence == 0);

  /* Half an hour together at -65 dBm (the same contact turns the phone RED without a log,
   * see c_api_day_test.c). */
  for (scan = 0; scan < 6; ++scan) {
    len = sizeof ad;
    EXPECT(gl_client_current_advertisement(other, ad, &len) == GL_OK);
    EXPECT(gl_client_record_observation(me, ad, len, -65) == GL_OK);
    g_now += 300;
  }

  g_now = kDay0 + 86400 + 3 * 3600;
  EXPECT(gl_client_keys_for_upload(other, 0, keys, &key_count) == GL_OK);
  EXPECT(key_count == 1);
  EXPECT(gl_test_build_export(keys, key_count, kDay0, kDay0 + 86400, zip, &zip_len, pem,
                              sizeof pem) == 0);
  EXPECT(gl_client_pin_signing_key(me, pem, "310", "v1") == GL_OK);

  /* Signed with the pinned key, but not in the log: refused, evidence kept. */
  EXPECT(gl_client_process_export(me, zip, zip_len, &matched) == GL_ERR_FAILED_PRECONDITION);
  EXPECT(strstr(gl_last_error(me), "transparency log") != NULL);
  EXPECT(gl_client_log_status(me, &tree_size, &evidence) == GL_OK);
  EXPECT(evidence == 1);
  EXPECT(colour_of(me, &colour) == 0);
  EXPECT(colour == GL_GREEN);

  /* The evidence is stored in the database. */
  gl_client_close(me);
  me = NULL;
  EXPECT(gl_client_open(me_path, test_now, NULL, &me, error, sizeof error) == GL_OK);
  EXPECT(gl_client_require_log(me, log_vkey, "greenlight.test/log") == GL_OK);
  EXPECT(gl_client_log_status(me, &tree_size, &evidence) == GL_OK);
  EXPECT(evidence == 1);
  EXPECT(gl_client_pin_signing_key(me, pem, "310", "v1") == GL_OK);
  EXPECT(gl_client_process_export(me, zip, zip_len, NULL) == GL_ERR_FAILED_PRECONDITION);
  EXPECT(colour_of(me, &colour) == 0);
  EXPECT(colour == GL_GREEN);

  gl_client_close(me);
  gl_client_close(other);
  return 0;
}

int gl_c_api_log_test(const char* log_vkey) {
  char dir[] = "/tmp/greenlight-c-api-log-XXXXXX";
  int result;
  if (mkdtemp(dir) == NULL) return -1;
  result = run(dir, log_vkey);
  remove_database(dir, "me.db");
  remove_database(dir, "other.db");
  rmdir(dir);
  return result;
}
