#!/usr/bin/env bash
# A dual-stack mesh (Flannel's EnableIPv6 with IPv6Network; about 10 s): each of two nodes gets an
# IPv4 and an IPv6 subnet in one lease (key 10.244.N.0-24&fd00:244:0:M::-64), both in its
# subnet.env (FLANNEL_IPV6_NETWORK, FLANNEL_IPV6_SUBNET), both first addresses on mesh0 with a
# route to each network, and both subnets as its peer's allowed IPs; ping and ping -6 cross the
# tunnel, which runs over the IPv4 underlay. Node 2's agent runs as the packaged unit runs it:
# uid 0 with CAP_NET_ADMIN as its only capability (setpriv bounds the set).
# Usage: mesh_dual_stack.sh SLUICED SLUICECTL SLUICE_MESH
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
mesh_init mesh_dual_stack "$@"

mesh_underlay
mesh_etcd_single plain
mesh_network_config '{"Network":"10.244.0.0/16","SubnetLen":24,"EnableIPv6":true,"IPv6Network":"fd00:244::/56","IPv6SubnetLen":64,"Backend":{"Type":"wireguard"}}'
mesh_join 1
MESH_AGENT_WRAPPER=(setpriv --bounding-set "-all,+net_admin" --inh-caps -all)
mesh_join 2
MESH_AGENT_WRAPPER=()
# CAP_NET_ADMIN is bit 12: nothing else may be effective.
capabilities=$(net_status_field "${MESH_AGENT_PID[2]}" CapEff)
[[ $capabilities == 0000000000001000 ]] || net_fail "node 2's agent runs with capabilities $capabilities"
mesh_wait_peers 1 1
mesh_wait_peers 2 1

# subnet6_of N: node N's FLANNEL_IPV6_SUBNET.
subnet6_of() { sed -n 's/^FLANNEL_IPV6_SUBNET=//p' "$(mesh_dir_of "$1")/subnet.env" | grep .; }

declare -A v6=()
for n in 1 2; do
  env="$(mesh_dir_of "$n")/subnet.env"
  grep -qx 'FLANNEL_IPV6_NETWORK=fd00:244::/56' "$env" || { cat "$env" >&2; net_fail "node $n: no FLANNEL_IPV6_NETWORK"; }
  subnet6=$(subnet6_of "$n") || { cat "$env" >&2; net_fail "node $n: no FLANNEL_IPV6_SUBNET"; }
  [[ $subnet6 == fd00:244:0:*/64 ]] || net_fail "node $n: IPv6 subnet $subnet6 is not a /64 of fd00:244::/56"
  # The interface carries the subnet's first address, as for IPv4.
  v6[$n]=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_network(sys.argv[1], strict=False).network_address)' "$subnet6")
  ns=$(mesh_ns_of "$n")
  ip -n "$ns" -6 addr show dev "$MESH_IF" | grep -q "inet6 ${v6[$n]}/128 " || { mesh_dump "$n"; net_fail "node $n: $MESH_IF lacks ${v6[$n]}/128"; }
  ip -n "$ns" -6 route show fd00:244::/56 | grep -q "dev $MESH_IF" || { mesh_dump "$n"; net_fail "node $n: no route to fd00:244::/56"; }
  lease=$(mesh_lease_of "$n")
  [[ ${lease%%$'\t'*} == "$MESH_PREFIX/subnets/$(mesh_ip_network "$(mesh_subnet_of "$n")")-24&${v6[$n]}-64" ]] ||
    net_fail "node $n: lease key ${lease%%$'\t'*}"
done
for n in 1 2; do
  other=$((3 - n))
  peer=$(mesh_peer_json "$n" "$(mesh_pubkey "$other")")
  jq -e --arg v6 "${v6[$other]}/64" '.allowed_ips | any(.[]; . == $v6) and length == 2' <<<"$peer" >/dev/null ||
    { mesh_dump "$n"; net_fail "node $n: peer for node $other is $peer"; }
done
mesh_ping_all 1 2
for n in 1 2; do
  other=$((3 - n))
  for ((i = 0; i < 5; i++)); do
    ip netns exec "$(mesh_ns_of "$n")" ping -6 -n -q -c 1 -W 1 "${v6[$other]}" >/dev/null 2>&1 && continue 2
  done
  mesh_dump "$n" "$other"
  net_fail "node $n cannot ping node $other at ${v6[$other]}"
done
net_log "both nodes reach each other's IPv4 and IPv6 subnets through the tunnel"
net_log PASS
