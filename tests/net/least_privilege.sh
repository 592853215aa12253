#!/usr/bin/env bash
# Least privilege: two sluiced in two namespaces drop to an unprivileged user once set up, one
# through `user = "sluice"` in its config, the other through --user. /proc/PID/status must show
# that user's uid and gid, no supplementary groups, CAP_NET_ADMIN alone (effective, permitted),
# an empty bounding set and NoNewPrivs; the tunnel still works (ping both ways, `wg show`,
# `wg set` of a peer, the fwmark and an unprivileged listen port), a port below 1024 is refused
# with EACCES while the old one stays. The control socket is 0600 and owned by root: any other
# user (nobody, and the daemon's own user) is refused.
# `sluicectl up` and `down` work with such a daemon too (down removes the socket it leaves).
# Usage: least_privilege.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init least_privilege "$1" "$2"
net_require_root

USER_NAME=sluice
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME" || net_fail "cannot create user $USER_NAME"
  trap 'ctl_cleanup; net_cleanup; userdel "$USER_NAME" 2>/dev/null || true' EXIT
fi
USER_UID=$(id -u "$USER_NAME")
USER_GID=$(id -g "$USER_NAME")

net_ns a a
net_ns b b
net_veth "$a" 10.200.71.1/24 "$b" 10.200.71.2/24
net_keypair a
net_keypair b
net_keypair c
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"

net_config "$NET_TMP/a.toml" a 51820 10.99.71.1/24 "user = \"$USER_NAME\""
net_config_peer "$NET_TMP/a.toml" b 10.200.71.2:51821 10.99.71.2/32
net_config "$NET_TMP/b.toml" b 51821 10.99.71.2/24
net_config_peer "$NET_TMP/b.toml" a 10.200.71.1:51820 10.99.71.1/32

net_start_sluiced "$a" "$A" "$NET_TMP/a.toml" "$NET_TMP/a.log"
pid_a=${NET_PIDS[-1]}
ip netns exec "$b" "$SLUICED" -f --user "$USER_NAME" --config "$NET_TMP/b.toml" "$B" >"$NET_TMP/b.log" 2>&1 &
NET_PIDS+=($!)
pid_b=$!
NET_FILES+=("/run/wireguard/$B.sock")
net_wait_control "$b" "$B" || { cat "$NET_TMP/b.log" >&2; net_fail "sluiced $B did not start"; }

check_status() {  # PID WHAT
  local pid=$1 what=$2
  grep -q "running as user $USER_NAME" "$NET_TMP/$what.log" || net_fail "$what: no 'running as user' line: $(cat "$NET_TMP/$what.log")"
  [[ $(net_status_field "$pid" Uid) == "$USER_UID $USER_UID $USER_UID $USER_UID" ]] || net_fail "$what: Uid $(net_status_field "$pid" Uid)"
  [[ $(net_status_field "$pid" Gid) == "$USER_GID $USER_GID $USER_GID $USER_GID" ]] || net_fail "$what: Gid $(net_status_field "$pid" Gid)"
  [[ -z $(net_status_field "$pid" Groups) ]] || net_fail "$what: supplementary groups $(net_status_field "$pid" Groups)"
  # CAP_NET_ADMIN is capability 12.
  [[ $(net_status_field "$pid" CapEff) == 0000000000001000 ]] || net_fail "$what: CapEff $(net_status_field "$pid" CapEff)"
  [[ $(net_status_field "$pid" CapPrm) == 0000000000001000 ]] || net_fail "$what: CapPrm $(net_status_field "$pid" CapPrm)"
  [[ $(net_status_field "$pid" CapInh) == 0000000000000000 ]] || net_fail "$what: CapInh $(net_status_field "$pid" CapInh)"
  [[ $(net_status_field "$pid" CapAmb) == 0000000000000000 ]] || net_fail "$what: CapAmb $(net_status_field "$pid" CapAmb)"
  [[ $(net_status_field "$pid" CapBnd) == 0000000000000000 ]] || net_fail "$what: CapBnd $(net_status_field "$pid" CapBnd)"
  [[ $(net_status_field "$pid" NoNewPrivs) == 1 ]] || net_fail "$what: NoNewPrivs $(net_status_field "$pid" NoNewPrivs)"
  net_log "$what (pid $pid): $(grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' "/proc/$pid/status" | tr -s '\t' ' ' | paste -sd ';')"
}
check_status "$pid_a" a
check_status "$pid_b" b

net_ping "$a" 10.99.71.2 3 >/dev/null || { cat "$NET_TMP"/*.log >&2; net_fail "no ping a -> b after the drop"; }
net_ping "$b" 10.99.71.1 3 >/dev/null || net_fail "no ping b -> a after the drop"
shown=$(net_wg "$a" show "$A")
grep -q "latest handshake" <<<"$shown" || net_fail "wg show $A as root: no handshake shown"

# Changes over the control socket still apply: a new peer, a fwmark (SO_MARK needs
# CAP_NET_ADMIN), and a new unprivileged listen port that b's traffic then follows.
net_wg "$a" set "$A" peer "$(cat "$NET_TMP/c.pub")" allowed-ips 10.99.72.0/24 persistent-keepalive 25 ||
  net_fail "wg set peer after the drop"
[[ $(net_peer_field "$a" "$A" "$(cat "$NET_TMP/c.pub")" 4) == 10.99.72.0/24 ]] || net_fail "the peer added by wg set is not shown"
net_wg "$a" set "$A" fwmark 0x71 || net_fail "wg set fwmark after the drop"
net_wg "$a" set "$A" listen-port 40071 || net_fail "wg set listen-port 40071 after the drop"
net_wg "$b" set "$B" peer "$(cat "$NET_TMP/a.pub")" endpoint 10.200.71.1:40071
net_ping "$b" 10.99.71.1 3 >/dev/null || net_fail "no ping b -> a on the new port"
# A privileged port needs CAP_NET_BIND_SERVICE, which is gone: refused, and the port stays.
if net_wg "$a" set "$A" listen-port 80 2>"$NET_TMP/port80.err"; then net_fail "listen-port 80 was accepted without privilege"; fi
grep -q "Permission denied" "$NET_TMP/port80.err" || net_fail "listen-port 80: $(cat "$NET_TMP/port80.err")"
[[ $(net_wg "$a" show "$A" listen-port) == 40071 ]] || net_fail "the listen port changed after a refused change"
net_ping "$b" 10.99.71.1 2 >/dev/null || net_fail "no ping after the refused port change"

# The control socket: root only.
sock=/run/wireguard/$A.sock
[[ $(stat -c '%a %U' "$sock") == "600 root" ]] || net_fail "$sock is $(stat -c '%a %U' "$sock"), not 600 root"
for who in nobody "$USER_NAME"; do
  as_user=(setpriv --reuid="$who" --regid="$(id -g "$who")" --clear-groups)
  # wg falls back to the kernel interface when the socket refuses it, so look at the socket itself.
  if ip netns exec "$a" "${as_user[@]}" socat -t 2 - "UNIX-CONNECT:$sock" <<<$'get=1\n' >"$NET_TMP/other.out" 2>&1; then
    net_fail "$who could talk to $sock: $(cat "$NET_TMP/other.out")"
  fi
  grep -q "Permission denied" "$NET_TMP/other.out" || net_fail "$who: $(cat "$NET_TMP/other.out")"
  if ip netns exec "$a" "${as_user[@]}" timeout 10 wg show "$A" >"$NET_TMP/other.out" 2>&1; then
    net_fail "wg show as $who succeeded: $(cat "$NET_TMP/other.out")"
  fi
  ! grep -q "$(cat "$NET_TMP/b.pub")" "$NET_TMP/other.out" || net_fail "wg show as $who showed a peer"
  net_log "as $who: $(head -n 1 "$NET_TMP/other.out")"
done

# It still stops on SIGTERM, as its own user.
net_stop "$pid_a" || net_fail "sluiced $A did not exit cleanly after SIGTERM"

# Through sluicectl: up returns once the unprivileged daemon answers, down once it is gone.
C="${NET_PREFIX}c"
net_config "$NET_TMP/$C.toml" c 51822 10.99.73.1/24 "user = \"$USER_NAME\""
net_config_peer "$NET_TMP/$C.toml" b 10.200.71.2:51821 10.99.73.2/32
ctl_up "$a" "$NET_TMP/$C.toml"
pids_c=$(pgrep -f -- "--config $NET_TMP/$C.toml")
pid_c=${pids_c%%$'\n'*}
[[ -n $pid_c && $(net_status_field "$pid_c" CapEff) == 0000000000001000 ]] || net_fail "sluicectl up: the daemon kept its privileges"
start=$SECONDS
ctl "$a" down "$C" >/dev/null || net_fail "sluicectl down of the unprivileged daemon"
((SECONDS - start <= 3)) || net_fail "sluicectl down took $((SECONDS - start)) s"
[[ ! -e /run/wireguard/$C.sock ]] || net_fail "sluicectl down left /run/wireguard/$C.sock"
net_log "PASS"
