#!/usr/bin/env bash
# Bad configs (about 30 s). First the agent's own file: lease_ttl 5, no public_ip, no etcd
# endpoints: `sluice-mesh run` exits with status 2 and one line naming the file and the key.
# Then bad network configs in etcd: two agents start before there is any config; then each bad
# config in turn is written to PREFIX/config (malformed JSON, a subnet larger than the network, a
# Network that is no prefix, SubnetLen 33, SubnetMin outside the network, SubnetMin above
# SubnetMax, no Network, a vxlan backend, a Network holding the nodes' own underlay addresses,
# which would route etcd and the tunnel's own packets into the tunnel). For each one both agents
# log a clear error (naming what is wrong), keep running, and apply nothing: no lease, no
# subnet.env, no address and no peers on mesh0. Then a good config is written and both join and
# ping each other.
# Usage: mesh_bad_network.sh SLUICED SLUICECTL SLUICE_MESH
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
mesh_init mesh_bad_network "$@"

mesh_underlay
mesh_etcd_single plain

# nothing_applied N WHAT: node N's agent runs and has changed nothing.
nothing_applied() {
  local n=$1 what=$2
  mesh_agent_running "$n" || { mesh_dump "$n"; net_fail "$what: node $n's agent exited"; }
  [[ ! -e $(mesh_dir_of "$n")/subnet.env ]] || net_fail "$what: node $n wrote a subnet.env"
  [[ -z $(mesh_lease_of "$n") ]] || net_fail "$what: node $n took a lease: $(mesh_lease_of "$n")"
  mesh_peer_count_is "$n" 0 || { mesh_dump "$n"; net_fail "$what: node $n got peers"; }
  [[ -z $(ip -n "$(mesh_ns_of "$n")" -4 addr show dev "$MESH_IF") ]] || { mesh_dump "$n"; net_fail "$what: node $n's $MESH_IF got an address"; }
}

# A broken agent config: exit status 2 at once, one line on stderr naming the file and the key.
mesh_node 1
bad_agent_config() {
  local what=$1 key=$2 status=0
  shift 2
  mesh_agent 1 run "$@" >"$NET_TMP/out" 2>"$NET_TMP/err" || status=$?
  ((status == 2)) || { cat "$NET_TMP/err" >&2; net_fail "$what: sluice-mesh run exited with status $status, expected 2"; }
  if [[ $(wc -l <"$NET_TMP/err") -ne 1 ]] || ! grep -q "^sluice-mesh: .*mesh.toml.*$key" "$NET_TMP/err"; then
    cat "$NET_TMP/err" >&2
    net_fail "$what: expected one line 'sluice-mesh: ...mesh.toml...$key...'"
  fi
  net_log "$what: $(cat "$NET_TMP/err")"
}
MESH_LEASE_TTL=5 mesh_agent_config 1
bad_agent_config "lease_ttl 5" lease_ttl
mesh_agent_config 1
sed -i '/^public_ip = /d' "$(mesh_dir_of 1)/mesh.toml"
bad_agent_config "no public_ip" public_ip
mesh_agent_config 1
sed -i 's/^endpoints = .*/endpoints = []/' "$(mesh_dir_of 1)/mesh.toml"
bad_agent_config "no endpoints" endpoints

for n in 1 2; do
  [[ $n == 1 ]] || mesh_node "$n"
  mesh_agent_config "$n"
  mesh_agent_start "$n"
done
sleep 2
for n in 1 2; do nothing_applied "$n" "no config"; done

# Consecutive cases look for different words, so that an agent repeating the previous error does
# not pass for the next one.
cases=(
  'malformed JSON|json|parse|syntax|{"Network":"10.244.0.0/16","SubnetLen":24'
  'a /16 subnet in a /24 network|SubnetLen|{"Network":"10.244.0.0/24","SubnetLen":16,"Backend":{"Type":"wireguard"}}'
  'a Network that is no prefix|10\.244\.0\.300|{"Network":"10.244.0.300/16","SubnetLen":24,"Backend":{"Type":"wireguard"}}'
  'SubnetLen 33|SubnetLen|{"Network":"10.244.0.0/16","SubnetLen":33,"Backend":{"Type":"wireguard"}}'
  'SubnetMin outside the network|SubnetMin|{"Network":"10.244.0.0/16","SubnetLen":24,"SubnetMin":"10.245.1.0","Backend":{"Type":"wireguard"}}'
  'SubnetMin above SubnetMax|SubnetMax|{"Network":"10.244.0.0/16","SubnetLen":24,"SubnetMin":"10.244.9.0","SubnetMax":"10.244.2.0","Backend":{"Type":"wireguard"}}'
  'no Network|Network.*(missing|required)|(missing|\bno\b|without).*Network|{"SubnetLen":24,"Backend":{"Type":"wireguard"}}'
  'a vxlan backend|vxlan|{"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan"}}'
  'a Network holding the underlay|overlap|10\.200\.0\.0/16|{"Network":"10.200.0.0/16","SubnetLen":24,"Backend":{"Type":"wireguard"}}'
)
for entry in "${cases[@]}"; do
  what=${entry%%|*}
  json=${entry##*|}
  regex=${entry#*|}
  regex=${regex%|*}
  declare -A offset=()
  for n in 1 2; do offset[$n]=$(mesh_log_size "$n"); done
  mesh_network_config "$json"
  for n in 1 2; do
    net_wait_for 10 mesh_log_has "$n" "${offset[$n]}" "$regex" ||
      { mesh_log_since "$n" "${offset[$n]}" >&2; net_fail "$what: node $n's agent logged nothing matching /$regex/"; }
  done
  for n in 1 2; do nothing_applied "$n" "$what"; done
  net_log "$what: $(mesh_log_since 1 "${offset[1]}" | grep -Ei -m 1 -- "$regex")"
done

mesh_network_config "$MESH_NETWORK_DEFAULT"
mesh_wait_subnet 1
mesh_wait_subnet 2
mesh_check_mesh 1 2
net_log "a good config: both nodes joined"
net_log "PASS"
