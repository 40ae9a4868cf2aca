/* Shared pieces of the C API tests written in C (tests/client/c_api_*_test.c,
 * tests/venue/venue_c_api_day.c): a settable test clock, an EXPECT macro that returns the
 * failing line, the first test day, and removal of a SQLite database with its side files.
 * Header-only (static functions); include after <stdio.h> and <unistd.h>. */
#ifndef GREENLIGHT_TESTS_C_TEST_SUPPORT_H
#define GREENLIGHT_TESTS_C_TEST_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static int64_t g_now;

static int64_t test_now(void* user_data) {
  (void)user_data;
  return g_now;
}

#define EXPECT(condition)                                                      \
  do {                                                                         \
    if (!(condition)) {                                                        \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition); \
      return __LINE__;                                                         \
    }                                                                          \
  } while (0)

enum { kDay0 = 1714521600 }; /* 2024-05-01T00:00:00Z */

/* Removes dir/name and its -wal, -shm and -journal files. */
static inline void remove_database(const char* dir, const char* name) {
  static const char* const suffixes[] = {"", "-wal", "-shm", "-journal"};
  char path[512];
  size_t i;
  for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; ++i) {
    snprintf(path, sizeof path, "%s/%s%s", dir, name, suffixes[i]);
    unlink(path);
  }
}

#endif
