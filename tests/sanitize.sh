#!/usr/bin/env bash
# Builds the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer in a tree of its own
# and runs them there, so one CI pass covers the core under the sanitizers.
set -euo pipefail
source_dir=$1
build_dir=$2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target sluice_unit_tests
ctest --test-dir "$build_dir" -L unit --output-on-failure -j"$(nproc)"
