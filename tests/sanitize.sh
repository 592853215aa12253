#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer in a tree of its own and
# runs there the unit tests and the basic interop tests (the core against wireguard-go, and a
# sluiced pair), so one CI pass covers the core and the daemon under the sanitizers.
set -euo pipefail
source_dir=$1
build_dir=$2
# -g1 (line tables only) is enough for the sanitizers' stack traces and builds much faster
# than full debug information, which the suite's 30 minutes need.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1 -DSLUICE_SANITIZE=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target sluice_unit_tests sluiced sluice_handshake_probe
ctest --test-dir "$build_dir" -L unit --output-on-failure -j"$(nproc)"
ctest --test-dir "$build_dir" -R '^net\.(wireguard_go_handshake|sluiced_pair)$' --output-on-failure
