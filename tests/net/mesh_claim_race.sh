#!/usr/bin/env bash
# 100 allocators claim subnets at the same moment against one real etcd, each with the agent's own
# claim code (tools/mesh_load claim-race, one etcd client and lease per allocator): every one gets
# a subnet, no two get the same, and etcd holds exactly 100 leases. The network has 254 subnets,
# so many allocators pick the same candidate and must lose the transaction and choose again.
# Then scripts/bench_mesh.sh runs once with 200 leases, to keep the benchmark working.
# Usage: mesh_claim_race.sh SLUICED SLUICECTL SLUICE_MESH MESH_LOAD BENCH_MESH_SCRIPT
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
mesh_init mesh_claim_race "$1" "$2" "$3"
LOAD_TOOL=$4
BENCH=$5

mesh_underlay
mesh_etcd_single plain
mesh_network_config "$MESH_NETWORK_DEFAULT"
out=$(ip netns exec "${NET_PREFIX}e" timeout 60 "$LOAD_TOOL" claim-race --etcd http://10.200.0.100:2379 -n 100 2>&1) ||
  { echo "$out" >&2; net_fail "claim race failed"; }
net_log "$out"
[[ $(mesh_leases | cut -f1 | sort -u | wc -l) == 100 ]] || net_fail "etcd does not hold 100 distinct leases"

bench=$(timeout 120 bash "$BENCH" --sluiced "$SLUICED" --sluicectl "$SLUICECTL" --agent "$SLUICE_MESH" \
  --load-tool "$LOAD_TOOL" --leases 200 2>&1) || { echo "$bench" >&2; net_fail "bench_mesh.sh failed"; }
net_log "bench_mesh.sh --leases 200:"$'\n'"$bench"
awk '$1 == 200 && $3 > 0 && $4 > 0 {found = 1} END {exit !found}' <<<"$bench" || net_fail "no figures for 200 leases"
net_log PASS
