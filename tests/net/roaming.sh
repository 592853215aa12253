#!/usr/bin/env bash
# Roaming: a peer's outer address changes and traffic resumes, because sluiced (A, which never
# moves) takes the new endpoint from the peer's authenticated packets.
#   B (sluiced):      10.200.6.2 -> 10.200.6.3, then from IPv4 to IPv6 (fd00:200:6::2)
#   C (wireguard-go): 10.200.8.2 -> 10.200.8.3
# Each time the roaming side pings first (it is the one that sends from the new address); then
# `wg show` on A must name the new endpoint, and A's own pings must reach the peer there.
# Usage: roaming.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init roaming
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"

net_ns a a
net_ns b b
net_ns c c
net_veth "$a" 10.200.6.1/24 "$b" 10.200.6.2/24 fd00:200:6::1/64 fd00:200:6::2/64
net_veth "$a" 10.200.8.1/24 "$c" 10.200.8.2/24
for name in a b c; do net_keypair "$name"; done
A_IF="${NET_PREFIX}ra" B_IF="${NET_PREFIX}rb" C_IF="${NET_PREFIX}rc"
A_PUB=$(cat "$NET_TMP/a.pub") B_PUB=$(cat "$NET_TMP/b.pub") C_PUB=$(cat "$NET_TMP/c.pub")

net_config "$NET_TMP/a.toml" a 51820 10.95.0.1/24
net_config_peer "$NET_TMP/a.toml" b 10.200.6.2:51821 10.95.0.2/32
net_config_peer "$NET_TMP/a.toml" c 10.200.8.2:51822 10.95.0.3/32
net_config "$NET_TMP/b.toml" b 51821 10.95.0.2/24
net_config_peer "$NET_TMP/b.toml" a 10.200.6.1:51820 10.95.0.1/32
net_start_sluiced "$a" "$A_IF" "$NET_TMP/a.toml" "$NET_TMP/a.log"
net_start_sluiced "$b" "$B_IF" "$NET_TMP/b.toml" "$NET_TMP/b.log"
net_start_wireguard_go "$c" "$C_IF" "$NET_TMP/c.log"
net_wg "$c" set "$C_IF" private-key "$NET_TMP/c.key" listen-port 51822 \
  peer "$A_PUB" endpoint 10.200.8.1:51820 allowed-ips 10.95.0.1/32
ip -n "$c" addr add 10.95.0.3/24 dev "$C_IF"
ip -n "$c" link set "$C_IF" up

logs() { tail -n 30 "$NET_TMP"/*.log >&2 || true; }

# expect_endpoint_on_a PUBKEY ENDPOINT WHEN
expect_endpoint_on_a() {
  local got
  got=$(net_peer_field "$a" "$A_IF" "$1" 3)
  [[ $got == "$2" ]] || net_fail "$3: A shows its peer at '$got', expected $2"
}

# move_address NS OLD NEW/LEN: the veth holding OLD gets NEW instead (deleted first: deleting a
# primary address would take a secondary one of the same subnet with it).
move_address() {
  local ns=$1 old=$2 new=$3 dev
  dev=$(ip -n "$ns" -o addr show to "$old" | awk '{print $2}')
  [[ -n $dev ]] || net_fail "no device holds $old in $ns"
  ip -n "$ns" addr del "$old/24" dev "$dev"
  ip -n "$ns" addr add "$new" dev "$dev"
}

# roam NS PEER_NAME PUBKEY OLD NEW NEW_ENDPOINT [AFTER_MOVE...]: traffic before, the move (then
# the command AFTER_MOVE, if any, in the roaming side), traffic after.
roam() {
  local ns=$1 name=$2 pub=$3 old=$4 new=$5 endpoint=$6 inner
  shift 6
  inner=$(ip -n "$ns" -o -4 addr show scope global | awk '$4 ~ /^10\.95\./ {split($4, p, "/"); print p[1]}')
  net_ping "$ns" 10.95.0.1 3 || { logs; net_fail "$name -> A before moving"; }
  move_address "$ns" "$old" "$new/24"
  if (($# > 0)); then "$@"; fi
  net_ping "$ns" 10.95.0.1 3 || { logs; net_fail "$name -> A after moving from $old to $new"; }
  expect_endpoint_on_a "$pub" "$endpoint" "after $name moved to $new"
  net_ping "$a" "$inner" 3 || { logs; net_fail "A -> $name at its new address $new"; }
  net_log "$name moved from $old to $new: A now sends to $endpoint"
}

roam "$b" "B (sluiced)" "$B_PUB" 10.200.6.2 10.200.6.3 10.200.6.3:51821
# wireguard-go 0.0.20220316 keeps sending from the source address it last received on ("sticky"
# source, IP_PKTINFO) and, once that address is gone, only gets ENETUNREACH: it retries without
# it only on EINVAL. Setting the endpoint again forgets the cached source, as a roaming client's
# network change would; sluiced's side is what this test is about.
forget_source_c() { net_wg "$c" set "$C_IF" peer "$A_PUB" endpoint 10.200.8.1:51820; }
roam "$c" "C (wireguard-go)" "$C_PUB" 10.200.8.2 10.200.8.3 10.200.8.3:51822 forget_source_c

# B changes address family: its IPv4 address goes away and it reaches A over IPv6.
ip -n "$b" addr del 10.200.6.3/24 dev "$(ip -n "$b" -o addr show to 10.200.6.3 | awk '{print $2}')"
net_wg "$b" set "$B_IF" peer "$A_PUB" endpoint "[fd00:200:6::1]:51820"
net_ping "$b" 10.95.0.1 3 || { logs; net_fail "B -> A after moving to IPv6"; }
expect_endpoint_on_a "$B_PUB" "[fd00:200:6::2]:51821" "after B moved to IPv6"
net_ping "$a" 10.95.0.2 3 || { logs; net_fail "A -> B at its IPv6 endpoint"; }
net_log "B moved from IPv4 to IPv6: A now sends to [fd00:200:6::2]:51821"

# Only authenticated packets move an endpoint: a forged transport message (type 4, random index,
# counter and "ciphertext") from C's address but another port must leave A's view of C alone.
ip netns exec "$c" timeout 5 bash -c 'head -c 60 /dev/urandom | { printf "\x04\x00\x00\x00"; cat; } >/dev/udp/10.200.8.1/51820'
sleep 0.5
expect_endpoint_on_a "$C_PUB" 10.200.8.3:51822 "after a forged packet from another port"
net_ping "$a" 10.95.0.3 3 || { logs; net_fail "A -> C after the forged packet"; }
net_wg "$a" show "$A_IF" >&2
net_log "PASS"
