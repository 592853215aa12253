#!/usr/bin/env bash
# The mesh over etcd with TLS and client certificates (--client-cert-auth; about 30 s):
#   1. nodes 1 and 2, with a client certificate of etcd's CA, join and ping each other;
#   2. node 3 presents a certificate of another CA, node 4 none: each agent says so in its log
#      (naming TLS or the certificate, and the endpoint), exits with an error or keeps retrying,
#      and changes nothing: no lease, no subnet.env, no address and no peers on its mesh0, and
#      nodes 1 and 2 still have only each other;
#   3. node 3 with the right certificate joins: all three ping each other.
# Usage: mesh_tls.sh SLUICED SLUICECTL SLUICE_MESH
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
# (Not "mesh_tls": the temporary folder's name would put "tls" in every path an agent logs.)
mesh_init mesh_client_auth "$@"

mesh_underlay
mesh_etcd_single tls
mesh_network_config "$MESH_NETWORK_DEFAULT"

# --- 1. The right certificate ---
mesh_join 1 2
mesh_check_mesh 1 2
net_log "1. nodes 1 and 2 joined over TLS"

# --- 2. A certificate of another CA, and none ---
mesh_node 3
mesh_node 4
MESH_CLIENT_CERT=wrong mesh_agent_config 3
MESH_CLIENT_CERT=none mesh_agent_config 4
for n in 3 4; do mesh_agent_start "$n"; done
for n in 3 4; do
  net_wait_for 15 mesh_log_has "$n" 0 'tls|ssl|certificate' ||
    { mesh_dump "$n"; net_fail "node $n's agent does not say that TLS or its certificate failed"; }
  mesh_log_has "$n" 0 '10\.200\.0\.100:2379' || { mesh_dump "$n"; net_fail "node $n's agent does not name the endpoint"; }
  net_log "2. node $n: $(mesh_log_since "$n" 0 | grep -Ei -m 1 'tls|ssl|certificate')"
done
# Time for a wrong move (a retry, a lease) before looking.
sleep 3
for n in 3 4; do
  if ! mesh_agent_running "$n"; then
    mesh_agent_wait_exit "$n" 1 status
    ((status != 0)) || net_fail "node $n's agent exited with status 0 after a TLS failure"
    net_log "2. node $n's agent exited with status $status"
  fi
  [[ -z $(mesh_lease_of "$n") ]] || net_fail "node $n got a lease: $(mesh_lease_of "$n")"
  [[ ! -e $(mesh_dir_of "$n")/subnet.env ]] || net_fail "node $n got a subnet.env"
  mesh_peer_count_is "$n" 0 || { mesh_dump "$n"; net_fail "node $n got peers"; }
  [[ -z $(ip -n "$(mesh_ns_of "$n")" -4 addr show dev "$MESH_IF") ]] || { mesh_dump "$n"; net_fail "node $n's $MESH_IF got an address"; }
done
[[ $(mesh_leases | wc -l) -eq 2 ]] || { mesh_dump 1; net_fail "expected the 2 leases of nodes 1 and 2"; }
mesh_check_peers 1 2
mesh_check_peers 2 1

# --- 3. Node 3 with the right certificate ---
if mesh_agent_running 3; then mesh_agent_stop 3 || true; fi
mesh_agent_config 3
mesh_agent_start 3
mesh_wait_subnet 3
mesh_check_mesh 1 2 3
net_log "3. node 3 joined with the right certificate"
net_log "PASS"
