#!/usr/bin/env bash
# `greenlight server run` with a transparency log, then `greenlight log audit` against it
# (docs/transparency.md, docs/cli.md): keygen -> run with --log-key-file on a free port ->
# publish an export -> audit over HTTP and over the directory -> OK and exit 0; a wrong key,
# a file served behind the log's back and bad log flags fail with one error line.
# Usage: log_cli_test.sh GREENLIGHT_BINARY WORK_DIR
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
# start_server NAME ARGS...: starts `greenlight ARGS` in the background (server_pid), its
# stdout in $work/NAME.out and stderr in $work/NAME.err, and waits for its log line.
start_server() {
  local name=$1
  shift
  "$bin" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  for _ in $(seq 1 100); do
    grep -q '^transparency log' "$work/$name.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
}
# expect_error NAME TEXT: non-zero exit and exactly one stderr line containing TEXT.
expect_error() {
  [ "$status" -ne 0 ] || fail "$1: exit 0, expected an error"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$1: expected one error line, got: $err"
  case "$err" in *"$2"*) ;; *) fail "$1: error '$err' does not mention '$2'" ;; esac
}

origin=greenlight.test/log
run "$bin" log keygen --name "$origin" --out "$work/log.key"
expect_ok "log keygen"
vkey=$out
case "$vkey" in "$origin+"*) ;; *) fail "log keygen printed '$vkey'" ;; esac
printf '%s\n' "$vkey" >"$work/log.vkey"
run "$bin" log keygen --name "$origin" --out "$work/other.key"
expect_ok "second log keygen"
other_vkey=$out
run "$bin" server keygen --out "$work/export.pem"
expect_ok "export keygen"
run "$bin" server keygen --out "$work/authority.pem"
expect_ok "authority keygen"
printf '# health authority\nhealth-authority-cli-key-0001\n' >"$work/ha.key"
printf 'admin-cli-test-key-00000000001\n' >"$work/admin.key"

common=(server run --db "$work/server.db" --export-dir "$work/site" --signing-key "$work/export.pem"
  --authority-key "$work/authority.pem" --ha-api-key-file "$work/ha.key"
  --admin-api-key-file "$work/admin.key" --listen 127.0.0.1:0 --export-period 0)

# --- bad log flags: one error line, nothing started ---
run "$bin" "${common[@]}" --log-db "$work/log.db"
expect_error "log db without key" "--log-key-file"
run "$bin" "${common[@]}" --log-key-file "$work/log.vkey"
expect_error "verifier key as signer key" "expected a signer key"
run "$bin" "${common[@]}" --log-key-file "$work/missing.key"
expect_error "missing key file" "cannot read $work/missing.key"
run "$bin" "${common[@]}" --log-key-file "$work/log.key" --log-db "postgresql://127.0.0.1/x"
expect_error "log db on PostgreSQL apart from --db" "a PostgreSQL log lives in the server database"

# --- a server with the log on a free port ---
start_server server "${common[@]}" --log-key-file "$work/log.key" --log-db "$work/log.db"
listen=$(sed -n 1p "$work/server.out")
case "$listen" in
  "listening on 127.0.0.1:"*) ;;
  *) fail "server did not start: '$listen' $(cat "$work/server.err")" ;;
esac
port=${listen##*:}
[ "$(sed -n 2p "$work/server.out")" = "transparency log $origin: 0 leaves, verifier key $vkey" ] ||
  fail "second line: $(sed -n 2p "$work/server.out")"
url="http://127.0.0.1:$port"

run "$bin" log audit --server "$url" --log-key "$vkey"
expect_ok "audit of the empty log"
case "$out" in "OK: log of 0 leaves"*) ;; *) fail "empty audit: $out" ;; esac

# Publish: a venue host warns the guests of an hour two hours ago (health-authority code of
# purpose venue_host); the next export run publishes the venue owner policy and the warning
# batch, each logged before it is served. (An export of an empty window publishes no file.)
run "$bin" venue create --name "Log Cafe" --valid-from 2024-01-01 --out-dir "$work/venue"
expect_ok "venue create"
run "$bin" server issue-code --url "127.0.0.1:$port" --api-key-file "$work/ha.key" --purpose venue_host
expect_ok "issue-code"
code=${out%% *}
now=$(date -u +%s)
run "$bin" venue warn --secret "$work/venue/venue.secret" --code "$code" --from $((now - 3 * 3600)) \
  --until $((now - 2 * 3600)) --url "127.0.0.1:$port"
expect_ok "venue warn"
run "$bin" server export-now --url "127.0.0.1:$port" --admin-api-key-file "$work/admin.key"
expect_ok "export-now"
[ -s "$work/site/v1/venues/index.txt" ] || fail "no venue index after export-now"

index=(--index v1/exports/index.txt --index v1/venues/index.txt)
run "$bin" log audit --server "$url" --log-key "$vkey" --state "$work/audit.state" "${index[@]}"
expect_ok "audit over HTTP"
case "$out" in
  "OK: log of 2 leaves (1 VENUE_WARNING_BATCH, 1 VENUE_OWNER_POLICY)"*", 1 served files logged, 1 logged batches served") ;;
  *) fail "audit over HTTP: $out" ;;
esac
[ -s "$work/audit.state" ] || fail "audit did not write its state"
run "$bin" log audit --dir "$work/site" --log-key "$work/log.vkey" --state "$work/audit.state" "${index[@]}"
expect_ok "audit of the directory"
case "$out" in "OK: log of 2 leaves"*"extends the audited size 2"*) ;; *) fail "dir audit: $out" ;; esac

# Someone else's key: the checkpoint does not verify.
run "$bin" log audit --server "$url" --log-key "$other_vkey"
[ "$status" -ne 0 ] || fail "audit with another key: exit 0"
case "$out" in "FAIL:"*) ;; *) fail "audit with another key: $out" ;; esac

# A file served behind the log's back (a copy of the site with an extra indexed export).
cp -r "$work/site" "$work/rogue-site"
cp "$work/export.pem" "$work/rogue-site/v1/exports/9999999999-9999999999-00001.zip"
echo "v1/exports/9999999999-9999999999-00001.zip" >>"$work/rogue-site/v1/exports/index.txt"
run "$bin" log audit --dir "$work/rogue-site" --log-key "$vkey" "${index[@]}"
[ "$status" -ne 0 ] || fail "audit of a site with an unlogged file: exit 0"
case "$out" in "FAIL:"*) ;; *) fail "rogue audit: $out" ;; esac
printf '%s\n' "$out" | grep -q "9999999999-9999999999-00001.zip" || fail "rogue audit names no file: $out"

# Suppression (A17): the logged venue batch and its index line deleted together -> FAIL.
cp -r "$work/site" "$work/hidden-site"
batch=$(head -n1 "$work/hidden-site/v1/venues/index.txt")
rm -f "$work/hidden-site/$batch"
: >"$work/hidden-site/v1/venues/index.txt"
run "$bin" log audit --dir "$work/hidden-site" --log-key "$vkey" "${index[@]}"
[ "$status" -eq 1 ] || fail "audit of a site withholding a logged batch: exit $status"
case "$out" in "FAIL:"*"is not served"*) ;; *) fail "withheld-batch audit: $out" ;; esac
# A listed batch replaced by junk, and a listed batch that is missing -> FAIL, not a warning.
cp -r "$work/site" "$work/junk-site"
echo junk >"$work/junk-site/$batch"
run "$bin" log audit --dir "$work/junk-site" --log-key "$vkey" "${index[@]}"
[ "$status" -eq 1 ] || fail "audit of a site serving junk: exit $status"
rm -f "$work/junk-site/$batch"
run "$bin" log audit --dir "$work/junk-site" --log-key "$vkey" "${index[@]}"
[ "$status" -eq 1 ] || fail "audit of a site missing a listed batch: exit $status"
case "$out" in "FAIL:"*"cannot be read"*) ;; *) fail "missing-file audit: $out" ;; esac

# The log survives a restart: same key, same file, two leaves (owner policy and batch).
kill "$server_pid"
wait "$server_pid"
[ $? -eq 0 ] || fail "server exit code after SIGTERM"
server_pid=
start_server server2 "${common[@]}" --log-key-file "$work/log.key" --log-db "$work/log.db"
[ "$(sed -n 2p "$work/server2.out")" = "transparency log $origin: 2 leaves, verifier key $vkey" ] ||
  fail "after restart: $(cat "$work/server2.out" "$work/server2.err")"
# Another key for the same log file is refused.
cleanup
server_pid=
run "$bin" "${common[@]}" --log-key-file "$work/other.key" --log-db "$work/log.db"
expect_error "another key on an existing log" "was signed with another key"

# --log-db equal to --db keeps the log's tables in the server database (how several instances
# on one PostgreSQL database share one log): no separate file, and the log persists there.
instore=(server run --db "$work/instore.db" --export-dir "$work/instore-site" --signing-key
  "$work/export.pem" --authority-key "$work/authority.pem" --ha-api-key-file "$work/ha.key"
  --admin-api-key-file "$work/admin.key" --listen 127.0.0.1:0 --export-period 0)
start_server instore "${instore[@]}" --log-key-file "$work/log.key" --log-db "$work/instore.db"
case "$(sed -n 2p "$work/instore.out")" in
  "transparency log $origin: "*" leaves, verifier key $vkey") ;;
  *) fail "log in the server database: $(cat "$work/instore.out" "$work/instore.err")" ;;
esac
[ ! -e "$work/instore.log.db" ] || fail "a log file was created next to the server database"
cleanup
server_pid=
run "$bin" "${instore[@]}" --log-key-file "$work/other.key" --log-db "$work/instore.db"
expect_error "another key on the log in the server database" "was signed with another key"

if [ "$failures" -ne 0 ]; then
  echo "$failures log CLI check(s) failed" >&2
  exit 1
fi
echo "all log CLI checks passed"
