#!/usr/bin/env bash
# A node cut off from etcd long enough for its watch to break, while the history it would resume
# from is compacted away (lease_ttl 30 s, so its lease outlives the cut; about 30 s):
#   1. nodes 1 and 2 join;
#   2. node 1 and etcd lose their routes to each other (blackholes on both sides, so that node 1's
#      watch connection falls silent; its tunnel to node 2 stays); node 3 joins, node 2 learns of
#      it; node 1's agent finds its watch dead (TCP keepalive) and says so;
#   3. etcd compacts its history up to now, then node 1's route comes back: its watch cannot resume
#      after the last revision it saw, so it reads every lease again and gets node 3 as a peer,
#      keeping its subnet and its session with node 2.
# Usage: mesh_watch_resync.sh SLUICED SLUICECTL SLUICE_MESH
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
mesh_init mesh_watch_resync "$@"
MESH_LEASE_TTL=30

mesh_underlay
mesh_etcd_single plain
mesh_network_config "$MESH_NETWORK_DEFAULT"
mesh_join 1 2
mesh_check_mesh 1 2
subnet1=$(mesh_subnet_of 1)

# --- 2. Node 1 cut off from etcd ---
log1=$(mesh_log_size 1)
ip -n "$(mesh_ns_of 1)" route add blackhole 10.200.0.100/32
ip -n "${NET_PREFIX}e" route add blackhole 10.200.0.1/32
mesh_join 3
mesh_wait_peers 2 2
net_wait_for 25 mesh_log_has 1 "$log1" 'etcd watch' ||
  { mesh_dump 1; net_fail "node 1's agent did not notice its watch broke"; }
mesh_peer_count_is 1 1 || { mesh_dump 1; net_fail "node 1 learnt of node 3 without etcd"; }
net_log "2. node 1 cut off from etcd; its watch broke; node 3 joined meanwhile"

# --- 3. History compacted, node 1 back ---
# Revisions beyond node 3's (outside the mesh's prefix): a compaction keeps its own revision, so
# without them node 1 could still resume at node 3's.
for i in 1 2; do mesh_etcdctl put /sluice-test/filler "$i" >/dev/null; done
revision=$(mesh_etcdctl endpoint status -w json | jq -r '.[0].Status.header.revision')
mesh_etcdctl compact "$revision" >/dev/null || net_fail "cannot compact etcd at $revision"
ip -n "$(mesh_ns_of 1)" route del blackhole 10.200.0.100/32
ip -n "${NET_PREFIX}e" route del blackhole 10.200.0.1/32
net_wait_for 20 mesh_log_has 1 "$log1" 'reading every lease again' ||
  { mesh_dump 1; net_fail "node 1's agent did not read everything again after the compaction"; }
mesh_wait_peers 1 2
[[ $(mesh_subnet_of 1) == "$subnet1" ]] || net_fail "node 1's subnet changed"
mesh_check_mesh 1 2 3
net_log "3. after compaction at revision $revision node 1 read every lease again and reached node 3"
net_log PASS
