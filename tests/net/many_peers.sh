#!/usr/bin/env bash
# The control plane at scale (issue 18): sluiced in namespace A gets 20,000 generated peers (each
# with an IPv4 /25, an IPv6 /64 and a loopback endpoint) plus one real peer, sluiced in B, through
# one `wg setconf`. Then:
#   - `wg show dump` lists every peer with its prefixes and endpoint, exactly as configured;
#   - `wg set A peer K remove` removes exactly that peer;
#   - a ping through the tunnel to B works, and keeps working while dumps of all peers are written;
#   - each step stays far below what a scan of all peers per peer would take (20,000 peers took
#     7.5 s to set and 16 s to dump that way), as a guard, not a measurement.
# No handshake is ever made with the generated peers: nothing is sent to them.
# Usage: many_peers.sh SLUICED
set -euo pipefail
SLUICED=$1
HERE=$(dirname "$0")
source "$HERE/lib.sh"
net_init many_peers
net_require_root
PEERS=20000

net_ns a a
net_ns b b
net_veth "$a" 10.200.118.1/24 "$b" 10.200.118.2/24
net_keypair a
net_keypair b
A_IF="${NET_PREFIX}ma" B_IF="${NET_PREFIX}mb"
A_PUB=$(cat "$NET_TMP/a.pub") B_PUB=$(cat "$NET_TMP/b.pub")

net_start_sluiced_bare "$a" "$A_IF" "$NET_TMP/a.log"
net_start_sluiced_bare "$b" "$B_IF" "$NET_TMP/b.log"
logs() { tail -n 20 "$NET_TMP"/*.log >&2 || true; }

# seconds_since START: elapsed seconds, to two decimals.
seconds_since() { echo "$(date +%s.%N) - $1" | bc; }
# within LIMIT SECONDS WHAT: fails when a step took longer than its guard.
within() { (($(echo "$2 < $1" | bc))) || net_fail "$3 took $2 s (guard: $1 s)"; }

python3 "$HERE/many_peers_conf.py" "$PEERS" "$(cat "$NET_TMP/a.key")" 51840 \
  --peer "$B_PUB:10.118.0.2/32:10.200.118.2:51841" >"$NET_TMP/a.conf"
start=$(date +%s.%N)
net_wg "$a" setconf "$A_IF" "$NET_TMP/a.conf" || { logs; net_fail "wg setconf of $PEERS peers"; }
took=$(seconds_since "$start")
net_log "wg setconf of $PEERS peers: $took s"
within 5 "$took" "wg setconf"
ip -n "$a" addr add 10.118.0.1/24 dev "$A_IF"
ip -n "$a" link set "$A_IF" up

net_wg "$b" set "$B_IF" private-key "$NET_TMP/b.key" listen-port 51841 \
  peer "$A_PUB" endpoint 10.200.118.1:51840 allowed-ips 10.118.0.1/32
ip -n "$b" addr add 10.118.0.2/24 dev "$B_IF"
ip -n "$b" link set "$B_IF" up

# The file's peers as "KEY ENDPOINT PREFIXES" lines (prefixes sorted, comma-separated), and the
# same from a dump: the two must be equal.
conf_peers() {
  awk -F' = ' '/^PublicKey/ {k = $2} /^AllowedIPs/ {p = $2; gsub(/ /, "", p)} /^Endpoint/ {print k, $2, p}' "$1" |
    python3 -c 'import sys
for line in sys.stdin:
    k, e, p = line.split()
    print(k, e, ",".join(sorted(p.split(","))))' | sort
}
dump_peers() {
  tail -n +2 "$1" | python3 -c 'import sys
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    print(f[0], f[2], ",".join(sorted(f[3].split(","))))' | sort
}

start=$(date +%s.%N)
net_wg "$a" show "$A_IF" dump >"$NET_TMP/dump1" || { logs; net_fail "wg show dump"; }
took=$(seconds_since "$start")
net_log "wg show dump of $((PEERS + 1)) peers: $took s"
within 5 "$took" "wg show dump"
conf_peers "$NET_TMP/a.conf" >"$NET_TMP/want1"
dump_peers "$NET_TMP/dump1" >"$NET_TMP/got1"
[[ $(wc -l <"$NET_TMP/got1") -eq $((PEERS + 1)) ]] || net_fail "the dump lists $(wc -l <"$NET_TMP/got1") peers, not $((PEERS + 1))"
diff -q "$NET_TMP/want1" "$NET_TMP/got1" >/dev/null ||
  { head -n 5 <<<"$(diff "$NET_TMP/want1" "$NET_TMP/got1")" >&2; net_fail "the dump differs from the file"; }
net_log "every peer is in the dump with its prefixes and endpoint"

# One removal removes exactly that one peer.
victim=$(sed -n '12345p' "$NET_TMP/want1" | cut -d' ' -f1)
start=$(date +%s.%N)
net_wg "$a" set "$A_IF" peer "$victim" remove || net_fail "wg set peer remove"
took=$(seconds_since "$start")
within 2 "$took" "wg set peer remove"
net_wg "$a" show "$A_IF" dump >"$NET_TMP/dump2"
dump_peers "$NET_TMP/dump2" >"$NET_TMP/got2"
grep -v "^$victim " "$NET_TMP/want1" >"$NET_TMP/want2"
[[ $(wc -l <"$NET_TMP/want2") -eq $PEERS ]] || net_fail "the victim was not in the file"
diff -q "$NET_TMP/want2" "$NET_TMP/got2" >/dev/null ||
  { head -n 5 <<<"$(diff "$NET_TMP/want2" "$NET_TMP/got2")" >&2; net_fail "the removal changed more than one peer"; }
net_log "wg set peer remove took $took s and removed exactly one peer"

# The data path: a ping to B through the tunnel, then pings while dumps are written (the answer
# goes out a slice of peers per turn of the event loop, so the tunnel does not wait for it).
net_ping "$a" 10.118.0.2 5 >"$NET_TMP/ping1" || { logs; net_fail "no ping through the tunnel"; }
ip netns exec "$a" ping -c 40 -i 0.05 -W 2 10.118.0.2 >"$NET_TMP/ping2" &
ping_pid=$!
NET_PIDS+=("$ping_pid")
for _ in 1 2 3; do net_wg "$a" show "$A_IF" dump >/dev/null; done
wait "$ping_pid" || true
received=$(awk '/packets transmitted/ {print $4}' "$NET_TMP/ping2")
net_log "during three dumps: $(grep -E 'packets transmitted|rtt' "$NET_TMP/ping2" | tr '\n' ' ')"
[[ ${received:-0} -ge 38 ]] || net_fail "pings were lost while dumps were written ($received of 40)"
net_log "PASS"
