/* The venue feature through the C API, written in C: scan, check in, list, a signed
 * venue warning that overlaps the visit turns the colour YELLOW without naming the place,
 * upload reports, delete. Called from greenlight_venue_test.cpp. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../client/c_test_support.h"
#include "greenlight/greenlight_venue.h"

/* Implemented in greenlight_venue_test.cpp (C++): a venue URL named "Marker Bistro", and a
 * venue-warning file for that venue and window signed by a fresh key "310"/"v1". */
int gl_venue_test_url(char* url, size_t url_size);
int gl_venue_test_build_batch(const char* url, int64_t start, int64_t end, uint8_t* file,
                              size_t* file_len, char* pem, size_t pem_size);

int gl_venue_c_api_day(const char* dir);

int gl_venue_c_api_day(const char* dir) {
  char path[512];
  char error[256];
  char url[2048];
  gl_client* client = NULL;
  gl_venue* venue = NULL;
  uint8_t key[GL_VENUE_STORE_KEY_SIZE];
  gl_venue_info info;
  gl_checkin checkins[4];
  size_t count;
  int64_t id = 0;
  static uint8_t file[1 << 16];
  size_t file_len = sizeof file;
  char pem[1024];
  uint32_t matches = 0;
  gl_colour_info colour;
  char explanation[512];
  size_t explanation_len;
  char* json;
  size_t json_len;

  memset(key, 0x42, sizeof key);
  snprintf(path, sizeof path, "%s/phone.db", dir);
  g_now = kDay0 + 12 * 3600;
  EXPECT(gl_client_open(path, test_now, NULL, &client, error, sizeof error) == GL_OK);
  EXPECT(gl_venue_open(client, key, 16, &venue, error, sizeof error) == GL_ERR_INVALID_ARGUMENT);
  EXPECT(venue == NULL);
  EXPECT(strstr(error, "32 bytes") != NULL);
  EXPECT(gl_venue_open(client, key, sizeof key, &venue, error, sizeof error) == GL_OK);

  EXPECT(gl_venue_test_url(url, sizeof url) == 0);
  EXPECT(gl_venue_scan(venue, "https://greenlight.example/v1/venue#AAAA", &info) ==
         GL_ERR_INVALID_ARGUMENT);
  EXPECT(strlen(gl_venue_last_error(venue)) > 0);
  EXPECT(gl_venue_scan(venue, url, &info) == GL_OK);
  EXPECT(strcmp(info.name, "Marker Bistro") == 0);
  EXPECT(info.default_checkin_minutes == 45);

  count = 0;
  EXPECT(gl_venue_list(venue, NULL, &count) == GL_OK);
  EXPECT(count == 0);
  EXPECT(gl_venue_check_in(venue, url, &id) == GL_OK);
  count = 0;
  EXPECT(gl_venue_list(venue, NULL, &count) == GL_ERR_BUFFER_TOO_SMALL);
  EXPECT(count == 1);
  count = sizeof checkins / sizeof checkins[0];
  EXPECT(gl_venue_list(venue, checkins, &count) == GL_OK);
  EXPECT(count == 1);
  EXPECT(checkins[0].id == id);
  EXPECT(checkins[0].arrival == g_now);
  EXPECT(checkins[0].departure == g_now + 45 * 60);
  EXPECT(strcmp(checkins[0].venue.name, "Marker Bistro") == 0);

  /* Two hours later a warning for 12:30-13:30 arrives. */
  g_now += 2 * 3600;
  EXPECT(gl_venue_test_build_batch(url, kDay0 + 12 * 3600 + 1800, kDay0 + 13 * 3600 + 1800, file,
                                   &file_len, pem, sizeof pem) == 0);
  EXPECT(gl_venue_process_batch(venue, file, file_len, &matches) == GL_ERR_AUTHENTICATION);
  EXPECT(gl_client_pin_signing_key(client, pem, "310", "v1") == GL_OK);
  /* The test's one key also plays the health authority (the batch's warnings carry its
   * signature and the venue owner's). */
  EXPECT(gl_venue_pin_authority_key(venue, NULL) == GL_ERR_INVALID_ARGUMENT);
  EXPECT(gl_venue_pin_authority_key(venue, "not a key") != GL_OK);
  EXPECT(gl_venue_pin_authority_key(venue, pem) == GL_OK);
  EXPECT(gl_venue_process_batch(venue, file, file_len, &matches) == GL_OK);
  EXPECT(matches == 1);
  EXPECT(gl_venue_process_batch(venue, file, file_len, &matches) == GL_ERR_ALREADY_EXISTS);

  explanation_len = sizeof explanation;
  EXPECT(gl_venue_colour(venue, &colour, explanation, &explanation_len) == GL_OK);
  EXPECT(colour.colour == GL_YELLOW);
  EXPECT(colour.rule == GL_RULE_VENUE_WARNING);
  EXPECT(colour.day == kDay0);
  EXPECT(colour.minutes == 15.0);
  {
    uint32_t evidence = 99;
    EXPECT(gl_venue_evidence_count(venue, &evidence) == GL_OK);
    EXPECT(evidence == 0);
  }
  EXPECT(strstr(explanation, "2024-05-01") != NULL);
  EXPECT(strstr(explanation, "Marker") == NULL);
  /* The plain client colour does not know about venues. */
  explanation_len = sizeof explanation;
  EXPECT(gl_client_colour(client, &colour, explanation, &explanation_len) == GL_OK);
  EXPECT(colour.colour == GL_GREEN);

  json_len = 0;
  EXPECT(gl_venue_upload_reports(venue, kDay0, 0, NULL, &json_len) == GL_ERR_BUFFER_TOO_SMALL);
  json = malloc(json_len);
  EXPECT(json != NULL);
  EXPECT(gl_venue_upload_reports(venue, kDay0, 0, json, &json_len) == GL_OK);
  EXPECT(json[0] == '[' && json[json_len - 2] == ']' && json[json_len - 1] == '\0');
  free(json);

  EXPECT(gl_venue_delete(venue, id) == GL_OK);
  EXPECT(gl_venue_delete(venue, id) == GL_ERR_NOT_FOUND);
  explanation_len = sizeof explanation;
  EXPECT(gl_venue_colour(venue, &colour, explanation, &explanation_len) == GL_OK);
  EXPECT(colour.colour == GL_GREEN);
  EXPECT(gl_venue_run_retention(venue) == GL_OK);

  gl_venue_close(venue);
  gl_client_close(client);
  return 0;
}
