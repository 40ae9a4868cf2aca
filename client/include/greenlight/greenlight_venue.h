/* greenlight venue check-ins, C API (docs/venues.md), next to greenlight.h and with its
 * conventions: every function returns a gl_status; buffers belong to the caller (*len:
 * capacity in, size needed out, GL_ERR_BUFFER_TOO_SMALL when too small); no exception
 * crosses the interface; calls are serialised with the gl_client's own lock.
 *
 * A gl_venue works on the database of a gl_client and must be closed before it. Check-ins
 * are stored encrypted under a 32-byte store key that the app keeps in the platform
 * keystore (Android Keystore / iOS Keychain) and passes at every open; it is never written
 * to the database. Scanning and checking in make no network request; the venue name is
 * shown to the user only (the colour explanation never names a place).
 *
 * Typical use:
 *   gl_venue_scan(v, url, &info);            show info.name, ask the user
 *   gl_venue_check_in(v, url, &id);          automatic check-out after the default minutes
 *   gl_venue_pin_authority_key(v, pem);      once per open: the health authority's key
 *   gl_venue_sync(v, base_url, &n);          download and match venue warnings
 *   gl_venue_colour(v, &colour, text, &len); the colour including venue warnings
 *   gl_venue_upload(v, base_url, code, 0, from, &status)  upload keys and check-ins
 *   gl_venue_upload_reports(v, from, json, &len)  "venue_reports" for an app's own upload
 */
#ifndef GREENLIGHT_GREENLIGHT_VENUE_H_
#define GREENLIGHT_GREENLIGHT_VENUE_H_

#include <stddef.h>
#include <stdint.h>

#include "greenlight/greenlight.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gl_venue gl_venue;

#define GL_VENUE_STORE_KEY_SIZE 32
/* 100 characters of UTF-8 (at most 4 bytes each) and the terminating NUL. */
#define GL_VENUE_TEXT_SIZE 401

typedef struct gl_venue_info {
  char name[GL_VENUE_TEXT_SIZE];    /* UTF-8, NUL-terminated */
  char address[GL_VENUE_TEXT_SIZE]; /* UTF-8, NUL-terminated, may be empty */
  uint32_t venue_type;              /* 0 other, 1 retail, 2 food_service, ... (docs/venues.md) */
  uint32_t default_checkin_minutes;
  uint64_t valid_from;  /* UTC seconds, 0 = no bound */
  uint64_t valid_until; /* UTC seconds, 0 = no bound */
} gl_venue_info;

typedef struct gl_checkin {
  int64_t id;
  int64_t arrival;   /* UTC seconds */
  int64_t departure; /* actual or automatic check-out */
  int checked_out;   /* non-zero after an explicit (or automatic-by-next-check-in) check-out */
  gl_venue_info venue;
} gl_checkin;

/* Opens the venue feature on client's database with the keystore's store key (exactly
 * GL_VENUE_STORE_KEY_SIZE bytes). On failure *out is NULL and, if error is not NULL, a
 * NUL-terminated message of at most error_size bytes is written to it. */
gl_status gl_venue_open(gl_client* client, const uint8_t* store_key, size_t store_key_len,
                        gl_venue** out, char* error, size_t error_size);
/* NULL is allowed. */
void gl_venue_close(gl_venue* venue);
/* The message of the last failed call on this handle ("" if none). */
const char* gl_venue_last_error(const gl_venue* venue);

/* Parses a scanned QR URL and checks its validity now; stores nothing. */
gl_status gl_venue_scan(gl_venue* venue, const char* url, gl_venue_info* info);
/* Checks in now (ends an open visit elsewhere). checkin_id may be NULL. */
gl_status gl_venue_check_in(gl_venue* venue, const char* url, int64_t* checkin_id);
gl_status gl_venue_check_out(gl_venue* venue, int64_t checkin_id);
/* Newest first. *count: capacity in, number of check-ins out. */
gl_status gl_venue_list(gl_venue* venue, gl_checkin* checkins, size_t* count);
gl_status gl_venue_delete(gl_venue* venue, int64_t checkin_id);

/* Pins a health-authority public key (PEM SPKI, ECDSA P-256: the key that signs upload
 * certificates). A venue warning changes the colour only if one pinned authority key and
 * the venue owner's key (from the scanned poster) both signed it; without a pinned
 * authority key no warning is accepted. */
gl_status gl_venue_pin_authority_key(gl_venue* venue, const char* public_key_pem);
/* Number of published warnings for the user's venues that failed the owner or authority
 * check and are kept as evidence (the colour is unchanged by them). */
gl_status gl_venue_evidence_count(gl_venue* venue, uint32_t* count);

/* Verifies (pinned keys of the client), matches and stores one venue-warning file.
 * GL_ERR_ALREADY_EXISTS for a file processed before. new_matches may be NULL. */
gl_status gl_venue_process_batch(gl_venue* venue, const uint8_t* file, size_t file_len,
                                 uint32_t* new_matches);
/* Fetches base_url/v1/venues/index.txt and all new batches over plain HTTP. processed may
 * be NULL. GL_ERR_UNAVAILABLE when some batches failed (they are retried next time). */
gl_status gl_venue_sync(gl_venue* venue, const char* base_url, uint32_t* processed);

/* Like gl_client_colour, with venue warnings included (YELLOW, GL_RULE_VENUE_WARNING). */
gl_status gl_venue_colour(gl_venue* venue, gl_colour_info* info, char* explanation,
                          size_t* explanation_len);

/* The JSON array for the "venue_reports" member of a positive user's upload: the visits
 * that ended after from, sealed and padded with fake reports to a fixed count. chaff
 * non-zero gives only fake reports (for a chaff upload). The output is NUL-terminated. */
gl_status gl_venue_upload_reports(gl_venue* venue, int64_t from, int chaff, char* json,
                                  size_t* json_len);

/* gl_client_upload (greenlight.h) with the check-ins that ended after venue_from (the start
 * of the contagious period) as sealed venue reports, through the client's transport. Same
 * statuses, persistence and resume (gl_client_upload_resume) as gl_client_upload. */
gl_status gl_venue_upload(gl_venue* venue, const char* base_url, const char* code,
                          int release_current_key, int64_t venue_from, gl_upload_status* status);

/* Deletes check-ins and warnings older than 14 days and truncates the WAL. */
gl_status gl_venue_run_retention(gl_venue* venue);

#ifdef __cplusplus
}
#endif

#endif /* GREENLIGHT_GREENLIGHT_VENUE_H_ */
