# shellcheck shell=bash
# Shared helpers for the network-namespace tests and the demo. Source it, then call net_init.
#
# Safety: traffic only ever goes to addresses inside namespaces created here (10.200.x.y on veth,
# inner tunnel addresses, fd00:200::/32); everything created is removed on exit, on every path.

NET_SKIP=77
NET_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NET_NAMESPACES=()
NET_PIDS=()
NET_FILES=()
NET_USERS=()
NET_MOUNTS=()

net_log() { printf '[%s] %s\n' "${NET_TEST_NAME:-net}" "$*" >&2; }

net_fail() {
  net_log "FAIL: $*"
  exit 1
}

# Needs root and /dev/net/tun. Outside CI a missing one skips loudly; in CI it fails.
net_require_root() {
  local why=""
  [[ $(id -u) -eq 0 ]] || why="needs root"
  [[ -c /dev/net/tun ]] || why="${why:+$why and }needs /dev/net/tun"
  if [[ -n $why ]]; then
    if [[ ${CI:-} == true ]]; then net_fail "$why (CI must run network tests)"; fi
    echo "SKIPPED: ${NET_TEST_NAME:-network test} $why" >&2
    exit "$NET_SKIP"
  fi
}

net_cleanup() {
  local pid ns f user
  for pid in "${NET_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${NET_PIDS[@]}"; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for ns in "${NET_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  for f in "${NET_MOUNTS[@]}"; do umount -l "$f" 2>/dev/null || true; done
  for f in "${NET_FILES[@]}"; do rm -rf "$f"; done
  for user in "${NET_USERS[@]}"; do userdel "$user" 2>/dev/null || true; done
}

# net_init NAME: a unique prefix per run, and the exit trap. The prefix starts with NET_TAG when
# the test sets one first (two letters, so that its namespaces and links say whose they are).
net_init() {
  NET_TEST_NAME=$1
  NET_PREFIX="${NET_TAG:-sl}$(printf '%04x' $(( ($$ + RANDOM) % 65536 )))"
  NET_TMP=$(mktemp -d "/tmp/sluice-$1.XXXXXX")
  NET_FILES+=("$NET_TMP")
  trap net_cleanup EXIT
  trap 'exit 130' INT TERM
}

# net_private_mounts "$0" "$@": runs the test again in a mount namespace of its own (once), so that
# what it mounts is never seen by the host and goes away with the test's last process. Call it
# before net_init.
net_private_mounts() {
  [[ -n ${SLUICE_PRIVATE_MOUNTS:-} ]] && return 0
  exec env SLUICE_PRIVATE_MOUNTS=1 unshare --mount --propagation private bash "$@"
}

# net_bpffs VAR: a bpffs of this run's own, under NET_TMP (after net_private_mounts), unmounted on
# exit; its path goes to VAR.
net_bpffs() {
  local dir="$NET_TMP/bpffs"
  mkdir "$dir"
  mount -t bpf bpf "$dir" || net_fail "cannot mount a bpffs at $dir"
  NET_MOUNTS+=("$dir")
  printf -v "$1" '%s' "$dir"
}

# net_greeters NS PORT...: a TCP server in NS on each PORT, for IPv4 and IPv6, that answers
# "hello-PORT" to every connection, stopped on exit; returns once each listens.
net_greeters() {
  local ns=$1 port
  shift
  for port in "$@"; do
    ip netns exec "$ns" socat "TCP6-LISTEN:$port,ipv6only=0,reuseaddr,fork" "SYSTEM:echo hello-$port" 2>/dev/null &
    NET_PIDS+=($!)
    net_wait_for 5 bash -c "ip netns exec '$ns' ss -ltn | grep -q ':$port '" || net_fail "no server on port $port in $ns"
  done
}

# net_status_field PID NAME: the value of one /proc/PID/status line, tabs squeezed to spaces.
net_status_field() { awk -v name="$2:" '$1 == name {$1 = ""; sub(/^ /, ""); print}' "/proc/$1/status"; }

# net_user VAR: a system account of this run's own (no home, no shell), removed on exit; its name
# goes to VAR.
net_user() {
  local name="${NET_PREFIX}u"
  useradd --system --no-create-home --shell /usr/sbin/nologin "$name" || net_fail "cannot create user $name"
  NET_USERS+=("$name")
  printf -v "$1" '%s' "$name"
}

# net_ns VAR NAME: creates namespace ${NET_PREFIX}-NAME with loopback up and stores its name in
# VAR. (Not "$(net_ns ...)": a subshell would lose the registration that cleanup relies on.)
net_ns() {
  local ns="${NET_PREFIX}-$2"
  NET_NAMESPACES+=("$ns")
  ip netns add "$ns" || net_fail "cannot create namespace $ns"
  ip -n "$ns" link set lo up
  printf -v "$1" '%s' "$ns"
}

# net_veth NS_A ADDR_A NS_B ADDR_B [ADDR6_A ADDR6_B]: a veth pair between two namespaces.
net_veth() {
  local a=$1 addr_a=$2 b=$3 addr_b=$4 addr6_a=${5:-} addr6_b=${6:-}
  local ia="${NET_PREFIX}a$RANDOM" ib="${NET_PREFIX}b$RANDOM"
  ia=${ia:0:15}
  ib=${ib:0:15}
  ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b" || net_fail "cannot create veth"
  ip -n "$a" addr add "$addr_a" dev "$ia"
  ip -n "$b" addr add "$addr_b" dev "$ib"
  if [[ -n $addr6_a ]]; then
    ip -n "$a" addr add "$addr6_a" dev "$ia" nodad
    ip -n "$b" addr add "$addr6_b" dev "$ib" nodad
  fi
  ip -n "$a" link set "$ia" up
  ip -n "$b" link set "$ib" up
  # A fresh veth drops packets until both ends report UP (about a second).
  net_wait_for 10 bash -c "ip -n '$a' link show '$ia' | grep -q 'state UP' && ip -n '$b' link show '$ib' | grep -q 'state UP'" ||
    net_fail "veth $ia/$ib did not come up"
}

# net_keypair NAME: writes $NET_TMP/NAME.key and NAME.pub.
net_keypair() {
  # umask 077: the private key is never readable by others, not even for a moment (and wg genkey
  # stops warning about it).
  (umask 077 && wg genkey >"$NET_TMP/$1.key")
  wg pubkey <"$NET_TMP/$1.key" >"$NET_TMP/$1.pub"
  chmod 600 "$NET_TMP/$1.key"
}

# net_pair NAME SUBNET: namespaces NAME-a (10.200.SUBNET.1) and NAME-b (10.200.SUBNET.2) joined by
# a veth pair, with a key pair for each side (net_keypair NAMEa, NAMEb); sets ${NAME}_a and
# ${NAME}_b to the namespace names.
net_pair() {
  local name=$1 subnet=$2
  net_ns "${name}_a" "${name}a"
  net_ns "${name}_b" "${name}b"
  local -n ns_a="${name}_a" ns_b="${name}_b"
  net_veth "$ns_a" "10.200.$subnet.1/24" "$ns_b" "10.200.$subnet.2/24"
  net_keypair "${name}a"
  net_keypair "${name}b"
}

# net_toml_list A,B,...: the TOML array ["A", "B", ...].
net_toml_list() {
  local IFS=,
  local -a items
  read -ra items <<<"$1"
  local out="" item
  for item in "${items[@]}"; do out+="${out:+, }\"$item\""; done
  printf '[%s]' "$out"
}

# net_config FILE KEY PORT ADDRESSES [LINE...]: writes FILE, an [interface] with the private key
# of net_keypair KEY, the listen PORT (none if empty), the comma-separated ADDRESSES and any
# further LINEs (say 'user = "sluice"'). Peers are added by net_config_peer.
net_config() {
  local file=$1 key=$2 port=$3 addresses=$4
  shift 4
  {
    printf '[interface]\nprivate_key_file = "%s"\n' "$NET_TMP/$key.key"
    [[ -z $port ]] || printf 'listen_port = %s\n' "$port"
    printf 'address = %s\n' "$(net_toml_list "$addresses")"
    (($# == 0)) || printf '%s\n' "$@"
  } >"$file"
}

# net_config_peer FILE PEER ENDPOINT ALLOWED_IPS [LINE...]: appends to FILE a [[peer]] with the
# public key of net_keypair PEER, the ENDPOINT (none if empty), the comma-separated ALLOWED_IPS
# and any further LINEs.
net_config_peer() {
  local file=$1 peer=$2 endpoint=$3 allowed=$4
  shift 4
  {
    printf '\n[[peer]]\npublic_key = "%s"\n' "$(cat "$NET_TMP/$peer.pub")"
    [[ -z $endpoint ]] || printf 'endpoint = "%s"\n' "$endpoint"
    printf 'allowed_ips = %s\n' "$(net_toml_list "$allowed")"
    (($# == 0)) || printf '%s\n' "$@"
  } >>"$file"
}

# net_wait_for TIMEOUT_S COMMAND...: polls until the command succeeds.
net_wait_for() {
  local timeout=$1
  shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# net_start_sluiced NS IFNAME CONFIG LOG [OPTION...]: sluiced in the foreground, in the background
# of this script, with any further OPTIONs (say -v).
net_start_sluiced() {
  local ns=$1 ifname=$2 config=$3 log=$4
  shift 4
  ip netns exec "$ns" "$SLUICED" -f "$@" --config "$config" "$ifname" >"$log" 2>&1 &
  NET_PIDS+=($!)
  NET_FILES+=("/run/wireguard/$ifname.sock")
  net_wait_control "$ns" "$ifname" || { cat "$log" >&2; net_fail "sluiced $ifname did not start"; }
}

# net_ping NS ADDRESS [COUNT]: bounded ping; succeeds if at least one reply came back.
net_ping() {
  ip netns exec "$1" ping -c "${3:-3}" -i 0.2 -W 2 "$2"
}

# net_iperf_server NS ADDRESS: a one-shot iperf3 server, ready when this returns.
net_iperf_server() {
  ip netns exec "$1" iperf3 -s -1 -B "$2" >/dev/null 2>&1 &
  NET_PIDS+=($!)
  net_wait_for 5 bash -c "ip netns exec '$1' ss -ltn | grep -q ':5201 '" || net_fail "iperf3 server did not start"
}

# net_iperf_rate FILE: the receiver's rate from iperf3 output made with -f m, e.g. "512 Mbits/sec".
net_iperf_rate() {
  awk '/receiver/ {for (i = 1; i <= NF; i++) if ($i ~ /bits\/sec/) {print $(i-1), $i; exit}}' "$1"
}

# net_udp_burst SENDER_NS RECEIVER_NS ADDRESS COMMAND...: 2,000 numbered 1000-byte UDP datagrams
# in bursts (udp_burst.py) from SENDER_NS to ADDRESS port 5400 in RECEIVER_NS; fails unless they
# arrive whole and in order, all but 5 % at most. COMMAND prints how many packets the receiving
# side's device has taken so far. Sets NET_BURST_RECEIVED and NET_BURST_WRITES (what the burst
# added to that count), and logs them.
net_udp_burst() {
  local sender=$1 receiver=$2 address=$3 count=2000 before out pid damaged disorder
  shift 3
  out=$NET_TMP/udp-burst.txt
  before=$("$@")
  ip netns exec "$receiver" timeout 20 python3 "$NET_LIB_DIR/udp_burst.py" receive "$address" 5400 $count 1000 >"$out" &
  pid=$!
  NET_PIDS+=("$pid")
  net_wait_for 5 grep -q ready "$out" || net_fail "UDP burst receiver did not start"
  ip netns exec "$sender" timeout 20 python3 "$NET_LIB_DIR/udp_burst.py" send "$address" 5400 $count 1000 ||
    net_fail "UDP burst sender failed"
  wait "$pid" || net_fail "UDP burst receiver failed"
  NET_BURST_WRITES=$(($("$@") - before))
  read -r _ NET_BURST_RECEIVED _ damaged _ disorder <<<"$(tail -n 1 "$out")"
  net_log "UDP burst to $address: $NET_BURST_RECEIVED of $count datagrams arrived ($damaged damaged," \
    "$disorder out of order) in $NET_BURST_WRITES device writes"
  ((damaged == 0 && disorder == 0)) || net_fail "UDP datagrams to $address damaged or reordered"
  ((NET_BURST_RECEIVED >= count * 95 / 100)) || net_fail "UDP burst: only $NET_BURST_RECEIVED of $count arrived"
}

# --- Helpers for the wg-tool, wireguard-go, restart and lifecycle tests -------------------------
# The pid of the process each starter launches is the last entry of NET_PIDS ("${NET_PIDS[-1]}").

# net_wg NS ARGS...: the stock wg tool inside namespace NS, bounded in time.
net_wg() {
  local ns=$1
  shift
  ip netns exec "$ns" timeout 10 wg "$@"
}

# net_wait_control NS IFNAME: waits (10 s at most) until the control socket answers `wg show`. The
# socket file alone is not enough: a daemon killed with SIGKILL leaves a stale one behind, which
# the next daemon replaces only once it is up.
net_wait_control() {
  net_wait_for 10 net_wg "$1" show "$2"
}

# net_start_sluiced_bare NS IFNAME LOG: sluiced without a config file; keys, peers, addresses and
# link state come afterwards from wg and ip, as with wg-quick.
net_start_sluiced_bare() {
  local ns=$1 ifname=$2 log=$3
  ip netns exec "$ns" "$SLUICED" -f "$ifname" >"$log" 2>&1 &
  NET_PIDS+=($!)
  NET_FILES+=("/run/wireguard/$ifname.sock")
  net_wait_control "$ns" "$ifname" || { cat "$log" >&2; net_fail "sluiced $ifname did not start"; }
}

# net_start_wireguard_go NS IFNAME LOG [BINARY]: wireguard-go (Debian's unless BINARY names
# another build) in the foreground, in the background of this script, ready for `wg set` when this
# returns. Started directly (not in a subshell) so that the pid recorded is wireguard-go's own and
# cleanup stops the right process.
net_start_wireguard_go() {
  local ns=$1 ifname=$2 log=$3 binary=${4:-wireguard-go}
  NET_FILES+=("/run/wireguard/$ifname.sock")
  ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 "$binary" -f "$ifname" >"$log" 2>&1 &
  NET_PIDS+=($!)
  net_wait_control "$ns" "$ifname" || { cat "$log" >&2; net_fail "wireguard-go $ifname did not start"; }
}

# net_wait_exit PID TIMEOUT_S: waits until process PID (a child of this shell) has ended; fails
# on timeout. Bash reaps its children as they end, so `kill -0` stops succeeding at once.
net_wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# net_stop PID: SIGTERM and a bounded wait (5 s); SIGKILL if it is still there. Prints nothing;
# returns the process's exit status when it stopped by itself, 137 when it had to be killed.
net_stop() {
  local pid=$1 status=0
  kill -TERM "$pid" 2>/dev/null || true
  if ! net_wait_exit "$pid" 5; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 137
  fi
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}

# net_peer_field NS IFNAME PUBKEY FIELD: one field of a peer's line in `wg show IFNAME dump`
# (1 public key, 2 preshared key, 3 endpoint, 4 allowed ips, 5 latest handshake, 6 rx bytes,
# 7 tx bytes, 8 persistent keepalive).
net_peer_field() {
  net_wg "$1" show "$2" dump | awk -F'\t' -v key="$3" -v field="$4" 'NR > 1 && $1 == key {print $field}'
}

# net_has_handshake NS IFNAME PUBKEY: the peer has a handshake and traffic both ways.
net_has_handshake() {
  local dump
  dump=$(net_wg "$1" show "$2" dump | awk -F'\t' -v key="$3" 'NR > 1 && $1 == key')
  [[ -n $dump ]] && awk -F'\t' '{exit !($5 > 0 && $6 > 0 && $7 > 0)}' <<<"$dump"
}

# net_iperf SERVER_NS ADDRESS CLIENT_NS OUT [IPERF3_ARGS...]: iperf3 TCP for 3 s from CLIENT_NS to
# ADDRESS (in SERVER_NS); the output goes to OUT, the receiver's rate is printed.
net_iperf() {
  local server=$1 address=$2 client=$3 out=$4 server_pid
  shift 4
  net_iperf_server "$server" "$address"
  server_pid=${NET_PIDS[-1]}
  ip netns exec "$client" timeout 20 iperf3 -c "$address" -t 3 -f m "$@" >"$out" || return 1
  # The one-shot server must be gone before the next one binds the same port in this namespace.
  net_wait_exit "$server_pid" 5 || return 1
  net_iperf_rate "$out"
}

# --- Helpers for the fault, soak and flood tests ----------------------------------------------

# net_relay_path VAR NAME LEFT RIGHT: namespaces ${NAME}a -- ${NAME}r -- ${NAME}b on two veth
# pairs: A is 10.200.LEFT.1, the relay R is 10.200.LEFT.2 and 10.200.RIGHT.2, B is 10.200.RIGHT.1.
# Sets ${VAR}_a, ${VAR}_r and ${VAR}_b to the namespace names. There is no routing through R:
# A's peer endpoint is the relay's listening address 10.200.LEFT.2:40000, B's is the relay's
# upstream address 10.200.RIGHT.2:40001, and only the relay carries datagrams between them.
net_relay_path() {
  local var=$1 name=$2 left=$3 right=$4
  net_ns "${var}_a" "${name}a"
  net_ns "${var}_r" "${name}r"
  net_ns "${var}_b" "${name}b"
  local -n ns_a="${var}_a" ns_r="${var}_r" ns_b="${var}_b"
  net_veth "$ns_a" "10.200.$left.1/24" "$ns_r" "10.200.$left.2/24"
  net_veth "$ns_b" "10.200.$right.1/24" "$ns_r" "10.200.$right.2/24"
}

# net_start_relay NS LEFT RIGHT PORT_B LOG [FAULT_RELAY_ARGS...]: $FAULT_RELAY in the relay
# namespace of net_relay_path, forwarding to B's port PORT_B; its pid is "${NET_PIDS[-1]}".
net_start_relay() {
  local ns=$1 left=$2 right=$3 port_b=$4 log=$5
  shift 5
  ip netns exec "$ns" "$FAULT_RELAY" --listen "10.200.$left.2:40000" --upstream "10.200.$right.2:40001" \
    --target "10.200.$right.1:$port_b" "$@" 2>"$log" &
  NET_PIDS+=($!)
  net_wait_for 5 bash -c "ip netns exec '$ns' ss -lun | grep -q '10.200.$left.2:40000'" ||
    { cat "$log" >&2; net_fail "fault_relay did not start"; }
}

# net_ping_count NS ADDRESS COUNT INTERVAL: the number of echo replies received (duplicates
# not counted), for COUNT pings INTERVAL seconds apart, each waited for at most 1 s.
net_ping_count() {
  # ping fails when nothing comes back; that is a count of 0, not an error.
  { ip netns exec "$1" ping -q -n -c "$3" -i "$4" -W 1 "$2" 2>/dev/null || true; } |
    awk '/packets transmitted/ {for (i = 1; i <= NF; i++) if ($i ~ /^received/) {print $(i-1); exit}}'
}

# net_rss_kb PID: resident memory of a process in kB.
net_rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# --- Key material in logs -----------------------------------------------------------------------

# net_key_hex KEY: a base64 key in lower-case hex.
net_key_hex() { base64 -d <<<"$1" | od -An -tx1 -v | tr -d ' \n'; }

# net_key_forms KEY: text that any leak of KEY would contain: 12-character windows of its base64
# form and 16-digit windows of its hex form (either case), 8 apart, so any quoted run of 20 or
# more base64 characters or 24 or more hex digits of the key holds one of them.
net_key_forms() {
  local b64=${1%=} h i w
  h=$(net_key_hex "$1")
  for ((i = 0; i + 12 <= ${#b64}; i += 8)); do printf '%s\n' "${b64:i:12}"; done
  printf '%s\n' "${b64: -12}"
  for ((i = 0; i + 16 <= ${#h}; i += 8)); do
    w=${h:i:16}
    printf '%s\n%s\n' "$w" "${w^^}"
  done
}

# net_contains_secret FILE KEY...: prints the first window of one of the KEYs that FILE holds;
# fails if it holds none.
net_contains_secret() {
  local file=$1 secret form
  shift
  for secret in "$@"; do
    while read -r form; do
      if grep -qF -- "$form" "$file"; then
        echo "$form"
        return 0
      fi
    done < <(net_key_forms "$secret")
  done
  return 1
}
