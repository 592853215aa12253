#!/usr/bin/env bash
# A full tunnel (allowed IPs 0.0.0.0/0 and ::/0 with routes = true) on a client that already has a
# default route, as a laptop on Wi-Fi has: everything goes through the tunnel in both families,
# as with wg-quick (a table of its own and policy rules), while the tunnel's own packets still
# reach the hub's endpoint through the underlay. `down`, a deleted device and a reload that takes
# the /0 out all give the underlay back; a route that cannot be added fails `up`.
#
#   client ---- veth (underlay, the client's default route) ---- hub
#   10.200.61.2                                                  10.200.61.1
#   tunnel 10.8.61.2, fd08:61::2                                 tunnel 10.8.61.1, fd08:61::1
#                                                                endpoint 10.202.61.1 (on lo)
#                                                                "outside" 10.201.61.1, fd00:201:61::1
#
# `ip route get` sends nothing; the pings go to addresses of the hub's namespace only.
# Usage: ctl_full_tunnel.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_full_tunnel "$1" "$2"
net_require_root

net_ns client client
net_ns hub hub
net_veth "$client" 10.200.61.2/24 "$hub" 10.200.61.1/24 fd00:200:61::2/64 fd00:200:61::1/64
ip -n "$client" route add default via 10.200.61.1
ip -n "$client" -6 route add default via fd00:200:61::1
# Reverse-path filtering as systemd sets it (loose); strict filtering needs what wg-quick adds
# with nftables (sluice.toml(5), routes).
ip netns exec "$client" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
# The kernel here has no dummy devices: the hub's further addresses live on its loopback.
ip -n "$hub" addr add 10.202.61.1/32 dev lo
ip -n "$hub" addr add 10.201.61.1/24 dev lo
ip -n "$hub" addr add fd00:201:61::1/64 dev lo
net_keypair client
net_keypair hub
C="${NET_PREFIX}fc"
H="${NET_PREFIX}fh"

net_config "$NET_TMP/$H.toml" hub 51861 10.8.61.1/24,fd08:61::1/64 "routes = true"
net_config_peer "$NET_TMP/$H.toml" client "" 10.8.61.2/32,fd08:61::2/128
write_client() {  # ALLOWED_IPS [LINE...]: the client's file, the hub reached at its endpoint address
  local allowed=$1
  shift
  net_config "$NET_TMP/$C.toml" client "" 10.8.61.2/32,fd08:61::2/128 "routes = true"
  net_config_peer "$NET_TMP/$C.toml" hub 10.202.61.1:51861 "$allowed" "persistent_keepalive = 1" "$@"
}

# route_dev NS ADDRESS [ip route get ARGS...]: the device the kernel would send ADDRESS through.
route_dev() {
  local ns=$1 address=$2 devs
  shift 2
  devs=$(ip -n "$ns" route get "$address" "$@" | sed -n 's/.* dev \([^ ]*\).*/\1/p') || return
  echo "${devs%%$'\n'*}"
}
underlay=$(route_dev "$client" 10.201.61.1)
[[ -n $underlay && $underlay != "$C" ]] || net_fail "no underlay default route to start with"
expect_full_tunnel() {  # WHEN
  local address
  for address in 10.201.61.1 fd00:201:61::1 10.202.61.1; do
    [[ $(route_dev "$client" "$address") == "$C" ]] || net_fail "$1: $address does not go through the tunnel"
  done
  # The tunnel's own packets carry its mark, and reach the endpoint through the underlay.
  [[ $(route_dev "$client" 10.202.61.1 mark 51820) == "$underlay" ]] || net_fail "$1: the endpoint is not reached through the underlay"
  # A more specific route of the main table (the underlay's own subnet) still wins.
  [[ $(route_dev "$client" 10.200.61.1) == "$underlay" ]] || net_fail "$1: the underlay's subnet goes into the tunnel"
}
expect_underlay() {  # WHEN
  local address
  for address in 10.201.61.1 fd00:201:61::1 10.202.61.1; do
    [[ $(route_dev "$client" "$address") == "$underlay" ]] || net_fail "$1: $address does not go through the underlay"
  done
  ! grep -q 'lookup 51820\|suppress_prefixlength' <<<"$(ip -n "$client" rule show)" || { ip -n "$client" rule show >&2; net_fail "$1: IPv4 rules left"; }
  ! grep -q 'lookup 51820\|suppress_prefixlength' <<<"$(ip -n "$client" -6 rule show)" || { ip -n "$client" -6 rule show >&2; net_fail "$1: IPv6 rules left"; }
}

ctl_up "$hub" "$NET_TMP/$H.toml"
write_client 0.0.0.0/0,::/0
ctl_up "$client" "$NET_TMP/$C.toml"
expect_full_tunnel "after up"
rules=$(ip -n "$client" rule show)
grep -q "not from all fwmark 0xca6c lookup 51820" <<<"$rules" || net_fail "no IPv4 rule for table 51820"
[[ $(ctl "$client" show --json "$C" | jq -r '.interfaces[0].fwmark') == 51820 ]] || net_fail "the sockets do not carry mark 51820"
# The "outside" addresses answer from the hub's side of the tunnel: the packets went through it.
net_ping "$client" 10.201.61.1 3 >/dev/null || net_fail "no IPv4 through the full tunnel"
net_ping "$client" fd00:201:61::1 3 >/dev/null || net_fail "no IPv6 through the full tunnel"
rx=$(ctl "$hub" show --json "$H" | jq -r '.interfaces[0].peers[0].rx_bytes')
((rx > 0)) || net_fail "the hub received nothing through the tunnel"

ctl "$client" down "$C" >/dev/null || net_fail "sluicectl down"
expect_underlay "after down"

# wg-quick's way of stopping a userspace daemon: deleting its device.
ctl_up "$client" "$NET_TMP/$C.toml"
expect_full_tunnel "after the second up"
ip -n "$client" link del "$C"
net_wait_for 10 bash -c "! ip -n '$client' rule show | grep -q 'lookup 51820'" || net_fail "rules left after the device was deleted"
expect_underlay "after the device was deleted"
net_wait_for 10 bash -c "! ip netns exec '$client' '$SLUICECTL' show '$C'" || net_fail "sluiced did not stop"

# A reload that adds the /0 makes the same full tunnel; one that takes it out removes it.
write_client 10.8.61.0/24,fd08:61::/64
ctl_up "$client" "$NET_TMP/$C.toml"
expect_underlay "split tunnel"
write_client 10.8.61.0/24,fd08:61::/64,0.0.0.0/0,::/0
ctl "$client" reload "$C" >"$NET_TMP/reload.txt" || net_fail "reload to a full tunnel"
net_log "$(cat "$NET_TMP/reload.txt")"
grep -q 'routes 2 added, 0 removed' "$NET_TMP/reload.txt" || net_fail "reload summary (full tunnel added)"
expect_full_tunnel "after the reload to a full tunnel"
net_ping "$client" 10.201.61.1 3 >/dev/null || net_fail "no IPv4 through the full tunnel after the reload"
write_client 10.8.61.0/24,fd08:61::/64
ctl "$client" reload "$C" >"$NET_TMP/reload.txt" || net_fail "reload back to a split tunnel"
net_log "$(cat "$NET_TMP/reload.txt")"
grep -q 'routes 0 added, 2 removed' "$NET_TMP/reload.txt" || net_fail "reload summary (full tunnel removed)"
expect_underlay "after the reload back"
[[ $(ctl "$client" show --json "$C" | jq -r '.interfaces[0].fwmark // 0') == 0 ]] || net_fail "the mark set for the full tunnel stayed"
net_ping "$client" 10.8.61.1 3 >/dev/null || net_fail "no tunnel after the reload back"
ctl "$client" down "$C" >/dev/null || net_fail "sluicectl down after the reloads"

# A daemon that dropped to an unprivileged user keeps CAP_NET_ADMIN, enough for its rules.
id nobody >/dev/null || net_fail "no user nobody"
write_client 0.0.0.0/0,::/0
sed -i 's/^routes = true$/routes = true\nuser = "nobody"/' "$NET_TMP/$C.toml"
ctl_up "$client" "$NET_TMP/$C.toml"
expect_full_tunnel "as user nobody"
write_client 10.8.61.0/24,fd08:61::/64
sed -i 's/^routes = true$/routes = true\nuser = "nobody"/' "$NET_TMP/$C.toml"
ctl "$client" reload "$C" >"$NET_TMP/reload.txt" || { cat "$NET_TMP/reload.txt" >&2; net_fail "reload as user nobody"; }
net_log "$(cat "$NET_TMP/reload.txt")"
grep -q "routes 2 added, 2 removed$" "$NET_TMP/reload.txt" || net_fail "reload summary as user nobody"
expect_underlay "after the reload as user nobody"
ctl "$client" down "$C" >/dev/null || net_fail "sluicectl down as user nobody"

# A route that cannot be added fails `up`, and nothing of the full tunnel is left behind.
ip -n "$client" route add 10.203.61.0/24 via 10.200.61.1
write_client 0.0.0.0/0,::/0,10.203.61.0/24
ctl_expect_error "route in the way" "a route to 10.203.61.0/24 through another device exists already" \
  ctl "$client" up "$NET_TMP/$C.toml"
expect_underlay "after the failed up"
net_log "PASS"
