#!/usr/bin/env bash
# Keeps the hub setup of scripts/bench.sh working: one quick run with 3 spokes (1 s per round,
# about 25 s in all). Every spoke must have carried traffic and every hub figure must be there;
# the figures themselves are not judged.
# Usage: bench_hub_smoke.sh SLUICED BENCH_SCRIPT
set -euo pipefail
SLUICED=$1
BENCH=$2
source "$(dirname "$0")/lib.sh"
net_init bench_hub_smoke
net_require_root
bash "$BENCH" --quick --only hub --hub-peers 3 --sluiced "$SLUICED" --json "$NET_TMP/bench.json" \
  >"$NET_TMP/bench.out" || { cat "$NET_TMP/bench.out" >&2; net_fail "bench.sh --only hub failed"; }
cat "$NET_TMP/bench.out" >&2
problems=$(jq -r '
  (if .results != [] then "setups besides hub: \([.results[].setup])" else empty end),
  (.hub // {} | to_entries[] | select(.value == null and .key != "hub_nice") | "\(.key) missing"),
  (.hub | if . == null then "no hub figures"
          elif .peers != 3 or (.spokes_gbit | length) != 3 then "not 3 spokes: \(.spokes_gbit)"
          elif (.spokes_gbit | min) <= 0 or .single_gbit <= 0 then "a spoke carried nothing: \(.spokes_gbit), alone \(.single_gbit)"
          elif ((.spokes_gbit | add) - .aggregate_gbit | fabs) > 0.01 then "aggregate \(.aggregate_gbit) is not the sum"
          else empty end)' "$NET_TMP/bench.json")
[[ -z $problems ]] || net_fail "$problems"
net_log "PASS"
