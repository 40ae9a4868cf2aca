#!/usr/bin/env bash
# Installs the pinned puppeteer-core (package-lock.json, `npm ci`) into the build folder once,
# then runs the browser tests against Debian's Chromium (docs/console.md "Tests").
# Usage: run_browser_tests.sh GREENLIGHT_BINARY WORK_DIR
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
bin=$1
work=$2
npm_dir=$(dirname "$work")/browser-npm
mkdir -p "$npm_dir"
if ! cmp -s "$src/package-lock.json" "$npm_dir/package-lock.json" ||
  [ ! -d "$npm_dir/node_modules/puppeteer-core" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$npm_dir/"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
exec node "$src/console_monitor_test.mjs" "$bin" "$work" "$npm_dir"
