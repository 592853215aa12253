#!/usr/bin/env bash
# sluiced under the capability bounding set of the shipped systemd unit, as systemd starts it
# (root, no_new_privs, the unit's CapabilityBoundingSet): with `user =` it must switch to that
# user (the unit used to lack the capabilities the switch needs, so the daemon exited), and
# without it it must run too; a tunnel between the two carries pings. No daemon may be dumpable
# (a core file would hold its keys), with or without a user to switch to.
# Usage: unit_capabilities.sh SLUICED UNIT_FILE
set -euo pipefail
source "$(dirname "$0")/lib.sh"
net_init unit_capabilities
SLUICED=$1
UNIT=$2
net_require_root

# CAP_NET_ADMIN CAP_SETUID ... -> -all,+net_admin,+setuid,...
bounding="-all"
while read -r cap; do
  bounding+=",+$(tr '[:upper:]' '[:lower:]' <<<"${cap#CAP_}")"
done < <(awk -F= '$1 == "CapabilityBoundingSet" {n = split($2, caps, " "); for (i = 1; i <= n; i++) print caps[i]}' "$UNIT")
[[ $bounding == *net_admin* ]] || net_fail "no CapabilityBoundingSet in $UNIT"
net_log "the unit's bounding set: $bounding"
as_unit=(setpriv --bounding-set="$bounding" --no-new-privs)

net_user user
net_pair u 82
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"
net_config "$NET_TMP/a.toml" ua 51840 10.99.82.1/24 "user = \"$user\""
net_config_peer "$NET_TMP/a.toml" ub 10.200.82.2:51841 10.99.82.2/32
net_config "$NET_TMP/b.toml" ub 51841 10.99.82.2/24
net_config_peer "$NET_TMP/b.toml" ua 10.200.82.1:51840 10.99.82.1/32

# start NS IFNAME LOG ARGS...: sluiced -f ARGS IFNAME in NS under the unit's bounding set.
start() {
  local ns=$1 ifname=$2 log=$3
  shift 3
  NET_FILES+=("/run/wireguard/$ifname.sock")
  ip netns exec "$ns" "${as_unit[@]}" "$SLUICED" -f "$@" "$ifname" >"$log" 2>&1 &
  NET_PIDS+=($!)
  net_wait_control "$ns" "$ifname" || { cat "$log" >&2; net_fail "sluiced $ifname did not start under the unit's capabilities"; }
}

start "$u_a" "$A" "$NET_TMP/a.log" --config "$NET_TMP/a.toml"
pid_a=${NET_PIDS[-1]}
net_wait_for 5 grep -q "running as user $user" "$NET_TMP/a.log" || net_fail "a: no switch to $user: $(cat "$NET_TMP/a.log")"
[[ $(net_status_field "$pid_a" Uid) == "$(id -u "$user") $(id -u "$user") $(id -u "$user") $(id -u "$user")" ]] ||
  net_fail "a: Uid $(net_status_field "$pid_a" Uid)"
[[ $(net_status_field "$pid_a" CapEff) == 0000000000001000 && $(net_status_field "$pid_a" CapBnd) == 0000000000000000 ]] ||
  net_fail "a: CapEff $(net_status_field "$pid_a" CapEff), CapBnd $(net_status_field "$pid_a" CapBnd)"

start "$u_b" "$B" "$NET_TMP/b.log" --config "$NET_TMP/b.toml"
net_ping "$u_a" 10.99.82.2 3 >/dev/null || { cat "$NET_TMP"/*.log >&2; net_fail "no ping a -> b"; }
net_ping "$u_b" 10.99.82.1 3 >/dev/null || net_fail "no ping b -> a"
net_log "a (user = $user) and b (root) run under the unit's bounding set; pings pass"

# Not dumpable without --user either. That shows in /proc only for a process that is not root:
# one started as the service user with ambient CAP_NET_ADMIN (the other way a unit can run it; and
# CAP_DAC_OVERRIDE, as /dev/net/tun is 0600 on this machine) has /proc files of root, not its own.
[[ $(stat -c %U "/proc/$pid_a/status") == root ]] || net_fail "a is dumpable: /proc/$pid_a belongs to $(stat -c %U "/proc/$pid_a/status")"
C="${NET_PREFIX}c"
dir="/run/${NET_PREFIX}-control"
mkdir -m 0700 "$dir"
NET_FILES+=("$dir")
chown "$user" "$dir"
install -m 0600 -o "$user" "$NET_TMP/ua.key" "$dir/c.key"
printf '[interface]\nprivate_key_file = "%s"\nlisten_port = 51842\n' "$dir/c.key" >"$dir/c.toml"
chown "$user" "$dir/c.toml"
caps=+net_admin,+dac_override
ip netns exec "$u_a" setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --inh-caps="$caps" \
  --ambient-caps="$caps" "$SLUICED" -f --control-dir "$dir" --config "$dir/c.toml" "$C" >"$NET_TMP/c.log" 2>&1 &
pid_c=$!
NET_PIDS+=("$pid_c")
net_wait_for 10 test -S "$dir/$C.sock" || { cat "$NET_TMP/c.log" >&2; net_fail "sluiced as $user did not start"; }
[[ $(net_status_field "$pid_c" Uid) == "$(id -u "$user") $(id -u "$user") $(id -u "$user") $(id -u "$user")" ]] ||
  net_fail "c: Uid $(net_status_field "$pid_c" Uid)"
[[ $(stat -c %U "/proc/$pid_c/status") == root ]] || net_fail "c is dumpable: /proc/$pid_c belongs to $(stat -c %U "/proc/$pid_c/status")"
net_log "neither a (user =) nor c (started as $user, no --user) is dumpable"
net_stop "$pid_c" || net_fail "c did not stop cleanly"
net_log "PASS"
