#!/usr/bin/env bash
# sluicectl's failures: each is one line on stderr naming the problem, a non-zero exit and nothing
# on stdout, and never a hang (every command runs under `timeout`; a timeout fails the test).
# Usage: ctl_errors.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_errors "$1" "$2"
net_require_root

net_ns space x
net_keypair a
net_keypair peer
config() {  # IFNAME PORT
  cat >"$NET_TMP/$1.toml" <<TOML
[interface]
private_key_file = "$NET_TMP/a.key"
listen_port = $2

[[peer]]
public_key = "$(cat "$NET_TMP/peer.pub")"
allowed_ips = ["10.99.60.2/32"]
TOML
}
I="${NET_PREFIX}i"    # a running interface
J="${NET_PREFIX}j"    # a second one, for a port conflict
N="${NET_PREFIX}n"    # never started
S="${NET_PREFIX}s"    # a daemon killed without cleaning up: a stale socket
config "$I" 51830
config "$J" 51831
ctl_up "$space" "$NET_TMP/$I.toml"
ctl_up "$space" "$NET_TMP/$J.toml"

# No daemon, no such interface.
for command in "show $N" "down $N" "export $N" "set $N listen-port 1" "reload $N --config $NET_TMP/$I.toml"; do
  # shellcheck disable=SC2086 # the words are meant to split
  ctl_expect_error "$command" "$N: no daemon is running (no /run/wireguard/$N.sock)" ctl "$space" $command
done
ctl_expect_error "up without a config" "$N: no such interface (no $NET_TMP/$N.toml)" \
  ctl "$space" --config-dir "$NET_TMP" up "$N"
ctl_expect_error "reload without a config" "$N: no such interface (no /nonexistent/$N.toml)" \
  ctl "$space" --config-dir /nonexistent reload "$N"
ctl_expect_error "invalid name" "'a/b': no such interface (not a valid interface name" ctl "$space" show a/b
# Not an error: export, like down, finds the daemon's namespace from outside it.
timeout 60 "$SLUICECTL" export "$I" >"$NET_TMP/outside.toml" || net_fail "export from another namespace"
ctl "$space" export "$I" | diff -u - "$NET_TMP/outside.toml" >&2 || net_fail "export from another namespace differs"

# Stale socket: the daemon died without removing it.
ip netns exec "$space" "$SLUICED" -f "$S" >/dev/null 2>&1 &
NET_PIDS+=($!)
NET_FILES+=("/run/wireguard/$S.sock")
net_wait_for 10 test -S "/run/wireguard/$S.sock" || net_fail "sluiced $S did not start"
kill -KILL "${NET_PIDS[-1]}"
wait "${NET_PIDS[-1]}" 2>/dev/null || true
ctl_expect_error "stale socket" "$S: no daemon is running (/run/wireguard/$S.sock is stale: nothing answers on it)" \
  ctl "$space" show "$S"

# A daemon that accepts but does not answer (stopped): bounded wait, then a clear message.
pid=$(ctl "$space" down "$J" | sed -n 's/.*sluiced pid \([0-9]*\).*/\1/p')
[[ -n $pid ]] || net_fail "down $J printed no pid"
ctl_up "$space" "$NET_TMP/$J.toml"
pids=$(ip netns exec "$space" ss -xlpn | sed -n "s|.*/run/wireguard/$J.sock .*pid=\([0-9]*\).*|\1|p")
pid=${pids%%$'\n'*}
[[ -n $pid ]] || net_fail "no pid for $J"
kill -STOP "$pid"
start=$SECONDS
ctl_expect_error "stopped daemon" "$J: the daemon did not answer within 5 s" ctl "$space" show "$J"
kill -CONT "$pid"
((SECONDS - start <= 8)) || net_fail "the answer timeout took $((SECONDS - start)) s"

# Permission: the socket is root's.
ctl_expect_error "not root" "$I: permission denied on /run/wireguard/$I.sock" \
  ip netns exec "$space" timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups "$SLUICECTL" show "$I"

# Bad config: the daemon's own message, and nothing left behind.
B="${NET_PREFIX}b"
printf '[interface]\nprivate_key_file = "%s"\nlisten_port = "high"\n' "$NET_TMP/a.key" >"$NET_TMP/$B.toml"
NET_FILES+=("/run/wireguard/$B.sock")
ctl_expect_error "bad config" "sluiced[$B]: error: $NET_TMP/$B.toml:3:15: interface.listen_port:" \
  ctl "$space" up "$NET_TMP/$B.toml"
{ [[ ! -e /run/wireguard/$B.sock ]] && ! ip -n "$space" link show "$B" >/dev/null 2>&1; } || net_fail "bad config left state"
ctl_expect_error "missing file" "$NET_TMP/nothere.toml: no such file" ctl "$space" up "$NET_TMP/nothere.toml"
# wg-quick files point at import, as .conf and renamed to .toml; the key never shows.
W="${NET_PREFIX}w"
NET_FILES+=("/run/wireguard/$W.sock")
printf '[Interface]\nPrivateKey = %s\nListenPort = 51839\n' "$(cat "$NET_TMP/a.key")" >"$NET_TMP/$W.conf"
ctl_expect_error "up a .conf" "$NET_TMP/$W.conf: sluicectl up takes sluice's TOML, not a wg-quick file; convert it with \`sluicectl import $NET_TMP/$W.conf > $NET_TMP/$W.toml\`" \
  ctl "$space" up "$NET_TMP/$W.conf"
cp "$NET_TMP/$W.conf" "$NET_TMP/$W.toml"
ctl_expect_error "wg-quick file as .toml" "(this is a wg-quick file, not sluice's TOML: \`sluicectl import $NET_TMP/$W.toml\` prints its TOML equivalent)" \
  ctl "$space" up "$NET_TMP/$W.toml"
! grep -qF "$(cut -c 2-13 "$NET_TMP/a.key")" "$NET_TMP/err" || net_fail "the wg-quick hint printed the key"
ctl_expect_error "already running" "another daemon is already running" ctl "$space" up "$NET_TMP/$I.toml"
SLUICED=/nonexistent ctl_expect_error "no sluiced" "SLUICED=/nonexistent: not an executable file" \
  ctl "$space" up "$NET_TMP/$B.toml"
# Stand-ins for a daemon that fails without a message, and for one that never finishes starting.
printf '#!/bin/sh\nexit 3\n' >"$NET_TMP/quiet-failure"
printf '#!/bin/sh\necho starting >&2\nexec sleep 60\n' >"$NET_TMP/stuck"
chmod +x "$NET_TMP/quiet-failure" "$NET_TMP/stuck"
SLUICED="$NET_TMP/quiet-failure" ctl_expect_error "silent failure" "$B: sluiced exited with status 3" \
  ctl "$space" up "$NET_TMP/$B.toml"
start=$SECONDS
SLUICED="$NET_TMP/stuck" ctl_expect_error "stuck start" "$B: sluiced did not finish starting within 20 s: starting" \
  ctl "$space" up "$NET_TMP/$B.toml"
((SECONDS - start <= 25)) || net_fail "the start timeout took $((SECONDS - start)) s"

# A refused change, and a refused reload, change nothing.
before=$(net_wg "$space" showconf "$I")
ctl_expect_error "port in use" "$I: the daemon refused the change: Address already in use" \
  ctl "$space" set "$I" listen-port 51831
ctl_expect_error "bad set word" "unexpected 'listen-prot'" ctl "$space" set "$I" listen-prot 1
ctl_expect_error "capture of an unknown peer" "$I: --peer $(cat "$NET_TMP/a.pub"): no such peer on this interface" \
  ctl "$space" capture "$I" --peer "$(cat "$NET_TMP/a.pub")" -w "$NET_TMP/unknown.pcap" --count 1
[[ ! -e $NET_TMP/unknown.pcap ]] || net_fail "capture of an unknown peer created its file"
cp "$NET_TMP/$B.toml" "$NET_TMP/bad-reload.toml"
ctl_expect_error "bad reload" "$NET_TMP/bad-reload.toml:3:15: interface.listen_port:" \
  ctl "$space" reload "$I" --config "$NET_TMP/bad-reload.toml"
[[ $(net_wg "$space" showconf "$I") == "$before" ]] || net_fail "a refused request changed the interface"

# Key tools and import.
ctl_expect_error "pubkey of garbage" "pubkey: standard input is not a private key" \
  bash -c "echo not-a-key | timeout 10 '$SLUICECTL' pubkey"
ctl_expect_error "import missing" "$NET_TMP/none.conf: cannot read: No such file or directory" \
  ctl "$space" import "$NET_TMP/none.conf"
printf '[Interface]\nPrivateKey = short\n' >"$NET_TMP/bad.conf"
ctl_expect_error "import bad key" "$NET_TMP/bad.conf:2: PrivateKey: key must be 44 base64 characters" \
  ctl "$space" import "$NET_TMP/bad.conf"
ctl_expect_error "unknown command" "sluicectl: unknown command 'frobnicate'" ctl "$space" frobnicate
net_log "PASS"
