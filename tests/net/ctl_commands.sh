#!/usr/bin/env bash
# sluicectl's everyday commands against two running daemons: genkey/pubkey/genpsk agree with wg,
# up, status, show (text and JSON), set with the words of `wg set` (checked with `wg show dump`),
# and down.
# Usage: ctl_commands.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_commands "$1" "$2"
net_require_root

# Keys: sluicectl's and wg's derivations agree both ways.
for name in a b; do
  (umask 077 && "$SLUICECTL" genkey >"$NET_TMP/$name.key")
  [[ $("$SLUICECTL" pubkey <"$NET_TMP/$name.key") == $(wg pubkey <"$NET_TMP/$name.key") ]] || net_fail "pubkey differs from wg"
done
wg genkey >"$NET_TMP/wg.key" 2>/dev/null
[[ $("$SLUICECTL" pubkey <"$NET_TMP/wg.key") == $(wg pubkey <"$NET_TMP/wg.key") ]] || net_fail "pubkey of a wg key"
(umask 077 && "$SLUICECTL" genpsk >"$NET_TMP/psk")
[[ $(wg pubkey <"$NET_TMP/psk" | wc -c) -eq 45 ]] || net_fail "genpsk is not a 32-byte base64 key"

net_ns a a
net_ns b b
net_veth "$a" 10.200.80.1/24 "$b" 10.200.80.2/24
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"
write_config() {  # IFNAME KEY PORT ADDRESS PEER_KEY PEER_ENDPOINT PEER_ADDRESS
  cat >"$NET_TMP/$1.toml" <<TOML
[interface]
private_key_file = "$NET_TMP/$2.key"
listen_port = $3
address = ["$4/24"]

[[peer]]
public_key = "$("$SLUICECTL" pubkey <"$NET_TMP/$5.key")"
endpoint = "$6"
allowed_ips = ["$7/32"]
TOML
}
write_config "$A" a 51870 10.99.8.1 b 10.200.80.2:51871 10.99.8.2
write_config "$B" b 51871 10.99.8.2 a 10.200.80.1:51870 10.99.8.1
ctl_up "$a" "$NET_TMP/$A.toml"
ctl_up "$b" "$NET_TMP/$B.toml"
net_ping "$a" 10.99.8.2 3 >/dev/null || net_fail "no tunnel"

ctl "$a" status >"$NET_TMP/status.txt"
grep -q "^$A: up, UDP port 51870, 1 peer (1 with a live session)" "$NET_TMP/status.txt" || { cat "$NET_TMP/status.txt" >&2; net_fail "status of $A"; }
grep -q "^$B: up, UDP port 51871, 1 peer" "$NET_TMP/status.txt" || net_fail "status of $B"

ctl "$a" show "$A" >"$NET_TMP/show.txt"
pub_b=$("$SLUICECTL" pubkey <"$NET_TMP/b.key")
for line in "interface: $A" "  public key: $("$SLUICECTL" pubkey <"$NET_TMP/a.key")" "  private key: (hidden)" \
  "  listening port: 51870" "peer: $pub_b" "  endpoint: 10.200.80.2:51871" "  allowed ips: 10.99.8.2/32"; do
  grep -qxF -- "$line" "$NET_TMP/show.txt" || { cat "$NET_TMP/show.txt" >&2; net_fail "show lacks '$line'"; }
done
grep -q '^  latest handshake: .* ago$\|^  latest handshake: now$' "$NET_TMP/show.txt" || net_fail "show: handshake"
! grep -q $'\e' "$NET_TMP/show.txt" || net_fail "colour codes written to a file"
! grep -qF "$(cat "$NET_TMP/a.key")" "$NET_TMP/show.txt" || net_fail "show printed the private key"

ctl "$a" show --json >"$NET_TMP/show.json"
jq -e --arg a "$A" --arg pub "$pub_b" '.schema_version == 1 and
  (.interfaces[] | select(.name == $a) | .listen_port == 51870 and (.peers[0] | .public_key == $pub and
   .endpoint == "10.200.80.2:51871" and .allowed_ips == ["10.99.8.2/32"] and .latest_handshake > 0 and
   .latest_handshake_age >= 0 and .rx_bytes > 0 and .tx_bytes > 0 and .preshared_key == false and
   .persistent_keepalive == 0))' "$NET_TMP/show.json" >/dev/null || { cat "$NET_TMP/show.json" >&2; net_fail "show --json"; }

# set: the words of wg set, the result read back with the stock tool.
ctl "$a" set "$A" listen-port 51872 fwmark 0x42 peer "$pub_b" preshared-key "$NET_TMP/psk" \
  persistent-keepalive 15 allowed-ips 10.99.8.2/32,10.99.9.0/24 || net_fail "set"
net_wg "$a" show "$A" dump >"$NET_TMP/dump.txt"
read -r _ _ port mark < <(head -n 1 "$NET_TMP/dump.txt")
[[ $port == 51872 && $mark == 0x42 ]] || net_fail "set listen-port/fwmark: $port $mark"
[[ $(net_peer_field "$a" "$A" "$pub_b" 2) == "$(cat "$NET_TMP/psk")" ]] || net_fail "set preshared-key"
[[ $(net_peer_field "$a" "$A" "$pub_b" 4) == "10.99.8.2/32,10.99.9.0/24" ]] || net_fail "set allowed-ips"
[[ $(net_peer_field "$a" "$A" "$pub_b" 8) == 15 ]] || net_fail "set persistent-keepalive"
ctl "$a" set "$A" fwmark off peer "$pub_b" persistent-keepalive off preshared-key /dev/null || net_fail "set off"
[[ $(net_peer_field "$a" "$A" "$pub_b" 8) == off ]] || net_fail "persistent-keepalive off"
[[ $(net_peer_field "$a" "$A" "$pub_b" 2) == "(none)" ]] || net_fail "preshared-key /dev/null"
ctl "$a" set "$A" peer "$pub_b" remove || net_fail "set remove"
[[ -z $(net_wg "$a" show "$A" peers) ]] || net_fail "peer not removed"

stopped=$(ctl "$b" down "$B")
grep -q "^$B: stopped (sluiced pid [0-9]*)$" <<<"$stopped" || net_fail "down $B"
[[ ! -e /run/wireguard/$B.sock ]] || net_fail "socket of $B left behind"
! grep -q "^$B" <<<"$(ctl "$a" status)" || net_fail "status still lists $B"
net_log "PASS"
