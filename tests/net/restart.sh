#!/usr/bin/env bash
# Restart of one side: traffic resumes within a few seconds (each wait bounded to 10 s).
#   A (sluiced, persistent keepalive 25 s towards both peers) -- B (sluiced) and C (wireguard-go)
#   1. B is stopped with SIGTERM (clean exit: status 0, socket and device gone) and started again
#      with the same config; B pings first, so B's new handshake is what restores the tunnel.
#   2. The same with C (wireguard-go, reconfigured with `wg set` after the restart).
#   3. A is restarted; B and C keep their now stale sessions and ping first. A's persistent
#      keepalive, sent as soon as the config is applied, starts the new handshakes; without it the
#      peers would only notice after KEEPALIVE_TIMEOUT + REKEY_TIMEOUT (15 s), as in WireGuard.
#   4. B is killed with SIGKILL (a crash): a new B starts over the stale socket file it left.
#   5. A's control socket file is removed: A makes it again.
# The time to the first reply is printed for each.
# Usage: restart.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init restart
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"

net_ns a a
net_ns b b
net_ns c c
net_veth "$a" 10.200.9.1/24 "$b" 10.200.9.2/24
net_veth "$a" 10.200.10.1/24 "$c" 10.200.10.2/24
for name in a b c; do net_keypair "$name"; done
A_IF="${NET_PREFIX}sa" B_IF="${NET_PREFIX}sb" C_IF="${NET_PREFIX}sc"
A_PUB=$(cat "$NET_TMP/a.pub") B_PUB=$(cat "$NET_TMP/b.pub") C_PUB=$(cat "$NET_TMP/c.pub")

net_config "$NET_TMP/a.toml" a 51820 10.96.0.1/24
net_config_peer "$NET_TMP/a.toml" b 10.200.9.2:51821 10.96.0.2/32 'persistent_keepalive = 25'
net_config_peer "$NET_TMP/a.toml" c 10.200.10.2:51822 10.96.0.3/32 'persistent_keepalive = 25'
net_config "$NET_TMP/b.toml" b 51821 10.96.0.2/24
net_config_peer "$NET_TMP/b.toml" a 10.200.9.1:51820 10.96.0.1/32

logs() { tail -n 30 "$NET_TMP"/*.log >&2 || true; }

start_a() { net_start_sluiced "$a" "$A_IF" "$NET_TMP/a.toml" "$NET_TMP/a.log"; PID_A=${NET_PIDS[-1]}; }
start_b() { net_start_sluiced "$b" "$B_IF" "$NET_TMP/b.toml" "$NET_TMP/b.log"; PID_B=${NET_PIDS[-1]}; }
start_c() {
  net_start_wireguard_go "$c" "$C_IF" "$NET_TMP/c.log"
  PID_C=${NET_PIDS[-1]}
  net_wg "$c" set "$C_IF" private-key "$NET_TMP/c.key" listen-port 51822 \
    peer "$A_PUB" endpoint 10.200.10.1:51820 allowed-ips 10.96.0.1/32
  ip -n "$c" addr add 10.96.0.3/24 dev "$C_IF"
  ip -n "$c" link set "$C_IF" up
}

# stop_sluiced NS IFNAME PID: SIGTERM must end it cleanly, leaving neither socket nor device.
stop_sluiced() {
  local status=0
  net_stop "$3" || status=$?
  ((status == 0)) || { logs; net_fail "sluiced $2 exited with status $status after SIGTERM"; }
  [[ ! -e /run/wireguard/$2.sock ]] || net_fail "sluiced $2 left its control socket behind"
  ! ip -n "$1" link show "$2" >/dev/null 2>&1 || net_fail "sluiced $2 left its TUN device behind"
}

# resumes NS ADDRESS WHAT: one-packet pings until one is answered, for at most 10 s; logs the time.
resumes() {
  local start=$EPOCHREALTIME
  net_wait_for 10 ip netns exec "$1" ping -c 1 -W 1 "$2" || { logs; net_fail "$3: no reply within 10 s"; }
  net_log "$3: first reply after $(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN {printf "%.3f", e - s}') s"
}

# A last: its first keepalive (at start) must find B and C listening, or the handshake would
# only be retried after REKEY_TIMEOUT (5 s).
start_b
start_c
start_a
net_ping "$a" 10.96.0.2 3 || { logs; net_fail "A -> B before any restart"; }
net_ping "$a" 10.96.0.3 3 || { logs; net_fail "A -> C before any restart"; }

# 1. sluiced B restarts.
stop_sluiced "$b" "$B_IF" "$PID_B"
start_b
resumes "$b" 10.96.0.1 "B (sluiced) restarted, B -> A"
net_ping "$a" 10.96.0.2 3 || { logs; net_fail "A -> B after B's restart"; }

# 2. wireguard-go C restarts.
net_stop "$PID_C" || net_fail "wireguard-go did not stop on SIGTERM"
start_c
resumes "$c" 10.96.0.1 "C (wireguard-go) restarted, C -> A"
net_ping "$a" 10.96.0.3 3 || { logs; net_fail "A -> C after C's restart"; }

# 3. sluiced A restarts; its peers still hold sessions A no longer knows.
stop_sluiced "$a" "$A_IF" "$PID_A"
start_a
resumes "$b" 10.96.0.1 "A (sluiced) restarted, B (sluiced) -> A"
resumes "$c" 10.96.0.1 "A (sluiced) restarted, C (wireguard-go) -> A"
net_has_handshake "$a" "$A_IF" "$B_PUB" || net_fail "restarted A shows no handshake or traffic with B"
net_has_handshake "$a" "$A_IF" "$C_PUB" || net_fail "restarted A shows no handshake or traffic with C"

# 4. B crashes (SIGKILL): its socket file stays behind, stale. The next sluiced must replace it.
# (stderr: bash's "Killed" job notice.)
{ kill -KILL "$PID_B" && net_wait_exit "$PID_B" 5 && wait "$PID_B"; } 2>/dev/null || true
! kill -0 "$PID_B" 2>/dev/null || net_fail "sluiced B survived SIGKILL"
[[ -S /run/wireguard/$B_IF.sock ]] || net_log "note: no stale socket after SIGKILL"
start_b
# net_start_sluiced is satisfied by the stale file: wait for the new daemon to answer.
net_wait_control "$b" "$B_IF" || { logs; net_fail "B restarted over a stale socket does not answer"; }
resumes "$b" 10.96.0.1 "B (sluiced) restarted after SIGKILL, B -> A"

# 5. A's socket file is removed under it (what `wg` does to one it finds refusing connections,
# as a socket does for a moment after bind): A listens there again within its one-second check.
rm /run/wireguard/"$A_IF".sock
net_wait_for 5 net_wg "$a" show "$A_IF" >/dev/null || { logs; net_fail "A did not restore its removed control socket"; }
grep -q "control socket /run/wireguard/$A_IF.sock was removed; listening there again" "$NET_TMP/a.log" ||
  net_fail "A did not log that it restored its control socket"
net_log "PASS"
