#!/usr/bin/env bash
# `sluicectl reload` with a broken file changes nothing that is running: for each broken file
# (bad base64, unknown key, bad CIDR, duplicate peer, wrong type, port out of range, key file
# that is a directory, missing file, invalid TOML) the reload fails with one line naming FILE:LINE: (or the file
# and the cause), and afterwards the interface's private key, listen port, peers, endpoints,
# allowed IPs and routes are as before, the session is the same (no new handshake, counters not
# reset) and a ping running across all the reloads loses nothing.
# Usage: ctl_reload_broken.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_reload_broken "$1" "$2"
net_require_root

net_ns a a
net_ns b b
net_veth "$a" 10.200.52.1/24 "$b" 10.200.52.2/24
net_keypair a
net_keypair b
net_keypair c
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"
B_PUB=$(cat "$NET_TMP/b.pub")
C_PUB=$(cat "$NET_TMP/c.pub")

good_a="[interface]
private_key_file = \"$NET_TMP/a.key\"
listen_port = 51820
address = [\"10.99.52.1/24\"]
routes = true

[[peer]]
public_key = \"$B_PUB\"
endpoint = \"10.200.52.2:51821\"
allowed_ips = [\"10.99.52.2/32\"]

[[peer]]
public_key = \"$C_PUB\"
allowed_ips = [\"10.99.53.0/24\"]"
printf '%s\n' "$good_a" >"$NET_TMP/$A.toml"
net_config "$NET_TMP/$B.toml" b 51821 10.99.52.2/24
net_config_peer "$NET_TMP/$B.toml" a 10.200.52.1:51820 10.99.52.1/32

ctl_up "$a" "$NET_TMP/$A.toml"
ctl_up "$b" "$NET_TMP/$B.toml"
net_ping "$a" 10.99.52.2 3 >/dev/null || net_fail "no tunnel before the reloads"

# Everything `wg` reports except the moving parts (handshake age, counters), plus the routes; the
# private key as a digest, so that a failure message cannot print it.
state() {
  local conf
  conf=$(net_wg "$a" showconf "$A")
  grep -v '^PrivateKey' <<<"$conf"
  printf 'PrivateKey digest %s\n' "$(grep '^PrivateKey' <<<"$conf" | sha256sum)"
  ip -n "$a" route show dev "$A"
}
handshake() { net_peer_field "$a" "$A" "$B_PUB" 5; }
state_before=$(state)
handshake_before=$(handshake)
rx_before=$(net_peer_field "$a" "$A" "$B_PUB" 6)
grep -q PrivateKey <<<"$state_before" || net_fail "showconf shows no private key"

ip netns exec "$a" ping -c 100 -i 0.05 -W 2 10.99.52.2 >"$NET_TMP/ping.txt" &
ping_pid=$!
NET_PIDS+=("$ping_pid")

cases=0
# broken NAME EXPECTED_FILE_POSITION KEY TEXT: reloading A from TEXT must fail naming the position
# and the key, and change nothing.
broken() {
  local name=$1 position=$2 key=$3 file="$NET_TMP/broken-$1.toml" status=0
  printf '%s\n' "$4" >"$file"
  reload_and_check "$name" "$file" "$file$position" "$key"
}
reload_and_check() {  # NAME FILE EXPECTED_TEXT KEY
  local name=$1 file=$2 expected=$3 key=$4 status=0
  ctl "$a" reload "$A" --config "$file" >"$NET_TMP/$name.out" 2>&1 || status=$?
  ((status != 0 && status != 124)) || net_fail "$name: reload exited with status $status: $(cat "$NET_TMP/$name.out")"
  grep -qF -- "$expected" "$NET_TMP/$name.out" || net_fail "$name: no '$expected' in: $(cat "$NET_TMP/$name.out")"
  grep -qF -- "$key" "$NET_TMP/$name.out" || net_fail "$name: '$key' not named in: $(cat "$NET_TMP/$name.out")"
  [[ $(wc -l <"$NET_TMP/$name.out") -eq 1 ]] || net_fail "$name: more than one line: $(cat "$NET_TMP/$name.out")"
  [[ $(state) == "$state_before" ]] || net_fail "$name: the running interface changed: $(diff <(echo "$state_before") <(state))"
  cases=$((cases + 1))
  net_log "$name refused: $(cat "$NET_TMP/$name.out")"
}

broken bad_base64 :2: interface.private_key "[interface]
private_key = \"not*base64\"
listen_port = 51820"
broken unknown_key :10: 'peer[0].allowed_ip' "${good_a%%allowed_ips*}allowed_ip = [\"10.99.52.2/32\"]"
broken bad_cidr :10: 'peer[0].allowed_ips[0]' "${good_a/10.99.52.2\/32/10.99.52.2\/40}"
broken duplicate_peer :17: 'peer[2].public_key' "$good_a

[[peer]]
public_key = \"$B_PUB\""
broken wrong_type :3: interface.listen_port "${good_a/listen_port = 51820/listen_port = \"51820\"}"
broken port_range :3: interface.listen_port "${good_a/listen_port = 51820/listen_port = 65536}"
mkdir "$NET_TMP/keydir"
broken key_file_is_directory :2: interface.private_key_file "${good_a/$NET_TMP\/a.key/$NET_TMP\/keydir}"
broken invalid_toml :3: 'invalid TOML' "${good_a/listen_port = 51820/listen_port = 51820 51821}"
reload_and_check missing_file "$NET_TMP/no-such.toml" "$NET_TMP/no-such.toml" "No such file"

net_wait_exit "$ping_pid" 15 || net_fail "ping did not finish"
grep -q ' 0% packet loss' "$NET_TMP/ping.txt" || { cat "$NET_TMP/ping.txt" >&2; net_fail "packets lost across the refused reloads"; }
[[ $(handshake) == "$handshake_before" ]] || net_fail "a new handshake after the refused reloads"
(($(net_peer_field "$a" "$A" "$B_PUB" 6) > rx_before)) || net_fail "the session's counters were reset"

# The good file still reloads, and changes nothing either.
summary=$(ctl "$a" reload "$A" --config "$NET_TMP/$A.toml")
grep -q '(0 added, 0 removed, 0 changed), routes 0 added, 0 removed$' <<<"$summary" || net_fail "reload of the good file"
[[ $(state) == "$state_before" ]] || net_fail "the good file changed the interface"
net_log "$cases broken reloads refused, nothing changed; PASS"
