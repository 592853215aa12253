#!/usr/bin/env bash
# A hub with two addresses on one link answers from the address the peer wrote to. Were it to
# answer from its primary address, the peer would roam there (and a NAT in between would drop
# the reply): so the peer's endpoint must stay on the secondary address, for IPv4 and IPv6.
# Usage: source_address.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init source_address
net_require_root

net_ns hub hub
net_ns peer peer
net_veth "$hub" 10.200.9.1/24 "$peer" 10.200.9.2/24 fd00:200:9::1/64 fd00:200:9::2/64
# The secondary addresses the peer uses.
hub_link=$(ip -n "$hub" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1)
ip -n "$hub" addr add 10.200.9.5/24 dev "$hub_link"
ip -n "$hub" addr add fd00:200:9::5/64 dev "$hub_link" nodad
net_keypair hub
net_keypair peer

net_config "$NET_TMP/hub.toml" hub 51820 10.99.9.1/24
net_config_peer "$NET_TMP/hub.toml" peer "" 10.99.9.2/32

check_endpoint_kept() {  # ENDPOINT INNER_TARGET
  local endpoint=$1 target=$2 seen
  net_wg "$peer" set "${NET_PREFIX}p" peer "$(cat "$NET_TMP/hub.pub")" endpoint "$endpoint"
  net_ping "$peer" "$target" 3 >/dev/null || net_fail "no ping through the tunnel via $endpoint"
  seen=$(net_peer_field "$peer" "${NET_PREFIX}p" "$(cat "$NET_TMP/hub.pub")" 3)
  [[ $seen == "$endpoint" ]] || net_fail "hub answered from $seen, not $endpoint"
  net_log "hub answered from $endpoint"
}

net_config "$NET_TMP/peer.toml" peer "" 10.99.9.2/24
net_config_peer "$NET_TMP/peer.toml" hub 10.200.9.5:51820 10.99.9.1/32

net_start_sluiced "$hub" "${NET_PREFIX}h" "$NET_TMP/hub.toml" "$NET_TMP/hub.log"
net_start_sluiced "$peer" "${NET_PREFIX}p" "$NET_TMP/peer.toml" "$NET_TMP/peer.log"
check_endpoint_kept 10.200.9.5:51820 10.99.9.1
check_endpoint_kept "[fd00:200:9::5]:51820" 10.99.9.1
net_log "PASS"
