#!/usr/bin/env bash
# Site-to-site from the examples configs/site-a.toml and site-b.toml, started with `sluicectl up`:
#
#   host-a ---- gw-a ====== tunnel ====== gw-b ---- host-b
#   10.201.10.2  10.201.10.1                        10.201.20.1  10.201.20.2
#                  10.200.30.1 ---- (veth) ---- 10.200.30.2
#
# The examples' LANs (192.168.10/20.0/24) and public addresses are replaced by the test's own;
# everything else, routes = true included, is as shipped. host-a pings host-b and back.
# Usage: ctl_site_to_site.sh SLUICECTL SLUICED CONFIGS_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_site_to_site "$1" "$2"
CONFIGS=$3
net_require_root

net_ns host_a host-a
net_ns gw_a gw-a
net_ns gw_b gw-b
net_ns host_b host-b
net_veth "$host_a" 10.201.10.2/24 "$gw_a" 10.201.10.1/24
net_veth "$gw_a" 10.200.30.1/24 "$gw_b" 10.200.30.2/24
net_veth "$gw_b" 10.201.20.1/24 "$host_b" 10.201.20.2/24
ip -n "$host_a" route add default via 10.201.10.1
ip -n "$host_b" route add default via 10.201.20.1
ctl_forwarding "$gw_a"
ctl_forwarding "$gw_b"

local_addresses=('s|192\.168\.10\.|10.201.10.|g' 's|192\.168\.20\.|10.201.20.|g'
  's|192\.0\.2\.10:|10.200.30.1:|' 's|198\.51\.100\.20:|10.200.30.2:|')
a="$NET_TMP/${NET_PREFIX}sa.toml"
b="$NET_TMP/${NET_PREFIX}sb.toml"
ctl_localize "$CONFIGS/site-a.toml" "$a" "${local_addresses[@]}"
ctl_localize "$CONFIGS/site-b.toml" "$b" "${local_addresses[@]}"
ctl_set_peer_keys "$a" "$(ctl_public_key "$NET_TMP/site-b.key")"
ctl_set_peer_keys "$b" "$(ctl_public_key "$NET_TMP/site-a.key")"
grep -q 'preshared_key_file' "$a" || net_fail "site-a.toml no longer uses a preshared key; update this test"

ctl_up "$gw_a" "$a"
ctl_up "$gw_b" "$b"

net_ping "$host_a" 10.201.20.2 5 || { ctl "$gw_a" show >&2; net_fail "host-a cannot reach host-b through the tunnel"; }
net_ping "$host_b" 10.201.10.2 3 || net_fail "host-b cannot reach host-a through the tunnel"
# The gateways reach each other's tunnel addresses over IPv6 too.
net_ping "$gw_a" fd99::2 3 || net_fail "IPv6 between the gateways"
shown=$(ctl "$gw_a" show "${NET_PREFIX}sa")
grep -q 'latest handshake' <<<"$shown" || net_fail "sluicectl show has no handshake"
net_log "PASS"
