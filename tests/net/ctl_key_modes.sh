#!/usr/bin/env bash
# Key hygiene: sluicectl genkey and genpsk warn exactly as wg genkey does when stdout is a file
# others can read (umask 022), and not under umask 077 or into a pipe; import and export
# --show-keys warn the same way. sluiced warns once, naming the file, when it starts from a key
# file or a config with an inline key that group or others can read, and not otherwise.
# Usage: ctl_key_modes.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_key_modes "$1" "$2"
net_require_root

# keygen COMMAND UMASK NAME: sluicectl COMMAND > NAME under UMASK; its stderr in NAME.err.
keygen() {
  (umask "$2" && "$SLUICECTL" "$1" >"$NET_TMP/$3" 2>"$NET_TMP/$3.err")
}
(umask 022 && wg genkey >"$NET_TMP/wg.key" 2>"$NET_TMP/wg.err")
[[ -s $NET_TMP/wg.err ]] || net_fail "wg genkey gave no warning to compare with"
for command in genkey genpsk; do
  keygen "$command" 022 "$command.022" || net_fail "$command under umask 022"
  [[ $(stat -c %a "$NET_TMP/$command.022") == 644 ]] || net_fail "$command: expected mode 644 under umask 022"
  cmp "$NET_TMP/wg.err" "$NET_TMP/$command.022.err" || net_fail "$command: not wg's warning: $(cat "$NET_TMP/$command.022.err")"
  keygen "$command" 077 "$command.077" || net_fail "$command under umask 077"
  [[ $(stat -c %a "$NET_TMP/$command.077") == 600 ]] || net_fail "$command: expected mode 600 under umask 077"
  [[ ! -s $NET_TMP/$command.077.err ]] || net_fail "$command warned under umask 077"
  (umask 022 && "$SLUICECTL" "$command" 2>"$NET_TMP/$command.pipe.err" | cat >/dev/null)
  [[ ! -s $NET_TMP/$command.pipe.err ]] || net_fail "$command warned about a pipe"
done

net_ns n n
net_keypair own
net_keypair peer
I="${NET_PREFIX}k"

# start NAME CONFIG: sluiced from CONFIG, its log in NAME.log, stopped again at once.
start() {
  net_start_sluiced "$n" "$I" "$2" "$NET_TMP/$1.log"
  net_stop "${NET_PIDS[-1]}" || true
}
exposed() { printf '%s holds a secret key and is readable by group or others (mode %s); chmod 600 %s' "$1" "$2" "$1"; }

# A key file the world can read; the config (mode 0644) holds no secret itself.
net_config "$NET_TMP/file.toml" own 51895 10.95.0.1/24
net_config_peer "$NET_TMP/file.toml" peer "" 10.95.0.2/32
chmod 644 "$NET_TMP/file.toml" "$NET_TMP/own.key"
start file "$NET_TMP/file.toml"
grep -qF "$(exposed "$NET_TMP/own.key" 0644)" "$NET_TMP/file.log" || { cat "$NET_TMP/file.log" >&2; net_fail "no warning about the key file"; }
[[ $(grep -c "holds a secret key" "$NET_TMP/file.log") -eq 1 ]] || { cat "$NET_TMP/file.log" >&2; net_fail "expected one warning"; }

# Keys inline in a config that the group can read: the config is named.
{
  printf '[interface]\nprivate_key = "%s"\nlisten_port = 51895\n' "$(cat "$NET_TMP/own.key")"
  printf '\n[[peer]]\npublic_key = "%s"\npreshared_key = "%s"\nallowed_ips = ["10.95.0.2/32"]\n' \
    "$(cat "$NET_TMP/peer.pub")" "$(wg genpsk)"
} >"$NET_TMP/inline.toml"
chmod 640 "$NET_TMP/inline.toml"
start inline "$NET_TMP/inline.toml"
grep -qF "$(exposed "$NET_TMP/inline.toml" 0640)" "$NET_TMP/inline.log" || { cat "$NET_TMP/inline.log" >&2; net_fail "no warning about the config"; }
[[ $(grep -c "holds a secret key" "$NET_TMP/inline.log") -eq 1 ]] || { cat "$NET_TMP/inline.log" >&2; net_fail "expected one warning"; }

# Private files: not a word.
chmod 600 "$NET_TMP/inline.toml" "$NET_TMP/own.key"
start private "$NET_TMP/inline.toml"
start private_file "$NET_TMP/file.toml"
! grep -q "holds a secret key" "$NET_TMP/private.log" "$NET_TMP/private_file.log" || net_fail "warned about private files"

# import and export --show-keys print keys too.
printf '[Interface]\nPrivateKey = %s\n' "$(cat "$NET_TMP/own.key")" >"$NET_TMP/q.conf"
(umask 022 && "$SLUICECTL" import "$NET_TMP/q.conf" >"$NET_TMP/q.toml" 2>"$NET_TMP/import.err")
grep -qF "$(head -n 1 "$NET_TMP/wg.err")" "$NET_TMP/import.err" || net_fail "import into a world-readable file: no warning"
net_start_sluiced "$n" "$I" "$NET_TMP/file.toml" "$NET_TMP/export.log"
(umask 022 && ctl "$n" export --show-keys "$I" >"$NET_TMP/x.toml" 2>"$NET_TMP/export.err")
cmp "$NET_TMP/wg.err" "$NET_TMP/export.err" || net_fail "export --show-keys: not wg's warning: $(cat "$NET_TMP/export.err")"
(umask 022 && ctl "$n" export "$I" >"$NET_TMP/x.toml" 2>"$NET_TMP/export.err")
[[ ! -s $NET_TMP/export.err ]] || net_fail "export without keys warned"
net_log "PASS"
