#!/usr/bin/env bash
# The data-path benchmark: in one run, on this machine, over two namespaces joined by veth,
# measures raw veth, wireguard-go <-> wireguard-go (Debian's package, and today's upstream build
# when there is one), sluiced <-> sluiced, sluiced <-> Debian's wireguard-go (each way) and an L2
# segment between two sluiced (l2: hosts on two bridges, VXLAN inside the tunnel): iperf3 TCP with 1 and 4 streams, iperf3 UDP at a fixed offered load (with loss),
# 64-byte UDP packets per second, and ping RTT (min/avg/p99); for TCP×1 also the CPU time the
# two tunnel daemons spent per GB carried. Prints a table with the ratios sluice / wireguard-go
# (each build), sluice / raw veth and l2 / sluice.
#
# Usage (as root): scripts/bench.sh [--sluiced PATH] [--wggo-upstream PATH] [--duration S]
#                                   [--udp-rate RATE] [--pings N] [--repeat N] [--json FILE]
#                                   [--perf DIR] [--quick] [--only SETUPS] [--hub-peers N]
#   --wggo-upstream: today's wireguard-go (default: $SLUICE_WGGO_UPSTREAM, else
#     ../shared/baselines/wireguard-go-0.0.20250522 beside this checkout, when it exists).
#   --repeat N: TCP×1 N times per setup, the median reported (the JSON has every run): on a small
#     machine that also runs both iperf3 ends, single runs spread by ±15 %.
#   --quick: 1 s per measurement and 20 pings, to check that the script works, not to measure.
#   --extra-peers N: N more peers (idle, never handshaking, each with an IPv4 /25, an IPv6 /64 and
#     an endpoint) configured on both sluiced of the sluiced <-> sluiced setup, to show what a large
#     peer table costs the data path; at most 40,000.
#   --rules N: N [[policy]] rules (none matching the measured traffic, so every new flow walks them
#     all) on both sluiced of the sluiced <-> sluiced setup; the flow table is on either way.
#   --only: a comma-separated subset of raw_veth, wggo, wggo_upstream, sluice, mixed, l2, hub
#     (default: all but hub; wggo_upstream only when that build is found).
#   hub (only when named): N spokes (--hub-peers, default 8) each sending TCP×1 through one hub
#     sluiced at the same time, and one spoke alone; see scripts/bench_hub.sh.
#   --perf DIR: perf record (call graphs) of both sluiced during the sluiced <-> sluiced TCP×1 run;
#     DIR/sender.txt and DIR/receiver.txt get where the cycles went, the top of each is printed
#     (DIR/l2_sender.txt and l2_receiver.txt for the L2 pair, DIR/hub.txt for the hub's sluiced
#     during the first all-spokes run).
# SLUICE_DISABLE and SLUICE_WORKERS in the environment reach sluiced (e.g. SLUICE_DISABLE=gso,gro
# or SLUICE_WORKERS=1 to compare).
# SLUICE_HUB_NICE=N runs the hub setup's hub sluiced at nice N (say -10, so it is not starved).
# Everything it creates is removed on exit. Numbers depend on what else the machine is doing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SLUICED=$here/../build/daemon/sluiced
DURATION=5
UDP_RATE=1G
PINGS=1000
REPEAT=1
EXTRA_PEERS=0
RULES=0
JSON_OUT=""
PERF_DIR=""
WGGO_UPSTREAM=${SLUICE_WGGO_UPSTREAM:-$here/../../shared/baselines/wireguard-go-0.0.20250522}
ONLY=""
HUB_PEERS=8
while (($#)); do
  case $1 in
    --sluiced) SLUICED=$2; shift 2 ;;
    --wggo-upstream) WGGO_UPSTREAM=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --udp-rate) UDP_RATE=$2; shift 2 ;;
    --pings) PINGS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --extra-peers) EXTRA_PEERS=$2; shift 2 ;;
    --rules) RULES=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --perf) PERF_DIR=$2; shift 2 ;;
    --quick) DURATION=1; PINGS=20; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --hub-peers) HUB_PEERS=$2; shift 2 ;;
    -h | --help) sed -n '2,/^# Everything/p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --repeat takes a positive count" >&2; exit 2; }
# Above 40,000 the generated prefixes would reach 10.93.0.0/16, the tunnels' own addresses.
if ! [[ $EXTRA_PEERS =~ ^[0-9]+$ ]] || ((EXTRA_PEERS > 40000)); then
  echo "bench.sh: --extra-peers takes a count up to 40000" >&2
  exit 2
fi
if ! [[ $HUB_PEERS =~ ^[0-9]+$ ]] || ((HUB_PEERS < 1 || HUB_PEERS > 32)); then
  echo "bench.sh: --hub-peers takes a count from 1 to 32" >&2
  exit 2
fi
source "$here/../tests/net/lib.sh"
source "$here/../tests/net/l2_lib.sh"
source "$here/bench_hub.sh"
net_init bench
net_require_root
for tool in wireguard-go iperf3 jq ping ${PERF_DIR:+perf}; do
  command -v "$tool" >/dev/null || net_fail "needs $tool"
done
[[ -z $PERF_DIR ]] || mkdir -p "$PERF_DIR"
[[ -x $SLUICED ]] || net_fail "no sluiced at $SLUICED (build first, or --sluiced PATH)"
if [[ -z $ONLY ]]; then
  ONLY=raw_veth,wggo,sluice,mixed,l2
  if [[ -x $WGGO_UPSTREAM ]]; then
    ONLY+=,wggo_upstream
  else
    net_log "no upstream wireguard-go at $WGGO_UPSTREAM: measuring Debian's only (see --wggo-upstream)"
  fi
elif [[ ,$ONLY, == *,wggo_upstream,* && ! -x $WGGO_UPSTREAM ]]; then
  net_fail "no upstream wireguard-go at $WGGO_UPSTREAM (--wggo-upstream PATH)"
fi

if ! [[ $RULES =~ ^[0-9]+$ ]] || ((RULES > 10000)); then
  echo "bench.sh: --rules takes a count up to 10000" >&2
  exit 2
fi

# append_rules FILE: --rules rules that deny TCP from documentation addresses, which the measured
# traffic never comes from.
append_rules() {
  local i
  for ((i = 0; i < RULES; i++)); do
    printf '\n[[policy]]\nfrom = ["192.0.%d.%d/32"]\nprotocol = "tcp"\nports = [%d]\naction = "deny"\n' \
      $((i / 250)) $((i % 250 + 1)) $((1000 + i))
  done >>"$1"
}

# start_sluiced NS NAME PEER PORT INNER PEER_INNER ENDPOINT
start_sluiced() {
  local ns=$1 name=$2 peer=$3 port=$4 inner=$5 peer_inner=$6 endpoint=$7
  net_config "$NET_TMP/$name.toml" "$name" "$port" "$inner/24"
  net_config_peer "$NET_TMP/$name.toml" "$peer" "$endpoint" "$peer_inner/32"
  [[ $name != ss? ]] || append_rules "$NET_TMP/$name.toml"
  net_start_sluiced "$ns" "${NET_PREFIX}$name" "$NET_TMP/$name.toml" "$NET_TMP/$name.log"
}

# start_wggo NS NAME PEER PORT INNER PEER_INNER ENDPOINT [BINARY]
start_wggo() {
  local ns=$1 name=$2 peer=$3 port=$4 inner=$5 peer_inner=$6 endpoint=$7 ifname="${NET_PREFIX}$2"
  net_start_wireguard_go "$ns" "$ifname" "$NET_TMP/$name.log" "${8:-wireguard-go}"
  net_wg "$ns" set "$ifname" private-key "$NET_TMP/$name.key" listen-port "$port" \
    peer "$(cat "$NET_TMP/$peer.pub")" allowed-ips "$peer_inner/32" endpoint "$endpoint"
  ip -n "$ns" addr add "$inner/24" dev "$ifname"
  ip -n "$ns" link set "$ifname" up
}

# iperf_json SERVER_NS ADDRESS CLIENT_NS NAME IPERF3_ARGS...: one iperf3 run, JSON in NAME.json.
iperf_json() {
  local server=$1 address=$2 client=$3 out="$NET_TMP/$4.json" server_pid
  shift 4
  net_iperf_server "$server" "$address"
  server_pid=${NET_PIDS[-1]}
  ip netns exec "$client" timeout $((DURATION + 20)) iperf3 -c "$address" -t "$DURATION" -J "$@" >"$out" ||
    net_log "iperf3 $* to $address failed: $(jq -r '.error // empty' "$out" 2>/dev/null)"
  net_wait_exit "$server_pid" 5 || net_fail "iperf3 server in $server did not exit"
}

# perf_start PREFIX SENDER_PID RECEIVER_PID / perf_report PREFIX: call-graph samples of the two
# sluiced of a pair for the length of one iperf3 run, then the symbols by self time, in
# $PERF_DIR/PREFIXsender.txt and PREFIXreceiver.txt.
PERF_PIDS=()
perf_start() {
  local prefix=$1 side
  shift
  PERF_PIDS=()
  for side in sender receiver; do
    perf record -q -g -o "$PERF_DIR/$prefix$side.data" -p "$1" -- sleep "$DURATION" >/dev/null 2>&1 &
    shift
    PERF_PIDS+=($!)
    NET_PIDS+=($!)
  done
}
perf_report() {
  local prefix=$1 side
  wait "${PERF_PIDS[@]}" || true
  for side in sender receiver; do
    perf report -i "$PERF_DIR/$prefix$side.data" --no-children --sort dso,symbol --percent-limit 0.5 --stdio \
      2>/dev/null | grep -v '^$' | sed -E 's/( +-)* *$//' >"$PERF_DIR/$prefix$side.txt" ||
      net_log "perf report for the $prefix$side failed"
    net_log "perf, sluiced $prefix$side (self time, top 12; whole report in $PERF_DIR/$prefix$side.txt):"
    grep -E '^ +[0-9.]+%' "$PERF_DIR/$prefix$side.txt" | head -n 12 >&2 || true
  done
}

# cpu_ticks PID...: clock ticks of user and system time these processes (all their threads) used.
cpu_ticks() {
  local total=0 pid
  for pid; do
    # Fields after the command name, which is in parentheses: utime and stime are the 12th and 13th.
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

# measure LABEL CLIENT_NS SERVER_NS ADDRESS [DAEMON_PID...]: every figure for one setup, as one
# JSON object in $NET_TMP/N-LABEL.result (N counts the setups, RESULT_FILES lists them in the
# order measured); the tunnel daemons' CPU time is read during TCP×1.
RESULT_FILES=()
measure() {
  local label=$1 client=$2 server=$3 address=$4 run before result profiled=false prefix=""
  local -a tcp1_runs=() tick_runs=()
  shift 4
  # Profiled (--perf): the first TCP×1 run of the sluiced pair (sender first) and of the L2 pair.
  if [[ -n $PERF_DIR && ($label == sluice || $label == l2) ]]; then profiled=true; fi
  [[ $label != l2 ]] || prefix=l2_
  net_log "measuring $label"
  net_ping "$client" "$address" 3 >/dev/null || net_fail "$label: no ping reply from $address"
  for ((run = 1; run <= REPEAT; run++)); do
    [[ $profiled == false || $run != 1 ]] || perf_start "$prefix" "$@"
    (($# == 0)) || before=$(cpu_ticks "$@")
    iperf_json "$server" "$address" "$client" "$label-tcp1-$run"
    if (($# == 0)); then echo null; else echo $(($(cpu_ticks "$@") - before)); fi >"$NET_TMP/$label-tcp1-$run.ticks"
    [[ $profiled == false || $run != 1 ]] || perf_report "$prefix"
    tcp1_runs+=("$NET_TMP/$label-tcp1-$run.json")
    tick_runs+=("$NET_TMP/$label-tcp1-$run.ticks")
  done
  jq -s . "${tcp1_runs[@]}" >"$NET_TMP/$label-tcp1.json"
  jq -s . "${tick_runs[@]}" >"$NET_TMP/$label-ticks.json"
  iperf_json "$server" "$address" "$client" "$label-tcp4" -P 4
  iperf_json "$server" "$address" "$client" "$label-udp" -u -b "$UDP_RATE" -l 1300
  # Unlimited rate: iperf3 sends as fast as it can; the receiver's count is what got through.
  iperf_json "$server" "$address" "$client" "$label-pps" -u -b 0 -l 64
  ip netns exec "$client" ping -c "$PINGS" -i 0.01 -W 2 "$address" |
    awk -F'time=' '/time=/ {split($2, t, " "); print t[1]}' | sort -n >"$NET_TMP/$label-rtt.txt"
  local tmp=$NET_TMP
  result="$NET_TMP/$((${#RESULT_FILES[@]} + 1))-$label.result"
  RESULT_FILES+=("$result")
  jq -n --arg setup "$label" --argjson duration "$DURATION" --argjson hz "$(getconf CLK_TCK)" \
    --slurpfile tcp1 "$tmp/$label-tcp1.json" --slurpfile ticks "$tmp/$label-ticks.json" \
    --slurpfile tcp4 "$tmp/$label-tcp4.json" \
    --slurpfile udp "$tmp/$label-udp.json" --slurpfile pps "$tmp/$label-pps.json" \
    --rawfile rtt "$tmp/$label-rtt.txt" '
    def gbit(x): if x == null then null else (x / 1e9 * 1000 | round) / 1000 end;
    def udp_received(r): r[0].end.sum as $s | if $s == null then null else ($s.packets - $s.lost_packets) end;
    # The middle value (the lower of the two middle ones for an even count); null for none.
    def median: map(select(. != null)) | sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
    ($rtt | split("\n") | map(select(length > 0) | tonumber)) as $r |
    [range(0; $tcp1[0] | length) as $i | $tcp1[0][$i].end.sum_received as $sum |
     {gbit: gbit($sum.bits_per_second),
      cpu: (if $ticks[0][$i] == null or ($sum.bytes // 0) == 0 then null
            else ($ticks[0][$i] / $hz / ($sum.bytes / 1e9) * 100 | round) / 100 end)}] as $runs |
    {setup: $setup,
     tcp1_gbit: ($runs | map(.gbit) | median),
     tcp1_runs_gbit: ($runs | map(.gbit)),
     tcp1_daemon_cpu_s_per_gb: ($runs | map(.cpu) | median),
     tcp4_gbit: gbit($tcp4[0].end.sum_received.bits_per_second),
     udp_gbit: gbit($udp[0].end.sum.bits_per_second * (100 - ($udp[0].end.sum.lost_percent // 0)) / 100),
     udp_loss_percent: ($udp[0].end.sum.lost_percent // null | if . == null then null else (. * 100 | round) / 100 end),
     pps64_kpps: (udp_received($pps) | if . == null then null else (. / $duration / 1000 | round) end),
     rtt_min_ms: ($r | if length > 0 then .[0] else null end),
     rtt_avg_ms: ($r | if length > 0 then ((add / length * 1000 | round) / 1000) else null end),
     rtt_p99_ms: ($r | if length > 0 then .[((length * 0.99) | floor | if . >= ($r | length) then ($r | length) - 1 else . end)] else null end),
     pings: ($r | length)}' >"$result"
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# wanted SETUP: whether --only names it.
wanted() { [[ ,$ONLY, == *,$1,* ]]; }

# Raw veth: no tunnel at all.
if wanted raw_veth; then
  net_pair raw 40
  measure raw_veth "$raw_a" "$raw_b" 10.200.40.2
fi

# wireguard-go on both sides.
if wanted wggo; then
  net_pair gg 41
  start_wggo "$gg_a" gga ggb 51820 10.93.1.1 10.93.1.2 10.200.41.2:51821
  daemons=("${NET_PIDS[-1]}")
  start_wggo "$gg_b" ggb gga 51821 10.93.1.2 10.93.1.1 10.200.41.1:51820
  daemons+=("${NET_PIDS[-1]}")
  measure wggo "$gg_a" "$gg_b" 10.93.1.2 "${daemons[@]}"
fi

# Today's upstream wireguard-go on both sides.
if wanted wggo_upstream; then
  net_pair gu 44
  start_wggo "$gu_a" gua gub 51820 10.93.4.1 10.93.4.2 10.200.44.2:51821 "$WGGO_UPSTREAM"
  daemons=("${NET_PIDS[-1]}")
  start_wggo "$gu_b" gub gua 51821 10.93.4.2 10.93.4.1 10.200.44.1:51820 "$WGGO_UPSTREAM"
  daemons+=("${NET_PIDS[-1]}")
  measure wggo_upstream "$gu_a" "$gu_b" 10.93.4.2 "${daemons[@]}"
fi

# add_extra_peers NS IFNAME SEED: --extra-peers idle peers on that interface (their endpoints are
# loopback addresses of the namespace, and no traffic is ever routed to them).
add_extra_peers() {
  ((EXTRA_PEERS > 0)) || return 0
  python3 "$here/../tests/net/many_peers_conf.py" "$EXTRA_PEERS" unused 0 --seed "$3" |
    awk '/^\[Peer\]/ {peers = 1} peers' >"$NET_TMP/extra-$3.conf"
  net_wg "$1" addconf "$2" "$NET_TMP/extra-$3.conf" || net_fail "could not add $EXTRA_PEERS peers to $2"
}

# sluiced on both sides.
SLUICED_PIDS=()
if wanted sluice; then
  net_pair ss 42
  start_sluiced "$ss_a" ssa ssb 51820 10.93.2.1 10.93.2.2 10.200.42.2:51821
  SLUICED_PIDS+=("${NET_PIDS[-1]}")
  start_sluiced "$ss_b" ssb ssa 51821 10.93.2.2 10.93.2.1 10.200.42.1:51820
  SLUICED_PIDS+=("${NET_PIDS[-1]}")
  add_extra_peers "$ss_a" "${NET_PREFIX}ssa" 1
  add_extra_peers "$ss_b" "${NET_PREFIX}ssb" 2
  measure sluice "$ss_a" "$ss_b" 10.93.2.2 "${SLUICED_PIDS[@]}"
fi

# sluiced on one side, wireguard-go on the other; the client (sender) on each side in turn.
if wanted mixed; then
  net_pair sg 43
  start_sluiced "$sg_a" sga sgb 51820 10.93.3.1 10.93.3.2 10.200.43.2:51821
  daemons=("${NET_PIDS[-1]}")
  start_wggo "$sg_b" sgb sga 51821 10.93.3.2 10.93.3.1 10.200.43.1:51820
  daemons+=("${NET_PIDS[-1]}")
  measure sluice_to_wggo "$sg_a" "$sg_b" 10.93.3.2 "${daemons[@]}"
  measure wggo_to_sluice "$sg_b" "$sg_a" 10.93.3.1 "${daemons[@]}"
fi

# bench_l2: sluiced on both sides, each with one TAP segment (VNI 100) in a bridge, and a "host"
# namespace on each bridge; iperf3 runs between the hosts, through VXLAN inside the tunnel.
bench_l2() {
  local side other inner peer_inner port endpoint ns_var
  local -a pids=()
  net_pair l2 45
  for side in a b; do
    other=b inner=10.93.5.1 peer_inner=10.93.5.2 port=51820 endpoint=10.200.45.2:51821
    [[ $side == a ]] || other=a inner=10.93.5.2 peer_inner=10.93.5.1 port=51821 endpoint=10.200.45.1:51820
    ns_var=l2_$side
    net_config "$NET_TMP/l2$side.toml" "l2$side" "$port" "$inner/24"
    net_config_peer "$NET_TMP/l2$side.toml" "l2$other" "$endpoint" "$peer_inner/32"
    printf '\n[[segment]]\nvni = 100\ntap = "%s"\nbridge = "%s"\n' "${NET_PREFIX}tl2$side" "${NET_PREFIX}bl2$side" \
      >>"$NET_TMP/l2$side.toml"
    net_start_sluiced "${!ns_var}" "${NET_PREFIX}l2$side" "$NET_TMP/l2$side.toml" "$NET_TMP/l2$side.log"
    pids+=("${NET_PIDS[-1]}")
  done
  # The hosts' MTU is the segments' (1420 - 50 for VXLAN over IPv4 - 14 Ethernet).
  l2_host l2_host_a l2ha "$l2_a" "${NET_PREFIX}bl2a" 192.168.45.1/24 1370
  l2_host l2_host_b l2hb "$l2_b" "${NET_PREFIX}bl2b" 192.168.45.2/24 1370
  measure l2 "$l2_host_a" "$l2_host_b" 192.168.45.2 "${pids[@]}"
}
if wanted l2; then bench_l2; fi
if wanted hub; then
  hub_setup
  hub_measure
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
report=$(jq -s --arg started "$started" --arg load_before "$load_before" --arg load_after "$load_after" \
  --arg kernel "$(uname -r)" --arg cpus "$(nproc)" --argjson duration "$DURATION" --arg udp_rate "$UDP_RATE" \
  --arg disabled "${SLUICE_DISABLE:-}" --argjson repeat "$REPEAT" --argjson extra_peers "$EXTRA_PEERS" --argjson rules "$RULES" '
  def ratio(a; b): if a == null or b == null or b == 0 then null else ((a / b * 100 | round) / 100) end;
  (map({(.setup): .}) | add) as $s |
  ["tcp1_gbit", "tcp1_daemon_cpu_s_per_gb", "tcp4_gbit", "udp_gbit", "pps64_kpps", "rtt_avg_ms", "rtt_p99_ms"] as $keys |
  {started: $started, kernel: $kernel, cpus: ($cpus | tonumber), loadavg_before: $load_before,
   loadavg_after: $load_after, duration_s: $duration, tcp1_repeat: $repeat, udp_offered: $udp_rate,
   sluice_disable: $disabled, sluice_extra_peers: $extra_peers, sluice_rules: $rules,
   results: .,
   ratios: ({sluice_over_wggo: ($keys | map({(.): ratio($s.sluice[.]; $s.wggo[.])}) | add)} +
            (if $s.wggo_upstream == null then {} else
             {sluice_over_wggo_upstream: ($keys | map({(.): ratio($s.sluice[.]; $s.wggo_upstream[.])}) | add)} end) +
            {sluice_over_raw_veth: ($keys | map({(.): ratio($s.sluice[.]; $s.raw_veth[.])}) | add)} +
            (if $s.l2 == null then {} else {l2_over_sluice: ($keys | map({(.): ratio($s.l2[.]; $s.sluice[.])}) | add)} end))}
  + (if $hub == [] then {} else {hub: $hub[0]} end)' \
  --slurpfile hub "${HUB_RESULT:-/dev/null}" "${RESULT_FILES[@]:-/dev/null}")

[[ -n $JSON_OUT ]] && printf '%s\n' "$report" >"$JSON_OUT"

jq -r '"started \(.started), kernel \(.kernel), \(.cpus) CPUs, load average \(.loadavg_before) before, \(.loadavg_after) after",
  "\(.duration_s) s per iperf3 run, TCP×1 the median of \(.tcp1_repeat); UDP offered \(.udp_offered) with 1300-byte datagrams; sluiced offloads disabled: \(if .sluice_disable == "" then "none" else .sluice_disable end); idle peers beside the measured one: \(.sluice_extra_peers); policy rules: \(.sluice_rules)"' <<<"$report"
if ((${#RESULT_FILES[@]})); then
echo
jq -r '
  def f: if . == null then "-" else tostring end;
  (["setup", "TCP×1 Gb/s", "TCP×1 CPU-s/GB", "TCP×4 Gb/s", "UDP Gb/s", "UDP loss %", "64B kpps", "RTT min ms",
    "RTT avg ms", "RTT p99 ms"] | @tsv),
  (.results[] | [.setup, (.tcp1_gbit | f), (.tcp1_daemon_cpu_s_per_gb | f), (.tcp4_gbit | f), (.udp_gbit | f),
                 (.udp_loss_percent | f), (.pps64_kpps | f), (.rtt_min_ms | f), (.rtt_avg_ms | f),
                 (.rtt_p99_ms | f)] | @tsv),
  "",
  (.ratios | to_entries[] | [.key, (.value.tcp1_gbit | f), (.value.tcp1_daemon_cpu_s_per_gb | f),
                               (.value.tcp4_gbit | f), (.value.udp_gbit | f), "", (.value.pps64_kpps | f), "",
                               (.value.rtt_avg_ms | f), (.value.rtt_p99_ms | f)] | @tsv)
' <<<"$report" | column -t -s $'\t'
fi
hub_print "$report"
