#!/usr/bin/env bash
# Builds only the libFuzzer targets (clang-16, -DGREENLIGHT_FUZZ=ON) in their own build folder
# and runs each one for a few seconds over its seed corpus (docs/fuzzing.md).
# Usage: run_short.sh [--build-only] SOURCE_DIR FUZZ_BUILD_DIR SECONDS_PER_TARGET
# --build-only: configure and build, run nothing (scripts/build does this when clang-16 is
# installed, so that the test suite's greenlight_fuzz_short only fuzzes).
# New inputs go to a scratch corpus in the build folder, never into the source tree; a crash
# leaves its input as FUZZ_BUILD_DIR/short-run/crash-* and fails the run.
set -euo pipefail
build_only=0
if [ "${1:-}" = --build-only ]; then
  build_only=1
  shift
fi
src=$1
build=$2
seconds=${3:-3}
jobs=$(nproc 2>/dev/null || echo 2)
if [ "$jobs" -gt 2 ]; then jobs=2; fi
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-16 CXX=clang++-16 cmake -S "$src" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGREENLIGHT_FUZZ=ON -DGREENLIGHT_BUILD_BENCH=OFF \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    "${launcher[@]}" >/dev/null
fi
cmake --build "$build" --target greenlight_fuzz_targets -j "$jobs"
if [ "$build_only" -eq 1 ]; then exit 0; fi

out=$build/short-run
rm -rf "$out"
mkdir -p "$out"
status=0
for harness in "$src"/tests/fuzz/*_fuzz.cpp; do
  name=$(basename "$harness" .cpp)
  corpus=${name%_fuzz}
  mkdir -p "$out/$corpus"
  if ! "$build/tests/fuzz/$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$out/" "$out/$corpus" "$src/tests/data/fuzz/$corpus" \
      >"$out/$name.log" 2>&1; then
    echo "FAIL $name (log: $out/$name.log)"
    tail -40 "$out/$name.log"
    status=1
  else
    echo "ok   $name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" |
      grep -o '[0-9]*$') runs"
  fi
done
exit $status
