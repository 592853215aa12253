#!/usr/bin/env bash
# Road warrior from the examples configs/road-warrior-client.toml and road-warrior-hub.toml,
# started with `sluicectl up`:
#
#   client ====== tunnel ======> hub ---- server (on the hub's LAN)
#   10.200.40.2      10.200.40.1   10.201.1.1   10.201.1.2
#
# The client's full tunnel (0.0.0.0/0, ::/0 with routes = true) is its only default route here,
# so everything it sends goes through the hub. Its persistent keepalive makes the handshake happen
# before it sends any traffic; then it reaches the server behind the hub.
# Usage: ctl_road_warrior.sh SLUICECTL SLUICED CONFIGS_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_road_warrior "$1" "$2"
CONFIGS=$3
net_require_root

net_ns client client
net_ns hub hub
net_ns server server
net_veth "$client" 10.200.40.2/24 "$hub" 10.200.40.1/24
net_veth "$hub" 10.201.1.1/24 "$server" 10.201.1.2/24
ip -n "$server" route add default via 10.201.1.1
ctl_forwarding "$hub"

c="$NET_TMP/${NET_PREFIX}rc.toml"
h="$NET_TMP/${NET_PREFIX}rh.toml"
ctl_localize "$CONFIGS/road-warrior-client.toml" "$c" 's|203\.0\.113\.1:|10.200.40.1:|'
ctl_localize "$CONFIGS/road-warrior-hub.toml" "$h"
ctl_set_peer_keys "$c" "$(ctl_public_key "$NET_TMP/hub.key")"
ctl_set_peer_keys "$h" "$(ctl_public_key "$NET_TMP/laptop.key")"
grep -q '^allowed_ips = \["0.0.0.0/0", "::/0"\]' "$c" || net_fail "the client example is no longer a full tunnel"

ctl_up "$hub" "$h"
ctl_up "$client" "$c"
route=$(ip -n "$client" route get 10.201.1.2)
grep -q "dev ${NET_PREFIX}rc" <<<"$route" || net_fail "no default route through the tunnel"

# No traffic yet: only the keepalive can have started the handshake.
handshake() { ctl "$hub" show --json "${NET_PREFIX}rh" | jq -e '.interfaces[0].peers[0].latest_handshake != null'; }
net_wait_for 10 handshake || net_fail "the client's persistent keepalive did not connect it"
endpoint=$(ctl "$hub" show --json "${NET_PREFIX}rh" | jq -r '.interfaces[0].peers[0].endpoint')
[[ $endpoint == 10.200.40.2:* ]] || net_fail "the hub did not learn the client's endpoint (got $endpoint)"

net_ping "$client" 10.201.1.2 5 || { ctl "$client" show >&2; net_fail "client cannot reach the server behind the hub"; }
net_ping "$client" 10.8.0.1 3 || net_fail "client cannot reach the hub's tunnel address"
net_ping "$client" fd08::1 3 || net_fail "client cannot reach the hub over IPv6"
net_log "PASS"
