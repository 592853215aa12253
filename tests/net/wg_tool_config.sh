#!/usr/bin/env bash
# sluiced driven only by the stock tools, as wg-quick drives it: started without --config, keys,
# port and peers through `wg set` (A) or `wg setconf` (B), addresses and link state through `ip`.
# Then, on A:
#   - `wg show dump` checked field by field (interface line and both peer lines), and fwmark;
#   - `wg showconf` -> `wg setconf` round-trip gives the same dump (counters aside);
#   - `wg syncconf` removes one peer, adds another, and leaves the live peer's session alone;
#   - a refused `wg set` (client-side and daemon-side) exits non-zero and changes nothing;
#   - wg-quick up/down with WG_QUICK_USERSPACE_IMPLEMENTATION=sluiced (in a third namespace Q).
# Usage: wg_tool_config.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init wg_tool_config
net_require_root

net_ns a a
net_ns b b
net_veth "$a" 10.200.3.1/24 "$b" 10.200.3.2/24
for name in a b x y z; do net_keypair "$name"; done
(umask 077 && wg genpsk >"$NET_TMP/psk")
A_IF="${NET_PREFIX}ta" B_IF="${NET_PREFIX}tb"
A_PRIV=$(cat "$NET_TMP/a.key") A_PUB=$(cat "$NET_TMP/a.pub") B_PUB=$(cat "$NET_TMP/b.pub")
X_PUB=$(cat "$NET_TMP/x.pub") Y_PUB=$(cat "$NET_TMP/y.pub") Z_PUB=$(cat "$NET_TMP/z.pub")
PSK=$(cat "$NET_TMP/psk")

net_start_sluiced_bare "$a" "$A_IF" "$NET_TMP/a.log"
net_start_sluiced_bare "$b" "$B_IF" "$NET_TMP/b.log"

# ip_setup NS IFNAME ADDR4 ADDR6: what wg-quick does besides wg setconf.
ip_setup() {
  ip -n "$1" addr add "$3/24" dev "$2"
  ip -n "$1" addr add "$4/64" dev "$2" nodad
  ip -n "$1" link set "$2" up
}

# B first, from a wg-style file, so that A's first keepalive (sent as soon as persistent-keepalive
# is set) finds B listening.
cat >"$NET_TMP/b.conf" <<CONF
[Interface]
PrivateKey = $(cat "$NET_TMP/b.key")
ListenPort = 51831

[Peer]
PublicKey = $A_PUB
PresharedKey = $PSK
AllowedIPs = 10.93.0.1/32, fd00:93::1/128
Endpoint = 10.200.3.1:51830
CONF
net_wg "$b" setconf "$B_IF" "$NET_TMP/b.conf" || net_fail "wg setconf on a bare sluiced"
ip_setup "$b" "$B_IF" 10.93.0.2 fd00:93::2

# A through `wg set` only: B with every peer option, X with allowed IPs only.
net_wg "$a" set "$A_IF" private-key "$NET_TMP/a.key" listen-port 51830 \
  peer "$B_PUB" preshared-key "$NET_TMP/psk" endpoint 10.200.3.2:51831 persistent-keepalive 25 \
  allowed-ips 10.93.0.2/32,fd00:93::2/128 \
  peer "$X_PUB" allowed-ips 10.93.0.10/32 || net_fail "wg set on a bare sluiced"
ip_setup "$a" "$A_IF" 10.93.0.1 fd00:93::1

logs() { tail -n 30 "$NET_TMP"/*.log >&2 || true; }
net_ping "$a" 10.93.0.2 3 || { logs; net_fail "IPv4 ping A -> B"; }
net_ping "$b" 10.93.0.1 3 || { logs; net_fail "IPv4 ping B -> A"; }
net_ping "$a" fd00:93::2 3 || { logs; net_fail "IPv6 ping A -> B"; }

# --- wg show dump, field by field -------------------------------------------------------------
dump() { net_wg "$a" show "$A_IF" dump; }
# expect WHAT ACTUAL EXPECTED
expect() { [[ $2 == "$3" ]] || net_fail "$1: got '$2', expected '$3'"; }
# expect_cmp WHAT ACTUAL OP NUMBER, e.g. expect_cmp "rx bytes" 12 '>' 0
# (The comparison goes through a variable: arithmetic evaluates its text as an expression.)
expect_cmp() {
  local comparison="$2 $3 $4"
  { [[ $2 =~ ^[0-9]+$ ]] && ((comparison)); } || net_fail "$1: got '$2', expected $3 $4"
}
# The allowed IPs as a sorted list: the order of the prefixes is the daemon's choice.
sorted_ips() { tr ',' '\n' <<<"$1" | sort | paste -sd, -; }

IFS=$'\t' read -r priv pub port fwmark < <(dump | head -n 1)
expect "interface private key" "$priv" "$A_PRIV"
expect "interface public key" "$pub" "$A_PUB"
expect "listen port" "$port" 51830
expect "fwmark" "$fwmark" off

IFS=$'\t' read -r key psk endpoint ips handshake rx tx keepalive < <(dump | awk -F'\t' -v k="$B_PUB" 'NR > 1 && $1 == k')
expect "peer B public key" "$key" "$B_PUB"
expect "peer B preshared key" "$psk" "$PSK"
expect "peer B endpoint" "$endpoint" 10.200.3.2:51831
expect "peer B allowed ips" "$(sorted_ips "$ips")" "$(sorted_ips 10.93.0.2/32,fd00:93::2/128)"
expect_cmp "peer B latest handshake" "$handshake" '>' 0
expect_cmp "peer B latest handshake age" "$(($(date +%s) - handshake))" '<' 30
expect_cmp "peer B rx bytes" "$rx" '>' 0
expect_cmp "peer B tx bytes" "$tx" '>' 0
expect "peer B persistent keepalive" "$keepalive" 25

IFS=$'\t' read -r key psk endpoint ips handshake rx tx keepalive < <(dump | awk -F'\t' -v k="$X_PUB" 'NR > 1 && $1 == k')
expect "peer X public key" "$key" "$X_PUB"
expect "peer X preshared key" "$psk" "(none)"
expect "peer X endpoint" "$endpoint" "(none)"
expect "peer X allowed ips" "$ips" 10.93.0.10/32
expect "peer X latest handshake" "$handshake" 0
expect "peer X rx bytes" "$rx" 0
expect "peer X tx bytes" "$tx" 0
expect "peer X persistent keepalive" "$keepalive" off
expect "number of peers" "$(dump | tail -n +2 | wc -l)" 2

# B's side, set from the file: the same peer seen from the other end.
IFS=$'\t' read -r _ _ port fwmark < <(net_wg "$b" show "$B_IF" dump | head -n 1)
expect "B listen port" "$port" 51831
expect "B fwmark" "$fwmark" off
expect "B's peer preshared key" "$(net_peer_field "$b" "$B_IF" "$A_PUB" 2)" "$PSK"
expect "B's peer endpoint" "$(net_peer_field "$b" "$B_IF" "$A_PUB" 3)" 10.200.3.1:51830
expect "B's peer persistent keepalive" "$(net_peer_field "$b" "$B_IF" "$A_PUB" 8)" off
net_has_handshake "$b" "$B_IF" "$A_PUB" || net_fail "B shows no handshake or no transfer"

# fwmark is shown in hex and "off" again once cleared.
net_wg "$a" set "$A_IF" fwmark 0x2a || net_fail "wg set fwmark"
expect "fwmark after set" "$(dump | head -n 1 | cut -f 4)" 0x2a
net_wg "$a" set "$A_IF" fwmark 0 || net_fail "wg set fwmark 0"
expect "fwmark after clearing" "$(dump | head -n 1 | cut -f 4)" off
net_log "wg show dump: every field as set"

# --- showconf -> setconf round-trip -----------------------------------------------------------
# The dump without what traffic changes (handshake time, rx, tx), peers in a fixed order.
config_dump() { dump | awk -F'\t' -v OFS='\t' 'NR > 1 {$5 = $6 = $7 = "-"} {print}' | sort; }
before=$(config_dump)
net_wg "$a" showconf "$A_IF" >"$NET_TMP/a-showconf.conf" || net_fail "wg showconf"
net_wg "$a" setconf "$A_IF" "$NET_TMP/a-showconf.conf" || net_fail "wg setconf of wg showconf's output"
after=$(config_dump)
[[ $before == "$after" ]] || net_fail "showconf/setconf round-trip changed the configuration:"$'\n'"$before"$'\n---\n'"$after"
net_ping "$a" 10.93.0.2 3 || { logs; net_fail "ping after the setconf round-trip"; }
net_log "wg showconf -> wg setconf: same configuration, tunnel still works"

# --- syncconf: X goes, Y comes, B's session is untouched ------------------------------------
handshake_b=$(net_peer_field "$a" "$A_IF" "$B_PUB" 5)
{
  # showconf separates sections with empty lines: keep every section that does not name X.
  awk -v RS= -v ORS='\n\n' -v x="$X_PUB" 'index($0, x) == 0' "$NET_TMP/a-showconf.conf"
  printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.93.0.11/32\n' "$Y_PUB"
} >"$NET_TMP/a-sync.conf"
grep -q "$X_PUB" "$NET_TMP/a-sync.conf" && net_fail "test bug: X still in the syncconf file"
net_wg "$a" syncconf "$A_IF" "$NET_TMP/a-sync.conf" || net_fail "wg syncconf"
expect "X after syncconf" "$(net_peer_field "$a" "$A_IF" "$X_PUB" 1)" ""
expect "Y after syncconf" "$(net_peer_field "$a" "$A_IF" "$Y_PUB" 4)" 10.93.0.11/32
expect "B's handshake after syncconf (session kept)" "$(net_peer_field "$a" "$A_IF" "$B_PUB" 5)" "$handshake_b"
expect "number of peers after syncconf" "$(dump | tail -n +2 | wc -l)" 2
net_ping "$a" 10.93.0.2 3 || { logs; net_fail "ping after syncconf"; }
net_log "wg syncconf: X removed, Y added, B's session kept"

# --- refused changes leave everything as it was ----------------------------------------------
before=$(config_dump)
# Client side: wg itself refuses a bad prefix.
if net_wg "$a" set "$A_IF" peer "$Z_PUB" allowed-ips 10.93.0.300/32 2>/dev/null; then
  net_fail "wg set with allowed-ips 10.93.0.300/32 succeeded"
fi
# Daemon side: the port is taken (by a second sluiced in the same namespace), so sluiced answers
# with an errno after wg sent the whole request; the peer in the same request must not appear.
net_start_sluiced_bare "$a" "${NET_PREFIX}tc" "$NET_TMP/c.log"
net_wg "$a" set "${NET_PREFIX}tc" listen-port 51840 || net_fail "wg set listen-port on the second sluiced"
if net_wg "$a" set "$A_IF" listen-port 51840 peer "$Z_PUB" allowed-ips 10.93.0.12/32 2>"$NET_TMP/refused.txt"; then
  net_fail "wg set with a listen port in use succeeded"
fi
net_log "refused as expected: $(tr '\n' ' ' <"$NET_TMP/refused.txt")"
after=$(config_dump)
[[ $before == "$after" ]] || net_fail "a refused wg set changed the configuration:"$'\n'"$before"$'\n---\n'"$after"
net_ping "$a" 10.93.0.2 3 || { logs; net_fail "ping after the refused changes"; }
net_log "refused wg set: non-zero exit, configuration unchanged"

# --- wg-quick up/down, with sluiced as its userspace implementation -----------------------------
# wg-quick finds no kernel module, starts `sluiced IFNAME` (daemonized), then uses wg setconf and
# ip; `wg-quick down` deletes the link, and sluiced must go away by itself. The config has no DNS
# and no default route, so wg-quick touches nothing outside namespace Q.
net_ns q q
net_veth "$q" 10.200.14.2/24 "$b" 10.200.14.1/24
net_keypair q
Q_IF="${NET_PREFIX}tq"
NET_FILES+=("/run/wireguard/$Q_IF.sock")
net_wg "$b" set "$B_IF" peer "$(cat "$NET_TMP/q.pub")" allowed-ips 10.93.1.2/32
ip -n "$b" route add 10.93.1.2/32 dev "$B_IF"
cat >"$NET_TMP/$Q_IF.conf" <<CONF
[Interface]
PrivateKey = $(cat "$NET_TMP/q.key")
Address = 10.93.1.2/16
MTU = 1400

[Peer]
PublicKey = $B_PUB
AllowedIPs = 10.93.0.2/32
Endpoint = 10.200.14.1:51831
CONF
chmod 600 "$NET_TMP/$Q_IF.conf"
ip netns exec "$q" env WG_QUICK_USERSPACE_IMPLEMENTATION="$SLUICED" timeout 20 wg-quick up "$NET_TMP/$Q_IF.conf" \
  >"$NET_TMP/wg-quick-up.txt" 2>&1 || { cat "$NET_TMP/wg-quick-up.txt" >&2; net_fail "wg-quick up with sluiced"; }
pids=$(ip netns pids "$q")
Q_PID=${pids%%$'\n'*}
[[ -n $Q_PID ]] || net_fail "no sluiced running in $q after wg-quick up"
NET_PIDS+=("$Q_PID")
net_ping "$q" 10.93.0.2 3 || { logs; net_fail "ping through the wg-quick interface"; }
ip netns exec "$q" timeout 20 wg-quick down "$NET_TMP/$Q_IF.conf" >"$NET_TMP/wg-quick-down.txt" 2>&1 ||
  { cat "$NET_TMP/wg-quick-down.txt" >&2; net_fail "wg-quick down"; }
# sluiced notices the deleted device within a second; it is no child of ours (it daemonized).
gone() { ! kill -0 "$1" 2>/dev/null || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
net_wait_for 5 gone "$Q_PID" || net_fail "sluiced still running 5 s after wg-quick down"
[[ ! -e /run/wireguard/$Q_IF.sock ]] || net_fail "wg-quick down left sluiced's socket behind"
net_log "wg-quick up/down: tunnel worked, sluiced exited and removed its socket"
net_log "PASS"
