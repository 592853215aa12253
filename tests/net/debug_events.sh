#!/usr/bin/env bash
# sluiced -v logs the handshake at debug level, in order, on both sides: initiation sent and
# received, the initiator's endpoint learnt by the responder (which has none configured),
# response sent and received, the new keypair in use. The lines hold no private or preshared
# key. Retries, giving up and cookie replies are covered by the unit tests (tunnel_events).
# Usage: debug_events.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init debug_events
net_require_root

net_ns a a
net_ns b b
net_veth "$a" 10.200.87.1/24 "$b" 10.200.87.2/24
net_keypair a
net_keypair b
PSK=$(wg genpsk)
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"

net_config "$NET_TMP/a.toml" a 51820 10.99.87.1/24
net_config_peer "$NET_TMP/a.toml" b 10.200.87.2:51821 10.99.87.2/32 "preshared_key = \"$PSK\""
net_config "$NET_TMP/b.toml" b 51821 10.99.87.2/24
net_config_peer "$NET_TMP/b.toml" a "" 10.99.87.1/32 "preshared_key = \"$PSK\""

chmod 600 "$NET_TMP/a.toml" "$NET_TMP/b.toml"  # they hold the preshared key
net_start_sluiced "$a" "$A" "$NET_TMP/a.toml" "$NET_TMP/a.log" -v
pid_a=${NET_PIDS[-1]}
net_start_sluiced "$b" "$B" "$NET_TMP/b.toml" "$NET_TMP/b.log" -v
pid_b=${NET_PIDS[-1]}
net_ping "$a" 10.99.87.2 3 >/dev/null || { cat "$NET_TMP"/*.log >&2; net_fail "no tunnel"; }
net_stop "$pid_a" || net_fail "sluiced $A did not stop cleanly"
net_stop "$pid_b" || net_fail "sluiced $B did not stop cleanly"

# in_order LOG PATTERN...: each PATTERN (fixed text) on a line after the previous one's.
in_order() {
  local log=$1 line=0 rest found
  shift
  for pattern in "$@"; do
    rest=$(tail -n "+$((line + 1))" "$log")
    found=$(grep -nF -m1 -- "$pattern" <<<"$rest" | cut -d: -f1) ||
      { cat "$log" >&2; net_fail "$(basename "$log"): no \"$pattern\" after line $line"; }
    line=$((line + found))
  done
}
in_order "$NET_TMP/a.log" "handshake initiation sent to 10.200.87.2:51821 (attempt 1)" \
  "handshake response received from 10.200.87.2:51821" "new keypair in use"
in_order "$NET_TMP/b.log" "handshake initiation received from 10.200.87.1:51820" \
  "endpoint changed to 10.200.87.1:51820" "handshake response sent to 10.200.87.1:51820" "new keypair in use"
for log in "$NET_TMP/a.log" "$NET_TMP/b.log"; do
  if found=$(net_contains_secret "$log" "$(cat "$NET_TMP/a.key")" "$(cat "$NET_TMP/b.key")" "$PSK"); then
    net_fail "$(basename "$log") holds key material (${found:0:6}...)"
  fi
done
net_log "$(cat "$NET_TMP/a.log" "$NET_TMP/b.log" | grep -c "handshake\|keypair\|endpoint") event lines, in order, no keys; PASS"
