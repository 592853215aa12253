# Shared helpers for the network-namespace tests and the demo. Source it, then call net_init.
#
# Safety: traffic only ever goes to addresses inside namespaces created here (10.200.x.y on veth,
# inner tunnel addresses, fd00:200::/32); everything created is removed on exit, on every path.

NET_SKIP=77
NET_NAMESPACES=()
NET_PIDS=()
NET_FILES=()

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
  local pid ns f
  for pid in "${NET_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${NET_PIDS[@]}"; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for ns in "${NET_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  for f in "${NET_FILES[@]}"; do rm -rf "$f"; done
}

# net_init NAME: a unique prefix per run, and the exit trap.
net_init() {
  NET_TEST_NAME=$1
  NET_PREFIX="sl$(printf '%04x' $(( ($$ + RANDOM) % 65536 )))"
  NET_TMP=$(mktemp -d "/tmp/sluice-$1.XXXXXX")
  NET_FILES+=("$NET_TMP")
  trap net_cleanup EXIT
  trap 'exit 130' INT TERM
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
  wg genkey >"$NET_TMP/$1.key"
  wg pubkey <"$NET_TMP/$1.key" >"$NET_TMP/$1.pub"
  chmod 600 "$NET_TMP/$1.key"
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

# net_start_sluiced NS IFNAME CONFIG LOG: sluiced in the foreground, in the background of this script.
net_start_sluiced() {
  local ns=$1 ifname=$2 config=$3 log=$4
  ip netns exec "$ns" "$SLUICED" -f --config "$config" "$ifname" >"$log" 2>&1 &
  NET_PIDS+=($!)
  NET_FILES+=("/run/wireguard/$ifname.sock")
  net_wait_for 10 test -S "/run/wireguard/$ifname.sock" || { cat "$log" >&2; net_fail "sluiced $ifname did not start"; }
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
