#!/usr/bin/env bash
# Events on the path, with sluiced running throughout (its pid must never change):
#   sluiced (A) -- fault relay (no random faults) -- wireguard-go (B)
#   1. B restarts (SIGTERM, new process, same key and config through `wg set`): B pings first.
#   2. B's key changes: B takes a new private key; on A the old peer is removed and the new key
#      added (`wg set A peer OLD remove`, then `peer NEW ...`): A pings first.
#   3. A 30 s blackout of the relay (SIGUSR1 on, SIGUSR1 off) while A keeps sending, so A's
#      handshake attempts run into it: traffic resumes once the path is back.
# Each time the first reply must come within 15 s; the time is printed. About 50 s.
# Usage: fault_events.sh SLUICED SLUICECTL FAULT_RELAY
set -euo pipefail
SLUICED=$1 SLUICECTL=$2 FAULT_RELAY=$3
source "$(dirname "$0")/lib.sh"
net_init fault_events
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"

logs() { tail -n 20 "$NET_TMP"/*.log >&2 || true; }

net_relay_path p fe 35 36
for k in a b b2; do net_keypair "$k"; done
A_IF="${NET_PREFIX}ea" B_IF="${NET_PREFIX}eb"
A_PUB=$(cat "$NET_TMP/a.pub") B_PUB=$(cat "$NET_TMP/b.pub") B2_PUB=$(cat "$NET_TMP/b2.pub")
net_start_relay "$p_r" 35 36 51821 "$NET_TMP/relay.log"
RELAY=${NET_PIDS[-1]}
net_config "$NET_TMP/a.toml" a 51820 10.93.3.1/24
net_config_peer "$NET_TMP/a.toml" b 10.200.35.2:40000 10.93.3.2/32
net_start_sluiced "$p_a" "$A_IF" "$NET_TMP/a.toml" "$NET_TMP/a.log"
PID_A=${NET_PIDS[-1]}

start_b() {  # KEYNAME: wireguard-go with that key, knowing A through the relay.
  net_start_wireguard_go "$p_b" "$B_IF" "$NET_TMP/b.log"
  PID_B=${NET_PIDS[-1]}
  net_wg "$p_b" set "$B_IF" private-key "$NET_TMP/$1.key" listen-port 51821 \
    peer "$A_PUB" endpoint 10.200.36.2:40001 allowed-ips 10.93.3.1/32
  ip -n "$p_b" addr add 10.93.3.2/24 dev "$B_IF"
  ip -n "$p_b" link set "$B_IF" up
}

# resumes NS ADDRESS WHAT: one-packet pings until one is answered, for at most 15 s.
resumes() {
  local start=$EPOCHREALTIME
  net_wait_for 15 ip netns exec "$1" ping -c 1 -W 1 "$2" || { logs; net_fail "$3: no reply within 15 s"; }
  net_log "$3: first reply after $(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN {printf "%.3f", e - s}') s"
}

initiations_sent() {  # of A towards B (new key)
  ip netns exec "$p_a" timeout 5 "$SLUICECTL" stats "$A_IF" --json |
    jq -er --arg key "$B2_PUB" '.interfaces[0].peers[] | select(.public_key == $key) | .counters.initiations_sent'
}

sluiced_alive() {
  kill -0 "$PID_A" 2>/dev/null || { logs; net_fail "sluiced exited ($1)"; }
}

start_b b
net_ping "$p_a" 10.93.3.2 3 || { logs; net_fail "A -> B before any event"; }

# 1. Peer restart.
net_stop "$PID_B" || net_fail "wireguard-go did not stop on SIGTERM"
start_b b
resumes "$p_b" 10.93.3.1 "B (wireguard-go) restarted, B -> A"
net_ping "$p_a" 10.93.3.2 3 || { logs; net_fail "A -> B after B's restart"; }
sluiced_alive "after the peer restart"

# 2. Peer key change.
net_wg "$p_b" set "$B_IF" private-key "$NET_TMP/b2.key"
net_wg "$p_a" set "$A_IF" peer "$B_PUB" remove
net_wg "$p_a" set "$A_IF" peer "$B2_PUB" endpoint 10.200.35.2:40000 allowed-ips 10.93.3.2/32
resumes "$p_a" 10.93.3.2 "B's key changed, A -> B"
net_has_handshake "$p_a" "$A_IF" "$B2_PUB" || net_fail "A shows no handshake with B's new key"
[[ -z $(net_peer_field "$p_a" "$A_IF" "$B_PUB" 1) ]] || net_fail "A still lists B's old key"
net_ping "$p_b" 10.93.3.1 3 || { logs; net_fail "B -> A after the key change"; }
sluiced_alive "after the key change"

# 3. A 30 s blackout; A keeps pinging once a second into it (none may come back).
sent_before=$(initiations_sent)
kill -USR1 "$RELAY"
blackout_start=$SECONDS
got=$(net_ping_count "$p_a" 10.93.3.2 28 1)
((got == 0)) || net_fail "$got pings answered during the blackout: the relay did not black out"
while ((SECONDS - blackout_start < 30)); do sleep 0.2; done
sent_during=$(($(initiations_sent) - sent_before))
kill -USR1 "$RELAY"
net_log "blackout of $((SECONDS - blackout_start)) s over, during which A sent $sent_during handshake initiations"
((sent_during >= 2)) || net_fail "A did not try to handshake again during the blackout"
resumes "$p_a" 10.93.3.2 "after a 30 s blackout, A -> B"
net_ping "$p_b" 10.93.3.1 3 || { logs; net_fail "B -> A after the blackout"; }
sluiced_alive "after the blackout"
net_has_handshake "$p_a" "$A_IF" "$B2_PUB" || net_fail "A shows no handshake with B after the blackout"
net_log "PASS"
