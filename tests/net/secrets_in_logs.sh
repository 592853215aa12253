#!/usr/bin/env bash
# No key material in any log line or error message. Two sluiced (verbose) run a full session and
# its error paths: inline and file keys, preshared keys, handshakes, a preshared-key change, a
# private-key change that breaks the session and its restoration, control requests that put keys
# where they do not belong (as values of the wrong key, as key names, cut short, after get=1,
# as a whole request), broken config files holding keys (at start and on reload), garbage
# datagrams, and `sluicectl export` without --show-keys. Then every line the daemons and the
# tools printed is searched for every private and preshared key, in base64 (with and without
# padding) and in hex (either case). The search itself is checked on text that does hold a key.
# Usage: secrets_in_logs.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init secrets_in_logs "$1" "$2"
net_require_root

net_ns a a
net_ns b b
net_veth "$a" 10.200.81.1/24 "$b" 10.200.81.2/24
net_keypair a
net_keypair b
net_keypair a2  # a's replacement key
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"
PSK1=$(wg genpsk)
PSK2=$(wg genpsk)
(umask 077 && printf '%s\n' "$PSK1" >"$NET_TMP/psk1")
printf '%s\n' "$PSK2" >"$NET_TMP/psk2"
SECRETS=("$(cat "$NET_TMP/a.key")" "$(cat "$NET_TMP/b.key")" "$(cat "$NET_TMP/a2.key")" "$PSK1" "$PSK2")
OUT="$NET_TMP/out"  # every tool's output goes here, one file per step
mkdir "$OUT"

cat >"$NET_TMP/a.toml" <<TOML
[interface]
private_key = "${SECRETS[0]}"
listen_port = 51820
address = ["10.99.81.1/24"]

[[peer]]
public_key = "$(cat "$NET_TMP/b.pub")"
preshared_key_file = "$NET_TMP/psk1"
endpoint = "10.200.81.2:51821"
allowed_ips = ["10.99.81.2/32"]
TOML
cat >"$NET_TMP/b.toml" <<TOML
[interface]
private_key_file = "$NET_TMP/b.key"
listen_port = 51821
address = ["10.99.81.2/24"]

[[peer]]
public_key = "$(cat "$NET_TMP/a.pub")"
preshared_key = "$PSK1"
endpoint = "10.200.81.1:51820"
allowed_ips = ["10.99.81.1/32"]
TOML

start() {  # NS IFNAME CONFIG
  ip netns exec "$1" "$SLUICED" -f -v --config "$3" "$2" >"$OUT/$2.log" 2>&1 &
  NET_PIDS+=($!)
  NET_FILES+=("/run/wireguard/$2.sock")
  net_wait_control "$1" "$2" || { cat "$OUT/$2.log" >&2; net_fail "sluiced $2 did not start"; }
}
start "$a" "$A" "$NET_TMP/a.toml"
pid_a=${NET_PIDS[-1]}
start "$b" "$B" "$NET_TMP/b.toml"
net_ping "$a" 10.99.81.2 3 >>"$OUT/ping" || net_fail "no tunnel"

# A new preshared key on both sides, then a new session.
net_wg "$a" set "$A" peer "$(cat "$NET_TMP/b.pub")" preshared-key "$NET_TMP/psk2"
net_wg "$b" set "$B" peer "$(cat "$NET_TMP/a.pub")" preshared-key "$NET_TMP/psk2"
net_ping "$a" 10.99.81.2 3 >>"$OUT/ping" || net_fail "no tunnel after the preshared key change"
# A private key b does not know: handshakes fail (and are logged, if anything is); then back.
net_wg "$a" set "$A" private-key "$NET_TMP/a2.key"
net_ping "$a" 10.99.81.2 2 >>"$OUT/ping" 2>&1 || true
net_wg "$a" set "$A" private-key /dev/stdin <<<"${SECRETS[0]}"
# The failed attempts hold the next initiation back for up to REKEY_TIMEOUT.
net_wait_for 20 net_ping "$a" 10.99.81.2 1 || net_fail "no tunnel after restoring the private key"

# Requests that carry keys where they do not belong.
hex() { net_key_hex "$1"; }
A_HEX=$(hex "${SECRETS[0]}")
PSK_HEX=$(hex "$PSK2")
request() { printf '%b' "$1" | timeout 5 socat -t 2 - "UNIX-CONNECT:/run/wireguard/$A.sock" >>"$OUT/requests" 2>&1 || true; }
request "set=1\npublic_key=$(hex "$(cat "$NET_TMP/b.pub")")\nprivate_key=$A_HEX\n\n"
request "set=1\n$A_HEX=1\n\n"
request "set=1\n${SECRETS[0]}=$PSK_HEX\n\n"
request "set=1\nprivate_key=${A_HEX}0\n\n"
request "set=1\nprivate_key=${SECRETS[0]}\n\n"
request "set=1\npublic_key=$PSK_HEX\npreshared_key=$A_HEX\nallowed_ip=$PSK_HEX\n\n"
request "get=1\nprivate_key=$A_HEX\n\n"
request "${SECRETS[0]}\n\n"
request "set=1\npreshared_key=$PSK_HEX\n\n"
grep -q "errno=0" "$OUT/requests" && net_fail "a request with misplaced keys was accepted"
: >"$OUT/requests"  # the answers echo nothing, but the requests above were ours, not logs

# Broken config files that hold keys: at start, and on reload.
printf '[interface]\nprivate_key = "%s"\nlisten_prot = "%s"\n' "${SECRETS[0]}" "$PSK2" >"$NET_TMP/broken1.toml"
printf '[interface]\nprivate_key = "%sA"\n' "${SECRETS[0]%=}" >"$NET_TMP/broken2.toml"
printf '[interface]\nprivate_key = "%s"\n[[peer]]\npublic_key = "%s"\nallowed_ips = ["%s"]\n' "${SECRETS[0]}" "$PSK2" "$PSK1" >"$NET_TMP/broken3.toml"
printf '[interface]\nprivate_key = "%s"\nprivate_key_file = "%s"\n' "${SECRETS[0]}" "$NET_TMP/a.key" >"$NET_TMP/broken4.toml"
printf '[interface]\nprivate_key = %s\n' "${SECRETS[0]}" >"$NET_TMP/broken5.toml"
for n in 1 2 3 4 5; do
  ip netns exec "$b" timeout 10 "$SLUICED" -f -v --config "$NET_TMP/broken$n.toml" "${NET_PREFIX}x" >"$OUT/start-broken$n" 2>&1 &&
    net_fail "broken$n.toml was accepted"
  ctl "$a" reload "$A" --config "$NET_TMP/broken$n.toml" >"$OUT/reload-broken$n" 2>&1 && net_fail "reload of broken$n.toml succeeded"
done
# The key file that holds garbage around a key, and a key file of the wrong length.
printf 'x%s\n' "${SECRETS[2]}" >"$NET_TMP/bad.key"
printf '[interface]\nprivate_key_file = "%s"\n' "$NET_TMP/bad.key" >"$NET_TMP/broken6.toml"
ip netns exec "$b" timeout 10 "$SLUICED" -f -v --config "$NET_TMP/broken6.toml" "${NET_PREFIX}x" >"$OUT/start-broken6" 2>&1 &&
  net_fail "broken6.toml was accepted"
# wg's own tools, through the daemon: refused key files.
net_wg "$a" set "$A" private-key "$NET_TMP/bad.key" >"$OUT/wg-set-bad" 2>&1 || true

# Garbage and key bytes sent to the listening port (datagrams stay inside namespace a).
for secret in "${SECRETS[@]}"; do
  ip netns exec "$a" bash -c "printf '%s' '$secret' >/dev/udp/127.0.0.1/51820" || true
done
ctl "$a" export "$A" >"$OUT/export" || net_fail "sluicectl export"
ctl "$a" show "$A" >"$OUT/show" || net_fail "sluicectl show"
ctl "$a" stats "$A" >"$OUT/stats" || net_fail "sluicectl stats"
net_ping "$a" 10.99.81.2 2 >>"$OUT/ping" || net_fail "no tunnel at the end"
net_stop "$pid_a" || net_fail "sluiced $A did not stop cleanly"

# The search finds a key where one is.
net_wg "$a" showconf "$B" >/dev/null 2>&1 || true
ctl "$b" export "$B" --show-keys >"$NET_TMP/with-keys"
net_contains_secret "$NET_TMP/with-keys" "${SECRETS[@]}" >/dev/null || net_fail "the search misses keys in export --show-keys"
printf '%s\n' "$A_HEX" >"$NET_TMP/with-hex"
net_contains_secret "$NET_TMP/with-hex" "${SECRETS[@]}" >/dev/null || net_fail "the search misses hex keys"

lines=0
for file in "$OUT"/*; do
  lines=$((lines + $(wc -l <"$file")))
  if found=$(net_contains_secret "$file" "${SECRETS[@]}"); then
    net_fail "$(basename "$file") holds key material (${found:0:6}...)"
  fi
done
grep -q "refused a set request" "$OUT/$A.log" || net_fail "the refused requests were not logged"
searched=("$OUT"/*)
net_log "$lines lines from ${#searched[@]} logs and outputs searched for ${#SECRETS[@]} keys in 4 forms each: none found; PASS"
