#!/usr/bin/env bash
# sd_notify, as sluiced@.service (Type=notify) relies on: with $NOTIFY_SOCKET set, sluiced sends
# READY=1 only once its interface exists and the control socket answers, and STOPPING=1 when it
# shuts down on SIGTERM (exit status 0). socat stands in for systemd's notification socket.
# Usage: systemd_notify.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init systemd_notify
net_require_root
command -v socat >/dev/null || net_fail "socat is missing (see the first command in README.md)"

net_ns a a
net_keypair a
IF="${NET_PREFIX}sn"
NOTIFY="$NET_TMP/notify.sock"
NOTICES="$NET_TMP/notices"
# The notices arrive one datagram each, written one after the other without separator.
socat -u UNIX-RECV:"$NOTIFY" STDOUT >"$NOTICES" 2>"$NET_TMP/socat.log" &
NET_PIDS+=($!)
net_wait_for 5 test -S "$NOTIFY" || { cat "$NET_TMP/socat.log" >&2; net_fail "socat did not bind $NOTIFY"; }

net_config "$NET_TMP/$IF.toml" a "" 10.99.77.1/24
ip netns exec "$a" env NOTIFY_SOCKET="$NOTIFY" "$SLUICED" -f --config "$NET_TMP/$IF.toml" "$IF" \
  >"$NET_TMP/sluiced.log" 2>&1 &
daemon=$!
NET_PIDS+=("$daemon")
NET_FILES+=("/run/wireguard/$IF.sock")

net_wait_for 10 grep -q 'READY=1' "$NOTICES" || { cat "$NET_TMP/sluiced.log" >&2; net_fail "no READY=1"; }
# Right at READY, with no retry: the device is there and the socket answers.
ip -n "$a" link show "$IF" >/dev/null || net_fail "READY=1 before the TUN device exists"
net_wg "$a" show "$IF" listen-port >/dev/null || net_fail "READY=1 before the control socket answers"
net_log "READY=1 once the interface and its socket are up"

kill -TERM "$daemon"
status=0
timeout 10 tail --pid="$daemon" -f /dev/null || net_fail "sluiced did not exit on SIGTERM"
wait "$daemon" || status=$?
[[ $status -eq 0 ]] || net_fail "sluiced exited with status $status"
net_wait_for 5 grep -q 'STOPPING=1' "$NOTICES" || net_fail "no STOPPING=1"
[[ $(grep -o 'READY=1' "$NOTICES" | wc -l) -eq 1 ]] || net_fail "READY=1 sent more than once: $(cat "$NOTICES")"
net_log "STOPPING=1 on SIGTERM, exit status 0"
net_log PASS
