#!/usr/bin/env bash
# End-to-end tests of `greenlight keys` and `greenlight export` (docs/cli.md).
# Usage: cli_test.sh GREENLIGHT_BINARY TEST_DATA_DIR WORK_DIR
set -u
bin=$1
data=$2
work=$3
mkdir -p "$work"
failures=0
tek=75c734c6dd1a782de7a965da5eb93125

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
# run CMD...: sets out (stdout), err (stderr) and status.
run() {
  out=$("$@" 2>"$work/stderr")
  status=$?
  err=$(cat "$work/stderr")
}
expect_ok() {
  [ "$status" -eq 0 ] || fail "$1: exit $status, stderr: $err"
}
# expect_error NAME TEXT: non-zero exit and exactly one stderr line containing TEXT.
expect_error() {
  [ "$status" -ne 0 ] || fail "$1: exit 0, expected an error"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$1: expected one error line, got: $err"
  case "$err" in *"$2"*) ;; *) fail "$1: error '$err' does not mention '$2'" ;; esac
}
expect_line() {
  printf '%s\n' "$out" | grep -qxF -- "$2" || fail "$1: no line '$2' in output: $out"
}
expect_line_at() {
  [ "$(printf '%s\n' "$out" | sed -n "$2p")" = "$3" ] || fail "$1: line $2 is not '$3'"
}

# --- keys derive: the official GAEN vector set (reference/gaen.md 2a) ---
run "$bin" keys derive --tek $tek --interval 2642976 --count 144 --metadata 40080000
expect_ok "derive 144"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 144 ] || fail "derive 144: expected 144 lines"
expect_line_at "derive 144" 1 "2642976 8be6cd371c5c891604bfbe49df845096 72033874"
expect_line_at "derive 144" 2 "2642977 3c9a1de5dd6b02afa7fded7b570b3e56 c29211b1"
expect_line_at "derive 144" 73 "2643048 c19a30c39c9c3a089bcadde1c6699447 340aa382"
expect_line_at "derive 144" 144 "2643119 f431b62ecf443102ce4ed0407de54bd4 1215e57e"

# Defaults: one interval, metadata 40000000 (AEM = 72033874 ^ 40080000 ^ 40000000).
run "$bin" keys derive --tek $tek --interval 2642976
expect_ok "derive defaults"
[ "$out" = "2642976 8be6cd371c5c891604bfbe49df845096 720b3874" ] || fail "derive defaults: $out"

run "$bin" keys derive --tek 75c734c6dd1a782de7a965da5eb9312z --interval 1
expect_error "bad hex" "--tek"
run "$bin" keys derive --tek 75c734c6 --interval 1
expect_error "short tek" "expected 16 bytes of hex, got 4"
run "$bin" keys derive --tek $tek --interval 1 --metadata 4008
expect_error "short metadata" "--metadata"
run "$bin" keys derive --tek $tek --interval 1 --count 145
expect_error "count 145" "--count must be 1..144, got 145"
run "$bin" keys derive --tek $tek --interval 4294967295 --count 2
expect_error "interval overflow" "--interval"

# --- export build, then inspect ---
zip="$work/built.zip"
rm -f "$zip"
run "$bin" export build --keys "$data/cli/keys.json" --private-key "$data/cli/test_signing_key.pem" \
  -o "$zip" --region CH --key-id test_key --key-version v7
expect_ok "build"
[ -s "$zip" ] || fail "build: no output file"

run "$bin" export inspect "$zip" --public-key "$data/cli/test_signing_key_public.pem"
expect_ok "inspect built"
expect_line "inspect built" "start_timestamp: 1585785600 (2020-04-02T00:00:00Z)"
expect_line "inspect built" "end_timestamp: 1589988600 (2020-05-20T15:30:00Z)"
expect_line "inspect built" "region: CH"
expect_line "inspect built" "batch: 1/1"
expect_line "inspect built" "signature_info: key_id=test_key key_version=v7 algorithm=1.2.840.10045.4.3.2"
expect_line_at "inspect built" 8 "172fc480e598490c34177604339b1543 2649980 1 0 8 -"
expect_line_at "inspect built" 9 "75c734c6dd1a782de7a965da5eb93125 2642976 144 1 4 -2"
expect_line "inspect built" "2b63053ac483238de176169e861f3dcd 2649866 114 5 0 -"
[ "$(printf '%s\n' "$out" | tail -1)" = "signature: verified (key_id=test_key key_version=v7)" ] ||
  fail "inspect built: last line: $(printf '%s\n' "$out" | tail -1)"

run "$bin" export inspect "$zip" --public-key "$data/cli/test_signing_key_public.pem" \
  --key-id test_key --key-version v7
expect_ok "inspect with key id"
run "$bin" export inspect "$zip" --public-key "$data/cli/test_signing_key_public.pem" \
  --key-id test_key --key-version v8
expect_error "inspect wrong key version" "signature does not verify"
[ "$(printf '%s\n' "$out" | tail -1)" = "signature: NOT verified" ] || fail "wrong version: last line"
run "$bin" export inspect "$zip" --public-key "$data/cli/other_public.pem"
expect_error "inspect other key" "signature does not verify"

run "$bin" export inspect "$zip"
expect_ok "inspect without key"
[ "$(printf '%s\n' "$out" | tail -1)" = "signature: not checked (no --public-key)" ] ||
  fail "inspect without key: last line"

# 6 KB zip, 3,000,000 empty key messages (A27): with a key the signature fails before
# export.bin is parsed; without a key export.bin is over the unverified cap.
run "$bin" export inspect "$data/cli/empty_key_bomb.zip" --public-key "$data/cli/test_signing_key_public.pem"
expect_error "inspect key bomb with key" "signature does not verify"
[ "$(printf '%s\n' "$out" | tail -1)" = "signature: NOT verified" ] || fail "key bomb: printed $out"
run "$bin" export inspect "$data/cli/empty_key_bomb.zip"
expect_error "inspect key bomb without key" "export.bin must be at most 4194304 bytes"

# The published example (reference/gaen.md 3c) verifies with its SPKI key.
run "$bin" export inspect "$data/export/srv_example.zip" \
  --public-key "$data/export/srv_example_public.pem" --key-id some_id --key-version 1
expect_ok "inspect example"
expect_line "inspect example" "2b63053ac483238de176169e861f3dcd 2649866 114 0 1 -"
expect_line "inspect example" "signature: verified (key_id=some_id key_version=1)"

# --- errors ---
run "$bin" export inspect "$work/missing.zip"
expect_error "inspect missing file" "cannot read $work/missing.zip"
run "$bin" export inspect "$data/cli/keys.json"
expect_error "inspect not a zip" "not a valid zip archive"
run "$bin" export build --keys "$data/cli/bad_key.json" --private-key "$data/cli/test_signing_key.pem" -o "$work/bad.zip"
expect_error "build bad key" "keys[1].key must be 16 bytes"
[ ! -e "$work/bad.zip" ] || fail "build bad key: wrote an output file"
run "$bin" export build --keys "$work/missing.json" --private-key "$data/cli/test_signing_key.pem" -o "$work/bad.zip"
expect_error "build missing keys" "cannot read $work/missing.json"
run "$bin" export build --keys "$data/cli/keys.json" --private-key "$work/missing.pem" -o "$work/bad.zip"
expect_error "build missing private key" "cannot read $work/missing.pem"
run "$bin" export build --keys "$data/cli/keys.json" --private-key "$data/cli/test_signing_key_public.pem" -o "$work/bad.zip"
[ "$status" -ne 0 ] || fail "build with a public key as private key: exit 0"

# --- numbers out of range are refused by the option's name, not wrapped or run ---
run "$bin" sim run --seed -1 --people 100 --days 1 --out "$work/sim-bad"
expect_error "sim run --seed -1" "--seed: must not be negative, got -1"
run "$bin" sim compare --people -5 --out "$work/sim-bad"
expect_error "sim compare --people -5" "--people: must not be negative, got -5"
server_args=(server run --db "$work/server-bad.db" --export-dir "$work/server-bad"
  --signing-key "$data/cli/test_signing_key.pem")
run "$bin" "${server_args[@]}" --threads 0
expect_error "server run --threads 0" "--threads: must be positive, got 0"
run "$bin" "${server_args[@]}" --workers -2
expect_error "server run --workers -2" "--workers: must be positive, got -2"
run "$bin" "${server_args[@]}" --min-keys -1
expect_error "server run --min-keys -1" "--min-keys: must not be negative, got -1"
# Whole numbers are decimal: CLI11 read "010" as octal 8 and "0x10" as 16. An option that
# cannot be rewritten (a check) refuses the leading zero.
run "$bin" "${server_args[@]}" --threads 010
expect_error "server run --threads 010" "--threads: must be written without leading zeros, got 010"
run "$bin" "${server_args[@]}" --workers +0x10
expect_error "server run --workers +0x10" "--workers: must be a decimal number, got +0x10"
run "$bin" "${server_args[@]}" --min-keys 0x10
expect_error "server run --min-keys 0x10" "--min-keys: must be a decimal number, got 0x10"
run "$bin" "${server_args[@]}" --client-requests-per-minute -1
expect_error "server run --client-requests-per-minute -1" \
  "--client-requests-per-minute: must not be negative, got -1"
run "$bin" export build --keys "$data/cli/keys.json" --private-key "$data/cli/test_signing_key.pem" \
  --start-timestamp -1 -o "$work/sim-bad"
expect_error "export build --start-timestamp -1" "--start-timestamp: must not be negative, got -1"
run "$bin" log audit --log-key x --server http://127.0.0.1:1 --witness-threshold -1
expect_error "log audit --witness-threshold -1" "--witness-threshold: must not be negative, got -1"
run "$bin" "${server_args[@]}" --max-keys-per-file 0
expect_error "server run --max-keys-per-file 0" "--max-keys-per-file: must be positive, got 0"
[ ! -e "$work/sim-bad" ] && [ ! -e "$work/server-bad" ] && [ ! -e "$work/server-bad.db" ] ||
  fail "a refused command wrote files"

if [ "$failures" -ne 0 ]; then
  echo "$failures CLI check(s) failed" >&2
  exit 1
fi
echo "all CLI checks passed"
