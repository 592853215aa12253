#!/usr/bin/env bash
# The control-plane benchmark: in one run, on this machine, sluiced and today's wireguard-go side
# by side, for 1,000, 10,000 and 100,000 peers (each with an IPv4 /24, an IPv6 /64 and an
# endpoint): the time of `wg setconf`, of `wg show IFNAME dump` and of `wg syncconf` with one peer
# changed, resident memory per peer, and the ping RTT through the tunnel to a second, real peer
# (another namespace) while dumps run. Then the handshake rate of each daemon (and of Debian's
# wireguard-go): tools/handshake_load completes real handshakes from 1,000 peers, each from its
# own source address, and reads the CPU time the daemon and the tool used; with it the X25519
# operations a CPU second here and the bound they set on sluiced's responder (3 DH and 1 new key
# pair per handshake), against which each daemon's handshakes per CPU second are put ("of the
# bound"; wireguard-go's own X25519 is not libsodium's, so for it the ratio only compares), and
# what sluiced's responder core reaches of it in process, without I/O.
#
# Usage (as root): scripts/bench_control.sh [--sluiced PATH] [--load-tool PATH] [--wggo-upstream PATH]
#                    [--debian-wireguard-go PATH] [--peers N,N,...] [--handshake-seconds S]
#                    [--handshake-peers N] [--timeout S] [--json FILE] [--quick]
#   --wggo-upstream: today's wireguard-go (default: $SLUICE_WGGO_UPSTREAM, else
#     ../shared/baselines/wireguard-go-0.0.20250522 beside this checkout), as in bench.sh;
#     --debian-wireguard-go: the packaged one, only for the handshake rate ("" leaves it out).
#   --timeout: seconds any one wg command may take (600); one that takes longer is reported as "-".
#   --quick: 1,000 peers and 2 s of handshakes, to check that the script works, not to measure.
# The tools talk to the daemons through /run/wireguard/IFNAME.sock from here; all traffic stays
# in the namespaces made here. Everything it creates is removed on exit. Figures depend on what
# else the machine is doing: compare them only from an idle machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SLUICED=$here/../build/daemon/sluiced
LOAD_TOOL=$here/../build/tools/handshake_load
WGGO=${SLUICE_WGGO_UPSTREAM:-$here/../../shared/baselines/wireguard-go-0.0.20250522}
DEBIAN_WGGO=$(command -v wireguard-go || true)
PEER_COUNTS=1000,10000,100000
HS_SECONDS=5
HS_WARMUP=1
HS_PEERS=1000
DUMP_WINDOW=1
X25519_SECONDS=1
OP_TIMEOUT=600
JSON_OUT=""
while (($#)); do
  case $1 in
    --sluiced) SLUICED=$2; shift 2 ;;
    --load-tool) LOAD_TOOL=$2; shift 2 ;;
    --wggo-upstream) WGGO=$2; shift 2 ;;
    --debian-wireguard-go) DEBIAN_WGGO=$2; shift 2 ;;
    --peers) PEER_COUNTS=$2; shift 2 ;;
    --handshake-seconds) HS_SECONDS=$2; shift 2 ;;
    --handshake-peers) HS_PEERS=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --timeout) OP_TIMEOUT=$2; shift 2 ;;
    --quick) PEER_COUNTS=1000; HS_SECONDS=2; HS_WARMUP=0.5; DUMP_WINDOW=0.3; X25519_SECONDS=0.5; shift ;;
    -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "bench_control.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $OP_TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "bench_control.sh: --timeout takes whole seconds" >&2; exit 2; }
[[ $PEER_COUNTS =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "bench_control.sh: --peers takes counts like 1000,10000" >&2; exit 2; }
source "$here/../tests/net/lib.sh"
net_init bench_control
net_require_root
for tool in wg jq ping python3; do command -v "$tool" >/dev/null || net_fail "needs $tool"; done
[[ -x $SLUICED ]] || net_fail "no sluiced at $SLUICED (build first, or --sluiced PATH)"
[[ -x $LOAD_TOOL ]] || net_fail "no handshake_load at $LOAD_TOOL (build the handshake_load target, or --load-tool PATH)"
[[ -x $WGGO ]] || net_fail "no wireguard-go at $WGGO (--wggo-upstream PATH)"

# D runs the daemon under test; P the real peer that pings through the tunnel; H the load tool,
# which owns all of 10.202.0.0/16 (a local route) so that each of its peers has an address.
net_ns ns_d cd
net_ns ns_p cp
net_ns ns_h ch
net_veth "$ns_d" 10.200.60.1/24 "$ns_p" 10.200.60.2/24
net_veth "$ns_d" 10.200.61.1/24 "$ns_h" 10.200.61.2/24
ip -n "$ns_h" route add local 10.202.0.0/16 dev lo
ip -n "$ns_d" route add 10.202.0.0/16 via 10.200.61.2
net_keypair daemon
net_keypair real
DAEMON_PUB=$(cat "$NET_TMP/daemon.pub")
REAL_PUB=$(cat "$NET_TMP/real.pub")
net_config "$NET_TMP/real.toml" real 51821 172.31.250.2/24
net_config_peer "$NET_TMP/real.toml" daemon 10.200.60.1:51820 172.31.250.1/32

# elapsed START: seconds since START (an $EPOCHREALTIME), to the microsecond.
elapsed() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN {printf "%.6f", e - s}'; }

# younger_than START SECONDS: whether less than SECONDS have passed since START.
younger_than() { awk -v s="$1" -v e="$EPOCHREALTIME" -v w="$2" 'BEGIN {exit !(e - s < w)}'; }

# timed COMMAND...: the seconds COMMAND took (bounded by OP_TIMEOUT), or null if it failed.
timed() {
  local start=$EPOCHREALTIME
  if timeout "$OP_TIMEOUT" "$@" >/dev/null; then elapsed "$start"; else echo null; fi
}

# load_in_parts IFNAME FILE...: wg setconf of the first FILE, then wg addconf of each other one;
# the seconds it all took, or null if one failed.
load_in_parts() {
  local ifname=$1 first=$2 start=$EPOCHREALTIME part
  shift 2
  timeout "$OP_TIMEOUT" wg setconf "$ifname" "$first" || { echo null; return; }
  for part; do timeout "$OP_TIMEOUT" wg addconf "$ifname" "$part" || { echo null; return; }; done
  elapsed "$start"
}

# start_daemon KIND IFNAME LOG: sluiced, wggo (today's wireguard-go) or debian (the packaged one)
# in D, with no configuration; its pid goes to DAEMON_PID.
start_daemon() {
  local kind=$1 ifname=$2 log=$3
  NET_FILES+=("/run/wireguard/$ifname.sock")
  case $kind in
    sluiced) ip netns exec "$ns_d" "$SLUICED" -f "$ifname" >"$log" 2>&1 & ;;
    wggo) ip netns exec "$ns_d" env WG_PROCESS_FOREGROUND=1 "$WGGO" -f "$ifname" >"$log" 2>&1 & ;;
    debian) ip netns exec "$ns_d" env WG_PROCESS_FOREGROUND=1 "$DEBIAN_WGGO" -f "$ifname" >"$log" 2>&1 & ;;
  esac
  DAEMON_PID=$!
  NET_PIDS+=("$DAEMON_PID")
  net_wait_control "$ns_d" "$ifname" || { cat "$log" >&2; net_fail "$kind $ifname did not start"; }
  # wireguard-go opens its UDP port only once the link is up.
  ip -n "$ns_d" link set "$ifname" up
}

# write_configs N: $NET_TMP/N.conf, a wg config with the daemon's key, port 51820, N generated
# peers and the real peer; $NET_TMP/N-changed.conf, the same with one peer's IPv4 /24 moved; and
# $NET_TMP/N.conf.partK, the first in parts.
# Keys are random bytes (public keys need not belong to a private key here). Peer i has
# 100+i/65536.(i/256%256).(i%256).0/24, fd10:i/65536:i%65536::/64 and endpoint
# 10.201.(i/256%256).(i%256):(1024+i/65536), none of which anything is sent to.
write_configs() {
  python3 - "$1" "$NET_TMP/daemon.key" "$REAL_PUB" "$NET_TMP/$1.conf" "$NET_TMP/$1-changed.conf" <<'EOF'
import base64, os, sys
n, key_file, real_pub, out, changed_out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
with open(key_file) as f:
    private_key = f.read().strip()
keys = [base64.b64encode(os.urandom(32)).decode() for _ in range(n)]
def peer(i, v4=None):
    v4 = v4 or f"{100 + i // 65536}.{i // 256 % 256}.{i % 256}.0/24"
    return (f"[Peer]\nPublicKey = {keys[i]}\nAllowedIPs = {v4}, fd10:{i // 65536:x}:{i % 65536:x}::/64\n"
            f"Endpoint = 10.201.{i // 256 % 256}.{i % 256}:{1024 + i // 65536}\n\n")
peers = [peer(i) for i in range(n)]
head = f"[Interface]\nPrivateKey = {private_key}\nListenPort = 51820\n\n"
real = f"[Peer]\nPublicKey = {real_pub}\nAllowedIPs = 172.31.250.2/32\nEndpoint = 10.200.60.2:51821\n\n"
old_umask = os.umask(0o077)
with open(out, "w") as f:
    f.write(head + "".join(peers) + real)
# The last generated peer's /24 moves to 99.0.0.0/24, which no other peer has.
with open(changed_out, "w") as f:
    f.write(head + "".join(peers[:-1]) + peer(n - 1, "99.0.0.0/24") + real)
# The same peers in parts of 40,000 (about 7 MB as a set request each), for daemons that refuse
# the whole in one request: the first part with the interface for wg setconf, then wg addconf.
all_peers = peers + [real]
for part, first in enumerate(range(0, len(all_peers), 40000), start=1):
    with open(f"{out}.part{part}", "w") as f:
        f.write((head if part == 1 else "") + "".join(all_peers[first:first + 40000]))
os.umask(old_umask)
EOF
}

# ping_during_dumps IFNAME OUT: pings from P to the daemon's tunnel address every 10 ms while
# `wg show IFNAME dump` runs back to back (once, and again until DUMP_WINDOW seconds have
# passed); the dump times go to OUT.dumps (null for one that failed or timed out), the RTTs of
# pings sent while dumps ran to OUT.rtt, the length of that window to OUT.window.
ping_during_dumps() {
  local ifname=$1 out=$2 ping_pid start window_start count=0
  ip netns exec "$ns_p" timeout $((OP_TIMEOUT + 30)) ping -D -n -i 0.01 -W 5 172.31.250.1 >"$out.ping" 2>/dev/null &
  ping_pid=$!
  NET_PIDS+=("$ping_pid")
  sleep 0.2
  : >"$out.dumps"
  window_start=$EPOCHREALTIME
  while ((count == 0)) || younger_than "$window_start" "$DUMP_WINDOW"; do
    start=$EPOCHREALTIME
    timeout "$OP_TIMEOUT" wg show "$ifname" dump >"$out.dump" || { echo null >>"$out.dumps"; break; }
    printf '%s\n' "$(elapsed "$start")" >>"$out.dumps"
    count=$((count + 1))
    ((count < 50)) || break
  done
  elapsed "$window_start" >"$out.window"
  # Replies to the last pings of the window may still be on their way.
  sleep 1
  kill -INT "$ping_pid" 2>/dev/null || true
  wait "$ping_pid" 2>/dev/null || true
  # "[RECEIVED] 64 bytes from ...: icmp_seq=N ttl=64 time=RTT ms": sent at RECEIVED - RTT.
  awk -v s="$window_start" -v w="$(cat "$out.window")" -F'[][ =]+' '/time=/ {
      for (i = 1; i <= NF; i++) if ($i == "time") rtt = $(i + 1)
      sent = $2 - rtt / 1000
      if (sent >= s && sent <= s + w) print rtt
    }' "$out.ping" >"$out.rtt"
}

# measure_control KIND N: every control figure for one daemon and peer count, as one JSON object
# in $NET_TMP/control-KIND-N.json. A step that fails or times out (OP_TIMEOUT) is null, and the
# steps that need it are left out.
CONTROL_FILES=()
measure_control() {
  local kind=$1 n=$2 ifname="${NET_PREFIX}c${#CONTROL_FILES[@]}" real_if="${NET_PREFIX}r${#CONTROL_FILES[@]}"
  local out="$NET_TMP/control-$kind-$n" setconf setconf_parts=null syncconf=null rss_empty rss_full=null listed
  local real_pid note=""
  net_log "$kind, $n peers"
  start_daemon "$kind" "$ifname" "$out.log"
  ip -n "$ns_d" addr add 172.31.250.1/24 dev "$ifname"
  rss_empty=$(net_rss_kb "$DAEMON_PID")
  : >"$out.dumps"
  : >"$out.rtt"
  echo 0 >"$out.window"
  setconf=$(timed wg setconf "$ifname" "$NET_TMP/$n.conf" 2>>"$out.err")
  if [[ $setconf == null ]]; then
    # Why, from the daemon's log (wireguard-go says) or wg (sluiced closes the socket on a
    # request over its size limit, and wg dies of SIGPIPE); then the same peers in parts.
    # The first complaint names the cause; later ones follow from it.
    note=$(grep -ihE 'error|too many|unable|limit' "$out.log" "$out.err" | head -n 1 || true)
    note=${note:-"wg setconf failed with no message (sluiced: a request over its size limit)"}
    net_log "$kind: wg setconf of $n peers failed: $note; loading them in parts of 40,000"
    setconf_parts=$(load_in_parts "$ifname" "$NET_TMP/$n.conf".part* 2>>"$out.err")
  fi
  if [[ $setconf != null || $setconf_parts != null ]]; then
    listed=$(wg show "$ifname" peers | wc -l)
    ((listed == n + 1)) || net_fail "$kind lists $listed peers after setconf, not $((n + 1))"
    net_start_sluiced "$ns_p" "$real_if" "$NET_TMP/real.toml" "$out.real.log"
    real_pid=${NET_PIDS[-1]}
    net_wait_for 15 ip netns exec "$ns_p" ping -c 1 -W 1 172.31.250.1 || net_fail "$kind: no ping through the tunnel"
    rss_full=$(net_rss_kb "$DAEMON_PID")
    ping_during_dumps "$ifname" "$out"
    if ! grep -q null "$out.dumps"; then
      [[ $(wc -l <"$out.dump") == $((n + 2)) ]] || net_fail "$kind: the dump does not list every peer"
    fi
    syncconf=$(timed wg syncconf "$ifname" "$NET_TMP/$n-changed.conf")
    if [[ $syncconf != null ]]; then
      wg show "$ifname" allowed-ips >"$out.allowed"
      grep -q '99\.0\.0\.0/24' "$out.allowed" || net_fail "$kind: syncconf did not change the peer"
    fi
    net_stop "$real_pid" || true
  fi
  net_stop "$DAEMON_PID" || true
  CONTROL_FILES+=("$out.json")
  jq -n --arg daemon "$kind" --argjson peers "$n" --argjson setconf "$setconf" --argjson setconf_parts "$setconf_parts" \
    --arg note "$note" --argjson syncconf "$syncconf" \
    --argjson rss_empty "$rss_empty" --argjson rss_full "$rss_full" --argjson window "$(cat "$out.window")" \
    --rawfile dumps "$out.dumps" --rawfile rtt "$out.rtt" '
    def numbers: split("\n") | map(select(length > 0) | fromjson);
    def round3: if . == null then null else (. * 1000 | round) / 1000 end;
    ($dumps | numbers) as $d | ($rtt | numbers | sort) as $r |
    {daemon: $daemon, peers: $peers, setconf_s: ($setconf | round3), setconf_parts_s: ($setconf_parts | round3),
     setconf_failure: (if $note == "" then null else $note end),
     dump_s: (if ($d | length) == 0 or ($d | any(. == null)) then null else ($d | sort | .[(length - 1) / 2 | floor] | round3) end),
     dumps: ($d | length), syncconf_s: ($syncconf | round3),
     rss_kb: $rss_full,
     rss_bytes_per_peer: (if $rss_full == null then null else (($rss_full - $rss_empty) * 1024 / $peers | round) end),
     dump_window_s: ($window | round3), pings_during_dumps: ($r | length),
     ping_avg_ms: (if ($r | length) == 0 then null else ($r | add / length | round3) end),
     ping_max_ms: (if ($r | length) == 0 then null else $r[-1] end)}' >"$out.json"
}

# measure_handshakes KIND: the load tool's figures against a daemon configured with the tool's
# peers, as JSON in $NET_TMP/handshake-KIND.json.
HANDSHAKE_FILES=()
measure_handshakes() {
  local kind=$1 ifname="${NET_PREFIX}h${#HANDSHAKE_FILES[@]}" out="$NET_TMP/handshake-$1" line
  net_log "$kind, handshakes from $HS_PEERS peers for $HS_SECONDS s"
  start_daemon "$kind" "$ifname" "$out.log"
  { printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n\n' "$(cat "$NET_TMP/daemon.key")"; cat "$NET_TMP/load-peers.conf"; } >"$out.conf"
  timeout "$OP_TIMEOUT" wg setconf "$ifname" "$out.conf" || net_fail "$kind: wg setconf of the load peers failed"
  line=$(ip netns exec "$ns_h" timeout $((OP_TIMEOUT + 30)) "$LOAD_TOOL" run --target 10.200.61.1:51820 \
    --public-key "$DAEMON_PUB" --peers "$HS_PEERS" --source-first 10.202.0.1 --daemon-pid "$DAEMON_PID" \
    --warmup "$HS_WARMUP" --duration "$HS_SECONDS") || net_fail "$kind: handshake_load failed"
  net_stop "$DAEMON_PID" || true
  HANDSHAKE_FILES+=("$out.json")
  jq -Rn --arg daemon "$kind" 'input | split(" ") | map(split("=") | {(.[0]): (.[1] | tonumber)}) | add |
    {daemon: $daemon} + .' <<<"$line" >"$out.json"
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
IFS=, read -ra counts <<<"$PEER_COUNTS"
for n in "${counts[@]}"; do
  write_configs "$n"
  for kind in sluiced wggo; do measure_control "$kind" "$n"; done
done

"$LOAD_TOOL" keys --peers "$HS_PEERS" >"$NET_TMP/load-peers.conf"
x25519=$("$LOAD_TOOL" x25519 --seconds "$X25519_SECONDS")
for kind in sluiced wggo ${DEBIAN_WGGO:+debian}; do measure_handshakes "$kind"; done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

report=$(jq -n --arg started "$started" --arg load_before "$load_before" --arg load_after "$load_after" \
  --arg kernel "$(uname -r)" --arg cpus "$(nproc)" --arg wggo "$WGGO" --arg debian "$DEBIAN_WGGO" \
  --arg x25519 "$x25519" --argjson hs_seconds "$HS_SECONDS" --argjson hs_peers "$HS_PEERS" \
  --slurpfile control <(cat "${CONTROL_FILES[@]}") --slurpfile handshakes <(cat "${HANDSHAKE_FILES[@]}") '
  ($x25519 | split(" ") | map(split("=") | {(.[0]): (.[1] | tonumber)}) | add) as $x |
  {started: $started, kernel: $kernel, cpus: ($cpus | tonumber), loadavg_before: $load_before,
   loadavg_after: $load_after, wireguard_go: $wggo, debian_wireguard_go: $debian,
   x25519: $x, handshake_seconds: $hs_seconds, handshake_peers: $hs_peers,
   control: $control, handshakes: $handshakes}')
[[ -z $JSON_OUT ]] || printf '%s\n' "$report" >"$JSON_OUT"

jq -r '"started \(.started), kernel \(.kernel), \(.cpus) CPUs, load average \(.loadavg_before) before, \(.loadavg_after) after",
  "wireguard-go: \(.wireguard_go); Debian wireguard-go: \(if .debian_wireguard_go == "" then "not measured" else .debian_wireguard_go end)"' <<<"$report"
echo
jq -r '
  def f: if . == null then "-" else tostring end;
  def pair(key): [.[0][key], .[1][key]] | map(f);
  (["peers", "figure", "sluiced", "wireguard-go"] | @tsv),
  (.control | group_by(.peers)[] | sort_by(.daemon != "sluiced") as $p | $p[0].peers as $n |
    ([$n, "wg setconf s"] + ($p | pair("setconf_s"))),
    (if ($p | any(.setconf_s == null)) then ["", "  in parts of 40,000 (setconf + addconf) s"] + ($p | pair("setconf_parts_s")) else empty end),
    (["", "wg show dump s"] + ($p | pair("dump_s"))),
    (["", "wg syncconf s (1 peer changed)"] + ($p | pair("syncconf_s"))),
    (["", "RSS bytes/peer"] + ($p | pair("rss_bytes_per_peer"))),
    (["", "RSS MB"] + ($p | map(if .rss_kb == null then "-" else .rss_kb / 1024 | round | tostring end))),
    (["", "dumps, seconds of dumping"] + ($p | map("\(.dumps), \(.dump_window_s)"))),
    (["", "pings answered during dumps"] + ($p | pair("pings_during_dumps"))),
    (["", "ping during dumps avg ms"] + ($p | pair("ping_avg_ms"))),
    (["", "ping during dumps max ms"] + ($p | pair("ping_max_ms"))) | @tsv)' <<<"$report" | column -t -s $'\t'
jq -r '.control[] | select(.setconf_failure != null) | "\(.daemon), \(.peers) peers: wg setconf failed: \(.setconf_failure)"' <<<"$report"
echo
jq -r '"X25519 on one core: \(.x25519.x25519_variable_per_s) DH/s, \(.x25519.x25519_fixed_per_s) new key pairs/s (per CPU second); bound for sluiced (3 DH + 1 key pair per handshake): \(.x25519.responder_bound_per_s) handshakes per CPU second",
  "sluiced'"'"'s responder core in process (tunnel::Device, no I/O, no cookie checks): \(.x25519.core_per_cpu_s) handshakes per CPU second, \(.x25519.core_of_bound * 100 | round) % of the bound",
  "handshakes from \(.handshake_peers) peers for \(.handshake_seconds) s (CPU: share of one core):"' <<<"$report"
jq -r '
  def f: if . == null then "-" else tostring end;
  .x25519.responder_bound_per_s as $bound |
  (["daemon", "handshakes/s", "per daemon CPU-s", "of the bound", "daemon CPU", "tool CPU", "answer ms", "cookie replies", "timeouts"] | @tsv),
  (.handshakes[] | [.daemon, (.rate | f), (.per_daemon_cpu_s | f),
                    (if .per_daemon_cpu_s == null or $bound == 0 then "-" else "\(.per_daemon_cpu_s / $bound * 100 | round) %" end),
                    (.daemon_cpu_share | f), (.tool_cpu_share | f), (.answer_ms | f), (.cookie_replies | f), (.timeouts | f)] | @tsv)' \
  <<<"$report" | column -t -s $'\t'
