#!/usr/bin/env bash
# Loss, duplication, reordering and corruption: sluiced <-> wireguard-go and sluiced <-> sluiced,
# each pair through a fault relay (tools/fault_relay, fixed seed) that in both directions drops
# 10%, duplicates 5%, reorders 10% (held 20 ms) and corrupts 1% of the datagrams:
#   1. 200 pings 20 ms apart: the share answered is near the expected (0.9 * 0.99)^2 = 79%
#      (a round trip crosses the relay twice); far fewer would mean the tunnel loses more than
#      the path, all of them would mean the relay did nothing.
#   2. an iperf3 TCP transfer of 20 MB completes.
#   3. sluiced counted the damage: replayed (duplicates) and failed decryptions (corruption).
#   4. the faults stop (SIGUSR2 to the relays); pings every 0.5 s for 30 s on both pairs at once
#      must all but one be answered: no session is stuck after the faults.
# About 45 s.
# Usage: fault.sh SLUICED SLUICECTL FAULT_RELAY
set -euo pipefail
SLUICED=$1 SLUICECTL=$2 FAULT_RELAY=$3
source "$(dirname "$0")/lib.sh"
net_init fault
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"

FAULTS=(--drop 0.1 --duplicate 0.05 --reorder 0.1 --reorder-ms 20 --corrupt 0.01)
logs() { tail -n 20 "$NET_TMP"/*.log >&2 || true; }

# sluiced_config NAME PEER PORT INNER PEER_INNER ENDPOINT
sluiced_config() {
  net_config "$NET_TMP/$1.toml" "$1" "$3" "$4/24"
  net_config_peer "$NET_TMP/$1.toml" "$2" "$6" "$5/32"
}

stat() {  # NS IFNAME COUNTER: an interface counter of sluiced
  ip netns exec "$1" timeout 5 "$SLUICECTL" stats "$2" --json | jq -er ".interfaces[0].counters.$3"
}

# --- sluiced (A) <-> relay <-> wireguard-go (B) ------------------------------------------------
net_relay_path g fg 31 32
for k in ga gb sa sb; do net_keypair "$k"; done
GA="${NET_PREFIX}ga" GB="${NET_PREFIX}gb"
net_start_relay "$g_r" 31 32 51821 "$NET_TMP/relay-g.log" --seed 9 "${FAULTS[@]}"
RELAY_G=${NET_PIDS[-1]}
sluiced_config ga gb 51820 10.93.1.1 10.93.1.2 10.200.31.2:40000
net_start_sluiced "$g_a" "$GA" "$NET_TMP/ga.toml" "$NET_TMP/ga.log"
net_start_wireguard_go "$g_b" "$GB" "$NET_TMP/gb.log"
net_wg "$g_b" set "$GB" private-key "$NET_TMP/gb.key" listen-port 51821 \
  peer "$(cat "$NET_TMP/ga.pub")" endpoint 10.200.32.2:40001 allowed-ips 10.93.1.1/32
ip -n "$g_b" addr add 10.93.1.2/24 dev "$GB"
ip -n "$g_b" link set "$GB" up

# --- sluiced (A) <-> relay <-> sluiced (B) -----------------------------------------------------
net_relay_path s fs 33 34
SA="${NET_PREFIX}sa" SB="${NET_PREFIX}sb"
net_start_relay "$s_r" 33 34 51821 "$NET_TMP/relay-s.log" --seed 19 "${FAULTS[@]}"
RELAY_S=${NET_PIDS[-1]}
sluiced_config sa sb 51820 10.93.2.1 10.93.2.2 10.200.33.2:40000
sluiced_config sb sa 51821 10.93.2.2 10.93.2.1 10.200.34.2:40001
net_start_sluiced "$s_a" "$SA" "$NET_TMP/sa.toml" "$NET_TMP/sa.log"
net_start_sluiced "$s_b" "$SB" "$NET_TMP/sb.toml" "$NET_TMP/sb.log"

# check_pair NAME NS_A IFNAME_A NS_B ADDRESS_B: steps 1 to 3 for one pair.
check_pair() {
  local name=$1 ns_a=$2 if_a=$3 ns_b=$4 address=$5 got start
  # The first handshake may itself be lost; a retry comes every 5 s.
  start=$SECONDS
  net_wait_for 30 ip netns exec "$ns_a" ping -c 1 -W 1 "$address" || { logs; net_fail "$name: no first reply in 30 s"; }
  net_log "$name: first reply after $((SECONDS - start)) s"
  got=$(net_ping_count "$ns_a" "$address" 200 0.02)
  net_log "$name: $got of 200 pings answered through the faults (expected about 158)"
  ((got >= 130 && got <= 185)) || { logs; net_fail "$name: $got of 200 pings answered, expected 130 to 185"; }

  net_iperf_server "$ns_b" "$address"
  start=$SECONDS
  ip netns exec "$ns_a" timeout 60 iperf3 -c "$address" -n 20M -f m >"$NET_TMP/iperf-$name.txt" ||
    { cat "$NET_TMP/iperf-$name.txt" >&2; logs; net_fail "$name: iperf3 TCP transfer did not complete"; }
  net_wait_exit "${NET_PIDS[-1]}" 5 || net_fail "$name: iperf3 server did not exit"
  net_log "$name: iperf3 TCP 20 MB through the faults in $((SECONDS - start)) s at $(net_iperf_rate "$NET_TMP/iperf-$name.txt")"

  local replayed decrypt
  replayed=$(stat "$ns_a" "$if_a" replayed) decrypt=$(stat "$ns_a" "$if_a" decrypt_failed)
  net_log "$name: sluiced counted $replayed replayed and $decrypt undecryptable datagrams"
  ((replayed > 0)) || net_fail "$name: duplicates were not rejected as replays"
  ((decrypt > 0)) || net_fail "$name: corrupted datagrams were not counted as failed decryptions"
}

check_pair wireguard_go "$g_a" "$GA" "$g_b" 10.93.1.2
check_pair sluiced "$s_a" "$SA" "$s_b" 10.93.2.2

# Step 4: faults off, then 30 s of traffic on both pairs at once, each direction of the tunnel
# taking a turn: A pings B on one pair while B pings A on the other.
kill -USR2 "$RELAY_G" "$RELAY_S"
net_ping_count "$g_a" 10.93.1.2 60 0.5 >"$NET_TMP/after-g.txt" &
after_g=$!
net_ping_count "$s_b" 10.93.2.1 60 0.5 >"$NET_TMP/after-s.txt" &
after_s=$!
wait "$after_g" "$after_s"
got_g=$(cat "$NET_TMP/after-g.txt") got_s=$(cat "$NET_TMP/after-s.txt")
net_log "after the faults stopped: $got_g of 60 (wireguard-go pair) and $got_s of 60 (sluiced pair) answered over 30 s"
((got_g >= 59 && got_s >= 59)) || { logs; net_fail "traffic did not flow freely after the faults stopped"; }
net_log "relay counts:"
kill -TERM "$RELAY_G" "$RELAY_S"
{ net_wait_exit "$RELAY_G" 5 && net_wait_exit "$RELAY_S" 5 && wait "$RELAY_G" "$RELAY_S"; } || true
grep -h exiting "$NET_TMP"/relay-*.log >&2 || true
net_log "PASS"
