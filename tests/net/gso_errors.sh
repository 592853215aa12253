#!/usr/bin/env bash
# UDP GSO sends that fail, on the io_uring and on the syscall data path:
# - with EIO (forced by the test switch SLUICE_TEST_GSO_EIO=1, as a device without checksum
#   offload would answer): GSO goes off for that socket with one log line, traffic goes on;
# - with EMSGSIZE (a veth MTU below the segment size; kernels before 6.x say EINVAL): the batch
#   leaves one datagram at a time (fragmented by the kernel), GSO stays on.
# Usage: gso_errors.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init gso_errors
net_require_root

net_ns a a
net_ns b b
net_veth "$a" 10.200.90.1/24 "$b" 10.200.90.2/24
net_keypair a
net_keypair b
a_link=$(ip -n "$a" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1)
b_link=$(ip -n "$b" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1)

net_config "$NET_TMP/a.toml" a 51820 10.99.92.1/24
net_config_peer "$NET_TMP/a.toml" b 10.200.90.2:51821 10.99.92.2/32
net_config "$NET_TMP/b.toml" b 51821 10.99.92.2/24
net_config_peer "$NET_TMP/b.toml" a 10.200.90.1:51820 10.99.92.1/32

GSO_OFF="UDP GSO send on the IPv4 socket failed"
round=0

forget_pid() {  # PID: stopped; not to be signalled again at exit
  local pid=$1 kept=() p
  for p in "${NET_PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  NET_PIDS=("${kept[@]}")
}

# run_round NAME DISABLE EIO: A (with SLUICE_DISABLE=DISABLE and SLUICE_TEST_GSO_EIO=EIO) sends
# TCP to B through the tunnel; A's log file goes to ROUND_LOG. (Not "$(run_round ...)": the
# daemons' pids must stay registered for cleanup.)
run_round() {
  local name=$1 disable=$2 eio=$3 log pid_a pid_b rate
  round=$((round + 1))
  log="$NET_TMP/a$round.log"
  SLUICE_DISABLE=$disable SLUICE_TEST_GSO_EIO=$eio \
    net_start_sluiced "$a" "${NET_PREFIX}a$round" "$NET_TMP/a.toml" "$log"
  pid_a=${NET_PIDS[-1]}
  net_start_sluiced "$b" "${NET_PREFIX}b$round" "$NET_TMP/b.toml" "$NET_TMP/b$round.log"
  pid_b=${NET_PIDS[-1]}
  grep -q "UDP GSO on" "$log" || { cat "$log" >&2; net_fail "$name: A did not start with UDP GSO"; }
  net_ping "$a" 10.99.92.2 3 >/dev/null || { cat "$log" >&2; net_fail "$name: no ping before the bulk"; }
  rate=$(net_iperf "$b" 10.99.92.2 "$a" "$NET_TMP/iperf$round.txt") || { cat "$log" >&2; net_fail "$name: iperf3"; }
  [[ $rate =~ ^[0-9.]+\ Mbits && ${rate%% *} != 0* ]] || net_fail "$name: no TCP throughput ($rate)"
  net_ping "$a" 10.99.92.2 3 >/dev/null || { cat "$log" >&2; net_fail "$name: no ping after the bulk"; }
  net_stop "$pid_a" || true
  net_stop "$pid_b" || true
  forget_pid "$pid_a"
  forget_pid "$pid_b"
  net_log "$name: iperf3 TCP $rate"
  ROUND_LOG=$log
}

for path in uring syscall; do
  disable=""
  [[ $path == uring ]] || disable=uring

  run_round "EIO, $path path" "$disable" 1
  log=$ROUND_LOG
  count=$(grep -c "$GSO_OFF" "$log" || true)
  [[ $count == 1 ]] || { cat "$log" >&2; net_fail "EIO, $path path: $count lines saying GSO went off, expected 1"; }
  net_log "EIO, $path path: GSO went off once: $(grep "$GSO_OFF" "$log")"

  # Tunnel MTU 1420: outer datagrams of up to 1452 bytes (and IP/UDP headers) over a 1280 path.
  ip -n "$a" link set "$a_link" mtu 1280
  ip -n "$b" link set "$b_link" mtu 1280
  run_round "EMSGSIZE, $path path" "$disable" 0
  log=$ROUND_LOG
  ! grep -q "$GSO_OFF" "$log" || { cat "$log" >&2; net_fail "EMSGSIZE, $path path: GSO went off"; }
  ! grep -q "could not be sent" "$log" || { cat "$log" >&2; net_fail "EMSGSIZE, $path path: datagrams lost"; }
  ip -n "$a" link set "$a_link" mtu 1500
  ip -n "$b" link set "$b_link" mtu 1500
  net_log "EMSGSIZE, $path path: traffic went on, GSO stayed on"
done
net_log "PASS"
