# shellcheck shell=bash
# Helpers for the sluicectl tests. Source lib.sh first, then this; call ctl_init instead of
# net_init. Daemons started by `sluicectl up` detach, so they are not children of the test: the
# exit trap stops each interface registered here before lib.sh's own cleanup runs.

CTL_INTERFACES=()  # "NS IFNAME" for every interface started through ctl_up

# ctl_init NAME SLUICECTL SLUICED
ctl_init() {
  net_init "$1"
  SLUICECTL=$2
  SLUICED=$3
  export SLUICED  # sluicectl up runs this sluiced
  trap 'ctl_cleanup; net_cleanup' EXIT
}

ctl_cleanup() {
  local entry ns ifname
  for entry in "${CTL_INTERFACES[@]}"; do
    read -r ns ifname <<<"$entry"
    # Deleting the device makes the daemon exit too, should `down` fail.
    timeout 15 ip netns exec "$ns" "$SLUICECTL" down "$ifname" >/dev/null 2>&1 ||
      ip -n "$ns" link del "$ifname" 2>/dev/null || true
  done
}

# ctl NS ARGS...: sluicectl inside namespace NS, bounded in time.
ctl() {
  local ns=$1
  shift
  ip netns exec "$ns" timeout 60 "$SLUICECTL" "$@"
}

# ctl_up NS CONFIG: `sluicectl up CONFIG` in NS (the interface is the file's stem, stopped on exit).
ctl_up() {
  local ns=$1 config=$2 ifname
  ifname=$(basename "$config" .toml)
  CTL_INTERFACES+=("$ns $ifname")
  NET_FILES+=("/run/wireguard/$ifname.sock")
  ctl "$ns" up "$config" >/dev/null || net_fail "sluicectl up $config"
}

# ctl_localize EXAMPLE OUT SED_EXPRESSIONS...: a copy of a configs/ example whose key files live in
# $NET_TMP (each one generated: private keys and preshared keys are both 32 random bytes) and
# whose documentation addresses are replaced by the test's own, through the sed expressions.
ctl_localize() {
  local example=$1 out=$2 file
  shift 2
  local args=(-e "s|/etc/sluice/|$NET_TMP/|g")
  for expression in "$@"; do args+=(-e "$expression"); done
  sed "${args[@]}" "$example" >"$out"
  while IFS= read -r file; do
    [[ -f $file ]] || (umask 077 && wg genkey >"$file")
  done < <(sed -n 's/^[a-z_]*_file = "\(.*\)"/\1/p' "$out")
}

# ctl_public_key KEYFILE: the public key of a private key file.
ctl_public_key() {
  wg pubkey <"$1"
}

# ctl_set_peer_keys FILE KEY...: replaces the public_key of the [[peer]] sections in order.
ctl_set_peer_keys() {
  local file=$1
  shift
  local keys="$*"
  awk -v keys="$keys" 'BEGIN {n = split(keys, k, " "); i = 0}
    /^public_key = / {i++; if (i <= n) {print "public_key = \"" k[i] "\""; next}}
    {print}' "$file" >"$file.new" && mv "$file.new" "$file"
}

# ctl_forwarding NS: IP forwarding on in NS (a gateway or hub).
ctl_forwarding() {
  ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# ctl_expect_error NAME EXPECTED_FRAGMENT COMMAND...: the command must fail (not time out),
# printing exactly one line on stderr that contains EXPECTED_FRAGMENT, and nothing on stdout.
ctl_expect_error() {
  local name=$1 fragment=$2 status=0
  shift 2
  "$@" >"$NET_TMP/out" 2>"$NET_TMP/err" || status=$?
  ((status != 0)) || net_fail "$name: succeeded; expected an error"
  ((status != 124)) || net_fail "$name: timed out (a hang)"
  [[ $(wc -l <"$NET_TMP/err") -eq 1 ]] || { cat "$NET_TMP/err" >&2; net_fail "$name: expected one line on stderr"; }
  grep -qF -- "$fragment" "$NET_TMP/err" || { cat "$NET_TMP/err" >&2; net_fail "$name: expected '$fragment'"; }
  [[ ! -s $NET_TMP/out ]] || { cat "$NET_TMP/out" >&2; net_fail "$name: printed on stdout"; }
  net_log "$name: $(cat "$NET_TMP/err")"
}
