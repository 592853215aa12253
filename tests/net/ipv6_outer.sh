#!/usr/bin/env bash
# The outer transport over IPv6: sluiced in A has two peers whose endpoints are IPv6 addresses,
# a sluiced in B and a wireguard-go in C, each on its own veth:
#   A  fd00:200:4::1 <-> fd00:200:4::2  B (sluiced)
#   A  fd00:200:5::1 <-> fd00:200:5::2  C (wireguard-go)
# sluiced initiates towards B, wireguard-go initiates towards A; pings both ways over inner IPv4
# and IPv6, a full-size packet (1420 bytes inside, 1500 outside) without fragmentation, and every
# side reports the other's IPv6 endpoint.
# Usage: ipv6_outer.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init ipv6_outer
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"

net_ns a a
net_ns b b
net_ns c c
net_veth "$a" 10.200.4.1/24 "$b" 10.200.4.2/24 fd00:200:4::1/64 fd00:200:4::2/64
net_veth "$a" 10.200.5.1/24 "$c" 10.200.5.2/24 fd00:200:5::1/64 fd00:200:5::2/64
for name in a b c; do net_keypair "$name"; done
A_IF="${NET_PREFIX}6a" B_IF="${NET_PREFIX}6b" C_IF="${NET_PREFIX}6c"
A_PUB=$(cat "$NET_TMP/a.pub") B_PUB=$(cat "$NET_TMP/b.pub") C_PUB=$(cat "$NET_TMP/c.pub")

net_config "$NET_TMP/a.toml" a 51820 10.94.0.1/24,fd00:94::1/64
net_config_peer "$NET_TMP/a.toml" b "[fd00:200:4::2]:51821" 10.94.0.2/32,fd00:94::2/128
net_config_peer "$NET_TMP/a.toml" c "[fd00:200:5::2]:51822" 10.94.0.3/32,fd00:94::3/128
net_config "$NET_TMP/b.toml" b 51821 10.94.0.2/24,fd00:94::2/64
net_config_peer "$NET_TMP/b.toml" a "[fd00:200:4::1]:51820" 10.94.0.1/32,fd00:94::1/128
net_start_sluiced "$a" "$A_IF" "$NET_TMP/a.toml" "$NET_TMP/a.log"
net_start_sluiced "$b" "$B_IF" "$NET_TMP/b.toml" "$NET_TMP/b.log"

net_start_wireguard_go "$c" "$C_IF" "$NET_TMP/c.log"
net_wg "$c" set "$C_IF" private-key "$NET_TMP/c.key" listen-port 51822 \
  peer "$A_PUB" endpoint "[fd00:200:5::1]:51820" allowed-ips 10.94.0.1/32,fd00:94::1/128
ip -n "$c" addr add 10.94.0.3/24 dev "$C_IF"
ip -n "$c" addr add fd00:94::3/64 dev "$C_IF" nodad
ip -n "$c" link set "$C_IF" up

logs() { tail -n 30 "$NET_TMP"/*.log >&2 || true; }
# full_size_ping NS ADDRESS: 1392 bytes of ICMP payload = a 1420-byte inner packet (the MTU), so
# 1500 bytes outside with IPv6 (40) + UDP (8) + WireGuard (32); -M do forbids fragmentation.
full_size_ping() { ip netns exec "$1" ping -c 2 -i 0.2 -W 2 -s 1392 -M "do" "$2"; }

# sluiced <-> sluiced: A initiates.
net_ping "$a" 10.94.0.2 3 || { logs; net_fail "IPv4 ping A -> B over an IPv6 outer"; }
net_ping "$a" fd00:94::2 3 || { logs; net_fail "IPv6 ping A -> B over an IPv6 outer"; }
net_ping "$b" 10.94.0.1 3 || { logs; net_fail "IPv4 ping B -> A over an IPv6 outer"; }
full_size_ping "$a" 10.94.0.2 || { logs; net_fail "full-size ping A -> B over an IPv6 outer"; }

# wireguard-go -> sluiced: C initiates.
net_ping "$c" 10.94.0.1 3 || { logs; net_fail "IPv4 ping C (wireguard-go) -> A over an IPv6 outer"; }
net_ping "$c" fd00:94::1 3 || { logs; net_fail "IPv6 ping C (wireguard-go) -> A over an IPv6 outer"; }
net_ping "$a" 10.94.0.3 3 || { logs; net_fail "IPv4 ping A -> C (wireguard-go) over an IPv6 outer"; }
full_size_ping "$a" 10.94.0.3 || { logs; net_fail "full-size ping A -> C over an IPv6 outer"; }
full_size_ping "$c" 10.94.0.1 || { logs; net_fail "full-size ping C -> A over an IPv6 outer"; }

# expect_endpoint NS IFNAME PUBKEY ENDPOINT: `wg show` has the peer at this endpoint, with traffic.
expect_endpoint() {
  local got
  got=$(net_peer_field "$1" "$2" "$3" 3)
  [[ $got == "$4" ]] || net_fail "$2 shows its peer at '$got', expected $4"
  net_has_handshake "$1" "$2" "$3" || net_fail "$2 shows no handshake or no transfer with its peer"
}
expect_endpoint "$a" "$A_IF" "$B_PUB" "[fd00:200:4::2]:51821"
expect_endpoint "$a" "$A_IF" "$C_PUB" "[fd00:200:5::2]:51822"
expect_endpoint "$b" "$B_IF" "$A_PUB" "[fd00:200:4::1]:51820"
expect_endpoint "$c" "$C_IF" "$A_PUB" "[fd00:200:5::1]:51820"
net_wg "$a" show "$A_IF" >&2
net_log "PASS"
