#!/usr/bin/env bash
# `greenlight venue` command-line contract (docs/venues.md "CLI"): create -> decode the PNG with
# zbar -> same fields and tag as the URL; one-line errors and non-zero exit codes on bad input.
# Usage: venue_cli_test.sh GREENLIGHT_BINARY WORK_DIR
set -u
bin="$1"
work="$2"
rm -rf "$work" && mkdir -p "$work"
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

out="$("$bin" venue create --name "Café Rose <&>" --address "1 High St" --type food_service \
  --minutes 90 --valid-from 2024-01-01 --valid-until 2030-01-01T00:00Z --out-dir "$work/rose" 2>/dev/null)"
[ $? -eq 0 ] || fail "create exit code"
case "$out" in
  https://greenlight.example/v1/venue#*) ;;
  *) fail "create printed '$out'" ;;
esac
[ "$(cat "$work/rose/venue.url")" = "$out" ] || fail "venue.url differs from stdout"
[ "$(stat -c %a "$work/rose/venue.secret")" = "600" ] || fail "venue.secret is not 0600"
for f in poster.png poster.svg; do [ -s "$work/rose/$f" ] || fail "$f missing"; done
# The owner key lives in venue.secret only, with a warning to keep it; never on the poster.
head -n 1 "$work/rose/venue.secret" | grep -qx "greenlight-venue-secret v2" || fail "secret header"
grep -q "^# KEEP THIS FILE SECRET" "$work/rose/venue.secret" || fail "secret warning text"
owner="$(sed -n 's/^owner-key: //p' "$work/rose/venue.secret")"
[ "${#owner}" -eq 43 ] || fail "owner-key line: '$owner'"
for f in venue.url poster.svg; do
  ! grep -qF -- "$owner" "$work/rose/$f" || fail "owner key found in $f"
done
"$bin" venue create --name "Keep" --out-dir "$work/keep" 2>&1 >/dev/null |
  grep -q "KEEP .*venue.secret SECRET AND SAFE" || fail "create does not warn about the secret"

from_png="$("$bin" venue decode "$work/rose/poster.png")" || fail "decode png exit code"
from_url="$("$bin" venue decode "$out")" || fail "decode url exit code"
[ "$from_png" = "$from_url" ] || fail "png and url decode differently"
grep -qx "name: Café Rose <&>" <<<"$from_png" || fail "name line: $from_png"
grep -qx "type: food_service" <<<"$from_png" || fail "type line"
grep -qx "default_checkin_minutes: 90" <<<"$from_png" || fail "minutes line"
grep -qx "valid_from: 1704067200 (2024-01-01T00:00:00Z)" <<<"$from_png" || fail "valid_from line"
grep -qE "^location_tag: [0-9a-f]{64}$" <<<"$from_png" || fail "tag line"
grep -qx "version: 2" <<<"$from_png" || fail "version line"

# Never overwrites a venue; bad input gives one line on stderr and exit code 1.
expect_error() {
  local name="$1"
  shift
  local err
  err="$("$@" 2>&1 >/dev/null)"
  local rc=$?
  [ $rc -ne 0 ] || fail "$name: exit code 0"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$name: expected one line, got '$err'"
  grep -q "^greenlight: error: " <<<"$err" || fail "$name: '$err'"
  last_error=$err
}
# expect_named NAME TEXT: the last error holds TEXT (the option at fault).
expect_named() {
  grep -qF -- "$2" <<<"$last_error" || fail "$1: '$last_error' does not say '$2'"
}
expect_error "existing dir" "$bin" venue create --name X --out-dir "$work/rose"
expect_error "bad type" "$bin" venue create --name X --type bar --out-dir "$work/x1"
expect_error "bad minutes" "$bin" venue create --name X --minutes 0 --out-dir "$work/x2"
expect_named "bad minutes" "--minutes: default_checkin_minutes must be 1..1440, got 0"
expect_error "bad date" "$bin" venue create --name X --valid-from 2024-13-01 --out-dir "$work/x3"
expect_error "empty name" "$bin" venue create --name "" --out-dir "$work/x4"
expect_named "empty name" "--name: description must have 1..100 characters, got 0"
expect_error "valid until before from" "$bin" venue create --name X --valid-from 2027-01-01 \
  --valid-until 2026-01-01 --out-dir "$work/x5"
expect_named "valid until before from" "--valid-from: valid_from (1798761600) must be before"
expect_error "bad url" "$bin" venue decode "https://greenlight.example/v1/venue#AAAA"
expect_error "no fragment" "$bin" venue decode "https://greenlight.example/v1/venue"
expect_error "not a png" "$bin" venue decode "$work/rose/venue.url"
[ ! -e "$work/x1" ] && [ ! -e "$work/x2" ] || fail "a failed create left files behind"
# warn and release need the owner key: a version-1 secret (legacy poster) is refused offline.
payload="$(sed -n 's/^payload: //p' "$work/rose/venue.secret")"
printf 'greenlight-venue-secret v1\n%s\n' "$payload" >"$work/legacy.secret"
expect_error "legacy secret (warn)" "$bin" venue warn --secret "$work/legacy.secret" --code 1 \
  --from 2024-01-01 --until 2024-01-02 --url 127.0.0.1:9
expect_error "legacy secret (release)" "$bin" venue release --secret "$work/legacy.secret" \
  --code 1 --url 127.0.0.1:9
"$bin" venue release --secret "$work/legacy.secret" --code 1 --url 127.0.0.1:9 2>&1 |
  grep -q "create a new venue" || fail "legacy secret error does not say to make a new poster"

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "venue CLI: all checks passed"
