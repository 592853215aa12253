#!/usr/bin/env bash
# Handshake flood: an attacker (namespace X, tools/flood) sends handshake initiations with a
# valid mac1 (it knows sluiced's public key) and random garbage at sluiced's port as fast as it
# can, while the legitimate peer B (wireguard-go) starts its first handshake:
#   X (flood) -- A (sluiced) -- B (wireguard-go)
# Passes when sluiced enters cookie mode (cookie replies sent), B completes its handshake (it
# needs the cookie: its retry carries mac2) and gets pings through during the flood, and sluiced's
# resident memory grows by less than 4 MB. Printed: initiations/s sent and handled, B's handshake
# time under flood. The flood is stopped once B is through and memory was watched for 5 s more
# (60 s at most). B's first initiation only earns it a cookie; its retry 5 s later carries mac2.
# Part of the flood (and of B's datagrams with it) is lost in sluiced's socket buffer, so now and
# then B needs a retry more. About 12 s.
# Usage: flood.sh SLUICED SLUICECTL FLOOD
set -euo pipefail
SLUICED=$1 SLUICECTL=$2 FLOOD=$3
source "$(dirname "$0")/lib.sh"
net_init flood
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"

FLOOD_SECONDS=60
logs() { tail -n 20 "$NET_TMP"/*.log >&2 || true; }

net_ns a fa
net_ns b fb
net_ns x fx
net_veth "$a" 10.200.43.1/24 "$b" 10.200.43.2/24
net_veth "$a" 10.200.44.1/24 "$x" 10.200.44.2/24
net_keypair a
net_keypair b
A_IF="${NET_PREFIX}fa" B_IF="${NET_PREFIX}fb"
A_PUB=$(cat "$NET_TMP/a.pub")
net_config "$NET_TMP/a.toml" a 51820 10.95.0.1/24
net_config_peer "$NET_TMP/a.toml" b "" 10.95.0.2/32
net_start_sluiced "$a" "$A_IF" "$NET_TMP/a.toml" "$NET_TMP/a.log"
PID_A=${NET_PIDS[-1]}
net_start_wireguard_go "$b" "$B_IF" "$NET_TMP/b.log"
net_wg "$b" set "$B_IF" private-key "$NET_TMP/b.key" listen-port 51821 \
  peer "$A_PUB" endpoint 10.200.43.1:51820 allowed-ips 10.95.0.1/32
ip -n "$b" addr add 10.95.0.2/24 dev "$B_IF"
ip -n "$b" link set "$B_IF" up

counters() {  # the interface counters of sluiced, as "name value" lines
  ip netns exec "$a" timeout 5 "$SLUICECTL" stats "$A_IF" --json | jq -r '.interfaces[0].counters | to_entries[] | "\(.key) \(.value)"'
}
counter() { awk -v k="$2" '$1 == k {print $2}' "$1"; }

counters >"$NET_TMP/before.txt"
rss_before=$(net_rss_kb "$PID_A")
ip netns exec "$x" "$FLOOD" --target 10.200.44.1:51820 --public-key "$A_PUB" --duration "$FLOOD_SECONDS" \
  --count 100000000 --garbage 0.25 >"$NET_TMP/flood.out" 2>&1 &
FLOOD_PID=$!
NET_PIDS+=("$FLOOD_PID")
flood_start=$EPOCHREALTIME

cookie_mode() { (($(counters | awk '$1 == "cookie_replies_sent" {print $2}') > 0)); }
net_wait_for 5 cookie_mode || { logs; cat "$NET_TMP/flood.out" >&2; net_fail "sluiced did not enter cookie mode"; }
net_log "sluiced is sending cookie replies"

# B's first handshake, under the flood.
start=$EPOCHREALTIME
net_wait_for 45 ip netns exec "$b" ping -c 1 -W 1 10.95.0.1 || { logs; ip netns exec "$a" "$SLUICECTL" stats "$A_IF" >&2; net_wg "$b" show >&2; net_fail "B got no reply within 45 s under the flood"; }
handshake_time=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN {printf "%.2f", e - s}')
net_log "B (wireguard-go) reached A through its first handshake in $handshake_time s under the flood"

rss_max=$rss_before
got=$(net_ping_count "$b" 10.95.0.1 20 0.1)
net_log "during the flood: $got of 20 pings from B answered"
((got >= 3)) || { logs; net_fail "only $got of 20 pings answered during the flood"; }
for _ in $(seq 1 10); do
  rss=$(net_rss_kb "$PID_A")
  ((rss > rss_max)) && rss_max=$rss
  sleep 0.5
done
kill -0 "$FLOOD_PID" 2>/dev/null || net_fail "the flood ended before the legitimate traffic did; lengthen it"
kill -TERM "$FLOOD_PID"
net_wait_exit "$FLOOD_PID" 5 || net_fail "the flood tool did not stop on SIGTERM"
wait "$FLOOD_PID" || { cat "$NET_TMP/flood.out" >&2; net_fail "the flood tool failed"; }
flood_seconds=$(awk -v s="$flood_start" -v e="$EPOCHREALTIME" 'BEGIN {printf "%.1f", e - s}')
kill -0 "$PID_A" 2>/dev/null || { logs; net_fail "sluiced died under the flood"; }
counters >"$NET_TMP/after.txt"
rss_after=$(net_rss_kb "$PID_A")

delta() { echo $(($(counter "$NET_TMP/after.txt" "$1") - $(counter "$NET_TMP/before.txt" "$1"))); }
cookies=$(delta cookie_replies_sent) rejected=$(delta handshake_rejected) limited=$(delta handshake_rate_limited)
invalid=$(delta invalid_message) bad_mac1=$(delta bad_mac1)
net_log "flood: $(cat "$NET_TMP/flood.out")"
net_log "sluiced handled in $flood_seconds s: $cookies cookie replies, $rejected initiations rejected, $limited rate-limited" \
  "($(awk -v n=$((cookies + rejected + limited)) -v s="$flood_seconds" 'BEGIN {printf "%.0f", n / s}') initiations/s)," \
  "$invalid invalid and $bad_mac1 bad-mac1 datagrams"
net_log "sluiced RSS: $rss_before kB before, at most $rss_max kB during, $rss_after kB after"
net_ping "$b" 10.95.0.1 3 >/dev/null || { logs; net_fail "B -> A after the flood"; }
((rss_max - rss_before < 4096)) || net_fail "sluiced's memory grew by $((rss_max - rss_before)) kB under the flood"
net_log "PASS"
