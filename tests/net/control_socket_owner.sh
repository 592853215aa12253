#!/usr/bin/env bash
# The control socket of a daemon that dropped its privileges (--user) into a control directory
# that user may write. Removed by that user, the socket used to be made again, owned by the user,
# who could then read the private key through it. Now:
# - the socket is 0600 root and stays gone once removed (a warning says to restart the daemon);
# - even a socket file that others can open answers only root (SO_PEERCRED): nobody and the
#   daemon's own user get nothing, and the refusal is logged.
# Usage: control_socket_owner.sh SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
net_init control_socket_owner
SLUICED=$1
net_require_root

net_user user
net_ns a a
net_keypair a
net_keypair b
A="${NET_PREFIX}a"
# Under /run (0755), so that other users reach it; the directory belongs to the daemon's user.
dir="/run/${NET_PREFIX}-control"
mkdir -m 0755 "$dir"
NET_FILES+=("$dir")
chown "$user" "$dir"
sock="$dir/$A.sock"

net_config "$NET_TMP/a.toml" a 51830 10.99.81.1/24
net_config_peer "$NET_TMP/a.toml" b "" 10.99.81.2/32
ip netns exec "$a" "$SLUICED" -f --user "$user" --control-dir "$dir" --config "$NET_TMP/a.toml" "$A" >"$NET_TMP/a.log" 2>&1 &
pid=$!
NET_PIDS+=("$pid")
net_wait_for 10 grep -q "running as user $user" "$NET_TMP/a.log" || { cat "$NET_TMP/a.log" >&2; net_fail "sluiced did not start"; }
[[ $(stat -c '%a %U' "$sock") == "600 root" ]] || net_fail "$sock is $(stat -c '%a %U' "$sock"), not 600 root"

# ask WHO: the answer to get=1 on the socket, as user WHO (root: as is).
ask() {
  local as_user=()
  [[ $1 == root ]] || as_user=(setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups)
  ip netns exec "$a" "${as_user[@]}" socat -t 2 - "UNIX-CONNECT:$sock" <<<$'get=1\n' 2>&1 || true
}
ask root | grep -q '^errno=0$' || net_fail "root gets no answer from $sock"

# A socket file that others can open still answers root only.
chmod 0666 "$sock"
for who in nobody "$user"; do
  out=$(ask "$who")
  ! grep -q 'private_key=\|errno=' <<<"$out" || net_fail "$who got an answer from $sock"
  grep -q "refused a connection from uid $(id -u "$who")" "$NET_TMP/a.log" || net_fail "no refusal of $who logged: $(cat "$NET_TMP/a.log")"
done
net_log "nobody and $user are refused: $(grep -m 1 'refused a connection' "$NET_TMP/a.log")"
ask root | grep -q '^errno=0$' || net_fail "root gets no answer after the refusals"
chmod 0600 "$sock"

# The daemon's user removes the socket (its directory allows it); the once-a-second check must
# not make a new one, which would be that user's.
setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups rm "$sock" || net_fail "$user cannot remove $sock"
sleep 2.5
[[ ! -e $sock ]] || net_fail "$sock was made again: $(stat -c '%a %U' "$sock")"
grep -q "does not make it again" "$NET_TMP/a.log" || net_fail "no warning about the removed socket: $(cat "$NET_TMP/a.log")"
(($(grep -c "does not make it again" "$NET_TMP/a.log") == 1)) || net_fail "the warning repeats"
kill -0 "$pid" || net_fail "sluiced stopped after its socket was removed"
net_stop "$pid" || net_fail "sluiced did not stop cleanly"
net_log "PASS"
