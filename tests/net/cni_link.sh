#!/usr/bin/env bash
# The CNI plugin's kernel side (cni/container_link.hpp) through tools/cni_link_probe, in a node
# namespace with two container namespaces (about 2 s):
#   1. two containers with IPv4 and IPv6: node <-> container and container <-> container pings (via
#      the gateway and the /32 and /128 routes), forwarding switched on, observe and list right;
#   2. delete removes links and routes; again is fine; a vanished or non-netns path is fine;
#   3. create fails, leaving no host veth: ifname taken in the container (exists), no such netns
#      (no_netns), a failure after the pair exists (os, an alias too long for the kernel).
# Usage: cni_link.sh CNI_LINK_PROBE
set -euo pipefail
PROBE=$1
source "$(dirname "$0")/lib.sh"
NET_TAG="cl"
net_init cni_link
net_require_root
command -v jq >/dev/null || net_fail "needs jq"
# This test's own namespace prefix.

net_ns node node
net_ns c1 c1
net_ns c2 c2
GW=10.244.3.1
GW6=fd00:244:0:3::1
declare -A IP=([c1]=10.244.3.5 [c2]=10.244.3.6) IP6=([c1]=fd00:244:0:3::5 [c2]=fd00:244:0:3::6)
declare -A NS=([c1]=$c1 [c2]=$c2) HOST=([c1]=sluice0000c001 [c2]=sluice0000c002)

probe() { ip netns exec "$node" "$PROBE" "$@"; }

# create C: the attachment of container C; prints the probe's answer.
create() {
  probe create --netns "/var/run/netns/${NS[$1]}" --ifname eth0 --host "${HOST[$1]}" \
    --alias "sluice-cni cl $1 eth0" --mtu 1400 --address "${IP[$1]}/32" --address "${IP6[$1]}/128" \
    --gateway "$GW" --gateway "$GW6"
}

# expect_error KIND COMMAND...: the probe fails with that kind of LinkError.
expect_error() {
  local kind=$1 out
  shift
  if out=$("$@"); then net_fail "$* succeeded: $out"; fi
  [[ $(jq -r .error <<<"$out") == "$kind" ]] || net_fail "$* failed with $out, not $kind"
}

# no_link NS NAME: the link is gone.
no_link() { ! ip -n "$1" link show "$2" >/dev/null 2>&1 || net_fail "$2 is still in $1: $(ip -n "$1" -br link)"; }

# ping_ok NS ADDRESS: at least one echo answered within 5 tries of 1 s.
ping_ok() {
  for ((i = 0; i < 5; i++)); do ip netns exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return; done
  net_fail "no ping from $1 to $2"
}

# 1. Two containers.
echo 0 | ip netns exec "$node" tee /proc/sys/net/ipv4/ip_forward >/dev/null
echo 0 | ip netns exec "$node" tee /proc/sys/net/ipv6/conf/all/forwarding >/dev/null
declare -A MAC=()
for c in c1 c2; do
  out=$(create "$c") || net_fail "create $c: $out"
  MAC[$c]=$(jq -r .container_mac <<<"$out")
  [[ ${MAC[$c]} =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || net_fail "create $c: container MAC in $out"
  [[ $(jq -r .host_mac <<<"$out") == $(ip -n "$node" -j link show "${HOST[$c]}" | jq -r '.[0].address') ]] ||
    net_fail "create $c: host MAC in $out"
done
[[ $(ip netns exec "$node" cat /proc/sys/net/ipv4/ip_forward) == 1 ]] || net_fail "IPv4 forwarding is off"
[[ $(ip netns exec "$node" cat /proc/sys/net/ipv6/conf/all/forwarding) == 1 ]] || net_fail "IPv6 forwarding is off"
for c in c1 c2; do
  ping_ok "$node" "${IP[$c]}"
  ping_ok "$node" "${IP6[$c]}"
  ping_ok "${NS[$c]}" "$GW"
  ping_ok "${NS[$c]}" "$GW6"
done
ping_ok "$c1" "${IP[c2]}"
ping_ok "$c1" "${IP6[c2]}"
ping_ok "$c2" "${IP[c1]}"
ping_ok "$c2" "${IP6[c1]}"
net_log "nodes and containers reach each other over IPv4 and IPv6"

for c in c1 c2; do
  observed=$(probe observe --host "${HOST[$c]}" --netns "/var/run/netns/${NS[$c]}" --ifname eth0)
  jq -e --arg mac "${MAC[$c]}" --arg ip "${IP[$c]}" --arg ip6 "${IP6[$c]}" --arg gw "$GW" --arg gw6 "$GW6" '
    .host_exists and .host_up and .host_mtu == 1400 and .container_exists and .container_up and
    .container_mtu == 1400 and .container_mac == $mac and
    (.host_routes | sort) == ([$ip + "/32", $ip6 + "/128"] | sort) and
    (.container_addresses | sort) == ([$ip + "/32", $ip6 + "/128"] | sort) and
    (.container_default_gateways | sort) == ([$gw, $gw6] | sort)' <<<"$observed" >/dev/null ||
    net_fail "observe $c: $observed"
done
listed=$(probe list)
jq -e '(. | sort_by(.name)) == [{"name": "sluice0000c001", "alias": "sluice-cni cl c1 eth0"},
  {"name": "sluice0000c002", "alias": "sluice-cni cl c2 eth0"}]' <<<"$listed" >/dev/null || net_fail "list: $listed"
net_log "observe and list show what create made"

# 2. Deletion.
[[ $(probe delete --host "${HOST[c1]}" --netns "/var/run/netns/$c1" --ifname eth0) == '{"removed":true}' ]] ||
  net_fail "delete c1 did not remove it"
no_link "$node" "${HOST[c1]}"
no_link "$c1" eth0
[[ -z $(ip -n "$node" route show "${IP[c1]}") && -z $(ip -n "$node" -6 route show "${IP6[c1]}") ]] ||
  net_fail "routes to c1 remain: $(ip -n "$node" route; ip -n "$node" -6 route)"
[[ $(probe delete --host "${HOST[c1]}" --netns "/var/run/netns/$c1" --ifname eth0) == '{"removed":false}' ]] ||
  net_fail "delete c1 again"
observed=$(probe observe --host "${HOST[c1]}" --netns "/var/run/netns/$c1" --ifname eth0)
jq -e '(.host_exists or .container_exists) | not' <<<"$observed" >/dev/null || net_fail "observe c1 after delete: $observed"
# The runtime may remove the namespace before DEL: the host side goes with it or by the delete.
ip netns del "$c2"
probe delete --host "${HOST[c2]}" --netns "/var/run/netns/$c2" --ifname eth0 >/dev/null || net_fail "delete c2 without netns"
no_link "$node" "${HOST[c2]}"
touch "$NET_TMP/not-a-netns"
[[ $(probe delete --host "${HOST[c2]}" --netns "$NET_TMP/not-a-netns" --ifname eth0) == '{"removed":false}' ]] ||
  net_fail "delete with a file that is no netns"
[[ $(probe list) == '[]' ]] || net_fail "list after deletion: $(probe list)"
net_log "delete removes links and routes; again, or without the namespace, is fine"

# 3. Failing creates leave no host veth.
ip -n "$c1" link add eth0 type veth peer name eth0peer
expect_error exists create c1
no_link "$node" "${HOST[c1]}"
ip -n "$c1" link show eth0 >/dev/null || net_fail "the container's own eth0 was removed"
ip -n "$c1" link del eth0
expect_error no_netns create c2
expect_error no_netns probe create --netns "$NET_TMP/not-a-netns" --ifname eth0 --host "${HOST[c2]}" --alias x \
  --mtu 1400 --address "${IP[c2]}/32" --gateway "$GW"
no_link "$node" "${HOST[c2]}"
expect_error os probe create --netns "/var/run/netns/$c1" --ifname eth0 --host "${HOST[c1]}" \
  --alias "sluice-cni $(printf 'x%.0s' {1..300})" --mtu 1400 --address "${IP[c1]}/32" --gateway "$GW"
no_link "$node" "${HOST[c1]}"
no_link "$c1" eth0
[[ -z $(ip -n "$node" route show "${IP[c1]}") ]] || net_fail "a failed create left a route"
net_log "failing creates leave nothing behind"
net_log PASS
