#!/usr/bin/env bash
# Runs each libFuzzer target (tests/fuzz/) for SLUICE_FUZZ_SECONDS (default 20) from its seed corpus,
# from the clang ASan+UBSan tree that `tests/sanitize.sh build` made. Fails on any crash, leak,
# timeout or out-of-memory; the input that caused it is kept in BUILD_DIR/artifacts.
# No target touches the network, files or the user database (the config target fuzzes the pure
# parser, whose lookups come in a later step), so they run without a namespace of their own.
set -euo pipefail
if (($# != 2)); then
  echo "usage: fuzz.sh SOURCE_DIR BUILD_DIR" >&2
  exit 2
fi
source_dir=$1
build_dir=$2
seconds=${SLUICE_FUZZ_SECONDS:-20}
targets=(initiation response cookie_reply transport uapi config ip_packet vxlan offload coalescer)

mkdir -p "$build_dir/artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fuzz_one TARGET: runs one target, leaves its summary line in $work/TARGET.summary and fails
# when it found something.
fuzz_one() {
  local target=$1 log="$build_dir/fuzz_$1.log" status=ok
  local seeds=("$source_dir/tests/fuzz/corpus/$target")
  [[ $target == config ]] && seeds+=("$source_dir/configs")
  mkdir -p "$work/$target"
  # -close_fd_mask=3: the daemon's own warnings about refused input would drown the run;
  # libFuzzer and the sanitizers still report on a copy of stderr.
  if ! "$build_dir/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=4096 -close_fd_mask=3 -print_final_stats=1 \
      -artifact_prefix="$build_dir/artifacts/$target-" "$work/$target" "${seeds[@]}" >"$log" 2>&1; then
    status=FAILED
    tail -n 60 "$log"
  fi
  local done_line runs rate cov
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
  cov=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)\/.*/\1 edges, \2 features, \3 inputs/p' <<<"$done_line")
  printf '%-13s %-6s %10s runs %7s exec/s  cov: %s\n' "$target" "$status" "${runs:-?}" "${rate:-?}" "${cov:-?}" \
    >"$work/$target.summary"
  [[ $status == ok ]]
}

# One target per core at a time: the pass holds the netns lock, so nothing else wants the cores,
# and each target still gets its full SLUICE_FUZZ_SECONDS.
failed=0
running=0
for target in "${targets[@]}"; do
  if ((running >= $(nproc))); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  fuzz_one "$target" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
for target in "${targets[@]}"; do cat "$work/$target.summary"; done
exit "$failed"
