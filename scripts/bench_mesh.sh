#!/usr/bin/env bash
# The mesh benchmark (issue 19): N simulated node leases are written into a real etcd
# (tools/mesh_load fill), then the agent of a fresh node starts: the time from its start until its
# sluiced holds all N as peers, and then the time one changed lease (a new port) takes to reach
# the running node's sluiced. Targets: 1,000 leases in under 2 s, one change in under 200 ms.
#
# Usage (as root): scripts/bench_mesh.sh [--sluiced PATH] [--sluicectl PATH] [--agent PATH]
#                    [--load-tool PATH] [--leases N,N,...]
#   --leases: the lease counts, one run each (default 1000,5000).
# etcd and the node run in namespaces made here (etcd at 10.200.0.100, the node at 10.200.0.1);
# the simulated nodes exist only in etcd, so nothing is ever sent to them. Everything is removed
# on exit. Figures depend on what else the machine is doing: compare them from an idle machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SLUICED=$here/../build/daemon/sluiced
SLUICECTL=$here/../build/ctl/sluicectl
AGENT=$here/../build/mesh/sluice-mesh
LOAD_TOOL=$here/../build/tools/mesh_load
LEASE_COUNTS=1000,5000
while (($#)); do
  case $1 in
    --sluiced) SLUICED=$2; shift 2 ;;
    --sluicectl) SLUICECTL=$2; shift 2 ;;
    --agent) AGENT=$2; shift 2 ;;
    --load-tool) LOAD_TOOL=$2; shift 2 ;;
    --leases) LEASE_COUNTS=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench_mesh.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $LEASE_COUNTS =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "bench_mesh.sh: --leases takes counts like 1000,5000" >&2; exit 2; }
[[ -x $LOAD_TOOL ]] || { echo "bench_mesh.sh: $LOAD_TOOL: no such program (build it first)" >&2; exit 2; }
source "$here/../tests/net/lib.sh"
source "$here/../tests/net/mesh_lib.sh"
mesh_init bench_mesh "$SLUICED" "$SLUICECTL" "$AGENT"

# A /10 cut into /24s holds 16,384 nodes; it must not hold the underlay (10.200.0.0/24).
NETWORK='{"Network":"100.64.0.0/10","SubnetLen":24,"Backend":{"Type":"wireguard"}}'
ETCD=http://10.200.0.100:2379
mesh_underlay
mesh_etcd_single plain
mesh_network_config "$NETWORK"
mesh_node 1
MESH_LEASE_TTL=60
mesh_agent_config 1
dir=$(mesh_dir_of 1)

printf '%-8s %12s %14s %16s\n' leases "fill (ms)" "converge (ms)" "one change (ms)"
IFS=, read -r -a counts <<<"$LEASE_COUNTS"
for count in "${counts[@]}"; do
  # A fresh node each time: no peers, no lease, no remembered subnet.
  mesh_sluiced_stop 1
  mesh_sluiced_start 1
  rm -rf "$dir/state" && mkdir -p "$dir/state"
  mesh_etcdctl del --prefix "$MESH_PREFIX/subnets/" >/dev/null
  fill=$(ip netns exec "${NET_PREFIX}e" "$LOAD_TOOL" fill --etcd "$ETCD" -n "$count") ||
    net_fail "mesh_load fill failed: $fill"
  out=$(ip netns exec "$(mesh_ns_of 1)" "$LOAD_TOOL" converge --etcd "$ETCD" -n "$count" \
    --control-dir "$dir/ctl" --interface "$MESH_IF" --timeout 120 -- \
    "$AGENT" run --config "$dir/mesh.toml" 2>>"$dir/agent.log") || { echo "$out" >&2; tail -n 20 "$dir/agent.log" >&2; net_fail "no convergence with $count leases"; }
  printf '%-8s %12s %14s %16s\n' "$count" "$(awk '/^fill:/ {print $6}' <<<"$fill")" \
    "$(awk '/^converge:/ {print $5}' <<<"$out")" "$(awk '/^change:/ {print $7}' <<<"$out")"
done
