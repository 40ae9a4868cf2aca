/* A day through the C API, written in C, that ends with an upload and a chaff flow, every
 * request through the app's transport callback: two phones meet; the next day one enters its
 * verification code and uploads; after the server's export the other syncs and turns RED;
 * then the contact's phone runs its scheduled chaff flow, which looks like the upload on the
 * wire. Called from c_api_upload_test.cpp, which runs the real server on loopback. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../client/c_test_support.h"
#include "greenlight/greenlight.h"
#include "greenlight/greenlight_venue.h"

/* Provided by c_api_upload_test.cpp: the server and the "platform HTTP stack". */
const char* gl_test_base_url(void);
const char* gl_test_export_key_pem(void);
int64_t gl_test_yesterday(void);
void gl_test_set_server_time(int64_t now);
int gl_test_issue_code(char* code, size_t size);
int gl_test_export_now(void);
const char* gl_test_venue_url(void);
const char* gl_test_venue_authority_pem(void);
int gl_test_release_venue(void);
gl_status gl_test_platform_http(const char* method, const char* url,
                                const char* const* header_names, const char* const* header_values,
                                size_t header_count, const uint8_t* body, size_t body_len,
                                gl_http_response* response);

int gl_c_api_upload_day(const char* dir);

/* The app's transport: records what it sends, then hands the request to the platform. */
typedef struct recorder {
  int count;
  char methods[16][8];
  char paths[16][64];
  size_t body_sizes[16];
  size_t base_len;
} recorder;

static gl_status app_transport(void* user_data, const char* method, const char* url,
                               const char* const* header_names, const char* const* header_values,
                               size_t header_count, const uint8_t* body, size_t body_len,
                               gl_http_response* response) {
  recorder* r = (recorder*)user_data;
  if (r->count < 16) {
    snprintf(r->methods[r->count], sizeof r->methods[0], "%s", method);
    snprintf(r->paths[r->count], sizeof r->paths[0], "%s", url + r->base_len);
    r->body_sizes[r->count] = body_len;
  }
  ++r->count;
  return gl_test_platform_http(method, url, header_names, header_values, header_count, body,
                               body_len, response);
}

static int run(const char* dir) {
  char me_path[512];
  char positive_path[512];
  char error[256];
  char code[64];
  gl_client* me = NULL;
  gl_client* positive = NULL;
  gl_venue* positive_venues = NULL;
  gl_venue* me_venues = NULL;
  uint8_t store_key[GL_VENUE_STORE_KEY_SIZE];
  int64_t checkin_id = 0;
  uint8_t ad[GL_ADVERTISEMENT_SIZE];
  size_t len;
  int scan;
  int ran = 0;
  int i;
  uint32_t processed = 0;
  int64_t next_due = 0;
  gl_upload_status status;
  gl_colour_info info;
  char explanation[512];
  size_t explanation_len;
  recorder positive_net;
  recorder me_net;
  const char* base = gl_test_base_url();

  memset(&positive_net, 0, sizeof positive_net);
  memset(&me_net, 0, sizeof me_net);
  positive_net.base_len = strlen(base);
  me_net.base_len = strlen(base);
  snprintf(me_path, sizeof me_path, "%s/me.db", dir);
  snprintf(positive_path, sizeof positive_path, "%s/positive.db", dir);

  /* Yesterday 10:00: half an hour together. */
  g_now = gl_test_yesterday() + 10 * 3600;
  gl_test_set_server_time(g_now);
  EXPECT(gl_client_open(me_path, test_now, NULL, &me, error, sizeof error) == GL_OK);
  EXPECT(gl_client_open(positive_path, test_now, NULL, &positive, error, sizeof error) == GL_OK);
  EXPECT(gl_client_set_transport(me, app_transport, &me_net) == GL_OK);
  EXPECT(gl_client_set_transport(positive, app_transport, &positive_net) == GL_OK);
  EXPECT(gl_client_pin_signing_key(me, gl_test_export_key_pem(), "test", "v1") == GL_OK);
  /* Both were at the same cafe at 10:00 (check-ins make no request). */
  memset(store_key, 7, sizeof store_key);
  EXPECT(gl_venue_open(positive, store_key, sizeof store_key, &positive_venues, error,
                       sizeof error) == GL_OK);
  EXPECT(gl_venue_open(me, store_key, sizeof store_key, &me_venues, error, sizeof error) == GL_OK);
  EXPECT(gl_venue_pin_authority_key(me_venues, gl_test_venue_authority_pem()) == GL_OK);
  EXPECT(gl_venue_check_in(positive_venues, gl_test_venue_url(), &checkin_id) == GL_OK);
  EXPECT(gl_venue_check_in(me_venues, gl_test_venue_url(), &checkin_id) == GL_OK);
  EXPECT(positive_net.count == 0 && me_net.count == 0);
  for (scan = 0; scan < 6; ++scan) {
    len = sizeof ad;
    EXPECT(gl_client_current_advertisement(positive, ad, &len) == GL_OK);
    EXPECT(gl_client_record_observation(me, ad, len, -65) == GL_OK);
    g_now += 300;
  }
  len = sizeof ad;
  EXPECT(gl_client_current_advertisement(me, ad, &len) == GL_OK); /* me has a key too */

  /* Before any upload the status says so, without a request. */
  EXPECT(gl_client_upload_status(positive, &status) == GL_OK);
  EXPECT(status.stage == GL_UPLOAD_NONE);
  EXPECT(positive_net.count == 0);

  /* Today: a wrong code fails clearly, then the right one uploads. */
  g_now = gl_test_yesterday() + 40 * 3600;
  gl_test_set_server_time(g_now);
  EXPECT(gl_client_upload(positive, base, "12345678901234567890", 0, &status) ==
         GL_ERR_AUTHENTICATION);
  EXPECT(status.stage == GL_UPLOAD_FAILED);
  EXPECT(status.failure == GL_UPLOAD_INVALID_CODE);
  EXPECT(strstr(gl_last_error(positive), "wrong or was already used") != NULL);
  EXPECT(positive_net.count == 1);

  EXPECT(gl_test_issue_code(code, sizeof code) == 0);
  positive_net.count = 0;
  /* The upload with the check-ins of the last two days (through the same transport). */
  EXPECT(gl_venue_upload(positive_venues, base, code, 0, g_now - 2 * 86400, &status) == GL_OK);
  EXPECT(status.stage == GL_UPLOAD_PUBLISHED);
  EXPECT(status.keys == 1);
  EXPECT(status.inserted == 1);
  EXPECT(status.already_uploaded == 0);
  EXPECT(positive_net.count == 3);
  EXPECT(strcmp(positive_net.methods[0], "POST") == 0);
  EXPECT(strcmp(positive_net.paths[0], "/v1/verify") == 0);
  EXPECT(strcmp(positive_net.paths[1], "/v1/certificate") == 0);
  EXPECT(strcmp(positive_net.paths[2], "/v1/publish") == 0);
  /* The upload is finished: resuming sends nothing, the status is kept. */
  EXPECT(gl_client_upload_resume(positive, base, &status) == GL_OK);
  EXPECT(positive_net.count == 3);
  EXPECT(gl_client_upload_status(positive, &status) == GL_OK);
  EXPECT(status.stage == GL_UPLOAD_PUBLISHED);

  /* One hour later the export; the contact syncs through its transport and turns RED. */
  g_now += 3600;
  gl_test_set_server_time(g_now);
  /* The venue's owner releases the pending check-in report (two-party warnings). */
  EXPECT(gl_test_release_venue() == 0);
  EXPECT(gl_test_export_now() == 0);
  EXPECT(gl_client_sync(me, base, &processed) == GL_OK);
  EXPECT(processed == 1);
  EXPECT(me_net.count == 2); /* index + one export */
  EXPECT(strcmp(me_net.methods[0], "GET") == 0);
  EXPECT(strcmp(me_net.paths[0], "/v1/exports/index.txt") == 0);
  explanation_len = sizeof explanation;
  EXPECT(gl_client_colour(me, &info, explanation, &explanation_len) == GL_OK);
  EXPECT(info.colour == GL_RED);
  /* The venue warning from the upload arrives through the transport too. */
  processed = 0;
  EXPECT(gl_venue_sync(me_venues, base, &processed) == GL_OK);
  EXPECT(processed == 1);
  {
    uint32_t evidence = 99;
    EXPECT(gl_venue_evidence_count(me_venues, &evidence) == GL_OK);
    EXPECT(evidence == 0);
  }
  EXPECT(me_net.count == 4);
  EXPECT(strcmp(me_net.paths[2], "/v1/venues/index.txt") == 0);

  /* The contact's chaff: once a day on average; nothing runs before it is due. */
  EXPECT(gl_client_set_chaff_interval(me, 86400.0) == GL_OK);
  EXPECT(gl_client_set_chaff_interval(me, 1.0) == GL_ERR_INVALID_ARGUMENT);
  EXPECT(gl_client_chaff_next_due(me, &next_due) == GL_OK);
  EXPECT(next_due > g_now);
  me_net.count = 0;
  if (next_due - g_now > 1) {
    g_now = next_due - 1;
    EXPECT(gl_client_chaff_run_due(me, base, &ran) == GL_OK);
    EXPECT(ran == 0);
    EXPECT(me_net.count == 0);
  }
  g_now = next_due;
  gl_test_set_server_time(g_now);
  EXPECT(gl_client_chaff_run_due(me, base, &ran) == GL_OK);
  EXPECT(ran == 1);
  /* The same requests with the same body sizes as the real upload. */
  EXPECT(me_net.count == 3);
  for (i = 0; i < 3; ++i) {
    EXPECT(strcmp(me_net.methods[i], positive_net.methods[i]) == 0);
    EXPECT(strcmp(me_net.paths[i], positive_net.paths[i]) == 0);
    EXPECT(me_net.body_sizes[i] == positive_net.body_sizes[i]);
  }
  EXPECT(gl_client_chaff_next_due(me, &next_due) == GL_OK);
  EXPECT(next_due > g_now);

  /* The real upload took the place of the positive phone's next fake. */
  EXPECT(gl_client_chaff_next_due(positive, &next_due) == GL_OK);
  g_now = next_due;
  positive_net.count = 0;
  EXPECT(gl_client_chaff_run_due(positive, base, &ran) == GL_OK);
  EXPECT(ran == 0);
  EXPECT(positive_net.count == 0);

  /* A broken transport is reported, never crashes. */
  EXPECT(gl_client_set_transport(me, NULL, NULL) == GL_OK);
  EXPECT(gl_client_sync(me, "http://127.0.0.1:1", &processed) != GL_OK);

  gl_venue_close(me_venues);
  gl_venue_close(positive_venues);
  gl_client_close(me);
  gl_client_close(positive);
  return 0;
}

int gl_c_api_upload_day(const char* dir) {
  int line = run(dir);
  remove_database(dir, "me.db");
  remove_database(dir, "positive.db");
  return line;
}
