/* greenlight client C API: the stable interface for mobile bindings (Swift, Kotlin/JNI,
 * Dart FFI) over the C++ client core (greenlight/client/client.h).
 *
 * Conventions:
 * - Every function returns a gl_status; GL_OK is 0. On failure, gl_last_error(client)
 *   gives a one-line message (valid until the next call on that handle).
 * - No exception ever crosses this interface; unexpected failures give GL_ERR_INTERNAL.
 * - Buffers are owned by the caller. Functions that write variable-size output take the
 *   buffer capacity in *len and set *len to the size needed (including the terminating NUL
 *   for strings); when the buffer is too small they return GL_ERR_BUFFER_TOO_SMALL and
 *   write nothing else.
 * - Ownership: a gl_client belongs to the caller from gl_client_open* until gl_client_close,
 *   which frees it and everything derived from it (a gl_venue from gl_venue_open must be
 *   closed first). Pointers passed in (paths, keys, payloads, PEM text) are only read during
 *   the call; the library copies what it keeps. Returned strings (gl_last_error,
 *   gl_status_name) are owned by the library: gl_last_error's until the next call on that
 *   handle, gl_status_name's forever.
 * - Threading: a gl_client is safe to use from several threads (calls are serialised by a
 *   lock per handle, so a long sync blocks the other calls on that handle). Callbacks (the
 *   clock, the transport) run synchronously on the calling thread with the lock held and
 *   must not call back into the same handle. Different handles are independent; open one
 *   handle per database file (two handles on one file only wait on SQLite's locks, up to
 *   5 s). Bindings (JNI, Swift, Dart FFI) may call from any thread; no call needs a
 *   particular thread or a run loop.
 * - ABI: the functions, structs and enum values here only ever grow (new functions, new enum
 *   values at the end); a binding built against this header keeps working with later
 *   releases of the library.
 * - Times are UTC unix seconds. "now" comes from the callback given to gl_client_open, or
 *   from the system clock when it is NULL.
 * - Network: every request (export and venue sync, the transparency log, uploads, chaff)
 *   goes through the app's transport when one is registered (gl_client_set_transport),
 *   otherwise through the built-in HTTP/1.1 client (http:// and https://, system trust
 *   store or a pinned CA file: gl_client_set_ca_file).
 * - Nothing is sent but what the app asks for: the own keys (gl_client_upload, after a
 *   positive test) and chaff flows (gl_client_chaff_run_due). The colour never leaves the
 *   phone.
 */
#ifndef GREENLIGHT_GREENLIGHT_H_
#define GREENLIGHT_GREENLIGHT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gl_client gl_client;

typedef enum gl_status {
  GL_OK = 0,
  GL_ERR_INVALID_ARGUMENT = 1,
  GL_ERR_AUTHENTICATION = 2, /* signature did not verify */
  GL_ERR_NOT_FOUND = 3,
  GL_ERR_ALREADY_EXISTS = 4, /* e.g. an export processed before (replay) */
  GL_ERR_FAILED_PRECONDITION = 5,
  GL_ERR_RESOURCE_EXHAUSTED = 6,
  GL_ERR_IO = 7,
  GL_ERR_UNAVAILABLE = 8,
  GL_ERR_INTERNAL = 9,
  GL_ERR_BUFFER_TOO_SMALL = 10
} gl_status;

typedef enum gl_colour { GL_GREEN = 0, GL_YELLOW = 1, GL_RED = 2 } gl_colour;

typedef enum gl_colour_rule {
  GL_RULE_NONE = 0,
  GL_RULE_OWN_POSITIVE_TEST = 1,
  GL_RULE_HIGH_RISK_EXPOSURE = 2,
  GL_RULE_LOW_RISK_EXPOSURE = 3,
  GL_RULE_VENUE_WARNING = 4
} gl_colour_rule;

/* The advertisement service data: RPI (16 bytes) || AEM (4 bytes). */
#define GL_ADVERTISEMENT_SIZE 20

/* Returns UTC unix seconds. */
typedef int64_t (*gl_now_fn)(void* user_data);

typedef struct gl_colour_info {
  gl_colour colour;
  gl_colour_rule rule;
  int64_t day;         /* 00:00 UTC of the day the rule refers to; 0 for GREEN */
  double minutes;      /* exposure or overlap minutes behind the rule */
  double score;        /* normalized exposure minutes (exposure rules) */
  int64_t valid_until; /* when the rule stops applying; 0 for GREEN */
} gl_colour_info;

typedef struct gl_tek {
  uint8_t key_data[16];
  uint32_t rolling_start_interval_number;
  uint32_t rolling_period;
} gl_tek;

/* A static string naming the status ("GL_OK", ...). */
const char* gl_status_name(gl_status status);

/* Bytes of the device store key (gl_client_open_encrypted). */
#define GL_STORE_KEY_SIZE 32

/* Opens (creating if needed) the device database at db_path, encrypted at rest with the
 * app's store key (GL_STORE_KEY_SIZE bytes from the Android Keystore / iOS Keychain; never
 * store it next to the database). The library copies the key; the caller may wipe its
 * buffer on return. A database of an earlier release, or one written without a key, is
 * encrypted in place (atomically: an interrupted open loses nothing and the next one finishes
 * it). GL_ERR_AUTHENTICATION: the key does not open this database (nothing was changed).
 * now may be NULL (system clock). On failure *out is set to NULL and, if error is not NULL, a
 * NUL-terminated message of at most error_size bytes is written to it. */
gl_status gl_client_open_encrypted(const char* db_path, const uint8_t* store_key,
                                   size_t store_key_len, gl_now_fn now, void* now_user_data,
                                   gl_client** out, char* error, size_t error_size);
/* As gl_client_open_encrypted, without encryption at rest (tests, desktop tools): apps use
 * gl_client_open_encrypted. An encrypted database fails with GL_ERR_FAILED_PRECONDITION. */
gl_status gl_client_open(const char* db_path, gl_now_fn now, void* now_user_data, gl_client** out,
                         char* error, size_t error_size);
/* Closes the handle; NULL is allowed. */
void gl_client_close(gl_client* client);
/* Rotates the store key: every row of the device database is re-sealed and every lookup
 * re-tagged under new_key (GL_STORE_KEY_SIZE bytes) in one transaction, then the old bytes
 * are scrubbed. Killed at any point, the file opens with exactly one of the old and the new
 * key (never neither): store the new key in the keystore before the call, drop the old one
 * after GL_OK, and after a crash try both. Afterwards the old key fails with
 * GL_ERR_AUTHENTICATION; this handle (and a gl_venue opened on it) goes on under the new key.
 * Ownership and threading as everywhere: the key is copied (wipe the buffer on return), the
 * call takes the handle's lock for as long as the re-sealing runs (it grows with the
 * database: run it from a background thread). GL_ERR_FAILED_PRECONDITION for an
 * in-memory database. A plaintext database (gl_client_open) becomes encrypted. */
gl_status gl_client_rotate_store_key(gl_client* client, const uint8_t* new_key, size_t new_key_len);
/* The message of the last failed call on this handle ("" if none). */
const char* gl_last_error(const gl_client* client);

/* The 20-byte payload to advertise now. *len: capacity in, 20 out. */
gl_status gl_client_current_advertisement(gl_client* client, uint8_t* out, size_t* len);

/* Records one received advertisement (payload_len must be 20) with its calibrated RSSI. */
gl_status gl_client_record_observation(gl_client* client, const uint8_t* payload,
                                       size_t payload_len, int32_t rssi_dbm);
/* Records one scan (also an empty one: count 0) of count advertisements; payloads holds
 * count * 20 bytes, rssi_dbm count values. */
gl_status gl_client_record_scan(gl_client* client, const uint8_t* payloads, const int32_t* rssi_dbm,
                                size_t count);

/* Pins an export signing key (PEM SubjectPublicKeyInfo, ECDSA P-256) under the key id and
 * version the export's signature info names (e.g. "310", "v1"). */
gl_status gl_client_pin_signing_key(gl_client* client, const char* public_key_pem,
                                    const char* key_id, const char* key_version);
/* Verifies an export zip against the pinned keys, matches it and stores the result.
 * GL_ERR_ALREADY_EXISTS for an export processed before. matched_keys may be NULL. */
gl_status gl_client_process_export(gl_client* client, const uint8_t* zip, size_t zip_len,
                                   uint32_t* matched_keys);
/* Fetches base_url/v1/exports/index.txt and all new exports (through the transport).
 * processed (may be NULL) receives the number of exports processed. Returns
 * GL_ERR_UNAVAILABLE when some exports could not be fetched or verified (the others were
 * processed; the failed ones are tried again on the next sync).
 * With a transparency log required (gl_client_require_log), the log is verified first and
 * an export is used only if the log covers it: GL_ERR_FAILED_PRECONDITION when some signed
 * exports were refused because they are not in the log (evidence kept, colour unchanged),
 * GL_ERR_UNAVAILABLE when the log itself did not verify (only exports covered by the last
 * verified checkpoint were used). */
gl_status gl_client_sync(gl_client* client, const char* base_url, uint32_t* processed);
/* The regions whose keys gl_client_sync also downloads (docs/federation.md "Phones"):
 * regions is a comma-separated list of region codes as the server's --region names them
 * ("AA,CC"; 2..8 characters of [A-Z0-9] each), "" or NULL for none (only the own feed, the
 * default). From then on gl_client_sync reads base_url/v1/exports/index.txt and, for each
 * region, base_url/v1/federated/<REGION>/index.txt: the keys of that region as the phone's
 * own server republishes them, signed by the same pinned key and covered by the same log. A
 * region feed that cannot be listed (e.g. not a partner of the server) makes gl_client_sync
 * return GL_ERR_UNAVAILABLE naming it, after the other feeds were processed.
 * GL_ERR_INVALID_ARGUMENT for a malformed list (the previous choice stays). The choice
 * belongs to the handle (copied; not stored in the database): set it after every open.
 * Same threading as every call on the handle. */
gl_status gl_client_set_regions(gl_client* client, const char* regions);

/* Requires the transparency log (docs/transparency.md) from now on: log_vkey is the log's
 * verifier key "NAME+HASH+KEY" (pinned in the app), origin the checkpoint origin (NULL: the
 * key's name). Loads the stored log state; GL_ERR_INVALID_ARGUMENT for a bad key. Cannot be
 * undone for this handle. */
gl_status gl_client_require_log(gl_client* client, const char* log_vkey, const char* origin);
/* Size of the verified log tree and the number of evidence records kept (misbehaviour of
 * the log: forks, shrunk trees, content offered that the log does not cover). Either
 * pointer may be NULL. GL_ERR_FAILED_PRECONDITION without gl_client_require_log. */
gl_status gl_client_log_status(gl_client* client, uint64_t* tree_size, uint32_t* evidence_count);

/* Records the user's own verified positive test (RED for the isolation period). */
gl_status gl_client_set_positive_test(gl_client* client, int64_t test_time);

/* The colour now. info may be NULL. explanation receives a NUL-terminated sentence;
 * *explanation_len: capacity in, bytes needed (with NUL) out. explanation may be NULL with
 * *explanation_len 0 to query the size. */
gl_status gl_client_colour(gl_client* client, gl_colour_info* info, char* explanation,
                           size_t* explanation_len);

/* The own keys to upload after a positive test (last 14 days, never the still-valid key
 * unless release_current_key is non-zero, which rotates it). *count: capacity in, number
 * of keys out. */
gl_status gl_client_keys_for_upload(gl_client* client, int release_current_key, gl_tek* keys,
                                    size_t* count);

/* Deletes data older than 14 days and truncates the WAL. */
gl_status gl_client_run_retention(gl_client* client);

/* Replaces the risk configuration with a JSON one (see greenlight/client/risk.h). */
gl_status gl_client_set_risk_config_json(gl_client* client, const char* json);

/* ---- Transport ---------------------------------------------------------------------------
 * The app's own HTTP stack (URLSession, OkHttp, ...). One callback serves GET and POST:
 * method is "GET" or "POST", url an absolute URL, headers header_count name/value pairs
 * (NUL-terminated), body body_len bytes (NULL for GET). All inputs are valid only during
 * the call. The callback fills the response through gl_http_response_set_status,
 * gl_http_response_add_header and gl_http_response_set_body (the library copies), and
 * returns GL_OK when the server answered with any HTTP status, or GL_ERR_UNAVAILABLE /
 * GL_ERR_IO when no answer arrived (DNS, TLS, timeout, connection lost).
 * Threading: the callback runs synchronously on the thread that called the gl_client
 * function (sync, log sync, venue sync, upload, chaff), with the handle's lock held: it
 * must block until the answer is complete and must not call into the same gl_client.
 * user_data must stay valid until the transport is replaced or the client closed. */
typedef struct gl_http_response gl_http_response;

typedef gl_status (*gl_http_send_fn)(void* user_data, const char* method, const char* url,
                                     const char* const* header_names,
                                     const char* const* header_values, size_t header_count,
                                     const uint8_t* body, size_t body_len,
                                     gl_http_response* response);

void gl_http_response_set_status(gl_http_response* response, int status);
gl_status gl_http_response_add_header(gl_http_response* response, const char* name,
                                      const char* value);
gl_status gl_http_response_set_body(gl_http_response* response, const uint8_t* body,
                                    size_t body_len);

/* Registers the app's transport (send NULL: back to the built-in client). */
gl_status gl_client_set_transport(gl_client* client, gl_http_send_fn send, void* user_data);
/* The built-in client trusts only the CA certificates in this PEM file for https:// (NULL:
 * the system trust store). */
gl_status gl_client_set_ca_file(gl_client* client, const char* ca_file);

/* ---- Upload (docs/client.md "Upload") ---------------------------------------------------
 * gl_client_upload fixes the key set (the last 14 days; release_current_key non-zero also
 * releases today's key), exchanges the code for a token and a certificate and publishes.
 * The state is kept in the device database: after a crash or a network failure
 * gl_client_upload_resume continues where it stopped; a publish is never sent twice
 * with different keys and a replay the server refuses is reported as published with
 * already_uploaded set. status (may be NULL) receives where the upload stands.
 * Returns GL_OK when the upload was published; GL_ERR_AUTHENTICATION for a wrong or used
 * code (failure GL_UPLOAD_INVALID_CODE) or an expired authorisation;
 * GL_ERR_FAILED_PRECONDITION for an expired code or when another upload is unfinished;
 * GL_ERR_RESOURCE_EXHAUSTED for too many attempts; GL_ERR_UNAVAILABLE / GL_ERR_IO when the
 * network failed (stage kept: resume later). gl_last_error says what happened. */
typedef enum gl_upload_stage {
  GL_UPLOAD_NONE = 0,
  GL_UPLOAD_STARTED = 1,
  GL_UPLOAD_VERIFIED = 2,
  GL_UPLOAD_CERTIFIED = 3,
  GL_UPLOAD_PUBLISHED = 4,
  GL_UPLOAD_FAILED = 5
} gl_upload_stage;

typedef enum gl_upload_failure {
  GL_UPLOAD_FAILURE_NONE = 0,
  GL_UPLOAD_INVALID_CODE = 1,
  GL_UPLOAD_EXPIRED_CODE = 2,
  GL_UPLOAD_TOO_MANY_ATTEMPTS = 3,
  GL_UPLOAD_EXPIRED_AUTHORISATION = 4,
  GL_UPLOAD_REJECTED = 5,
  GL_UPLOAD_PROTOCOL = 6
} gl_upload_failure;

typedef struct gl_upload_status {
  gl_upload_stage stage;
  gl_upload_failure failure;
  int64_t started_at; /* UTC seconds; 0 for GL_UPLOAD_NONE */
  int64_t updated_at;
  uint32_t keys;        /* own keys in the upload */
  uint32_t inserted;    /* keys the server stored new (GL_UPLOAD_PUBLISHED) */
  int already_uploaded; /* non-zero: published, learnt from a refused replay */
} gl_upload_status;

gl_status gl_client_upload(gl_client* client, const char* base_url, const char* code,
                           int release_current_key, gl_upload_status* status);
gl_status gl_client_upload_resume(gl_client* client, const char* base_url,
                                  gl_upload_status* status);
/* No network. */
gl_status gl_client_upload_status(gl_client* client, gl_upload_status* status);

/* ---- Chaff (docs/client.md "Chaff") ------------------------------------------------------
 * Fake upload flows at exponentially distributed times (mean interval in seconds, default
 * three days), indistinguishable on the network from a real upload; a real upload takes the
 * place of the next fake. The app calls gl_client_chaff_run_due from its background task;
 * nothing runs by itself. */
gl_status gl_client_set_chaff_interval(gl_client* client, double mean_interval_seconds);
/* The next due time (UTC seconds); either pointer may be NULL. */
gl_status gl_client_chaff_next_due(gl_client* client, int64_t* next_due);
/* If due, runs one chaff flow against base_url (or skips it for a real upload) and draws
 * the next time. ran (may be NULL) is set to 1 when a flow was sent. */
gl_status gl_client_chaff_run_due(gl_client* client, const char* base_url, int* ran);

#ifdef __cplusplus
}
#endif

#endif /* GREENLIGHT_GREENLIGHT_H_ */
