#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer in a tree of its own (clang), in phases that CTest
# runs as tests: `build` compiles the unit tests, sluiced, the handshake probe and the libFuzzer
# targets in one tree; `run` runs there the unit tests and the basic interop tests (the core against
# wireguard-go, and a sluiced pair), so one CI pass covers the core and the daemon under the
# sanitizers. tests/fuzz.sh runs the fuzz targets from the same tree.
set -euo pipefail
phase=$1
source_dir=$2
build_dir=$3
case $phase in
  build)
    # -O1 -g1: the fuzz targets want optimised code, and line tables are enough for the sanitizers'
    # stack traces at a fraction of full debug information's build time.
    CXX=clang++-14 CC=clang-14 cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DSLUICE_SANITIZE=ON -DSLUICE_FUZZ=ON >/dev/null
    cmake --build "$build_dir" -j"$(nproc)" --target sluice_unit_tests sluiced sluice_handshake_probe fuzz_targets
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
