#!/usr/bin/env bash
# What `sluicectl up` shows of the daemon it starts: the daemon's warnings while starting reach the
# terminal (it logs to syslog once detached), `up -v` shows every line it printed (and runs it
# with -v), and a file whose name is too long for an interface says to rename it.
# Usage: ctl_up_messages.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_up_messages "$1" "$2"
net_require_root

net_ns a a
net_keypair a
A="${NET_PREFIX}a"
net_config "$NET_TMP/$A.toml" a 51890 10.99.90.1/24
CTL_INTERFACES+=("$a $A")
NET_FILES+=("/run/wireguard/$A.sock")

# A warning while starting: a SLUICE_WORKERS that is not a number.
ip netns exec "$a" env SLUICE_WORKERS=lots timeout 60 "$SLUICECTL" up "$NET_TMP/$A.toml" >"$NET_TMP/up.out" 2>"$NET_TMP/up.err" ||
  { cat "$NET_TMP/up.err" >&2; net_fail "up with a warning failed"; }
grep -q "^$A: up, UDP port 51890" "$NET_TMP/up.out" || net_fail "up: $(cat "$NET_TMP/up.out")"
grep -q "warning: SLUICE_WORKERS=lots: not a number" "$NET_TMP/up.err" || net_fail "up hid the daemon's warning: $(cat "$NET_TMP/up.err")"
! grep -q "listening on UDP port" "$NET_TMP/up.err" || net_fail "up without -v showed the daemon's info lines"
net_log "up shows: $(cat "$NET_TMP/up.err")"
ctl "$a" down "$A" >/dev/null || net_fail "down"

# -v: every line, the daemon's own info lines included.
ctl "$a" up -v "$NET_TMP/$A.toml" >"$NET_TMP/up.out" 2>"$NET_TMP/up.err" || net_fail "up -v failed: $(cat "$NET_TMP/up.err")"
grep -q "listening on UDP port 51890" "$NET_TMP/up.err" || net_fail "up -v: $(cat "$NET_TMP/up.err")"
grep -q "^$A: up, UDP port 51890" "$NET_TMP/up.out" || net_fail "up -v: $(cat "$NET_TMP/up.out")"
net_log "up -v shows $(wc -l <"$NET_TMP/up.err") lines"
ctl "$a" down "$A" >/dev/null || net_fail "down after up -v"

# The file name is the interface name: 16 characters are one too many.
cp "$NET_TMP/$A.toml" "$NET_TMP/sixteen-chars-xx.toml"
ctl_expect_error "long file name" "'sixteen-chars-xx' has 16 characters, more than the 15 an interface name may have: rename the file" \
  ctl "$a" up "$NET_TMP/sixteen-chars-xx.toml"
net_log "PASS"
