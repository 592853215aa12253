#!/usr/bin/env bash
# `sluicectl import` round trip: a realistic wg-quick file with every key it knows becomes TOML
# (each dropped key named on stderr); sluiced started from that TOML holds exactly what wg(8)
# itself makes of the original (`wg showconf` of both compared), with its addresses and MTU.
# Then `sluicectl export --show-keys` of the running interface starts a third daemon that
# again shows the same configuration.
# Usage: ctl_import.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_import "$1" "$2"
net_require_root

net_ns imported imported
net_ns reference reference
net_ns exported exported
net_ns far far
# The peers' endpoints live in `far`, so keepalives and handshakes stay inside the test.
net_veth "$imported" 10.200.60.1/24 "$far" 10.200.60.2/24
net_veth "$reference" 10.200.60.1/24 "$far" 10.200.60.3/24
net_veth "$exported" 10.200.60.1/24 "$far" 10.200.60.4/24
for name in own peer1 peer2 peer3; do net_keypair "$name"; done
(umask 077 && wg genpsk >"$NET_TMP/psk")

Q="${NET_PREFIX}q"
cat >"$NET_TMP/$Q.conf" <<CONF
# Office hub, as written for wg-quick.
[Interface]
PrivateKey = $(cat "$NET_TMP/own.key")
ListenPort = 51850
FwMark = 0x2a
Address = 10.99.80.1/24, fd00:99:80::1/64
Address = 10.99.81.1/24
MTU = 1380
DNS = 10.99.80.53, office.example
Table = auto
PreUp = true
PostUp = true  # would set up a firewall
PreDown = true
PostDown = true
SaveConfig = false

[Peer]
# laptop
PublicKey = $(cat "$NET_TMP/peer1.pub")
PresharedKey = $(cat "$NET_TMP/psk")
AllowedIPs = 10.99.80.2/32, fd00:99:80::2/128
AllowedIPs = 10.99.90.0/24
Endpoint = 10.200.60.2:51851
PersistentKeepalive = 25

[Peer]
PublicKey = $(cat "$NET_TMP/peer2.pub")
AllowedIPs = 10.99.80.3/32
Endpoint = 10.200.60.2:51852
PersistentKeepalive = off

[peer]
publickey = $(cat "$NET_TMP/peer3.pub")
allowedips = 10.99.80.4/32,10.99.91.0/24
CONF

# umask 077: the TOML holds the keys (sluicectl would warn about a world-readable file, as wg does).
(umask 077 && ctl "$far" import "$NET_TMP/$Q.conf" >"$NET_TMP/$Q.toml" 2>"$NET_TMP/warnings.txt") || net_fail "import"
cat "$NET_TMP/warnings.txt" >&2
for key in DNS PreUp PostUp PreDown PostDown SaveConfig; do
  grep -q "^sluicectl: warning: $NET_TMP/$Q.conf:[0-9]*: $key: not supported, dropped" "$NET_TMP/warnings.txt" ||
    net_fail "no warning for $key"
done
[[ $(wc -l <"$NET_TMP/warnings.txt") -eq 6 ]] || net_fail "expected exactly 6 warnings"
# A routing table of its own is refused with its line, not routed in the main table.
sed 's/^Table = auto$/Table = 51850/' "$NET_TMP/$Q.conf" >"$NET_TMP/table.conf"
ctl_expect_error "import Table = 51850" "table.conf:10: Table: 51850: a routing table other than auto or off is not supported" \
  ctl "$far" import "$NET_TMP/table.conf"
ctl_up "$imported" "$NET_TMP/$Q.toml"

# What wg itself makes of the original: the same file through `wg-quick strip` and `wg setconf`.
R="${NET_PREFIX}r"
ip netns exec "$reference" "$SLUICED" -f "$R" >"$NET_TMP/reference.log" 2>&1 &
NET_PIDS+=($!)
NET_FILES+=("/run/wireguard/$R.sock")
net_wait_for 10 test -S "/run/wireguard/$R.sock" || net_fail "reference sluiced did not start"
wg-quick strip "$NET_TMP/$Q.conf" >"$NET_TMP/stripped.conf" 2>/dev/null || net_fail "wg-quick strip"
net_wg "$reference" setconf "$R" "$NET_TMP/stripped.conf" || net_fail "wg setconf of the original"

net_wg "$imported" showconf "$Q" >"$NET_TMP/imported.showconf"
net_wg "$reference" showconf "$R" >"$NET_TMP/reference.showconf"
diff -u "$NET_TMP/reference.showconf" "$NET_TMP/imported.showconf" >&2 || net_fail "imported config differs from wg's reading"
grep -q "PresharedKey = $(cat "$NET_TMP/psk")" "$NET_TMP/imported.showconf" || net_fail "preshared key lost"

addresses() { ip -n "$1" -j addr show dev "$2" | jq -r '.[0].addr_info[] | select(.scope != "link") | "\(.local)/\(.prefixlen)"' | sort; }
expected=$(printf '%s\n' 10.99.80.1/24 10.99.81.1/24 fd00:99:80::1/64 | sort)
[[ $(addresses "$imported" "$Q") == "$expected" ]] || net_fail "addresses: $(addresses "$imported" "$Q")"
[[ $(ip -n "$imported" -j link show dev "$Q" | jq '.[0].mtu') == 1380 ]] || net_fail "MTU not kept"
# Table = auto: a route for every peer's AllowedIPs in the main table, as wg-quick adds.
routes=$(ip -n "$imported" route show 10.99.91.0/24)
grep -q "dev $Q" <<<"$routes" || net_fail "no route for a peer's AllowedIPs"

# Export of the running interface, started again under another name.
E="${NET_PREFIX}x"
(umask 077 && ctl "$imported" export --show-keys "$Q" >"$NET_TMP/$E.toml") || net_fail "export"
ctl_up "$exported" "$NET_TMP/$E.toml"
net_wg "$exported" showconf "$E" >"$NET_TMP/exported.showconf"
diff -u "$NET_TMP/imported.showconf" "$NET_TMP/exported.showconf" >&2 || net_fail "exported config differs"
[[ $(addresses "$exported" "$E") == "$expected" ]] || net_fail "exported addresses: $(addresses "$exported" "$E")"
# Without --show-keys no secret is printed.
ctl "$imported" export "$Q" >"$NET_TMP/nokeys.toml"
! grep -qF -e "$(cat "$NET_TMP/own.key")" -e "$(cat "$NET_TMP/psk")" "$NET_TMP/nokeys.toml" || net_fail "export printed a key"
net_log "PASS"
