#!/usr/bin/env bash
# Two `greenlight server run` processes federating on loopback (docs/federation.md): a phone
# uploads a key at A (region AA); B (region BB, --federate-from AA=URL,PEM) pulls A's export on
# its export run and republishes it, signed by B, under v1/federated/AA/; B's own feed stays
# empty (nothing can flow back to A); bad --federate-from and --api flags give one error line.
# Usage: federation_cli_test.sh GREENLIGHT_BINARY WORK_DIR
set -u
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
pids=()

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
}
trap cleanup EXIT
run() {
  out=$("$@" 2>"$work/stderr")
  status=$?
  err=$(cat "$work/stderr")
}
expect_ok() {
  [ "$status" -eq 0 ] || fail "$1: exit $status, stderr: $err, stdout: $out"
}
expect_error() {
  [ "$status" -ne 0 ] || fail "$1: exit 0, expected an error (stdout: $out)"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$1: expected one error line, got: $err"
  case "$err" in *"$2"*) ;; *) fail "$1: error '$err' does not mention '$2'" ;; esac
}

for s in a b; do
  run "$bin" server keygen --out "$work/$s-export.pem" --public-out "$work/$s-export.pub.pem"
  expect_ok "export keygen $s"
  run "$bin" server keygen --out "$work/$s-authority.pem"
  expect_ok "authority keygen $s"
  printf 'health-authority-%s-key-0000001\n' "$s" >"$work/$s-ha.key"
  printf 'admin-%s-federation-key-00000001\n' "$s" >"$work/$s-admin.key"
done
common() { # common SERVER
  printf '%s\n' server run --db "$work/$1.db" --export-dir "$work/$1-site" \
    --signing-key "$work/$1-export.pem" --authority-key "$work/$1-authority.pem" \
    --ha-api-key-file "$work/$1-ha.key" --admin-api-key-file "$work/$1-admin.key" \
    --listen 127.0.0.1:0 --export-period 0 --time-granularity 1 --min-keys 0 --padding-range 0
}
mapfile -t common_a < <(common a)
mapfile -t common_b < <(common b)

# start NAME ARGS...: starts a server, sets port.
start() {
  local name=$1
  shift
  "$bin" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q '^transparency log' "$work/$name.out" 2>/dev/null && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  local listen
  listen=$(sed -n 1p "$work/$name.out")
  case "$listen" in
    "listening on 127.0.0.1:"*) port=${listen##*:} ;;
    *)
      fail "server $name did not start: '$listen' $(cat "$work/$name.err")"
      exit 1
      ;;
  esac
}

# --- bad flags: one error line, nothing started ---
run "$bin" "${common_b[@]}" --region BB --federate-from "AA=http://127.0.0.1:1"
expect_error "federate-from without PEM" "REGION=URL,PEMFILE"
run "$bin" "${common_b[@]}" --region BB --federate-from "AA=http://127.0.0.1:1,$work/missing.pem"
expect_error "federate-from missing PEM" "cannot read $work/missing.pem"
run "$bin" "${common_b[@]}" --region BB --federate-from "BB=http://127.0.0.1:1,$work/a-export.pub.pem"
expect_error "federate-from own region" "differ from --region"
run "$bin" "${common_b[@]}" --api google
expect_error "unknown --api" "--api"
run "$bin" "${common_b[@]}" --en-health-authority-id com.example
expect_error "--en-* without --api google-en" "--api google-en"

start a "${common_a[@]}" --region AA
port_a=$port
url_a="http://127.0.0.1:$port_a"
start b "${common_b[@]}" --region BB --federate-from "AA=$url_a,$work/a-export.pub.pem"
port_b=$port

# --- a phone of AA tests positive and uploads the key of two days ago at A ---
now=$(date -u +%s)
# The day before yesterday: the server embargoes a key until 2 h after its day ends, so a
# key of yesterday would not be exported when the test runs between 00:00 and 02:00 UTC.
t0=$((now - now % 86400 - 2 * 86400 + 36000))
P=(--dir "$work/phone")
run "$bin" phone init "${P[@]}"
expect_ok "phone init"
run "$bin" phone advertise "${P[@]}" --now "$t0"
expect_ok "advertise"
run "$bin" server issue-code --url "127.0.0.1:$port_a" --api-key-file "$work/a-ha.key"
expect_ok "issue-code at A"
code=${out%% *}
run "$bin" phone upload "${P[@]}" --server "$url_a" --code "$code"
expect_ok "upload at A"
sleep 1
run "$bin" server export-now --url "127.0.0.1:$port_a" --admin-api-key-file "$work/a-admin.key"
expect_ok "export at A"
case "$out" in *'"real_keys":1'*) ;; *) fail "export at A: $out" ;; esac

# --- B's export run pulls A and republishes under v1/federated/AA/ ---
run "$bin" server export-now --url "127.0.0.1:$port_b" --admin-api-key-file "$work/b-admin.key"
expect_ok "export at B"
index="$work/b-site/v1/federated/AA/index.txt"
[ -s "$index" ] || fail "B wrote no federated index for AA"
file=$(sed -n 1p "$index" 2>/dev/null)
case "$file" in v1/federated/AA/*.zip) ;; *) fail "federated index lists '$file'" ;; esac
run "$bin" export inspect --public-key "$work/b-export.pub.pem" "$work/b-site/$file"
expect_ok "inspect the federated file with B's key"
case "$out" in *"region: AA"*"keys: 1 "*) ;; *) fail "federated file: $out" ;; esac
grep -q federation_pulled "$work/b.err" || fail "B did not log the pull: $(cat "$work/b.err")"
# B's own feed holds no key: A pulling from B would get nothing back.
[ ! -s "$work/b-site/v1/exports/index.txt" ] || fail "B's own index is not empty"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "federation CLI tests passed"
