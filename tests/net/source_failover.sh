#!/usr/bin/env bash
# The initiator's pinned source address stays its own but leads nowhere, and the tunnel recovers
# by the first handshake retry, which leaves from the source the host picks now (as the kernel
# and wireguard-go do). I reaches R's address 10.200.95.2 over two links, link 1 preferred:
#   I 10.200.93.1 --link 1-- 10.200.93.2 R
#   I 10.200.94.1 --link 2-- 10.200.94.2 R      (R's tunnel endpoint: 10.200.95.2 on its lo)
# R writes first, to 10.200.93.1, so I answers from there (pinned). Then I's link 1 goes down:
# the address stays, the route to R moves to link 2, and R's answers to 10.200.93.1 are lost.
# Sends from the pinned source do not fail, so only forgetting it on a retry helps: about 15 s
# of unanswered data, a new handshake (still pinned, lost), 5 s, the retry from 10.200.94.1.
# Usage: source_failover.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init source_failover
net_require_root

net_ns i i
net_ns r r
net_veth "$i" 10.200.93.1/24 "$r" 10.200.93.2/24
net_veth "$i" 10.200.94.1/24 "$r" 10.200.94.2/24
link_of() { ip -n "$1" -o addr show to "$2" | awk '{print $2}'; }
i_link1=$(link_of "$i" 10.200.93.1)
r_link1=$(link_of "$r" 10.200.93.2)
ip -n "$r" addr add 10.200.95.2/32 dev lo
ip -n "$i" route add 10.200.95.2/32 via 10.200.93.2 metric 10
ip -n "$i" route add 10.200.95.2/32 via 10.200.94.2 metric 20
# R's packets to I leave from its tunnel endpoint address, so I sees R at one address throughout.
ip -n "$r" route add 10.200.93.1/32 dev "$r_link1" src 10.200.95.2
net_keypair i
net_keypair r
I_IF="${NET_PREFIX}i" R_IF="${NET_PREFIX}r"
I_PUB=$(cat "$NET_TMP/i.pub")

net_config "$NET_TMP/i.toml" i 51820 10.99.93.1/24
net_config_peer "$NET_TMP/i.toml" r 10.200.95.2:51821 10.99.93.2/32
net_config "$NET_TMP/r.toml" r 51821 10.99.93.2/24
net_config_peer "$NET_TMP/r.toml" i 10.200.93.1:51820 10.99.93.1/32
net_start_sluiced "$i" "$I_IF" "$NET_TMP/i.toml" "$NET_TMP/i.log"
net_start_sluiced "$r" "$R_IF" "$NET_TMP/r.toml" "$NET_TMP/r.log"
logs() { tail -n 20 "$NET_TMP"/*.log >&2 || true; }

net_ping "$r" 10.99.93.1 3 >/dev/null || { logs; net_fail "R -> I before the failover"; }
seen=$(net_peer_field "$r" "$R_IF" "$I_PUB" 3)
[[ $seen == 10.200.93.1:51820 ]] || net_fail "R sees I at $seen, expected 10.200.93.1:51820"
net_log "tunnel up; I answers R from 10.200.93.1"

ip -n "$i" link set "$i_link1" down
start=$SECONDS
until ip netns exec "$i" ping -c 1 -W 1 10.99.93.2 >/dev/null 2>&1; do
  ((SECONDS - start < 45)) || { logs; net_fail "no ping I -> R within 45 s of link 1 going down"; }
  sleep 0.5
done
took=$((SECONDS - start))
seen=$(net_peer_field "$r" "$R_IF" "$I_PUB" 3)
[[ $seen == 10.200.94.1:51820 ]] || net_fail "after the failover R sees I at $seen, expected 10.200.94.1:51820"
# New handshake after 15 s of silence, its first retry 5 s (+ jitter) later; a second retry
# would come 5 s after that.
((took <= 25)) || net_fail "recovered after $took s: later than the first handshake retry"
net_log "recovered $took s after link 1 went down; R now sees I at $seen"
net_log "PASS"
