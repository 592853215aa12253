#!/usr/bin/env bash
# Soak: sluiced (A) <-> wireguard-go (B) for a little over 6 minutes of continuous traffic, which
# crosses at least two REKEY_AFTER_TIME (120 s) rekeys. Both sides ping each other 10 times a
# second throughout. Passes when:
#   - sluiced completed at least 3 handshakes with B (the first and two rekeys), and the latest
#     handshake time moved on both sides;
#   - each direction lost at most 3 pings per handshake (a rekey should lose none).
# The handshake times seen (sampled every 5 s) and the losses are printed. About 370 s, nearly
# all of it idle: it does not hold the netns lock, so it runs beside the other tests.
# Usage: soak.sh SLUICED SLUICECTL [SECONDS]
set -euo pipefail
SLUICED=$1 SLUICECTL=$2 DURATION=${3:-360}
source "$(dirname "$0")/lib.sh"
net_init soak
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"

logs() { tail -n 20 "$NET_TMP"/*.log >&2 || true; }

net_ns a sa
net_ns b sb
net_veth "$a" 10.200.40.1/24 "$b" 10.200.40.2/24
net_keypair a
net_keypair b
A_IF="${NET_PREFIX}ka" B_IF="${NET_PREFIX}kb"
A_PUB=$(cat "$NET_TMP/a.pub") B_PUB=$(cat "$NET_TMP/b.pub")
net_config "$NET_TMP/a.toml" a 51820 10.94.0.1/24
net_config_peer "$NET_TMP/a.toml" b 10.200.40.2:51821 10.94.0.2/32
net_start_sluiced "$a" "$A_IF" "$NET_TMP/a.toml" "$NET_TMP/a.log"
PID_A=${NET_PIDS[-1]}
# wireguard-go keeps its control socket in a /run/wireguard of its own (a tmpfs in the mount
# namespace `ip netns exec` gives it): the tests running beside this one list every socket in
# /run/wireguard and ask each for sluiced's stats, which wireguard-go does not answer.
# shellcheck disable=SC2016 # "$1" is expanded by the inner sh, which gets "$B_IF" as its $1
ip netns exec "$b" sh -c 'mount -t tmpfs -o mode=0755 soak /run/wireguard && exec env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$1"' \
  sh "$B_IF" >"$NET_TMP/b.log" 2>&1 &
PID_B=$!
NET_PIDS+=("$PID_B")
wg_b() { nsenter -t "$PID_B" -m -n timeout 10 wg "$@"; }
net_wait_for 10 wg_b show "$B_IF" || { logs; net_fail "wireguard-go did not start"; }
wg_b set "$B_IF" private-key "$NET_TMP/b.key" listen-port 51821 \
  peer "$A_PUB" endpoint 10.200.40.1:51820 allowed-ips 10.94.0.1/32
ip -n "$b" addr add 10.94.0.2/24 dev "$B_IF"
ip -n "$b" link set "$B_IF" up
net_ping "$a" 10.94.0.2 3 || { logs; net_fail "no tunnel before the soak"; }

handshakes_completed() {
  ip netns exec "$a" timeout 5 "$SLUICECTL" stats "$A_IF" --json |
    jq -er '.interfaces[0].peers[0].counters.handshakes_completed'
}
before=$(handshakes_completed)
# The latest handshake of B's peer A, from `wg show dump` (net_peer_field, inside B's namespaces).
handshake_b() { wg_b show "$B_IF" dump | awk -F'\t' -v key="$A_PUB" 'NR > 1 && $1 == key {print $5}'; }
first_a=$(net_peer_field "$a" "$A_IF" "$B_PUB" 5) first_b=$(handshake_b)

count=$((DURATION * 10))
ip netns exec "$a" ping -q -n -c "$count" -i 0.1 -W 2 10.94.0.2 >"$NET_TMP/ping-ab.txt" 2>&1 &
ping_ab=$!
NET_PIDS+=("$ping_ab")
ip netns exec "$b" ping -q -n -c "$count" -i 0.1 -W 2 10.94.0.1 >"$NET_TMP/ping-ba.txt" 2>&1 &
ping_ba=$!
NET_PIDS+=("$ping_ba")

# Every 5 s: both daemons alive, and the handshake times they report.
start=$SECONDS
declare -A seen_a=() seen_b=()
while kill -0 "$ping_ab" 2>/dev/null || kill -0 "$ping_ba" 2>/dev/null; do
  ((SECONDS - start < DURATION + 30)) || net_fail "the pings did not end in time"
  kill -0 "$PID_A" 2>/dev/null || { logs; net_fail "sluiced exited during the soak"; }
  h_a=$(net_peer_field "$a" "$A_IF" "$B_PUB" 5) h_b=$(handshake_b)
  [[ -n ${seen_a[$h_a]:-} ]] || { seen_a[$h_a]=1; net_log "t=$((SECONDS - start)) s: sluiced reports a handshake at $h_a"; }
  [[ -n ${seen_b[$h_b]:-} ]] || { seen_b[$h_b]=1; net_log "t=$((SECONDS - start)) s: wireguard-go reports a handshake at $h_b"; }
  sleep 5
done
wait "$ping_ab" || true
wait "$ping_ba" || true

lost() {  # PING_OUTPUT: transmitted minus received
  awk '/packets transmitted/ {for (i = 1; i <= NF; i++) if ($i ~ /^received/) r = $(i-1)
       print $1 - r; found = 1} END {if (!found) print "none"}' "$1"
}
lost_ab=$(lost "$NET_TMP/ping-ab.txt") lost_ba=$(lost "$NET_TMP/ping-ba.txt")
[[ $lost_ab != none && $lost_ba != none ]] || { cat "$NET_TMP"/ping-*.txt >&2; net_fail "ping gave no summary"; }
handshakes=$(($(handshakes_completed) - before + 1))
last_a=$(net_peer_field "$a" "$A_IF" "$B_PUB" 5) last_b=$(handshake_b)
net_log "$((SECONDS - start)) s of traffic, $count pings each way: $handshakes handshakes on sluiced (first at $first_a, last at $last_a; wireguard-go: $first_b to $last_b); lost $lost_ab pings sluiced -> wireguard-go, $lost_ba wireguard-go -> sluiced"
((handshakes >= 3)) || net_fail "only $handshakes handshakes in $DURATION s: fewer than two rekeys"
((last_a > first_a && last_b > first_b)) || net_fail "the latest handshake did not move on both sides"
((lost_ab <= 3 * handshakes && lost_ba <= 3 * handshakes)) ||
  { logs; net_fail "lost $lost_ab and $lost_ba pings over $handshakes handshakes: more than 3 per handshake"; }
net_log "PASS"
