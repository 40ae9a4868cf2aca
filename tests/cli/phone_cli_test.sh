#!/usr/bin/env bash
# `greenlight phone` end to end (docs/cli.md "phone"): a server with a transparency log on a
# free port; phones A and B (each a folder) hear each other's advertisements for 30 minutes
# at close range two days ago; B pins the export key and the log and syncs; B checked in at a
# venue whose host then warns the guests: after the export B syncs and turns YELLOW (first
# line), and GREEN again when the warning has expired. A tests positive: its upload is
# interrupted by a server that is down (exit 75, resumable), `phone upload-status` says so,
# `phone upload --resume` publishes; after the export B syncs and turns RED. The used code is
# refused for B (one line, exit 1); `phone chaff` completes and the next export holds no
# key. Bad input gives one error line and exit != 0.
# Usage: phone_cli_test.sh GREENLIGHT_BINARY WORK_DIR
set -u
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
server_pid=

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
}
trap cleanup EXIT
# run CMD...: sets out (stdout), err (stderr) and status.
run() {
  out=$("$@" 2>"$work/stderr")
  status=$?
  err=$(cat "$work/stderr")
}
expect_ok() {
  [ "$status" -eq 0 ] || fail "$1: exit $status, stderr: $err, stdout: $out"
}
# expect_error NAME TEXT: non-zero exit and exactly one stderr line containing TEXT.
expect_error() {
  [ "$status" -ne 0 ] || fail "$1: exit 0, expected an error (stdout: $out)"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$1: expected one error line, got: $err"
  case "$err" in *"$2"*) ;; *) fail "$1: error '$err' does not mention '$2'" ;; esac
}
first_line() { printf '%s\n' "$1" | sed -n 1p; }

# --- the server: export key, authority key, API keys, a transparency log ---
run "$bin" server keygen --out "$work/export.pem" --public-out "$work/export.pub.pem"
expect_ok "export keygen"
run "$bin" server keygen --out "$work/authority.pem" --public-out "$work/authority.pub.pem"
expect_ok "authority keygen"
run "$bin" log keygen --name greenlight.test/phone-log --out "$work/log.key"
expect_ok "log keygen"
vkey=$out
printf '# health authority\nhealth-authority-phone-key-01\n' >"$work/ha.key"
printf 'admin-phone-test-key-000000001\n' >"$work/admin.key"
"$bin" server run --db "$work/server.db" --export-dir "$work/site" --signing-key "$work/export.pem" \
  --authority-key "$work/authority.pem" --ha-api-key-file "$work/ha.key" \
  --admin-api-key-file "$work/admin.key" --listen 127.0.0.1:0 --export-period 0 \
  --log-key-file "$work/log.key" --time-granularity 1 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^transparency log' "$work/server.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
listen=$(sed -n 1p "$work/server.out")
case "$listen" in
  "listening on 127.0.0.1:"*) ;;
  *)
    fail "server did not start: '$listen' $(cat "$work/server.err")"
    exit 1
    ;;
esac
port=${listen##*:}
url="http://127.0.0.1:$port"

# --- two phones; the contact is two days ago 10:00-10:30 UTC, everything else now ---
now=$(date -u +%s)
# The day before yesterday: the server embargoes a key until 2 h after its day ends, so a
# key of yesterday would not be exported when the test runs between 00:00 and 02:00 UTC.
t0=$((now - now % 86400 - 2 * 86400 + 36000))
A=(--dir "$work/phoneA")
B=(--dir "$work/phoneB")
run "$bin" phone init "${A[@]}"
expect_ok "init A"
run "$bin" phone init "${B[@]}"
expect_ok "init B"
run "$bin" phone init "${B[@]}"
expect_error "init twice" "already holds a phone"
run "$bin" phone colour "${B[@]}" --now "$t0"
expect_ok "colour before"
[ "$(first_line "$out")" = GREEN ] || fail "B before the contact: $out"

# Three 10-minute intervals, one rotating identifier each, heard once a minute at -60 dBm.
for i in 0 1 2; do
  t=$((t0 + 600 * i))
  run "$bin" phone advertise "${A[@]}" --now "$t"
  expect_ok "advertise A"
  payload_a=$out
  [[ "$payload_a" =~ ^[0-9a-f]{40}$ ]] || fail "advertise printed '$payload_a'"
  run "$bin" phone advertise "${B[@]}" --now "$t"
  expect_ok "advertise B"
  payload_b=$out
  run "$bin" phone hear "${B[@]}" --now "$t" --payload "$payload_a" --rssi -60 --minutes 10
  expect_ok "B hears A"
  [ "$out" = "recorded 10 sightings" ] || fail "hear printed '$out'"
  run "$bin" phone hear "${A[@]}" --now "$t" --payload "$payload_b" --rssi -60 --minutes 10
  expect_ok "A hears B"
done
# The same interval gives the same identifier.
run "$bin" phone advertise "${A[@]}" --now "$((t0 + 1200 + 30))"
[ "$out" = "$payload_a" ] || fail "advertise within one interval changed: $out vs $payload_a"

# --- B pins the export key, the authority's venue-warning key and the log; an empty sync ---
run "$bin" phone pin "${B[@]}" --public-key "$work/export.pub.pem" --key-id greenlight \
  --key-version v1 --log-key "$vkey" --venue-authority-key "$work/authority.pub.pem"
expect_ok "pin"
[ "$(first_line "$out")" = "pinned export key greenlight/v1" ] || fail "pin printed: $out"
printf '%s\n' "$out" | grep -qx "pinned venue-warning authority key" || fail "pin printed: $out"
run "$bin" phone sync "${B[@]}" --server "$url"
expect_ok "empty sync"
case "$out" in "exports: 0 new"*"log: verified, 0 leaves"*) ;; *) fail "empty sync: $out" ;; esac

# --- B checked in at a venue during the contact; its host warns the guests ---
run "$bin" venue create --name "Phone Cafe" --valid-from 2024-01-01 --out-dir "$work/venue"
expect_ok "venue create"
venue_url=$(cat "$work/venue/venue.url")
run "$bin" phone checkin "${B[@]}" --now "$t0" "$venue_url"
expect_ok "checkin"
case "$out" in "checked in at Phone Cafe"*) ;; *) fail "checkin printed: $out" ;; esac
run "$bin" server issue-code --url "127.0.0.1:$port" --api-key-file "$work/ha.key" --purpose venue_host
expect_ok "issue-code venue_host"
code=${out%% *}
run "$bin" venue warn --secret "$work/venue/venue.secret" --code "$code" --from "$((t0 - 1800))" \
  --until "$((t0 + 1800))" --url "127.0.0.1:$port"
expect_ok "venue warn"
run "$bin" server export-now --url "127.0.0.1:$port" --admin-api-key-file "$work/admin.key"
expect_ok "export-now"
run "$bin" phone sync "${B[@]}" --server "$url"
expect_ok "sync B"
case "$out" in *"log: verified, 2 leaves"*"venue warnings: 1 new batches, 1 new matches"*) ;;
  *) fail "sync B: $out" ;; esac
run "$bin" phone colour "${B[@]}"
expect_ok "colour B"
[ "$(first_line "$out")" = YELLOW ] || fail "B after the venue warning: $out"
run "$bin" phone colour "${A[@]}"
[ "$(first_line "$out")" = GREEN ] || fail "A did not check in: $out"
# The warning expires: 10 full days after the warned day.
run "$bin" phone colour "${B[@]}" --now "$((t0 + 12 * 86400))"
[ "$(first_line "$out")" = GREEN ] || fail "B 12 days later: $out"

# --- A tests positive and uploads; a lost connection first, then --resume ---
run "$bin" server issue-code --url "127.0.0.1:$port" --api-key-file "$work/ha.key"
expect_ok "issue-code"
code=${out%% *}
[[ "$code" =~ ^[0-9]+$ ]] || fail "issue-code printed '$out'"
run "$bin" phone upload-status "${A[@]}"
expect_ok "upload-status before"
[ "$out" = "upload: none" ] || fail "upload-status before: $out"
# Nothing listens on port 1: every attempt fails before the code reaches a server.
run "$bin" phone upload "${A[@]}" --server "http://127.0.0.1:1" --code "$code"
[ "$status" -eq 75 ] || fail "upload, server down: exit $status (expected 75), stderr: $err"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "upload, server down: not one line: $err"
case "$err" in *"unfinished (stage started)"*"--resume"*) ;; *) fail "upload, server down: $err" ;; esac
run "$bin" phone upload-status "${A[@]}"
expect_ok "upload-status interrupted"
case "$(first_line "$out")" in "upload: started; 1 key, 112 venue reports, 3 requests"*) ;;
  *) fail "upload-status interrupted: $out" ;; esac
run "$bin" phone upload "${A[@]}" --server "$url" --code "$code"
expect_error "second upload while one is unfinished" "resume"
run "$bin" phone upload "${A[@]}" --server "$url" --resume
expect_ok "upload --resume"
[ "$out" = "published 1 key (1 new) and 112 venue reports; report type confirmed" ] ||
  fail "upload --resume printed: $out"
run "$bin" phone upload-status "${A[@]}"
case "$(first_line "$out")" in "upload: published; 1 key"*) ;; *) fail "upload-status after: $out" ;; esac
sleep 1 # export windows end on whole seconds (--time-granularity 1): the upload's is closed
run "$bin" server export-now --url "127.0.0.1:$port" --admin-api-key-file "$work/admin.key"
expect_ok "export-now after the upload"
case "$out" in *'"real_keys":1'*) ;; *) fail "export after the upload: $out" ;; esac
run "$bin" phone sync "${B[@]}" --server "$url"
expect_ok "sync B after the upload"
case "$out" in "exports: 1 new"*"1 matched"*"log: verified"*) ;;
  *) fail "sync B after the upload: $out" ;; esac
run "$bin" phone colour "${B[@]}"
expect_ok "colour B after the upload"
[ "$(first_line "$out")" = RED ] || fail "B after A's upload: $out"

# --- the used code is refused; chaff publishes nothing ---
run "$bin" phone upload "${B[@]}" --server "$url" --code "$code"
expect_error "reused code" "wrong or was already used"
[ "$status" -eq 1 ] || fail "reused code: exit $status (expected 1)"
run "$bin" phone upload "${B[@]}" --server "$url" --code 12ab
expect_error "code not digits" "decimal digits"
run "$bin" phone upload "${B[@]}" --server "$url"
expect_error "neither --code nor --resume" "--resume"
run "$bin" phone chaff "${A[@]}" --server "$url"
expect_ok "chaff"
[ "$out" = "chaff flow sent: 3 requests, nothing published" ] || fail "chaff printed: $out"
run "$bin" phone chaff "${A[@]}" --server "http://127.0.0.1:1"
expect_error "chaff, server down" "did not answer"
sleep 1
run "$bin" server export-now --url "127.0.0.1:$port" --admin-api-key-file "$work/admin.key"
expect_ok "export-now after chaff"
case "$out" in *'"real_keys":0'*) ;; *) fail "export after chaff: $out" ;; esac

# --- one error line and exit != 0 for bad input ---
run "$bin" phone colour --dir "$work/nophone"
expect_error "no phone" "phone init"
run "$bin" phone hear "${B[@]}" --payload 00ff --rssi -60
expect_error "short payload" "--payload"
run "$bin" phone advertise "${B[@]}" --now 2024-13-01
expect_error "bad --now" "--now"
run "$bin" phone pin "${B[@]}" --public-key "$work/export.pem" --key-id x --key-version v1
expect_error "private key as public key" "--public-key"
run "$bin" phone pin "${B[@]}" --public-key "$work/export.pub.pem" --key-id greenlight \
  --key-version v1 --log-key "other.test/log+00000000+AAAA"
expect_error "bad log key" "--log-key"
run "$bin" phone checkin "${B[@]}" "https://example.org/#not-a-venue"
expect_error "bad venue URL" "checkin"
run "$bin" phone advertise "${B[@]}" --now 2024-03-01T10:00:00Z
expect_ok "ISO --now"

if [ "$failures" -ne 0 ]; then
  echo "$failures phone CLI check(s) failed" >&2
  exit 1
fi
echo "all phone CLI checks passed"
