#!/usr/bin/env bash
# wg-quick drives sluiced as its userspace implementation:
#   WG_QUICK_USERSPACE_IMPLEMENTATION=sluiced wg-quick up ./IFNAME.conf
# (the kernel here has no WireGuard module, so wg-quick falls back to it), with a wireguard-go
# peer on the far side. wg-quick starts sluiced, configures it with wg, sets addresses, MTU and
# routes; pings go through. `wg-quick down` deletes the device, and sluiced exits by itself.
# Usage: ctl_wg_quick.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_wg_quick "$1" "$2"
net_require_root
[[ ! -e /sys/module/wireguard ]] || { echo "SKIPPED: kernel WireGuard is loaded; wg-quick would not use sluiced" >&2; exit 77; }

net_ns a a
net_ns b b
net_veth "$a" 10.200.70.1/24 "$b" 10.200.70.2/24
net_keypair a
net_keypair b
A="${NET_PREFIX}q"
G="${NET_PREFIX}g"

# The far side: wireguard-go, configured with wg and ip.
NET_FILES+=("/run/wireguard/$G.sock")
ip netns exec "$b" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$G" >"$NET_TMP/wireguard-go.log" 2>&1 &
NET_PIDS+=($!)
net_wait_for 10 test -S "/run/wireguard/$G.sock" || net_fail "wireguard-go did not start"
net_wg "$b" set "$G" private-key "$NET_TMP/b.key" listen-port 51861 \
  peer "$(cat "$NET_TMP/a.pub")" allowed-ips 10.99.70.1/32,fd00:99:70::1/128 endpoint 10.200.70.1:51860
ip -n "$b" addr add 10.99.70.2/24 dev "$G"
ip -n "$b" addr add fd00:99:70::2/64 dev "$G" nodad
ip -n "$b" addr add 10.99.71.1/24 dev "$G"
ip -n "$b" link set "$G" up

cat >"$NET_TMP/$A.conf" <<CONF
[Interface]
PrivateKey = $(cat "$NET_TMP/a.key")
ListenPort = 51860
Address = 10.99.70.1/24, fd00:99:70::1/64
MTU = 1400

[Peer]
PublicKey = $(cat "$NET_TMP/b.pub")
Endpoint = 10.200.70.2:51861
AllowedIPs = 10.99.70.2/32, fd00:99:70::2/128, 10.99.71.0/24
PersistentKeepalive = 25
CONF
chmod 600 "$NET_TMP/$A.conf"

wg_quick() {  # up|down
  ip netns exec "$a" env PATH="$(dirname "$SLUICED"):$PATH" WG_QUICK_USERSPACE_IMPLEMENTATION=sluiced \
    timeout 60 wg-quick "$1" "$NET_TMP/$A.conf" 2>>"$NET_TMP/wg-quick.log"
}
CTL_INTERFACES+=("$a $A")  # stopped on exit if the test fails half-way
NET_FILES+=("/run/wireguard/$A.sock")
wg_quick up || { cat "$NET_TMP/wg-quick.log" >&2; net_fail "wg-quick up"; }
grep -q "sluiced $A" "$NET_TMP/wg-quick.log" || { cat "$NET_TMP/wg-quick.log" >&2; net_fail "wg-quick did not run sluiced"; }
pids=$(ip netns exec "$a" ss -xlpn | sed -n "s|.*/run/wireguard/$A.sock .*pid=\([0-9]*\).*|\1|p")
pid=${pids%%$'\n'*}
[[ -n $pid && $(cat "/proc/$pid/comm") == sluiced ]] || net_fail "no sluiced behind /run/wireguard/$A.sock"

[[ $(ip -n "$a" -j link show dev "$A" | jq '.[0].mtu') == 1400 ]] || net_fail "wg-quick's MTU not set"
routes=$(ip -n "$a" route show 10.99.71.0/24)
grep -q "dev $A" <<<"$routes" || net_fail "wg-quick's route for AllowedIPs missing"
net_ping "$a" 10.99.70.2 5 || { cat "$NET_TMP"/*.log >&2; net_fail "IPv4 ping to wireguard-go"; }
net_ping "$a" fd00:99:70::2 3 || net_fail "IPv6 ping to wireguard-go"
net_ping "$a" 10.99.71.1 3 || net_fail "ping into the routed subnet"
shown=$(ctl "$a" show "$A")
grep -q "latest handshake" <<<"$shown" || net_fail "sluicectl show on the wg-quick interface"
ctl_expect_error "reload without a file" "$A: sluiced was started without a config file and there is no /nonexistent/$A.toml" \
  ctl "$a" --config-dir /nonexistent reload "$A"

wg_quick down || { cat "$NET_TMP/wg-quick.log" >&2; net_fail "wg-quick down"; }
net_wait_for 10 bash -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status" ||
  net_fail "sluiced did not exit after wg-quick down"
[[ ! -e /run/wireguard/$A.sock ]] || net_fail "socket left behind"
! ip -n "$a" link show "$A" >/dev/null 2>&1 || net_fail "device left behind"
net_log "PASS"
