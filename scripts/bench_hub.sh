# shellcheck shell=bash
# The hub setup of scripts/bench.sh (sourced by it, after tests/net/lib.sh; it reads DURATION,
# REPEAT, PERF_DIR, SLUICED and HUB_PEERS): many peers sending through one sluiced at once.
#
# A "wire" namespace holds a bridge; the hub and HUB_PEERS spokes, each in its own namespace, hang
# on it by veth (10.200.50.1 the hub, 10.200.50.11 and on the spokes). Every spoke's sluiced has
# the hub as its one peer; the hub's has every spoke. Each spoke sends iperf3 TCP×1 to a server of
# its own in the hub's namespace (tunnel address 10.93.5.1, port 5200 + spoke number): first
# spoke 1 alone (the one-peer figure, through the same hub), then all spokes at the same time, then
# all at once again without the tunnel (to the hub's veth address): how evenly the machine itself
# shares out its CPUs among 2N iperf3 ends.
# Per round: each spoke's rate, their sum, max/min, the CPU time of the hub's sluiced (and of all
# the sluiced) per GB carried, and what tells an unfair hub from an unevenly shared machine (each
# spoke's CPU time and wait for a CPU, its TCP retransmits, the hub's UDP drops). With --repeat N
# the three rounds alternate N times and, for each, the run with the median aggregate is reported
# (every run is in the JSON).

HUB_ADDRESS=10.93.5.1
HUB_NS=""
HUB_PID=""
HUB_SPOKE_NS=()
HUB_SPOKE_PIDS=()
HUB_RESULT=""

# hub_link NS ADDRESS WIRE BRIDGE NAME: a veth from NS (with ADDRESS) to the bridge in WIRE.
hub_link() {
  local ns=$1 address=$2 wire=$3 bridge=$4 inside="${NET_PREFIX}v$5" outside="${NET_PREFIX}w$5"
  ip link add "$inside" netns "$ns" type veth peer name "$outside" netns "$wire" || net_fail "cannot create veth $inside"
  ip -n "$ns" addr add "$address" dev "$inside"
  ip -n "$wire" link set "$outside" master "$bridge" up
  ip -n "$ns" link set "$inside" up
  net_wait_for 10 bash -c "ip -n '$ns' link show '$inside' | grep -q 'state UP'" || net_fail "veth $inside did not come up"
}

# hub_setup: the namespaces, the bridge and every sluiced, with a handshake from each spoke.
hub_setup() {
  local wire bridge="${NET_PREFIX}br" i spoke
  net_ns wire hbw
  ip link add "$bridge" netns "$wire" type bridge || net_fail "cannot create bridge $bridge"
  ip -n "$wire" link set "$bridge" up
  net_ns HUB_NS hbh
  hub_link "$HUB_NS" 10.200.50.1/24 "$wire" "$bridge" hbh
  net_keypair hbh
  net_config "$NET_TMP/hbh.toml" hbh 51820 "$HUB_ADDRESS/24"
  for ((i = 1; i <= HUB_PEERS; i++)); do
    net_ns spoke "hbs$i"
    HUB_SPOKE_NS+=("$spoke")
    hub_link "$spoke" "10.200.50.$((10 + i))/24" "$wire" "$bridge" "hbs$i"
    net_keypair "hbs$i"
    net_config_peer "$NET_TMP/hbh.toml" "hbs$i" "10.200.50.$((10 + i)):51821" "10.93.5.$((10 + i))/32"
    net_config "$NET_TMP/hbs$i.toml" "hbs$i" 51821 "10.93.5.$((10 + i))/24"
    net_config_peer "$NET_TMP/hbs$i.toml" hbh "10.200.50.1:51820" "$HUB_ADDRESS/32"
  done
  net_start_sluiced "$HUB_NS" "${NET_PREFIX}hbh" "$NET_TMP/hbh.toml" "$NET_TMP/hbh.log"
  HUB_PID=${NET_PIDS[-1]}
  # SLUICE_HUB_NICE=N: the hub's sluiced (every thread) at that nice value, so that it is not the
  # one starved of CPU: tells what the spokes do when the hub keeps up from when it does not.
  if [[ -n ${SLUICE_HUB_NICE:-} ]]; then
    local task
    for task in /proc/"$HUB_PID"/task/*; do renice -n "$SLUICE_HUB_NICE" -p "${task##*/}" >/dev/null; done
  fi
  for ((i = 1; i <= HUB_PEERS; i++)); do
    net_start_sluiced "${HUB_SPOKE_NS[i - 1]}" "${NET_PREFIX}hbs$i" "$NET_TMP/hbs$i.toml" "$NET_TMP/hbs$i.log"
    HUB_SPOKE_PIDS+=("${NET_PIDS[-1]}")
  done
  for ((i = 1; i <= HUB_PEERS; i++)); do
    net_ping "${HUB_SPOKE_NS[i - 1]}" "$HUB_ADDRESS" 3 >/dev/null || net_fail "hub: no ping reply from spoke $i"
  done
}

# hub_udp_drops: datagrams the kernel dropped for full receive buffers in the hub's namespace (the
# hub's sockets are the only UDP sockets there).
hub_udp_drops() {
  ip netns exec "$HUB_NS" cat /proc/net/snmp | awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ {print $6}'
}

# hub_fair_drops: transport datagrams the hub's sluiced dropped unopened, over a peer's fair share of
# its receive jobs in flight (the over_fair_share counter of stats=1; 0 from a sluiced without it).
hub_fair_drops() {
  printf 'stats=1\n\n' | timeout 5 socat - "UNIX-CONNECT:/run/wireguard/${NET_PREFIX}hbh.sock" 2>/dev/null |
    awk -F= '$1 == "over_fair_share" {n = $2} END {print n + 0}'
}

# tun_drops SPOKE: packets spoke SPOKE's kernel dropped at its TUN device (the queue full because
# its sluiced did not read in time): loss on the spoke's own side, before the hub.
tun_drops() {
  ip -n "${HUB_SPOKE_NS[$1 - 1]}" -s -j link show "${NET_PREFIX}hbs$1" | jq '.[0].stats64.tx.dropped'
}

# tun_counters NS IFNAME rx|tx: "PACKETS BYTES" of a TUN device. Its receive counters count what
# sluiced wrote, its transmit ones what sluiced read; a super-packet counts as one.
tun_counters() {
  ip -n "$1" -s -j link show "$2" | jq -r ".[0].stats64.$3"' | "\(.packets) \(.bytes)"'
}

# spokes_tun_read COUNT: "READS BYTES", what the first COUNT spokes' sluiced read from their TUN
# devices.
spokes_tun_read() {
  local i reads=0 bytes=0 counters
  for ((i = 1; i <= $1; i++)); do
    read -ra counters <<<"$(tun_counters "${HUB_SPOKE_NS[i - 1]}" "${NET_PREFIX}hbs$i" tx)"
    reads=$((reads + counters[0])) bytes=$((bytes + counters[1]))
  done
  echo "$reads $bytes"
}

# run_wait_ms PID: milliseconds the threads of PID spent runnable but waiting for a CPU.
run_wait_ms() {
  cat /proc/"$1"/task/*/schedstat | awk '{ns += $2} END {printf "%d\n", ns / 1e6}'
}

# hub_round NAME COUNT ADDRESS: spokes 1 to COUNT send to ADDRESS in the hub's namespace (through
# the tunnel, or past it to the hub's veth address) at the same time; spoke i's iperf3 JSON goes to
# NAME-i.json; the CPU ticks of the hub's sluiced, of all the sluiced and of each spoke's, and the
# hub's UDP receive-buffer drops, to NAME.ticks.
hub_round() {
  local name=$1 count=$2 address=$3 i port hub_before hub_wait all_before drops_before fair_before perf_pid=""
  local -a written_before written_after read_before read_after
  local -a servers=() clients=() spoke_before=() spoke_ticks=() wait_before=() spoke_waits=() tun_before=() tun=()
  for ((i = 1; i <= count; i++)); do
    ip netns exec "$HUB_NS" iperf3 -s -1 -B "$address" -p $((5200 + i)) >/dev/null 2>&1 &
    servers+=($!)
    NET_PIDS+=($!)
  done
  for ((i = 1; i <= count; i++)); do
    port=$((5200 + i))
    net_wait_for 5 bash -c "ip netns exec '$HUB_NS' ss -ltn | grep -q ':$port '" ||
      net_fail "hub: iperf3 server on port $port did not start"
  done
  if [[ -n $PERF_DIR && $name == all-1 ]]; then
    perf record -q -g -o "$PERF_DIR/hub.data" -p "$HUB_PID" -- sleep "$DURATION" >/dev/null 2>&1 &
    perf_pid=$!
    NET_PIDS+=($!)
  fi
  hub_before=$(cpu_ticks "$HUB_PID")
  all_before=$(cpu_ticks "$HUB_PID" "${HUB_SPOKE_PIDS[@]}")
  for ((i = 1; i <= count; i++)); do
    spoke_before+=("$(cpu_ticks "${HUB_SPOKE_PIDS[i - 1]}")")
    wait_before+=("$(run_wait_ms "${HUB_SPOKE_PIDS[i - 1]}")")
    tun_before+=("$(tun_drops "$i")")
  done
  drops_before=$(hub_udp_drops)
  fair_before=$(hub_fair_drops)
  read -ra written_before <<<"$(tun_counters "$HUB_NS" "${NET_PREFIX}hbh" rx)"
  read -ra read_before <<<"$(spokes_tun_read "$count")"
  hub_wait=$(run_wait_ms "$HUB_PID")
  for ((i = 1; i <= count; i++)); do
    ip netns exec "${HUB_SPOKE_NS[i - 1]}" timeout $((DURATION + 20)) \
      iperf3 -c "$address" -p $((5200 + i)) -t "$DURATION" -J >"$NET_TMP/hub-$name-$i.json" &
    clients+=($!)
    NET_PIDS+=($!)
  done
  for ((i = 1; i <= count; i++)); do
    wait "${clients[i - 1]}" || net_log "hub: iperf3 from spoke $i failed: $(jq -r '.error // empty' "$NET_TMP/hub-$name-$i.json" 2>/dev/null)"
  done
  for ((i = 1; i <= count; i++)); do
    spoke_ticks+=($(($(cpu_ticks "${HUB_SPOKE_PIDS[i - 1]}") - spoke_before[i - 1])))
    spoke_waits+=($(($(run_wait_ms "${HUB_SPOKE_PIDS[i - 1]}") - wait_before[i - 1])))
    tun+=($(($(tun_drops "$i") - tun_before[i - 1])))
  done
  read -ra written_after <<<"$(tun_counters "$HUB_NS" "${NET_PREFIX}hbh" rx)"
  read -ra read_after <<<"$(spokes_tun_read "$count")"
  ((${#written_before[@]} == 2 && ${#written_after[@]} == 2 && ${#read_before[@]} == 2 && ${#read_after[@]} == 2)) ||
    net_fail "hub: cannot read the TUN devices' counters"
  printf '{"hub": %d, "hub_wait_ms": %d, "all": %d, "spokes": [%s], "waits_ms": [%s], "tun_drops": [%s], "drops": %d, "fair_drops": %d, "tun_writes": %d, "tun_bytes": %d, "spoke_reads": %d, "spoke_read_bytes": %d}\n' \
    $(($(cpu_ticks "$HUB_PID") - hub_before)) $(($(run_wait_ms "$HUB_PID") - hub_wait)) $(($(cpu_ticks "$HUB_PID" "${HUB_SPOKE_PIDS[@]}") - all_before)) \
    "$(IFS=,; echo "${spoke_ticks[*]}")" "$(IFS=,; echo "${spoke_waits[*]}")" "$(IFS=,; echo "${tun[*]}")" \
    $(($(hub_udp_drops) - drops_before)) $(($(hub_fair_drops) - fair_before)) \
    $((written_after[0] - written_before[0])) $((written_after[1] - written_before[1])) \
    $((read_after[0] - read_before[0])) $((read_after[1] - read_before[1])) >"$NET_TMP/hub-$name.ticks"
  for ((i = 1; i <= count; i++)); do
    net_wait_exit "${servers[i - 1]}" 5 || net_fail "hub: iperf3 server $i did not exit"
  done
  if [[ -n $perf_pid ]]; then
    wait "$perf_pid" || true
    perf report -i "$PERF_DIR/hub.data" --no-children --sort dso,symbol --percent-limit 0.5 --stdio 2>/dev/null |
      grep -v '^$' | sed -E 's/( +-)* *$//' >"$PERF_DIR/hub.txt" || net_log "perf report for the hub failed"
    net_log "perf, the hub's sluiced with $HUB_PEERS spokes sending (self time, top 12; all in $PERF_DIR/hub.txt):"
    grep -E '^ +[0-9.]+%' "$PERF_DIR/hub.txt" | head -n 12 >&2 || true
  fi
}

# hub_round_json NAME COUNT: one round as JSON: each spoke's Gbit/s, their sum, max/min and CPU-s/GB.
hub_round_json() {
  local name=$1 count=$2 i
  local -a files=()
  for ((i = 1; i <= count; i++)); do files+=("$NET_TMP/hub-$name-$i.json"); done
  jq -s --argjson hz "$(getconf CLK_TCK)" --slurpfile ticks "$NET_TMP/hub-$name.ticks" '
    def round3: (. * 1000 | round) / 1000;
    def per_gb(t; bytes): if bytes == 0 then null else (t / $hz / (bytes / 1e9) * 100 | round) / 100 end;
    map(.end.sum_received // {}) as $r |
    ($r | map(.bytes // 0) | add) as $bytes |
    ($r | map((.bits_per_second // 0) / 1e9)) as $g |
    {spokes_gbit: ($g | map(round3)),
     aggregate_gbit: ($g | add | round3),
     max_over_min: (if ($g | min) == 0 then null else ($g | max) / ($g | min) * 100 | round / 100 end),
     hub_cpu_s_per_gb: per_gb($ticks[0].hub; $bytes),
     daemons_cpu_s_per_gb: per_gb($ticks[0].all; $bytes),
     # How the CPUs were shared out: a spoke whose sluiced got little CPU sent little.
     spokes_daemon_cpu_s: ($ticks[0].spokes | map(. / $hz * 100 | round / 100)),
     # ... and the time its threads were ready to run but waited for a CPU.
     spokes_daemon_wait_s: ($ticks[0].waits_ms | map(. / 10 | round / 100)),
     hub_daemon_cpu_s: ($ticks[0].hub / $hz * 100 | round / 100),
     hub_daemon_wait_s: ($ticks[0].hub_wait_ms / 10 | round / 100),
     # Segments each spoke'"'"'s TCP sent again: loss on its way through the tunnels.
     spokes_retransmits: map(.end.sum_sent.retransmits // null),
     spokes_tun_drops: $ticks[0].tun_drops,
     hub_udp_receive_drops: $ticks[0].drops,
     hub_fair_share_drops: $ticks[0].fair_drops,
     # How well the hub coalesced: the mean size of what it wrote to its TUN device; and how
     # large the super-packets the spokes read from theirs.
     hub_tun_bytes_per_write: (if $ticks[0].tun_writes == 0 then null
                               else ($ticks[0].tun_bytes / $ticks[0].tun_writes | round) end),
     spokes_tun_bytes_per_read: (if $ticks[0].spoke_reads == 0 then null
                                 else ($ticks[0].spoke_read_bytes / $ticks[0].spoke_reads | round) end)}' "${files[@]}"
}

# hub_measure: the one-peer and all-peer rounds, alternating REPEAT times; the result in HUB_RESULT.
hub_measure() {
  local run
  local -a singles=() alls=() raws=()
  net_log "measuring hub ($HUB_PEERS spokes)"
  for ((run = 1; run <= REPEAT; run++)); do
    hub_round "single-$run" 1 "$HUB_ADDRESS"
    hub_round_json "single-$run" 1 >"$NET_TMP/hub-single-$run.result"
    singles+=("$NET_TMP/hub-single-$run.result")
    hub_round "all-$run" "$HUB_PEERS" "$HUB_ADDRESS"
    hub_round_json "all-$run" "$HUB_PEERS" >"$NET_TMP/hub-all-$run.result"
    alls+=("$NET_TMP/hub-all-$run.result")
    # The same without the tunnel: how evenly this machine shares itself out among the spokes.
    hub_round "raw-$run" "$HUB_PEERS" 10.200.50.1
    hub_round_json "raw-$run" "$HUB_PEERS" >"$NET_TMP/hub-raw-$run.result"
    raws+=("$NET_TMP/hub-raw-$run.result")
  done
  HUB_RESULT="$NET_TMP/hub.result"
  jq -n --argjson peers "$HUB_PEERS" --arg nice "${SLUICE_HUB_NICE:-}" --slurpfile single <(jq -s . "${singles[@]}") \
    --slurpfile all <(jq -s . "${alls[@]}") --slurpfile raw <(jq -s . "${raws[@]}") '
    # The run with the middle aggregate (the lower of the two middle ones for an even count).
    def median_run: sort_by(.aggregate_gbit) | .[(length - 1) / 2 | floor];
    ($single[0] | median_run) as $s | ($all[0] | median_run) as $a | ($raw[0] | median_run) as $w |
    {peers: $peers,
     hub_nice: (if $nice == "" then null else ($nice | tonumber) end),
     single_gbit: $s.aggregate_gbit,
     single_hub_cpu_s_per_gb: $s.hub_cpu_s_per_gb,
     single_daemons_cpu_s_per_gb: $s.daemons_cpu_s_per_gb,
     spokes_gbit: $a.spokes_gbit,
     aggregate_gbit: $a.aggregate_gbit,
     aggregate_over_single: (if ($s.aggregate_gbit // 0) == 0 then null
                             else ($a.aggregate_gbit / $s.aggregate_gbit * 100 | round) / 100 end),
     max_over_min: $a.max_over_min,
     spokes_daemon_cpu_s: $a.spokes_daemon_cpu_s,
     spokes_daemon_wait_s: $a.spokes_daemon_wait_s,
     spokes_retransmits: $a.spokes_retransmits,
     spokes_tun_drops: $a.spokes_tun_drops,
     hub_daemon_cpu_s: $a.hub_daemon_cpu_s,
     hub_daemon_wait_s: $a.hub_daemon_wait_s,
     hub_udp_receive_drops: $a.hub_udp_receive_drops,
     hub_fair_share_drops: $a.hub_fair_share_drops,
     single_hub_fair_share_drops: $s.hub_fair_share_drops,
     hub_tun_bytes_per_write: $a.hub_tun_bytes_per_write,
     single_hub_tun_bytes_per_write: $s.hub_tun_bytes_per_write,
     spokes_tun_bytes_per_read: $a.spokes_tun_bytes_per_read,
     single_spoke_tun_bytes_per_read: $s.spokes_tun_bytes_per_read,
     hub_cpu_s_per_gb: $a.hub_cpu_s_per_gb,
     daemons_cpu_s_per_gb: $a.daemons_cpu_s_per_gb,
     raw_spokes_gbit: $w.spokes_gbit,
     raw_aggregate_gbit: $w.aggregate_gbit,
     raw_max_over_min: $w.max_over_min,
     single_runs: $single[0],
     all_runs: $all[0],
     raw_runs: $raw[0]}' >"$HUB_RESULT"
}

# hub_print REPORT: the hub lines of the printed report (REPORT: the JSON of the whole run).
hub_print() {
  jq -e '.hub != null' <<<"$1" >/dev/null || return 0
  jq -r '.hub | "", "hub: \(.peers) spokes each sending TCP×1 to the hub at once (\(.all_runs | length) run\(if (.all_runs | length) == 1 then "" else "s, the median shown" end)\(if .hub_nice == null then "" else "; the hub'"'"'s sluiced at nice \(.hub_nice)" end))"' <<<"$1"
  jq -r '.hub |
    def f: if . == null then "-" else tostring end;
    (["", "Gb/s", "hub CPU-s/GB", "all sluiced CPU-s/GB"] | @tsv),
    (["one spoke alone", (.single_gbit | f), (.single_hub_cpu_s_per_gb | f), (.single_daemons_cpu_s_per_gb | f)] | @tsv),
    (["all at once", (.aggregate_gbit | f), (.hub_cpu_s_per_gb | f), (.daemons_cpu_s_per_gb | f)] | @tsv)
  ' <<<"$1" | column -t -s $'\t'
  jq -r '.hub |
    def f: if . == null then "-" else tostring end;
    "each spoke, Gb/s: \(.spokes_gbit | map(tostring) | join(" ")); max/min \(.max_over_min | f); aggregate / one spoke \(.aggregate_over_single | f)",
    "each spoke'"'"'s sluiced, CPU-s: \(.spokes_daemon_cpu_s | map(tostring) | join(" ")), waiting for a CPU, s: \(.spokes_daemon_wait_s | map(tostring) | join(" "))",
    "each spoke'"'"'s TCP retransmits: \(.spokes_retransmits | map(f) | join(" ")), TUN drops: \(.spokes_tun_drops | map(f) | join(" ")); the hub'"'"'s sluiced: \(.hub_daemon_cpu_s) CPU-s, \(.hub_daemon_wait_s) s waiting for a CPU; its UDP receive-buffer drops: \(.hub_udp_receive_drops), over a peer'"'"'s fair share: \(.hub_fair_share_drops | f) (one spoke alone: \(.single_hub_fair_share_drops | f))",
    "mean bytes of the hub'"'"'s TUN writes: \(.hub_tun_bytes_per_write | f) (one spoke alone: \(.single_hub_tun_bytes_per_write | f)); of the spokes'"'"' TUN reads: \(.spokes_tun_bytes_per_read | f) (one spoke alone: \(.single_spoke_tun_bytes_per_read | f))",
    "without the tunnel, all at once: \(.raw_aggregate_gbit) Gb/s, each spoke \(.raw_spokes_gbit | map(tostring) | join(" ")); max/min \(.raw_max_over_min | f)",
    "every run, all at once (max/min): \(.all_runs | map("\(.aggregate_gbit) (\(.max_over_min | f))") | join(", ")); one spoke alone: \(.single_runs | map(.aggregate_gbit | tostring) | join(", "))"
  ' <<<"$1"
}
