#!/usr/bin/env bash
# Interop test: sluice's protocol core (driven by sluice_handshake_probe over a plain UDP socket)
# against a real wireguard-go, in two network namespaces made for this run and joined by a veth pair.
#
#   1. IPv4 outer, no preshared key:   the probe initiates and pings through the tunnel.
#   2. IPv4 outer, with preshared key: wireguard-go initiates (ping from its side); the probe answers.
#   3. IPv6 outer, with preshared key: the probe initiates and pings through the tunnel.
# After each run, `wg show` on the wireguard-go side must report a handshake and traffic.
#
# Addresses exist only inside the two namespaces; nothing is sent anywhere else.
# Usage: wireguard_go_handshake.sh PATH/TO/sluice_handshake_probe
# Exit: 0 pass, 1 fail, 77 skipped (not root, or no /dev/net/tun or tools; never under CI=true).
set -euo pipefail

readonly SKIP=77
readonly PROBE=${1:?usage: $0 PATH/TO/sluice_handshake_probe}

skip_or_fail() {
  # In CI a missing prerequisite is a broken runner, not a reason to report green.
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAILED: $1 (CI=true, so this test may not be skipped)" >&2
    exit 1
  fi
  echo "*****************************************************************"
  echo "SKIPPED: $1"
  echo "*****************************************************************"
  exit "$SKIP"
}

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

[[ $(id -u) -eq 0 && -c /dev/net/tun ]] || skip_or_fail "needs root and /dev/net/tun"
for tool in ip wg wireguard-go ping timeout; do
  command -v "$tool" >/dev/null || skip_or_fail "needs $tool"
done
[[ -x "$PROBE" ]] || fail "probe $PROBE is not an executable"

# Per-run names: /run/wireguard/IFNAME.sock is shared by every namespace, and other tests or runs
# may be alive at the same time. Interface names are at most 15 characters.
readonly RUN=$$
readonly NS_A="sl-hs-$RUN-a"
readonly NS_B="sl-hs-$RUN-b"
readonly VETH_A="slhsa$RUN"
readonly VETH_B="slhsb$RUN"
readonly WG_IF="slhs$RUN"
readonly WG_SOCK="/run/wireguard/${WG_IF:0:15}.sock"
WORK=$(mktemp -d /tmp/sluice-hs.XXXXXX)
readonly WORK
WG_PID=""
PROBE_PID=""

# Waits up to $2 tenths of a second for process $1 to end; then kills it hard.
stop_process() {
  local pid=$1 tenths=$2
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < tenths; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  if [[ $rc -ne 0 && $rc -ne $SKIP ]]; then
    echo "---- wireguard-go log (last 40 lines) ----"
    tail -n 40 "$WORK/wireguard-go.log" 2>/dev/null
  fi
  [[ -n "$PROBE_PID" ]] && stop_process "$PROBE_PID" 20
  [[ -n "$WG_PID" ]] && stop_process "$WG_PID" 30
  # Anything still running inside our namespaces is ours (a namespace lives on while it has
  # processes); then deleting a namespace takes its veth end and the TUN device with it.
  local ns pid
  for ns in "$NS_A" "$NS_B"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null
    done
    ip netns del "$ns" 2>/dev/null
  done
  rm -f "$WG_SOCK"
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
wg_b() { in_b timeout 10 wg "$@"; }

# --- hosts -------------------------------------------------------------------------------------

ip netns add "$NS_A"
ip netns add "$NS_B"
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip -n "$NS_A" link add "$VETH_A" type veth peer name "$VETH_B" netns "$NS_B"
ip -n "$NS_A" addr add 10.200.7.1/24 dev "$VETH_A"
ip -n "$NS_B" addr add 10.200.7.2/24 dev "$VETH_B"
# nodad: the addresses are usable at once instead of after duplicate address detection.
ip -n "$NS_A" addr add fd00:200:7::1/64 dev "$VETH_A" nodad
ip -n "$NS_B" addr add fd00:200:7::2/64 dev "$VETH_B" nodad
ip -n "$NS_A" link set "$VETH_A" up
ip -n "$NS_B" link set "$VETH_B" up
# The kernel activates a veth's queue about a second after carrier comes up (linkwatch); until
# then it drops everything, so the first ARP/ND exchange or handshake could be lost. Wait for it.
for ((i = 0; i < 50; i++)); do
  grep -q "state UP" <<<"$(ip -n "$NS_A" -o link show dev "$VETH_A")" \
    && grep -q "state UP" <<<"$(ip -n "$NS_B" -o link show dev "$VETH_B")" && break
  sleep 0.1
done
# -c 1 -w 3: up to three tries, one a second, stopping at the first reply.
in_a timeout 5 ping -c 1 -w 3 10.200.7.2 >/dev/null || fail "veth path 10.200.7.1 -> 10.200.7.2 does not work"
in_a timeout 5 ping -c 1 -w 3 fd00:200:7::2 >/dev/null || fail "veth path fd00:200:7::1 -> fd00:200:7::2 does not work"

# --- keys ----------------------------------------------------------------------------------------

(
  umask 077
  wg genkey >"$WORK/a.key"
  wg genkey >"$WORK/b.key"
  wg genpsk >"$WORK/psk"
)
A_PUB=$(wg pubkey <"$WORK/a.key")
B_PUB=$(wg pubkey <"$WORK/b.key")
readonly A_PUB B_PUB

# --- wireguard-go in B -------------------------------------------------------------------------

[[ -e "$WG_SOCK" ]] && rm -f "$WG_SOCK"  # a stale socket of a dead run that had our pid
# Started directly, not through a shell function: a backgrounded function is a subshell, and $!
# would then name the subshell instead of wireguard-go, which cleanup must be able to stop.
ip netns exec "$NS_B" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=debug wireguard-go -f "$WG_IF" \
  >"$WORK/wireguard-go.log" 2>&1 &
WG_PID=$!
for ((i = 0; i < 50; i++)); do
  [[ -S "$WG_SOCK" ]] && break
  kill -0 "$WG_PID" 2>/dev/null || fail "wireguard-go exited at start"
  sleep 0.1
done
[[ -S "$WG_SOCK" ]] || fail "wireguard-go did not create $WG_SOCK within 5 s"
wg_b set "$WG_IF" private-key "$WORK/b.key" listen-port 51820 peer "$A_PUB" allowed-ips 10.99.0.1/32
ip -n "$NS_B" addr add 10.99.0.2/24 dev "$WG_IF"
ip -n "$NS_B" link set "$WG_IF" up

# Removing and re-adding the peer drops wireguard-go's sessions, so every run starts from nothing,
# as it does on our side where each run is a fresh probe.
reset_peer() {
  wg_b set "$WG_IF" peer "$A_PUB" remove
  wg_b set "$WG_IF" peer "$A_PUB" allowed-ips 10.99.0.1/32 "$@"
}

# wg show must report a handshake and bytes both ways for our peer.
check_wg_show() {
  local what=$1 handshake rx tx
  handshake=$(wg_b show "$WG_IF" latest-handshakes | awk -v k="$A_PUB" '$1 == k { print $2 }')
  read -r rx tx < <(wg_b show "$WG_IF" transfer | awk -v k="$A_PUB" '$1 == k { print $2, $3 }')
  echo "wg show ($what): latest-handshake=${handshake:-none} rx=${rx:-none} tx=${tx:-none}"
  [[ "${handshake:-0}" -gt 0 ]] || fail "$what: wireguard-go reports no handshake with us"
  [[ "${rx:-0}" -gt 0 && "${tx:-0}" -gt 0 ]] || fail "$what: wireguard-go reports no transfer (rx=$rx tx=$tx)"
}

# The probe in A with the arguments every run shares; --timeout bounds it, `timeout` bounds it again.
PROBE_CMD=(ip netns exec "$NS_A" timeout 30 "$PROBE" --private-key-file "$WORK/a.key" --peer-public-key "$B_PUB"
  --inner-address 10.99.0.1 --peer-inner-address 10.99.0.2 --timeout 20)
readonly PROBE_CMD

# --- 1: we initiate, IPv4, no preshared key ------------------------------------------------------

echo "== 1: sluice initiates over IPv4, no preshared key"
"${PROBE_CMD[@]}" --mode initiate --listen 10.200.7.1:51000 --peer-endpoint 10.200.7.2:51820 --count 5 \
  || fail "run 1: the probe could not handshake or ping through wireguard-go"
check_wg_show "run 1"

# --- 2: wireguard-go initiates, IPv4, preshared key ----------------------------------------------

echo "== 2: wireguard-go initiates (ping from its side) over IPv4, with preshared key"
reset_peer preshared-key "$WORK/psk" endpoint 10.200.7.1:51000
"${PROBE_CMD[@]}" --mode respond --listen 10.200.7.1:51000 --preshared-key-file "$WORK/psk" --expect-requests 3 \
  >"$WORK/probe2.log" 2>&1 &
PROBE_PID=$!
# The probe prints its first line once its socket is bound; before that, the ping would be lost.
for ((i = 0; i < 50; i++)); do
  grep -q "listening on" "$WORK/probe2.log" 2>/dev/null && break
  kill -0 "$PROBE_PID" 2>/dev/null || break
  sleep 0.1
done
ping_rc=0
in_b timeout 15 ping -c 3 -W 2 10.99.0.1 >"$WORK/ping2.log" 2>&1 || ping_rc=$?
probe_rc=0
wait "$PROBE_PID" || probe_rc=$?
PROBE_PID=""
cat "$WORK/probe2.log" "$WORK/ping2.log"
[[ $probe_rc -eq 0 ]] || fail "run 2: the probe did not answer wireguard-go's pings (exit $probe_rc)"
if [[ $ping_rc -ne 0 ]] || ! grep -q " 3 received" "$WORK/ping2.log"; then
  fail "run 2: ping from the wireguard-go side did not get 3/3 replies (exit $ping_rc)"
fi
check_wg_show "run 2"

# --- 3: we initiate, IPv6, preshared key ---------------------------------------------------------

echo "== 3: sluice initiates over IPv6, with preshared key"
reset_peer preshared-key "$WORK/psk"
"${PROBE_CMD[@]}" --mode initiate --listen "[fd00:200:7::1]:51000" --peer-endpoint "[fd00:200:7::2]:51820" \
  --preshared-key-file "$WORK/psk" --count 5 \
  || fail "run 3: the probe could not handshake or ping through wireguard-go over IPv6"
check_wg_show "run 3"
endpoints=$(wg_b show "$WG_IF" endpoints)
grep -qF "[fd00:200:7::1]:51000" <<<"$endpoints" \
  || fail "run 3: wireguard-go did not learn our IPv6 endpoint"

echo "PASSED: sluice core and wireguard-go interoperate" \
  "(both directions, with and without preshared key, IPv4 and IPv6)"
