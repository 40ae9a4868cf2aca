#!/usr/bin/env bash
# Command-line error contract for hostile or empty input (issue 16 findings): each bad input
# gives exit code 1 and one stderr line that says what was expected.
# Usage: security_cli_test.sh GREENLIGHT_BINARY WORK_DIR
set -u
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
# expect_error NAME TEXT CMD...: exit 1 and exactly one stderr line containing TEXT.
expect_error() {
  local name=$1 text=$2
  shift 2
  local err
  err=$("$@" 2>&1 >/dev/null)
  local rc=$?
  [ "$rc" -eq 1 ] || fail "$name: exit $rc"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$name: expected one line, got '$err'"
  case "$err" in *"$text"*) ;; *) fail "$name: '$err' does not mention '$text'" ;; esac
}

expect_error "venue decode of an empty argument" "expected a venue URL" "$bin" venue decode ""
expect_error "venue decode of a missing file" "expected a venue URL" "$bin" venue decode "$work/none.png"

if [ "$failures" -ne 0 ]; then
  echo "$failures security CLI check(s) failed" >&2
  exit 1
fi
echo "all security CLI checks passed"
