#!/usr/bin/env bash
# `sluicectl reload` applies only what changed in the file, as `wg syncconf` does: a peer removed
# from the file goes (with its routes), a new one comes (with its route), and the unchanged peer
# keeps its session: same handshake time, counters not reset, and a ping running across the
# reload loses nothing. A prefix taken out of a peer loses its route, a route sluice did not add
# stays, and `reload IFNAME` finds the file the interface started from wherever it is.
# Usage: ctl_reload.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_reload "$1" "$2"
net_require_root

net_ns a a
net_ns b b
net_veth "$a" 10.200.50.1/24 "$b" 10.200.50.2/24
net_keypair a
net_keypair b
net_keypair c  # a peer added by the reload
net_keypair d  # a peer removed by it
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"

peer_b="[[peer]]
public_key = \"$(cat "$NET_TMP/b.pub")\"
endpoint = \"10.200.50.2:51821\"
allowed_ips = [\"10.99.5.2/32\"]"
write_a() {  # EXTRA_PEER
  cat >"$NET_TMP/$A.toml" <<TOML
[interface]
private_key_file = "$NET_TMP/a.key"
listen_port = 51820
address = ["10.99.5.1/24"]
routes = true

$peer_b

$1
TOML
}
write_a "[[peer]]
public_key = \"$(cat "$NET_TMP/d.pub")\"
allowed_ips = [\"10.99.40.0/24\"]"
net_config "$NET_TMP/$B.toml" b 51821 10.99.5.2/24
net_config_peer "$NET_TMP/$B.toml" a 10.200.50.1:51820 10.99.5.1/32

ctl_up "$a" "$NET_TMP/$A.toml"
ctl_up "$b" "$NET_TMP/$B.toml"
net_ping "$a" 10.99.5.2 3 >/dev/null || net_fail "no tunnel before the reload"
field() { ctl "$a" show --json "$A" | jq -r --arg key "$(cat "$NET_TMP/b.pub")" ".interfaces[0].peers[] | select(.public_key == \$key) | .$1"; }
handshake_before=$(field latest_handshake)
rx_before=$(field rx_bytes)
# Handshake times have one-second resolution: a new handshake from here on would show.
sleep 1.5

ip netns exec "$a" ping -c 40 -i 0.05 -W 2 10.99.5.2 >"$NET_TMP/ping.txt" &
ping_pid=$!
NET_PIDS+=("$ping_pid")
sleep 0.5
write_a "[[peer]]
public_key = \"$(cat "$NET_TMP/c.pub")\"
allowed_ips = [\"10.99.30.0/24\"]"
ctl "$a" reload "$A" --config "$NET_TMP/$A.toml" >"$NET_TMP/reload.txt" || net_fail "sluicectl reload"
net_log "$(cat "$NET_TMP/reload.txt")"
grep -q '(1 added, 1 removed, 0 changed), routes 1 added, 1 removed$' "$NET_TMP/reload.txt" || net_fail "reload summary"
net_wait_exit "$ping_pid" 10 || net_fail "ping did not finish"
grep -q ' 0% packet loss' "$NET_TMP/ping.txt" || { cat "$NET_TMP/ping.txt" >&2; net_fail "packets lost across the reload"; }

peers=$(net_wg "$a" show "$A" peers | sort)
expected=$(sort <<<"$(cat "$NET_TMP/b.pub")
$(cat "$NET_TMP/c.pub")")
[[ $peers == "$expected" ]] || net_fail "peers after reload: $peers"
routes=$(ip -n "$a" route show 10.99.30.0/24)
grep -q "dev $A" <<<"$routes" || net_fail "no route for the new peer's allowed IPs"
[[ -z $(ip -n "$a" route show 10.99.40.0/24) ]] || net_fail "the removed peer's route stayed"
[[ $(field latest_handshake) == "$handshake_before" ]] || net_fail "the unchanged peer made a new handshake"
(($(field rx_bytes) > rx_before)) || net_fail "the unchanged peer's counters were reset"

# A file with the same content changes nothing at all. Without --config: the daemon tells which
# file it started from (here not in /etc/sluice).
summary=$(ctl "$a" reload "$A")
grep -q "reloaded $NET_TMP/$A.toml: 2 peers (0 added, 0 removed, 0 changed), routes 0 added, 0 removed" <<<"$summary" ||
  net_fail "idle reload"
net_ping "$a" 10.99.5.2 2 >/dev/null || net_fail "no tunnel after the reloads"
[[ $(field latest_handshake) == "$handshake_before" ]] || net_fail "a new handshake after the idle reload"

# Prefixes taken out of a peer lose their routes; a route that was there before sluice (made by
# hand, through the same device) is not sluice's to remove.
ip -n "$a" route add 10.99.33.0/24 dev "$A"
write_a "[[peer]]
public_key = \"$(cat "$NET_TMP/c.pub")\"
allowed_ips = [\"10.99.30.0/24\", \"10.99.31.0/24\", \"10.99.33.0/24\"]"
summary=$(ctl "$a" reload "$A")
grep -q '(0 added, 0 removed, 1 changed), routes 1 added, 0 removed$' <<<"$summary" || net_fail "reload adding prefixes"
write_a "[[peer]]
public_key = \"$(cat "$NET_TMP/c.pub")\"
allowed_ips = [\"10.99.30.0/24\"]"
ctl "$a" reload "$A" >"$NET_TMP/reload.txt" || net_fail "reload removing prefixes"
net_log "$(cat "$NET_TMP/reload.txt")"
grep -q '(0 added, 0 removed, 1 changed), routes 0 added, 1 removed$' "$NET_TMP/reload.txt" || net_fail "reload summary (prefixes removed)"
[[ -z $(ip -n "$a" route show 10.99.31.0/24) ]] || net_fail "the route of a removed prefix stayed"
routes=$(ip -n "$a" route show 10.99.33.0/24)
grep -q "dev $A" <<<"$routes" || net_fail "a route sluice did not add was removed"
routes=$(ip -n "$a" route show 10.99.30.0/24)
grep -q "dev $A" <<<"$routes" || net_fail "the kept prefix lost its route"

# A route that cannot be added (another device's is in the way) is an error, after the summary.
ip -n "$a" route add 10.99.34.0/24 via 10.200.50.2
write_a "[[peer]]
public_key = \"$(cat "$NET_TMP/c.pub")\"
allowed_ips = [\"10.99.30.0/24\", \"10.99.34.0/24\"]"
status=0
ctl "$a" reload "$A" >"$NET_TMP/reload.txt" 2>"$NET_TMP/reload.err" || status=$?
((status == 1)) || net_fail "reload with a route in the way exited with $status"
net_log "$(cat "$NET_TMP/reload.err")"
grep -q "peers reloaded, but $A: cannot add route 10.99.34.0/24: a route to 10.99.34.0/24 through another device" \
  "$NET_TMP/reload.err" || net_fail "reload with a route in the way: $(cat "$NET_TMP/reload.err")"
grep -q '(0 added, 0 removed, 1 changed), routes 0 added, 0 removed$' "$NET_TMP/reload.txt" || net_fail "summary with a route in the way"
routes=$(ip -n "$a" route show 10.99.34.0/24)
grep -q "via 10.200.50.2" <<<"$routes" || net_fail "the route in the way was touched"

# The file the interface started from is gone: reload says which one.
mv "$NET_TMP/$A.toml" "$NET_TMP/moved.toml"
ctl_expect_error "reload of a moved file" "$A: sluiced started from $NET_TMP/$A.toml, which is gone" ctl "$a" reload "$A"
net_log "PASS"
