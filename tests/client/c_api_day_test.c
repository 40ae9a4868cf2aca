/* A whole day through the C API, written in C: two phones meet, one later reports its keys,
 * the other syncs a signed export and its colour turns RED. Called from greenlight_test.cpp. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c_test_support.h"
#include "greenlight/greenlight.h"

/* Implemented in greenlight_test.cpp (C++): signs an export of the keys (report type
 * "confirmed test") with a fresh test key "310"/"v1" and returns the zip and the public
 * key PEM. Returns 0 on success. */
int gl_test_build_export(const gl_tek* keys, size_t count, int64_t start, int64_t end, uint8_t* zip,
                         size_t* zip_len, char* pem, size_t pem_size);

int gl_c_api_day_test(void);

static int run_day(const char* dir) {
  char me_path[512];
  char other_path[512];
  char error[256];
  gl_client* me = NULL;
  gl_client* other = NULL;
  uint8_t ad[GL_ADVERTISEMENT_SIZE];
  size_t len;
  int scan;
  gl_tek keys[16];
  size_t key_count;
  static uint8_t zip[1 << 16];
  size_t zip_len = sizeof zip;
  char pem[1024];
  uint32_t matched = 0;
  gl_colour_info info;
  char* explanation;
  size_t explanation_len;
  gl_status status;

  snprintf(me_path, sizeof me_path, "%s/me.db", dir);
  snprintf(other_path, sizeof other_path, "%s/other.db", dir);
  g_now = kDay0 + 9 * 3600;
  EXPECT(gl_client_open(me_path, test_now, NULL, &me, error, sizeof error) == GL_OK);
  EXPECT(gl_client_open(other_path, test_now, NULL, &other, error, sizeof error) == GL_OK);

  /* The advertisement needs a 20-byte buffer. */
  len = 10;
  EXPECT(gl_client_current_advertisement(other, ad, &len) == GL_ERR_BUFFER_TOO_SMALL);
  EXPECT(len == GL_ADVERTISEMENT_SIZE);
  EXPECT(strlen(gl_last_error(other)) > 0);

  /* Half an hour together, one scan every five minutes, heard at -65 dBm. */
  for (scan = 0; scan < 6; ++scan) {
    len = sizeof ad;
    EXPECT(gl_client_current_advertisement(other, ad, &len) == GL_OK);
    EXPECT(len == GL_ADVERTISEMENT_SIZE);
    EXPECT(gl_client_record_observation(me, ad, len, -65) == GL_OK);
    g_now += 300;
  }
  EXPECT(gl_client_record_observation(me, ad, 19, -65) == GL_ERR_INVALID_ARGUMENT);
  EXPECT(strstr(gl_last_error(me), "20 bytes") != NULL);

  explanation_len = 0;
  EXPECT(gl_client_colour(me, &info, NULL, &explanation_len) == GL_ERR_BUFFER_TOO_SMALL);
  explanation = malloc(explanation_len);
  EXPECT(explanation != NULL);
  EXPECT(gl_client_colour(me, &info, explanation, &explanation_len) == GL_OK);
  EXPECT(info.colour == GL_GREEN);
  free(explanation);

  /* Next morning the other phone tests positive and uploads yesterday's key. */
  g_now = kDay0 + 86400 + 3 * 3600;
  key_count = 0;
  EXPECT(gl_client_keys_for_upload(other, 0, NULL, &key_count) == GL_ERR_BUFFER_TOO_SMALL);
  EXPECT(key_count == 1);
  key_count = sizeof keys / sizeof keys[0];
  EXPECT(gl_client_keys_for_upload(other, 0, keys, &key_count) == GL_OK);
  EXPECT(key_count == 1);
  EXPECT(keys[0].rolling_start_interval_number == kDay0 / 600);
  EXPECT(keys[0].rolling_period == 144);
  EXPECT(gl_test_build_export(keys, key_count, kDay0, kDay0 + 86400, zip, &zip_len, pem,
                              sizeof pem) == 0);

  /* Without the pinned key the export is refused. */
  EXPECT(gl_client_process_export(me, zip, zip_len, &matched) == GL_ERR_AUTHENTICATION);
  EXPECT(gl_client_pin_signing_key(me, pem, "310", "v1") == GL_OK);
  status = gl_client_process_export(me, zip, zip_len, &matched);
  if (status != GL_OK) fprintf(stderr, "process_export: %s\n", gl_last_error(me));
  EXPECT(status == GL_OK);
  EXPECT(matched == 1);
  EXPECT(gl_client_process_export(me, zip, zip_len, &matched) == GL_ERR_ALREADY_EXISTS);

  explanation_len = 0;
  EXPECT(gl_client_colour(me, NULL, NULL, &explanation_len) == GL_ERR_BUFFER_TOO_SMALL);
  explanation = malloc(explanation_len);
  EXPECT(explanation != NULL);
  EXPECT(gl_client_colour(me, &info, explanation, &explanation_len) == GL_OK);
  EXPECT(info.colour != GL_GREEN);
  EXPECT(info.colour == GL_RED);
  EXPECT(info.rule == GL_RULE_HIGH_RISK_EXPOSURE);
  EXPECT(info.day == kDay0);
  EXPECT(strlen(explanation) + 1 == explanation_len);
  EXPECT(strstr(explanation, "2024-05-01") != NULL);
  free(explanation);

  /* The other phone's own positive test makes it RED too. */
  EXPECT(gl_client_set_positive_test(other, g_now) == GL_OK);
  explanation_len = 0;
  EXPECT(gl_client_colour(other, &info, NULL, &explanation_len) == GL_ERR_BUFFER_TOO_SMALL);
  explanation = malloc(explanation_len);
  EXPECT(explanation != NULL);
  EXPECT(gl_client_colour(other, &info, explanation, &explanation_len) == GL_OK);
  EXPECT(info.rule == GL_RULE_OWN_POSITIVE_TEST);
  free(explanation);

  EXPECT(gl_client_run_retention(me) == GL_OK);
  gl_client_close(me);
  gl_client_close(other);
  return 0;
}

int gl_c_api_day_test(void) {
  char dir[] = "/tmp/greenlight-c-api-XXXXXX";
  int result;
  if (mkdtemp(dir) == NULL) return -1;
  result = run_day(dir);
  remove_database(dir, "me.db");
  remove_database(dir, "other.db");
  rmdir(dir);
  return result;
}
