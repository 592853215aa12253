#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer in a tree of its own, in two phases that CTest runs
# as two tests: `build` compiles the unit tests, sluiced and the handshake probe; `run` runs there
# the unit tests and the basic interop tests (the core against wireguard-go, and a sluiced pair),
# so one CI pass covers the core and the daemon under the sanitizers.
set -euo pipefail
phase=$1
source_dir=$2
build_dir=$3
case $phase in
  build)
    # -g1 (line tables only) is enough for the sanitizers' stack traces and builds much faster
    # than full debug information, which the suite's 30 minutes need.
    cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1 -DSLUICE_SANITIZE=ON >/dev/null
    cmake --build "$build_dir" -j"$(nproc)" --target sluice_unit_tests sluiced sluice_handshake_probe
    ;;
  run)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ctest --test-dir "$build_dir" -L unit --output-on-failure -j"$(nproc)"
    ctest --test-dir "$build_dir" -R '^net\.(wireguard_go_handshake|sluiced_pair)$' --output-on-failure
    ;;
  *)
    echo "usage: sanitize.sh build|run SOURCE_DIR BUILD_DIR" >&2
    exit 2
    ;;
esac
