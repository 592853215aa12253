#!/usr/bin/env bash
# L2 interop with Open vSwitch as the far side: sluiced with a [[segment]] (VNI 100) on side A; on
# side B wireguard-go (configured with wg) and ovs-vswitchd (userspace datapath) whose own VXLAN
# port (type=vxlan, key 100) runs over B's tunnel address. A host namespace on A's segment bridge
# and one on B's OVS bridge ping each other both ways; the VXLAN port's counters and OVS's tunnel
# flows show it carried the frames, and OVS dropped nothing for a bad checksum.
#
# The userspace datapath does its own tunnelling: the tunnel address must be on an OVS bridge of
# its own (the underlay, here $UNDERLAY, a port of which is a veth into B's kernel), not on the wg
# interface. B's kernel hands VXLAN from the tunnel to that veth and the underlay's packets back to
# the tunnel: policy routes by incoming interface, ahead of the local table, since the tunnel
# address is also a local address of B's kernel. Static neighbours on both sides of the veth.
# Costs about 6 s.
# Usage: l2_ovs_vxlan_interop.sh SLUICECTL SLUICED
set -euo pipefail
SLUICECTL=$1
SLUICED=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/l2_lib.sh"
net_init l2_ovs_vxlan_interop
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"
command -v jq >/dev/null || net_fail "needs jq"
for tool in ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl ovs-ofctl ovsdb-tool; do
  command -v "$tool" >/dev/null || net_fail "needs $tool (apt-get install openvswitch-switch)"
done

started=$SECONDS
net_ns site_a ofa
net_ns site_b ofb
for ns in "$site_a" "$site_b"; do l2_no_ipv6 "$ns"; done
net_veth "$site_a" 10.200.73.1/24 "$site_b" 10.200.73.2/24
net_keypair a
net_keypair b
IF_A="${NET_PREFIX}a" IF_B="${NET_PREFIX}b" BRIDGE="${NET_PREFIX}br"
OVERLAY="${NET_PREFIX}ov" UNDERLAY="${NET_PREFIX}un" VXLAN="${NET_PREFIX}vx"
KERNEL_END="${NET_PREFIX}uk" OVS_END="${NET_PREFIX}uo"
OVS_DIR="$NET_TMP/ovs"

net_config "$NET_TMP/a.toml" a 51820 10.10.0.1/24
net_config_peer "$NET_TMP/a.toml" b 10.200.73.2:51820 10.10.0.2/32
cat >>"$NET_TMP/a.toml" <<TOML

[[segment]]
vni = 100
tap = "${NET_PREFIX}t100"
bridge = "$BRIDGE"
TOML

# B: wireguard-go, its interface without an address (the tunnel address is the underlay's).
net_start_wireguard_go "$site_b" "$IF_B" "$NET_TMP/b.log"
net_wg "$site_b" set "$IF_B" private-key "$NET_TMP/b.key" listen-port 51820 \
  peer "$(cat "$NET_TMP/a.pub")" allowed-ips 10.10.0.1/32 endpoint 10.200.73.1:51820
ip -n "$site_b" link set "$IF_B" mtu 1420 up

# B: ovsdb-server and ovs-vswitchd inside B (the userspace datapath makes a TAP named ovs-netdev).
l2_ovs_start "$site_b" "$OVS_DIR"
vsctl() { ovs-vsctl --db="unix:$OVS_DIR/db.sock" --timeout=5 "$@"; }
appctl() { ovs-appctl --target="$OVS_DIR/ovs-vswitchd.ctl" --timeout=5 "$@"; }
vsctl add-br "$UNDERLAY" -- set bridge "$UNDERLAY" datapath_type=netdev || net_fail "cannot add bridge $UNDERLAY"
vsctl add-br "$OVERLAY" -- set bridge "$OVERLAY" datapath_type=netdev || net_fail "cannot add bridge $OVERLAY"
ip link add "$KERNEL_END" netns "$site_b" type veth peer name "$OVS_END" netns "$site_b" ||
  net_fail "cannot create the underlay veth"
ip -n "$site_b" link set "$KERNEL_END" up
ip -n "$site_b" link set "$OVS_END" up
vsctl add-port "$UNDERLAY" "$OVS_END" || net_fail "cannot attach $OVS_END to $UNDERLAY"
ip -n "$site_b" addr add 10.10.0.2/24 dev "$UNDERLAY"
ip -n "$site_b" link set "$UNDERLAY" up
ip -n "$site_b" link set "$OVERLAY" up
vsctl add-port "$OVERLAY" "$VXLAN" -- set interface "$VXLAN" type=vxlan \
  options:remote_ip=10.10.0.1 options:local_ip=10.10.0.2 options:key=100 || net_fail "cannot add the VXLAN port"

# B's kernel between the tunnel and the underlay.
mac_underlay=$(ip -n "$site_b" link show "$UNDERLAY" | awk '/link\/ether/ {print $2}')
mac_kernel_end=$(ip -n "$site_b" link show "$KERNEL_END" | awk '/link\/ether/ {print $2}')
ip netns exec "$site_b" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
  "net.ipv4.conf.$KERNEL_END.rp_filter=0" "net.ipv4.conf.$KERNEL_END.accept_local=1"
ip -n "$site_b" rule add pref 100 iif "$IF_B" lookup 100
ip -n "$site_b" rule add pref 101 iif "$KERNEL_END" lookup 101
ip -n "$site_b" rule add pref 1000 lookup local
ip -n "$site_b" rule del pref 0
ip -n "$site_b" route add 10.10.0.2/32 dev "$KERNEL_END" table 100
ip -n "$site_b" route add 10.10.0.0/24 dev "$IF_B" table 101
ip -n "$site_b" neigh replace 10.10.0.2 lladdr "$mac_underlay" dev "$KERNEL_END" nud permanent
appctl tnl/neigh/set "$UNDERLAY" 10.10.0.1 "$mac_kernel_end" >/dev/null || net_fail "cannot set OVS's neighbour"
net_log "wireguard-go with an OVS VXLAN port over 10.10.0.2 (underlay $UNDERLAY) up after $((SECONDS - started)) s"
# A last: its first frames (IGMP reports) start a handshake at once, which B must be ready to answer.
net_start_sluiced "$site_a" "$IF_A" "$NET_TMP/a.toml" "$NET_TMP/a.log"

l2_host host_a ha "$site_a" "$BRIDGE" 192.168.100.1/24 1370
net_ns host_b hb
l2_no_ipv6 "$host_b"
ip link add "${NET_PREFIX}hb" mtu 1370 netns "$host_b" type veth peer name "${NET_PREFIX}pb" mtu 1370 netns "$site_b"
ip -n "$host_b" addr add 192.168.100.2/24 dev "${NET_PREFIX}hb"
ip -n "$host_b" link set "${NET_PREFIX}hb" up
ip -n "$site_b" link set "${NET_PREFIX}pb" up
vsctl add-port "$OVERLAY" "${NET_PREFIX}pb" || net_fail "cannot attach host B to $OVERLAY"
net_wait_for 10 bash -c "ip -n '$host_b' link show '${NET_PREFIX}hb' | grep -q 'state UP'" ||
  net_fail "veth of host B did not come up"
logs() { tail -n 20 "$NET_TMP"/*.log "$OVS_DIR"/ovs-vswitchd.log >&2 || true; }


net_ping "$host_a" 192.168.100.2 3 >/dev/null || { logs; net_fail "ping sluiced side -> OVS side"; }
mac_a=$(l2_own_mac "$host_a" 192.168.100.1)
mac_b=$(l2_own_mac "$host_b" 192.168.100.2)
[[ $(l2_mac "$host_a" 192.168.100.2) == "$mac_b" ]] || net_fail "host A did not resolve host B ($mac_b) by ARP"
net_ping "$host_b" 192.168.100.1 3 >/dev/null || { logs; net_fail "ping OVS side -> sluiced side"; }
[[ $(l2_mac "$host_b" 192.168.100.1) == "$mac_a" ]] || net_fail "host B did not resolve host A ($mac_a) by ARP"
net_log "ARP and ping both ways between the sluiced segment and OVS's VXLAN port"

[[ $(l2_fdb_peer "$site_a" "$IF_A" 100 "$mac_b") == "$(cat "$NET_TMP/b.pub")" ]] || net_fail "sluiced did not learn host B"
vx_ofport=$(vsctl get interface "$VXLAN" ofport)
ovs_fdb=$(appctl fdb/show "$OVERLAY")
awk -v port="$vx_ofport" -v mac="$mac_a" '$1 == port && $3 == mac {found = 1} END {exit !found}' <<<"$ovs_fdb" ||
  net_fail "OVS did not learn host A ($mac_a) behind its VXLAN port $vx_ofport: $ovs_fdb"
# The VXLAN port's counters, live from ovs-vswitchd (the database's copy lags by seconds).
port_stats=$(ovs-ofctl dump-ports "unix:$OVS_DIR/$OVERLAY.mgmt" "$vx_ofport")
rx=$(awk '/rx pkts=/ {sub(/.*rx pkts=/, ""); print $1 + 0}' <<<"$port_stats")
tx=$(awk '/tx pkts=/ {sub(/.*tx pkts=/, ""); print $1 + 0}' <<<"$port_stats")
((${rx:-0} >= 6 && ${tx:-0} >= 6)) || net_fail "the VXLAN port did not carry the pings: $port_stats"
flows=$(appctl dpctl/dump-flows)
[[ $flows == *"tnl_pop("* && $flows == *"tnl_push(tnl_port("*"vni=0x64"* ]] ||
  net_fail "no tunnel push and pop flows: $flows"
# The frames we send carry a zero UDP checksum over IPv4 (RFC 7348); a wrong one would be counted.
[[ $(appctl coverage/read-counter datapath_drop_tunnel_pop_error) == 0 ]] ||
  net_fail "OVS dropped VXLAN packets of ours: $(appctl coverage/show)"
net_log "each side learned the other host; OVS's VXLAN port carried $rx packets in, $tx out, none dropped"

# OVS computing UDP checksums: sluiced checks them (a wrong one would make it no VXLAN of ours).
vsctl set interface "$VXLAN" options:csum=true
rx_before=$(l2_counter "$site_a" "$IF_A" 100 rx_frames)
net_ping "$host_b" 192.168.100.1 2 >/dev/null || { logs; net_fail "ping with UDP checksums from OVS"; }
flows=$(appctl dpctl/dump-flows)
[[ $flows == *"udp(src=0,dst=4789,csum=0xffff)"* ]] || net_fail "OVS does not send checksums: $flows"
(($(l2_counter "$site_a" "$IF_A" 100 rx_frames) >= rx_before + 2)) || net_fail "the segment did not count the frames"
net_log "with options:csum=true, sluiced accepts OVS's UDP checksums"
net_log "PASS after $((SECONDS - started)) s"
