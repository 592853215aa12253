#!/usr/bin/env bash
# L2 interop: sluiced with a [[segment]] on side A; on side B a stock stack, wireguard-go with a
# Linux vxlan device on top of its wg interface (id 100, dstport 4789, remote = sluiced's tunnel
# address) enslaved to a bridge. A host namespace on each bridge, same /24: they resolve each other
# by ARP and ping both ways; each side's FDB learns the other host. A second segment (VNI 101) is
# carried over IPv6 inside the tunnel against a Linux vxlan device over IPv6, which checks our UDP
# checksums (a zero one is refused there by default).
# Costs about 3 s.
# Usage: l2_vxlan_interop.sh SLUICECTL SLUICED
set -euo pipefail
SLUICECTL=$1
SLUICED=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/l2_lib.sh"
net_init l2_vxlan_interop
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"
command -v jq >/dev/null || net_fail "needs jq"

net_ns site_a xa
net_ns site_b xb
net_veth "$site_a" 10.200.64.1/24 "$site_b" 10.200.64.2/24
net_keypair a
net_keypair b
IF_A="${NET_PREFIX}a" IF_B="${NET_PREFIX}b"
BRIDGE="${NET_PREFIX}br" VXLAN="${NET_PREFIX}vx" BRIDGE6="${NET_PREFIX}br6" VXLAN6="${NET_PREFIX}vx6"

net_config "$NET_TMP/a.toml" a 51820 10.10.0.1/24,fd00:10::1/64
net_config_peer "$NET_TMP/a.toml" b 10.200.64.2:51820 10.10.0.2/32,fd00:10::2/128
cat >>"$NET_TMP/a.toml" <<TOML

[[segment]]
vni = 100
tap = "${NET_PREFIX}t100"
bridge = "$BRIDGE"

# Carried over IPv6 inside the tunnel: Linux checks the UDP checksum there.
[[segment]]
vni = 101
tap = "${NET_PREFIX}t101"
bridge = "$BRIDGE6"
local = "fd00:10::1"
TOML
net_start_sluiced "$site_a" "$IF_A" "$NET_TMP/a.toml" "$NET_TMP/a.log"

net_start_wireguard_go "$site_b" "$IF_B" "$NET_TMP/b.log"
net_wg "$site_b" set "$IF_B" private-key "$NET_TMP/b.key" listen-port 51820 \
  peer "$(cat "$NET_TMP/a.pub")" allowed-ips 10.10.0.1/32,fd00:10::1/128 endpoint 10.200.64.1:51820
ip -n "$site_b" addr add 10.10.0.2/24 dev "$IF_B"
ip -n "$site_b" addr add fd00:10::2/64 dev "$IF_B" nodad
ip -n "$site_b" link set "$IF_B" mtu 1420 up
ip -n "$site_b" link add "$VXLAN" type vxlan id 100 dstport 4789 remote 10.10.0.1 local 10.10.0.2 dev "$IF_B" ||
  net_fail "cannot create the vxlan device"
ip -n "$site_b" link add "$BRIDGE" type bridge
ip -n "$site_b" link set "$VXLAN" master "$BRIDGE" up
ip -n "$site_b" link set "$BRIDGE" up
ip -n "$site_b" link add "$VXLAN6" type vxlan id 101 dstport 4789 remote fd00:10::1 local fd00:10::2 dev "$IF_B" ||
  net_fail "cannot create the IPv6 vxlan device"
ip -n "$site_b" link add "$BRIDGE6" type bridge
ip -n "$site_b" link set "$VXLAN6" master "$BRIDGE6" up
ip -n "$site_b" link set "$BRIDGE6" up
vx_mtu=$(ip -n "$site_b" -o link show "$VXLAN" | awk '{for (i = 1; i < NF; i++) if ($i == "mtu") print $(i+1)}')
net_log "wireguard-go with a Linux vxlan device (MTU $vx_mtu) on top"

l2_host host_a ha "$site_a" "$BRIDGE" 192.168.100.1/24 1370
l2_host host_b hb "$site_b" "$BRIDGE" 192.168.100.2/24 1370
l2_host host_a6 ha6 "$site_a" "$BRIDGE6" 192.168.101.1/24 1350
l2_host host_b6 hb6 "$site_b" "$BRIDGE6" 192.168.101.2/24 1350
logs() { tail -n 20 "$NET_TMP"/*.log >&2 || true; }

net_ping "$host_a" 192.168.100.2 3 >/dev/null || { logs; net_fail "ping sluiced side -> vxlan side"; }
mac_a=$(l2_own_mac "$host_a" 192.168.100.1)
mac_b=$(l2_own_mac "$host_b" 192.168.100.2)
[[ $(l2_mac "$host_a" 192.168.100.2) == "$mac_b" ]] || net_fail "host A did not resolve host B ($mac_b) by ARP"
net_ping "$host_b" 192.168.100.1 3 >/dev/null || { logs; net_fail "ping vxlan side -> sluiced side"; }
[[ $(l2_mac "$host_b" 192.168.100.1) == "$mac_a" ]] || net_fail "host B did not resolve host A ($mac_a) by ARP"
net_log "ARP and ping both ways between the sluiced segment and the Linux vxlan device"

[[ $(l2_fdb_peer "$site_a" "$IF_A" 100 "$mac_b") == "$(cat "$NET_TMP/b.pub")" ]] || net_fail "sluiced did not learn host B"
# Into variables first: with pipefail, grep -q quitting early could fail the whole pipe.
vxlan_link=$(ip -n "$site_b" -d link show "$VXLAN")
[[ $vxlan_link == *"vxlan id 100 "* ]] || net_fail "the vxlan device is not VNI 100: $vxlan_link"
vxlan_fdb=$(bridge -n "$site_b" fdb show dev "$VXLAN")
[[ $vxlan_fdb == *"$mac_a dst 10.10.0.1 "* ]] ||
  net_fail "the Linux vxlan device did not learn host A behind 10.10.0.1: $vxlan_fdb"
net_log "each side learned the other host: sluiced behind peer B, Linux vxlan behind 10.10.0.1"

tap6_mtu=$(ip -n "$site_a" -o link show "${NET_PREFIX}t101" | awk '{for (i = 1; i < NF; i++) if ($i == "mtu") print $(i+1)}')
[[ $tap6_mtu == 1350 ]] || net_fail "IPv6-carried TAP MTU is $tap6_mtu, expected 1350 (1420 - 40 - 8 - 8 - 14)"
net_ping "$host_a6" 192.168.101.2 3 >/dev/null || { logs; net_fail "ping over VNI 101 (IPv6 inside the tunnel)"; }
net_ping "$host_b6" 192.168.101.1 3 >/dev/null || net_fail "ping back over VNI 101 (IPv6 inside the tunnel)"
vxlan6_fdb=$(bridge -n "$site_b" fdb show dev "$VXLAN6")
[[ $vxlan6_fdb == *"$(l2_own_mac "$host_a6" 192.168.101.1) dst fd00:10::1 "* ]] ||
  net_fail "the IPv6 vxlan device did not learn host A6 behind fd00:10::1: $vxlan6_fdb"
net_log "VNI 101 over IPv6 (TAP MTU 1350): ping both ways; Linux accepted our UDP checksums"
net_log "PASS"
