#!/usr/bin/env bash
# Refusals and the daemon's lifecycle:
#   - broken config files (bad key, unknown key, bad CIDR, wrong type, ...): sluiced exits
#     non-zero with one line naming FILE:LINE: and the key, and leaves no TUN device and no
#     control socket behind; the same for a missing, empty, endless or unreadable file (read as
#     nobody, since root reads anything), an unreadable key file, a directory, an unknown user; the same for a valid file whose listen port is taken (a failure
#     after the device and socket were created; FILE:LINE and the key are named too) and for the
#     name of an existing veth (the conflict is named);
#   - a second sluiced on the same IFNAME (same namespace, or another one: the socket directory
#     is shared) is refused with a clear message while the first keeps running;
#   - `ip link del IFNAME` makes a running sluiced exit by itself, removing its socket (how
#     wg-quick down stops it), also when daemonized as wg-quick starts it;
#   - SIGTERM makes it exit with status 0, removing socket and device.
# Usage: bad_config.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init bad_config
net_require_root
# The refusals are checked line by line: no "forced off" notice of a fallback in between.
unset SLUICE_DISABLE SLUICE_WORKERS

net_ns a a
net_ns b b
net_keypair a
net_keypair p
A_KEY=$(cat "$NET_TMP/a.key") P_PUB=$(cat "$NET_TMP/p.pub")
IF="${NET_PREFIX}ba"
NET_FILES+=("/run/wireguard/$IF.sock")

# no_leftovers IFNAME WHAT: neither the device (in either namespace) nor the socket remains.
no_leftovers() {
  local ns
  for ns in "$a" "$b"; do
    ! ip -n "$ns" link show "$1" >/dev/null 2>&1 || net_fail "$2: TUN device $1 left behind in $ns"
  done
  [[ ! -e /run/wireguard/$1.sock ]] || net_fail "$2: /run/wireguard/$1.sock left behind"
}

# refused NAME LINE KEY TEXT: sluiced must refuse the config TEXT (file NAME.toml) with an error
# naming the file, LINE and KEY, and leave nothing behind.
refused() {
  local name=$1 line=$2 key=$3 file="$NET_TMP/$1.toml" status=0
  printf '%s\n' "$4" >"$file"
  ip netns exec "$a" timeout 10 "$SLUICED" -f --config "$file" "$IF" >"$NET_TMP/$name.out" 2>&1 || status=$?
  ((status != 0 && status != 124)) || net_fail "$name: sluiced exited with status $status (expected a refusal)"
  grep -qF "$file:$line:" "$NET_TMP/$name.out" || net_fail "$name: no '$file:$line:' in: $(cat "$NET_TMP/$name.out")"
  grep -qF "$key" "$NET_TMP/$name.out" || net_fail "$name: key '$key' not named in: $(cat "$NET_TMP/$name.out")"
  no_leftovers "$IF" "$name"
  net_log "$name refused: $(tail -n 1 "$NET_TMP/$name.out")"
}

# --- broken files --------------------------------------------------------------------------------
refused bad_key 2 interface.private_key "[interface]
private_key = \"bm90IGEga2V5\"
listen_port = 51820"

refused unknown_key 3 interface.listen_prot "[interface]
private_key = \"$A_KEY\"
listen_prot = 51820"

refused bad_cidr 7 'peer[0].allowed_ips[1]' "[interface]
private_key = \"$A_KEY\"

[[peer]]
public_key = \"$P_PUB\"
allowed_ips = [\"10.97.0.2/32\",
               \"10.97.0.0/33\"]"

refused wrong_type 3 interface.listen_port "[interface]
private_key = \"$A_KEY\"
listen_port = \"51820\""

refused bad_endpoint 6 'peer[0].endpoint' "[interface]
private_key = \"$A_KEY\"

[[peer]]
public_key = \"$P_PUB\"
endpoint = \"10.200.11.2\""

refused missing_key_file 2 interface.private_key_file "[interface]
private_key_file = \"$NET_TMP/no-such.key\""

refused bad_peer_key 5 'peer[0].public_key' "[interface]
private_key = \"$A_KEY\"

[[peer]]
public_key = \"AAAA\""

refused single_peer_table 4 peer "[interface]
private_key = \"$A_KEY\"

[peer]
public_key = \"$P_PUB\""

refused bad_toml 3 'invalid TOML' "[interface]
private_key = \"$A_KEY\"
listen_port = 51820 51821"

# refused_file NAME EXPECTED ARGS...: sluiced started with ARGS must fail with one line holding
# EXPECTED, and leave nothing behind.
refused_file() {
  local name=$1 expected=$2 status=0
  shift 2
  ip netns exec "$a" timeout 10 "$@" >"$NET_TMP/$name.out" 2>&1 || status=$?
  ((status != 0 && status != 124)) || net_fail "$name: sluiced exited with status $status (expected a refusal)"
  grep -qF -- "$expected" "$NET_TMP/$name.out" || net_fail "$name: no '$expected' in: $(cat "$NET_TMP/$name.out")"
  [[ $(wc -l <"$NET_TMP/$name.out") -eq 1 ]] || net_fail "$name: more than one line: $(cat "$NET_TMP/$name.out")"
  no_leftovers "$IF" "$name"
  net_log "$name refused: $(tail -n 1 "$NET_TMP/$name.out")"
}

refused_file missing_file "$NET_TMP/no-such.toml: cannot read config file: No such file or directory" "$SLUICED" -f --config "$NET_TMP/no-such.toml" "$IF"
mkdir "$NET_TMP/config-dir"
refused_file config_is_directory "$NET_TMP/config-dir: cannot read config file: Is a directory" "$SLUICED" -f --config "$NET_TMP/config-dir" "$IF"
: >"$NET_TMP/empty.toml"
refused_file empty_file "$NET_TMP/empty.toml:1:1: interface: missing [interface] table" \
  "$SLUICED" -f --config "$NET_TMP/empty.toml" "$IF"
refused_file endless_file "/dev/zero: cannot read config file" "$SLUICED" -f --config /dev/zero "$IF"
refused_file unknown_user "--user: no such user 'no-such-user-for-sluice'" \
  "$SLUICED" -f --user no-such-user-for-sluice "$IF"
refused unknown_user_in_file 3 interface.user "[interface]
private_key = \"$A_KEY\"
user = \"no-such-user-for-sluice\""

# Unreadable files: root reads anything, so these run as nobody, from a directory nobody may
# enter but not list.
readable=$(mktemp -d /tmp/sluice-bad-config-nobody.XXXXXX)
NET_FILES+=("$readable")
chmod 711 "$readable"
as_nobody=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
printf '[interface]\nprivate_key = "%s"\n' "$A_KEY" >"$readable/unreadable.toml"
chmod 000 "$readable/unreadable.toml"
refused_file unreadable_file "$readable/unreadable.toml: cannot read config file: Permission denied" \
  "${as_nobody[@]}" "$SLUICED" -f --config "$readable/unreadable.toml" "$IF"
cp "$NET_TMP/a.key" "$readable/unreadable.key"
chmod 000 "$readable/unreadable.key"
printf '[interface]\nprivate_key_file = "unreadable.key"\n' >"$readable/key.toml"
chmod 644 "$readable/key.toml"
refused_file unreadable_key_file \
  "$readable/key.toml:2:20: interface.private_key_file: cannot read '$readable/unreadable.key': Permission denied" \
  "${as_nobody[@]}" "$SLUICED" -f --config "$readable/key.toml" "$IF"

# A valid file that fails later: the listen port is taken (by a sluiced on another interface in
# the same namespace), after the device and socket already exist.
net_start_sluiced_bare "$a" "${NET_PREFIX}bp" "$NET_TMP/port-holder.log"
PORT_HOLDER=${NET_PIDS[-1]}
net_wg "$a" set "${NET_PREFIX}bp" listen-port 51829
printf '[interface]\nprivate_key = "%s"\nlisten_port = 51829\n' "$A_KEY" >"$NET_TMP/port.toml"
status=0
ip netns exec "$a" timeout 10 "$SLUICED" -f --config "$NET_TMP/port.toml" "$IF" >"$NET_TMP/port.out" 2>&1 || status=$?
((status != 0 && status != 124)) || net_fail "port in use: sluiced exited with status $status"
grep -qF "$NET_TMP/port.toml:3:15: interface.listen_port: cannot bind $IF: UDP port 51829" "$NET_TMP/port.out" ||
  net_fail "port in use: the message does not name the file, line, key and port: $(cat "$NET_TMP/port.out")"
grep -q "Address already in use" "$NET_TMP/port.out" || net_fail "port in use: no reason in: $(cat "$NET_TMP/port.out")"
no_leftovers "$IF" "port in use"
net_log "port in use refused: $(tail -n 1 "$NET_TMP/port.out")"
net_stop "$PORT_HOLDER" || net_fail "the port holder did not exit cleanly"

# The name of an existing link of another kind: the conflict is named, not "Invalid argument".
ip -n "$a" link add "${NET_PREFIX}bv" type veth peer name "${NET_PREFIX}bw"
status=0
ip netns exec "$a" timeout 10 "$SLUICED" -f "${NET_PREFIX}bv" >"$NET_TMP/veth.out" 2>&1 || status=$?
((status != 0 && status != 124)) || net_fail "veth name: sluiced exited with status $status"
grep -qF "${NET_PREFIX}bv: cannot create TUN device (a network device of another kind has this name already" "$NET_TMP/veth.out" ||
  net_fail "veth name: the conflict is not named: $(cat "$NET_TMP/veth.out")"
[[ ! -e /run/wireguard/${NET_PREFIX}bv.sock ]] || net_fail "veth name: a control socket was left behind"
net_log "a veth's name refused: $(tail -n 1 "$NET_TMP/veth.out")"
ip -n "$a" link del "${NET_PREFIX}bv"

# --- one daemon per interface name --------------------------------------------------------------
net_start_sluiced_bare "$a" "$IF" "$NET_TMP/first.log"
FIRST=${NET_PIDS[-1]}
for ns in "$a" "$b"; do
  status=0
  ip netns exec "$ns" timeout 10 "$SLUICED" -f "$IF" >"$NET_TMP/second.out" 2>&1 || status=$?
  ((status != 0 && status != 124)) || net_fail "a second sluiced on $IF in $ns exited with status $status"
  grep -q "already running" "$NET_TMP/second.out" || net_fail "second sluiced in $ns: unclear message: $(cat "$NET_TMP/second.out")"
  ! ip -n "$b" link show "$IF" >/dev/null 2>&1 || net_fail "the refused sluiced left a device in $b"
  kill -0 "$FIRST" 2>/dev/null || net_fail "the first sluiced died when a second one started in $ns"
  net_wg "$a" show "$IF" >/dev/null || net_fail "the first sluiced's socket stopped answering after a second one in $ns"
  net_log "second sluiced on $IF in $ns refused: $(tail -n 1 "$NET_TMP/second.out")"
done

# --- the device deleted under it: the daemon goes -----------------------------------------------
ip -n "$a" link del "$IF"
net_wait_exit "$FIRST" 5 || net_fail "sluiced still running 5 s after its device was deleted"
status=0
wait "$FIRST" || status=$?
((status == 0)) || net_fail "sluiced exited with status $status after its device was deleted"
no_leftovers "$IF" "after ip link del"
net_log "ip link del: sluiced exited by itself and removed its socket"

# The same as wg-quick runs it: daemonized (no -f); the command returns once the interface is
# ready. The daemon is no child of ours, so it is found through the namespace.
ip netns exec "$a" timeout 10 "$SLUICED" "$IF" >"$NET_TMP/daemon.out" 2>&1 || net_fail "sluiced did not daemonize: $(cat "$NET_TMP/daemon.out")"
pids=$(ip netns pids "$a")
DAEMON=${pids%%$'\n'*}
[[ -n $DAEMON ]] && NET_PIDS+=("$DAEMON")
[[ -S /run/wireguard/$IF.sock ]] || net_fail "daemonized sluiced: no socket once the command returned"
net_wg "$a" show "$IF" >/dev/null || net_fail "daemonized sluiced does not answer wg show"
ip -n "$a" link del "$IF"
gone() { ! kill -0 "$1" 2>/dev/null || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
net_wait_for 5 gone "$DAEMON" || net_fail "daemonized sluiced still running 5 s after its device was deleted"
no_leftovers "$IF" "daemonized, after ip link del"
net_log "daemonized: ip link del stopped it and removed its socket"

# --- SIGTERM ---------------------------------------------------------------------------------------
net_start_sluiced_bare "$a" "$IF" "$NET_TMP/term.log"
status=0
net_stop "${NET_PIDS[-1]}" || status=$?
((status == 0)) || net_fail "sluiced exited with status $status on SIGTERM"
no_leftovers "$IF" "after SIGTERM"
net_log "SIGTERM: status 0, socket and device removed"

# Daemonized too (systemd and wg-quick users stop it this way): the signal reaches the child that
# kept running after the fork.
ip netns exec "$a" timeout 10 "$SLUICED" "$IF" >"$NET_TMP/daemon2.out" 2>&1 || net_fail "sluiced did not daemonize: $(cat "$NET_TMP/daemon2.out")"
pids=$(ip netns pids "$a")
DAEMON=${pids%%$'\n'*}
[[ -n $DAEMON ]] || net_fail "daemonized sluiced: no process in $a"
NET_PIDS+=("$DAEMON")
kill -TERM "$DAEMON"
net_wait_for 5 gone "$DAEMON" || net_fail "daemonized sluiced still running 5 s after SIGTERM"
no_leftovers "$IF" "daemonized, after SIGTERM"
net_log "daemonized, SIGTERM: exited, socket and device removed"
net_log "PASS"
