#!/usr/bin/env bash
# A dual-stack mesh (Flannel's EnableIPv6 with IPv6Network; about 10 s): each of two nodes gets an
# IPv4 and an IPv6 subnet in one lease (key 10.244.N.0-24&fd00:244:0:M::-64), both in its
# subnet.env (FLANNEL_IPV6_NETWORK, FLANNEL_IPV6_SUBNET), both first addresses on mesh0 with a
# route to each network, and both subnets as its peer's allowed IPs; ping and ping -6 cross the
# tunnel, which runs over the IPv4 underlay. Node 2's agent runs as the packaged unit runs it:
# uid 0 with CAP_NET_ADMIN as its only capability (setpriv bounds the set), with ip_masq = true:
# its iptables and ip6tables masquerade chains make its mesh address reach the etcd host, which
# has no route to the network, and `leave` takes them away.
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
mesh_agent_config 2 'ip_masq = true'
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
  # Waited for: under load the check once came before the address, which the dump then showed.
  net_wait_for 5 bash -c "ip -n '$ns' -6 addr show dev '$MESH_IF' | grep -q 'inet6 ${v6[$n]}/128 '" ||
    { mesh_dump "$n"; net_fail "node $n: $MESH_IF lacks ${v6[$n]}/128"; }
  routes=$(ip -n "$ns" -6 route show fd00:244::/56)
  grep -q "dev $MESH_IF" <<<"$routes" || { mesh_dump "$n"; net_fail "node $n: no route to fd00:244::/56"; }
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

ns2=$(mesh_ns_of 2)
grep -qx 'FLANNEL_IPMASQ=true' "$(mesh_dir_of 2)/subnet.env" || net_fail "node 2's subnet.env lacks FLANNEL_IPMASQ=true"
for tables in iptables ip6tables; do
  net_wait_for 10 bash -c "ip netns exec '$ns2' $tables -w 5 -t nat -S POSTROUTING | grep -q -- '-j SLUICE-MESH-MASQ'" ||
    { ip netns exec "$ns2" "$tables" -t nat -S >&2; net_fail "node 2: POSTROUTING of $tables does not jump to SLUICE-MESH-MASQ"; }
  rules=$(ip netns exec "$ns2" "$tables" -w 5 -t nat -S SLUICE-MESH-MASQ | grep -c -- '^-A SLUICE-MESH-MASQ' || true)
  [[ $rules == 4 ]] || { ip netns exec "$ns2" "$tables" -t nat -S >&2; net_fail "node 2: $tables chain has $rules rules, not 4"; }
done
# The etcd host has no route to 10.244.0.0/16: only a masqueraded ping is answered.
mesh_address2=$(mesh_ip_network "$(mesh_subnet_of 2)")
ip netns exec "$ns2" ping -n -q -c 2 -W 1 -I "$mesh_address2" 10.200.0.100 >/dev/null ||
  { mesh_dump 2; net_fail "node 2's mesh address $mesh_address2 does not reach the etcd host masqueraded"; }
ip netns exec "$(mesh_ns_of 1)" ping -n -q -c 1 -W 1 -I "$(mesh_ip_network "$(mesh_subnet_of 1)")" 10.200.0.100 >/dev/null 2>&1 &&
  net_fail "node 1 (ip_masq off) reached the etcd host from its mesh address: masqueraded anyway?"
# An agent that stops (SIGTERM) keeps its lease and chains; `leave` is the goodbye.
mesh_agent_stop 2
mesh_agent 2 leave >"$NET_TMP/leave.out" 2>&1 || { cat "$NET_TMP/leave.out" >&2; net_fail "node 2: leave failed"; }
grep -qx 'masquerading removed' "$NET_TMP/leave.out" || { cat "$NET_TMP/leave.out" >&2; net_fail "node 2: leave did not remove the masquerading"; }
for tables in iptables ip6tables; do
  grep -q SLUICE-MESH-MASQ <<<"$(ip netns exec "$ns2" "$tables" -w 5 -t nat -S)" &&
    { ip netns exec "$ns2" "$tables" -t nat -S >&2; net_fail "node 2: $tables keeps SLUICE-MESH-MASQ after leave"; }
done
net_log "ip_masq: node 2's mesh address leaves masqueraded; leave removes both chains"
net_log PASS
