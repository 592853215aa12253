#!/usr/bin/env bash
# SIGHUP reloads the config file sluiced started with, as admins and systemd's ExecReload expect
# (it used to stop the daemon): peers and allowed IPs follow the file, an unchanged peer keeps its
# session (no new handshake), routes follow with routes = true, and a broken file changes nothing
# and is named in the log. SIGTERM still stops it.
# Usage: sighup_reload.sh SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
net_init sighup_reload
SLUICED=$1
net_require_root

net_pair h 91
net_keypair c
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"
write_a() {  # EXTRA_ALLOWED_FOR_B [PEER_C_LINES]: a's config, peer b first
  net_config "$NET_TMP/a.toml" ha 51891 10.99.91.1/24 "routes = true"
  net_config_peer "$NET_TMP/a.toml" hb 10.200.91.2:51892 "10.99.91.2/32${1:+,$1}"
  [[ -z ${2:-} ]] || net_config_peer "$NET_TMP/a.toml" c "" "$2"
}
write_a
net_config "$NET_TMP/b.toml" hb 51892 10.99.91.2/24
net_config_peer "$NET_TMP/b.toml" ha 10.200.91.1:51891 10.99.91.1/32,10.99.92.0/24
net_start_sluiced "$h_a" "$A" "$NET_TMP/a.toml" "$NET_TMP/a.log"
pid_a=${NET_PIDS[-1]}
net_start_sluiced "$h_b" "$B" "$NET_TMP/b.toml" "$NET_TMP/b.log"
net_ping "$h_a" 10.99.91.2 3 >/dev/null || { cat "$NET_TMP"/*.log >&2; net_fail "no ping before the reload"; }
pub_b=$(cat "$NET_TMP/hb.pub")
pub_c=$(cat "$NET_TMP/c.pub")
handshake=$(net_peer_field "$h_a" "$A" "$pub_b" 5)

# hup N: SIGHUP, then wait for the Nth outcome line (reloaded, or nothing changed) in a's log.
hup() {
  kill -HUP "$pid_a"
  net_wait_for 5 bash -c "(( \$(grep -cE 'SIGHUP: (reloaded|nothing changed)' '$NET_TMP/a.log') >= $1 ))" ||
    net_fail "no reload line after SIGHUP $1: $(cat "$NET_TMP/a.log")"
  kill -0 "$pid_a" || net_fail "sluiced stopped on SIGHUP $1"
}

# A prefix more for b, and a new peer c.
write_a 10.99.92.0/24 10.99.93.0/24
hup 1
grep -q "SIGHUP: reloaded $NET_TMP/a.toml: 2 peers (1 added, 0 removed), routes 2 added, 0 removed" "$NET_TMP/a.log" ||
  net_fail "reload summary: $(grep SIGHUP "$NET_TMP/a.log")"
[[ $(net_peer_field "$h_a" "$A" "$pub_b" 4) == "10.99.91.2/32,10.99.92.0/24" ]] || net_fail "b's allowed IPs: $(net_peer_field "$h_a" "$A" "$pub_b" 4)"
[[ $(net_peer_field "$h_a" "$A" "$pub_c" 4) == 10.99.93.0/24 ]] || net_fail "peer c not added"
# Captured first: `ip | grep -q` under pipefail fails when grep quits before ip's last line
# (ip flushes each route), which made this check fail once in CI with the route in place.
routes=$(ip -n "$h_a" route show dev "$A")
grep -q "^10.99.92.0/24" <<<"$routes" || { grep SIGHUP "$NET_TMP/a.log" >&2; echo "$routes" >&2; net_fail "no route to b's new prefix"; }
grep -q "^10.99.93.0/24" <<<"$routes" || net_fail "no route to c's prefix"
[[ $(net_peer_field "$h_a" "$A" "$pub_b" 5) == "$handshake" ]] || net_fail "b's session was not kept (new handshake)"
net_ping "$h_a" 10.99.91.2 2 >/dev/null || net_fail "no ping after the reload"
[[ $(net_peer_field "$h_a" "$A" "$pub_b" 5) == "$handshake" ]] || net_fail "the ping after the reload needed a new handshake"
net_log "reload 1: $(grep -m 1 'SIGHUP: reloaded' "$NET_TMP/a.log" | sed 's/.*SIGHUP: //')"

# Back: c and b's extra prefix go, with their routes.
write_a
hup 2
[[ -z $(net_peer_field "$h_a" "$A" "$pub_c" 1) ]] || net_fail "peer c not removed"
[[ $(net_peer_field "$h_a" "$A" "$pub_b" 4) == 10.99.91.2/32 ]] || net_fail "b's prefix not removed"
routes=$(ip -n "$h_a" route show dev "$A")
! grep -q "^10.99.9[23].0/24" <<<"$routes" || net_fail "routes of removed prefixes stay"
grep -q "1 peers (0 added, 1 removed), routes 0 added, 2 removed" "$NET_TMP/a.log" || net_fail "second summary: $(grep SIGHUP "$NET_TMP/a.log")"

# A broken file: nothing changes, the line says where.
printf '[interface]\nprivate_key = "not a key"\n' >"$NET_TMP/a.toml"
hup 3
grep -q "SIGHUP: nothing changed: $NET_TMP/a.toml:2:15: interface.private_key" "$NET_TMP/a.log" ||
  net_fail "broken file: $(grep SIGHUP "$NET_TMP/a.log" | tail -n 1)"
[[ $(net_peer_field "$h_a" "$A" "$pub_b" 4) == 10.99.91.2/32 ]] || net_fail "a broken file changed the peers"
net_ping "$h_a" 10.99.91.2 2 >/dev/null || net_fail "no ping after a refused reload"

net_stop "$pid_a" || net_fail "SIGTERM after the reloads"
net_log "PASS"
