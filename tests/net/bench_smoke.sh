#!/usr/bin/env bash
# Keeps scripts/bench.sh working: one quick run (1 s per measurement, about 30 s in all); every
# setup must report every figure. The figures themselves are not judged.
# Usage: bench_smoke.sh SLUICED BENCH_SCRIPT
set -euo pipefail
SLUICED=$1
BENCH=$2
source "$(dirname "$0")/lib.sh"
net_init bench_smoke
net_require_root
bash "$BENCH" --quick --sluiced "$SLUICED" --json "$NET_TMP/bench.json" || net_fail "bench.sh failed"
# Raw veth has no tunnel daemons whose CPU time could be read.
missing=$(jq -r '.results[] | .setup as $setup | to_entries[] | select(.value == null) |
  select($setup != "raw_veth" or .key != "tcp1_daemon_cpu_s_per_gb") | "\($setup) \(.key)"' "$NET_TMP/bench.json")
# Five setups, and today's upstream wireguard-go as a sixth where that build is at hand.
setups=$(jq -r '[.results[].setup] | join(",")' "$NET_TMP/bench.json")
[[ $setups == raw_veth,wggo,sluice,sluice_to_wggo,wggo_to_sluice,l2 ||
   $setups == raw_veth,wggo,wggo_upstream,sluice,sluice_to_wggo,wggo_to_sluice,l2 ]] ||
  net_fail "unexpected setups in the report: $setups"
[[ -z $missing ]] || net_fail "figures missing: $missing"
net_log "PASS"
