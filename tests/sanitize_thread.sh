#!/usr/bin/env bash
# ThreadSanitizer in a tree of its own, in two phases that CTest runs as two tests: `build`
# compiles the unit tests and sluiced; `run` runs the unit tests (the crypto workers' and the job
# API's among them) and a sluiced pair, whose iperf3 run spreads transport crypto over the worker
# threads. Any race report fails the pass: reports go to files, because the daemons' own logs are
# removed with their namespaces.
set -euo pipefail
phase=$1
source_dir=$2
build_dir=$3
case $phase in
  build)
    # -O1 -g1: reports keep function names and lines, and the build takes about a third less
    # time than -O2 -g, which the suite's 30 minutes need.
    cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
      -DSLUICE_SANITIZE_THREAD=ON >/dev/null
    cmake --build "$build_dir" -j"$(nproc)" --target sluice_unit_tests sluiced
    ;;
  run)
    reports=$build_dir/tsan-report
    rm -f "$reports".*
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports"
    status=0
    # ThreadSanitizer turns mlock() into a no-op, so the test that counts locked pages cannot pass here.
    ctest --test-dir "$build_dir" -L unit -E '^unit\.crypto_memory$' --output-on-failure -j"$(nproc)" || status=1
    SLUICE_WORKERS=2 ctest --test-dir "$build_dir" -R '^net\.sluiced_pair$' --output-on-failure || status=1
    if compgen -G "$reports.*" >/dev/null; then
      echo "ThreadSanitizer reports:" >&2
      cat "$reports".* >&2
      status=1
    fi
    exit "$status"
    ;;
  *)
    echo "usage: sanitize_thread.sh build|run SOURCE_DIR BUILD_DIR" >&2
    exit 2
    ;;
esac
