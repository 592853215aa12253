#!/usr/bin/env bash
# sluiced <-> sluiced in two namespaces: inner IPv4 and IPv6 pings, iperf3 TCP for 3 s, then
# bursts of numbered UDP datagrams that must all arrive whole and in order, coalesced into UDP
# super-packets for the receiving TUN device where the kernel takes them (USO).
# Usage: sluiced_pair.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init sluiced_pair
net_require_root

net_ns a a
net_ns b b
net_veth "$a" 10.200.1.1/24 "$b" 10.200.1.2/24
net_keypair a
net_keypair b

net_config "$NET_TMP/a.toml" a 51820 10.99.1.1/24,fd00:99:1::1/64
net_config_peer "$NET_TMP/a.toml" b 10.200.1.2:51821 10.99.1.2/32,fd00:99:1::2/128
net_config "$NET_TMP/b.toml" b 51821 10.99.1.2/24,fd00:99:1::2/64
net_config_peer "$NET_TMP/b.toml" a 10.200.1.1:51820 10.99.1.1/32,fd00:99:1::1/128

net_start_sluiced "$a" "${NET_PREFIX}a" "$NET_TMP/a.toml" "$NET_TMP/a.log"
net_start_sluiced "$b" "${NET_PREFIX}b" "$NET_TMP/b.toml" "$NET_TMP/b.log"

net_ping "$a" 10.99.1.2 5 || { cat "$NET_TMP"/*.log >&2; net_fail "IPv4 ping through the tunnel"; }
net_ping "$a" fd00:99:1::2 5 || { cat "$NET_TMP"/*.log >&2; net_fail "IPv6 ping through the tunnel"; }
net_ping "$b" 10.99.1.1 3 || net_fail "IPv4 ping from the other side"

net_iperf_server "$b" 10.99.1.2
ip netns exec "$a" timeout 20 iperf3 -c 10.99.1.2 -t 3 -f m >"$NET_TMP/iperf.txt" || net_fail "iperf3 through the tunnel"
net_log "iperf3 TCP sluiced <-> sluiced: $(net_iperf_rate "$NET_TMP/iperf.txt")"

# The TUN device counts each packet written to it: a UDP super-packet once.
tun_packets_in() { ip -n "$b" -s -j link show "${NET_PREFIX}b" | jq '.[0].stats64.rx.packets'; }
net_udp_burst "$a" "$b" 10.99.1.2 tun_packets_in
b_log=$(cat "$NET_TMP/b.log")
if [[ ,${SLUICE_DISABLE:-}, == *,vnet,* || ,${SLUICE_DISABLE:-}, == *,uso,* ]]; then
  net_log "SLUICE_DISABLE=$SLUICE_DISABLE: UDP datagrams not coalesced"
elif [[ $b_log == *"no UDP segmentation offload"* ]]; then
  net_log "this kernel's TUN device takes no UDP super-packets: not coalesced"
else
  ((NET_BURST_WRITES < NET_BURST_RECEIVED)) ||
    net_fail "UDP datagrams were not coalesced for the TUN device ($NET_BURST_WRITES writes)"
fi
net_log "PASS"
