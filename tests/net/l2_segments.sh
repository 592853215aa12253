#!/usr/bin/env bash
# L2 segments between three sluiced sites A, B and C (full mesh), each with bridges for VNI 100
# and VNI 200 and "host" namespaces attached to them; all hosts share 192.168.100.0/24, no routing.
#   1. Hosts on VNI 100 at A and B resolve each other by ARP and ping across the tunnel.
#   2. The TAP's MTU is the tunnel MTU minus the VXLAN overhead (1420 - 50 = 1370).
#   3. Isolation: VNI 200 hosts reach each other, but not the VNI 100 hosts, nor these them.
#   4. Flooding and learning: A's ARP broadcast reaches both B and C (both learn A's host behind
#      peer A); afterwards unicast between A and B reaches B only (C's frame counter stays put)
#      and A's FDB holds B's host behind peer B.
#   5. A frame larger than the tunnel can carry (VNI 200 at A has mtu = 1500 set by hand) is
#      dropped and counted in l2_oversize, never fragmented.
#   sluicectl capture holds the VXLAN packets of a ping both ways, a capture of the segment its
#   Ethernet frames with the hosts' MAC addresses; a segment that does not exist is an error.
#   sluicectl export shows the segments, and reload names a segment change it cannot apply.
#   6. iperf3 TCP 3 s between the VNI 100 hosts of A and B, and for comparison between the
#      sluiced of A and B at L3 (tunnel addresses); figures are printed, never judged.
#   7. TAP offloads: on unless SLUICE_DISABLE names vnet or tap-vnet (the log says which); the
#      TCP super-frames of step 6 were split into frames that fit (no oversize or malformed frame
#      at A's VNI 100) and the coalesced ones written to B's TAP without an error. With offloads,
#      A sent at least twice as many frames as it read from its TAP (super-frames), and B wrote
#      fewer to its TAP than it received (coalesced); the kernel counts the TAPs' reads and writes.
#      Numbered UDP datagrams from A's host to B's all arrive whole and in order, and with offloads
#      B writes them to its TAP coalesced (UDP super-frames, unless SLUICE_DISABLE names uso).
#   8. A TAP deleted under B's sluiced (VNI 200): B's log says that segment stops, and B keeps
#      carrying VNI 100 and the tunnel.
# Costs about 20 s.
# Usage: l2_segments.sh SLUICECTL SLUICED
set -euo pipefail
SLUICECTL=$1
SLUICED=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/l2_lib.sh"
net_init l2_segments
net_require_root
command -v jq >/dev/null || net_fail "needs jq"

net_ns site_a sa
net_ns site_b sb
net_ns site_c sc
for ns in "$site_a" "$site_b" "$site_c"; do l2_no_ipv6 "$ns"; done
net_veth "$site_a" 10.200.61.1/24 "$site_b" 10.200.61.2/24
net_veth "$site_a" 10.200.62.1/24 "$site_c" 10.200.62.3/24
net_veth "$site_b" 10.200.63.2/24 "$site_c" 10.200.63.3/24
for s in a b c; do net_keypair "$s"; done

# site_config NAME TUNNEL_ADDRESS EXTRA_SEGMENT_LINES PEER ENDPOINT ADDRESS PEER ENDPOINT ADDRESS
site_config() {
  local name=$1 address=$2 extra=$3
  net_config "$NET_TMP/$name.toml" "$name" 51820 "$address/24"
  net_config_peer "$NET_TMP/$name.toml" "$4" "$5:51820" "$6/32"
  net_config_peer "$NET_TMP/$name.toml" "$7" "$8:51820" "$9/32"
  cat >>"$NET_TMP/$name.toml" <<TOML

[[segment]]
vni = 100
tap = "${NET_PREFIX}t100"
bridge = "${NET_PREFIX}b100"

[[segment]]
vni = 200
tap = "${NET_PREFIX}t200"
bridge = "${NET_PREFIX}b200"
$extra
TOML
}
site_config a 10.10.0.1 "mtu = 1500" b 10.200.61.2 10.10.0.2 c 10.200.62.3 10.10.0.3
site_config b 10.10.0.2 "" a 10.200.61.1 10.10.0.1 c 10.200.63.3 10.10.0.3
site_config c 10.10.0.3 "" a 10.200.62.1 10.10.0.1 b 10.200.63.2 10.10.0.2
IF_A="${NET_PREFIX}a" IF_B="${NET_PREFIX}b" IF_C="${NET_PREFIX}c"
net_start_sluiced "$site_a" "$IF_A" "$NET_TMP/a.toml" "$NET_TMP/a.log"
net_start_sluiced "$site_b" "$IF_B" "$NET_TMP/b.toml" "$NET_TMP/b.log"
net_start_sluiced "$site_c" "$IF_C" "$NET_TMP/c.toml" "$NET_TMP/c.log"
PUB_A=$(cat "$NET_TMP/a.pub") PUB_B=$(cat "$NET_TMP/b.pub")
logs() { tail -n 20 "$NET_TMP"/*.log >&2 || true; }

# 2. MTU: what fits the tunnel by default, the configured value otherwise.
tap_mtu=$(ip -n "$site_a" -o link show "${NET_PREFIX}t100" | awk '{for (i = 1; i < NF; i++) if ($i == "mtu") print $(i+1)}')
[[ $tap_mtu == 1370 ]] || net_fail "TAP MTU is $tap_mtu, expected 1370 (1420 - 20 IP - 8 UDP - 8 VXLAN - 14 Ethernet)"
tap_link=$(ip -n "$site_a" -o link show "${NET_PREFIX}t100")
[[ $tap_link == *"master ${NET_PREFIX}b100 "* ]] || net_fail "the TAP is not a port of its bridge: $tap_link"
net_log "TAP MTU 1370, enslaved to the bridge sluiced created"

B100=${NET_PREFIX}b100 B200=${NET_PREFIX}b200
l2_host host_a1 ha1 "$site_a" "$B100" 192.168.100.1/24 1370
l2_host host_b1 hb1 "$site_b" "$B100" 192.168.100.2/24 1370
l2_host host_c1 hc1 "$site_c" "$B100" 192.168.100.3/24 1370
l2_host host_a2 ha2 "$site_a" "$B200" 192.168.100.21/24 1500
l2_host host_b2 hb2 "$site_b" "$B200" 192.168.100.22/24 1370

# 1 and 4. The first ping makes A's host broadcast an ARP request.
rx_c_before=$(l2_counter "$site_c" "$IF_C" 100 rx_frames)
net_ping "$host_a1" 192.168.100.2 3 >/dev/null || { logs; net_fail "ping VNI 100 host A -> host B"; }
mac_a1=$(l2_own_mac "$host_a1" 192.168.100.1)
mac_b1=$(l2_own_mac "$host_b1" 192.168.100.2)
[[ $(l2_mac "$host_a1" 192.168.100.2) == "$mac_b1" ]] || net_fail "host A did not resolve host B's MAC $mac_b1 by ARP"
net_log "ARP resolved 192.168.100.2 to $mac_b1 across the tunnel; ping A -> B on VNI 100 works"
net_ping "$host_b1" 192.168.100.1 2 >/dev/null || net_fail "ping VNI 100 host B -> host A"

[[ $(l2_fdb_peer "$site_b" "$IF_B" 100 "$mac_a1") == "$PUB_A" ]] || net_fail "B did not learn host A's MAC behind peer A"
[[ $(l2_fdb_peer "$site_c" "$IF_C" 100 "$mac_a1") == "$PUB_A" ]] ||
  net_fail "the ARP broadcast of host A did not reach C (C has not learned $mac_a1)"
rx_c_after_arp=$(l2_counter "$site_c" "$IF_C" 100 rx_frames)
((rx_c_after_arp > rx_c_before)) || net_fail "C's segment received no frame from A's broadcast"
[[ $(l2_fdb_peer "$site_a" "$IF_A" 100 "$mac_b1") == "$PUB_B" ]] || net_fail "A did not learn host B's MAC behind peer B"
net_log "A's ARP broadcast reached B and C (both learned $mac_a1 behind A); A learned $mac_b1 behind B"

# Links that just came up send a few IGMP reports within about a second (flooded, as multicast
# should be); let them pass before counting, so the window holds only the pings.
sleep 2
rx_b_before=$(l2_counter "$site_b" "$IF_B" 100 rx_frames)
rx_c_before=$(l2_counter "$site_c" "$IF_C" 100 rx_frames)
flooded_before=$(l2_counter "$site_a" "$IF_A" 100 tx_flooded)
net_ping "$host_a1" 192.168.100.2 20 >/dev/null || net_fail "second ping A -> B"
rx_b=$(( $(l2_counter "$site_b" "$IF_B" 100 rx_frames) - rx_b_before ))
rx_c=$(( $(l2_counter "$site_c" "$IF_C" 100 rx_frames) - rx_c_before ))
flooded=$(( $(l2_counter "$site_a" "$IF_A" 100 tx_flooded) - flooded_before ))
((rx_b >= 20)) || net_fail "B's segment received $rx_b frames for 20 pings"
((rx_c == 0)) || net_fail "C's segment received $rx_c frames of the A -> B unicast (expected none)"
((flooded == 0)) || net_fail "A flooded $flooded frames after learning (expected none)"
net_log "after learning, 20 pings A -> B: B received $rx_b frames, C $rx_c, A flooded $flooded"
ip netns exec "$site_a" "$SLUICECTL" fdb "$IF_A" >&2

# Captures see segment traffic both ways: the VXLAN packets sent and received, and at the same
# time, in a capture of the segment (by VNI, one peer), the Ethernet frames inside them.
capture="$NET_TMP/l2.pcap" frames="$NET_TMP/l2-frames.pcap"
ip netns exec "$site_a" timeout 20 "$SLUICECTL" capture "$IF_A" --count 6 -w "$capture" 2>"$NET_TMP/capture.err" &
capture_pid=$!
NET_PIDS+=("$capture_pid")
ip netns exec "$site_a" timeout 20 "$SLUICECTL" capture "$IF_A" --segment 100 --peer "$PUB_B" --count 6 \
  -w "$frames" 2>"$NET_TMP/frames.err" &
frames_pid=$!
NET_PIDS+=("$frames_pid")
for file in "$capture" "$frames"; do
  net_wait_for 5 bash -c "[[ \$(stat -c %s '$file' 2>/dev/null || echo 0) -ge 24 ]]" || net_fail "capture $file did not start"
done
net_ping "$host_a1" 192.168.100.2 3 >/dev/null || net_fail "ping A -> B during the capture"
net_wait_exit "$capture_pid" 10 || net_fail "the capture did not end after 6 packets: $(cat "$NET_TMP/capture.err")"
net_wait_exit "$frames_pid" 10 || net_fail "the segment capture did not end after 6 frames: $(cat "$NET_TMP/frames.err")"
decoded=$(tcpdump -nr "$capture" 2>/dev/null)
sent=$(grep -c '10\.10\.0\.1\.[0-9]* > 10\.10\.0\.2\.4789: VXLAN.* vni 100' <<<"$decoded" || true)
received=$(grep -c '10\.10\.0\.2\.[0-9]* > 10\.10\.0\.1\.4789: VXLAN.* vni 100' <<<"$decoded" || true)
((sent == 3 && received == 3)) || net_fail "capture of 3 pings: $sent VXLAN packets out, $received in: $decoded"
net_log "capture of 3 pings on VNI 100: $sent VXLAN packets out, $received in"
decoded=$(tcpdump -e -nr "$frames" 2>&1)
[[ $decoded == *"link-type EN10MB (Ethernet)"* ]] || net_fail "the segment capture is not Ethernet pcap: $decoded"
sent=$(grep -c "$mac_a1 > $mac_b1, ethertype IPv4.* 192\.168\.100\.1 > 192\.168\.100\.2: ICMP echo request" <<<"$decoded" || true)
received=$(grep -c "$mac_b1 > $mac_a1, ethertype IPv4.* 192\.168\.100\.2 > 192\.168\.100\.1: ICMP echo reply" <<<"$decoded" || true)
((sent == 3 && received == 3)) || net_fail "segment capture of 3 pings: $sent frames out, $received in: $decoded"
net_log "segment capture of 3 pings on VNI 100: $sent Ethernet frames $mac_a1 > $mac_b1, $received back"
if error=$(ip netns exec "$site_a" "$SLUICECTL" capture "$IF_A" --segment 999 -w /dev/null 2>&1); then
  net_fail "a capture of a segment that does not exist started"
fi
[[ $error == *"--segment 999: no such segment"*"sluicectl fdb $IF_A"* ]] || net_fail "unknown segment: $error"
net_log "a capture of segment 999: $error"

# 3. Isolation between VNIs (all hosts share one /24).
net_ping "$host_a2" 192.168.100.22 3 >/dev/null || { logs; net_fail "ping VNI 200 host A -> host B"; }
if net_ping "$host_a1" 192.168.100.22 2 >/dev/null; then net_fail "VNI 100 host A reached VNI 200 host B"; fi
if net_ping "$host_a2" 192.168.100.2 2 >/dev/null; then net_fail "VNI 200 host A reached VNI 100 host B"; fi
[[ -z $(l2_mac "$host_a1" 192.168.100.22) ]] || net_fail "a VNI 100 host resolved a VNI 200 host"
[[ -z $(l2_fdb_peer "$site_b" "$IF_B" 200 "$mac_a1") ]] || net_fail "VNI 100 host A's MAC appeared in B's VNI 200 table"
net_log "VNI 200 hosts reach each other; VNI 100 and VNI 200 do not reach each other"

# 5. Oversize: host A2 (MTU 1500) sends a 1500-byte packet; the tunnel carries at most 1370.
oversize_before=$(ip netns exec "$site_a" "$SLUICECTL" stats "$IF_A" --json | jq '.interfaces[0].counters.l2_oversize')
if ip netns exec "$host_a2" ping -c 2 -i 0.2 -W 1 -M 'do' -s 1472 192.168.100.22 >/dev/null; then
  net_fail "a 1500-byte packet crossed a 1420-byte tunnel"
fi
oversize=$(( $(ip netns exec "$site_a" "$SLUICECTL" stats "$IF_A" --json | jq '.interfaces[0].counters.l2_oversize') - oversize_before ))
((oversize >= 2)) || net_fail "oversize frames counted: $oversize, expected 2"
net_log "frames too large for the tunnel: dropped and counted (l2_oversize +$oversize)"

# export writes the segments; reload names segment changes it cannot apply, and only those.
exported=$(ip netns exec "$site_a" "$SLUICECTL" export "$IF_A")
printf -v expected '[[segment]]\nvni = 200\ntap = "%s"\nbridge = "%s"\nmtu = 1500\n' "${NET_PREFIX}t200" "$B200"
[[ $exported == *"$expected"* ]] || net_fail "export does not show segment VNI 200 as configured: $exported"
notes=$(ip netns exec "$site_a" "$SLUICECTL" reload "$IF_A" --config "$NET_TMP/a.toml" 2>&1 >/dev/null)
[[ $notes != *segments* ]] || net_fail "reload of the unchanged file reports segment changes: $notes"
sed 's/^vni = 200$/vni = 300/' "$NET_TMP/a.toml" >"$NET_TMP/a300.toml"
notes=$(ip netns exec "$site_a" "$SLUICECTL" reload "$IF_A" --config "$NET_TMP/a300.toml" 2>&1 >/dev/null)
[[ $notes == *"segments: the file has "*"VNI 300"*"reload does not change L2 segments"* ]] ||
  net_fail "reload did not name the segment change: $notes"
net_log "export shows the segments; reload names a segment change it leaves for a restart"

# 6. Throughput, L2 and L3, in the same run.
l2_rate=$(net_iperf "$host_b1" 192.168.100.2 "$host_a1" "$NET_TMP/iperf-l2.txt") || net_fail "iperf3 over VNI 100"
l3_rate=$(net_iperf "$site_b" 10.10.0.2 "$site_a" "$NET_TMP/iperf-l3.txt") || net_fail "iperf3 over the tunnel (L3)"
net_log "iperf3 TCP 3 s: L2 segment (VXLAN in the tunnel) $l2_rate; L3 sluiced <-> sluiced $l3_rate"

# 7. Offloads: as SLUICE_DISABLE says, and nothing dropped by splitting or coalescing.
expected_offloads=on
[[ ,${SLUICE_DISABLE:-}, != *,vnet,* && ,${SLUICE_DISABLE:-}, != *,tap-vnet,* ]] || expected_offloads=off
grep -q "segment VNI 100: .*TAP offloads $expected_offloads\$" "$NET_TMP/a.log" ||
  { logs; net_fail "A's log does not say 'TAP offloads $expected_offloads' for VNI 100"; }
for counter in oversize malformed; do
  value=$(l2_counter "$site_a" "$IF_A" 100 "$counter")
  [[ $value == 0 ]] || net_fail "A's VNI 100 counted $value $counter frames during iperf3"
done
value=$(l2_counter "$site_b" "$IF_B" 100 tap_write_errors)
[[ $value == 0 ]] || net_fail "B's TAP of VNI 100 refused $value writes during iperf3"
# tap_stat NS COUNTER: a statistic of the VNI 100 TAP; a TAP's tx is what sluiced read, rx what it wrote.
tap_stat() { ip netns exec "$1" cat "/sys/class/net/${NET_PREFIX}t100/statistics/$2"; }
read_a=$(tap_stat "$site_a" tx_packets) sent_a=$(l2_counter "$site_a" "$IF_A" 100 tx_frames)
written_b=$(tap_stat "$site_b" rx_packets) received_b=$(l2_counter "$site_b" "$IF_B" 100 rx_frames)
if [[ $expected_offloads == on ]]; then
  ((sent_a >= 2 * read_a)) || net_fail "A sent $sent_a frames from $read_a TAP reads: no super-frames split"
  ((received_b > written_b)) || net_fail "B wrote $written_b times to its TAP for $received_b frames: none coalesced"
fi
net_log "TAP offloads $expected_offloads; no frame of VNI 100 oversize, malformed or refused;" \
  "A: $read_a TAP reads became $sent_a frames, B: $received_b frames written in $written_b TAP writes"
# UDP: numbered datagrams in bursts, all whole and in order; with offloads (and uso not turned
# off), B coalesces them into UDP super-frames for its TAP.
net_udp_burst "$host_a1" "$host_b1" 192.168.100.2 tap_stat "$site_b" rx_packets
b_log=$(cat "$NET_TMP/b.log")
if [[ $expected_offloads == on && ,${SLUICE_DISABLE:-}, != *,uso,* && $b_log != *"no UDP segmentation offload"* ]]; then
  ((NET_BURST_WRITES < NET_BURST_RECEIVED)) ||
    net_fail "UDP datagrams on VNI 100 were not coalesced for B's TAP ($NET_BURST_WRITES writes)"
fi

# 8. A deleted TAP ends its segment only.
ip -n "$site_b" link del "${NET_PREFIX}t200"
net_wait_for 5 grep -q "reading from TAP device ${NET_PREFIX}t200 failed: .*; segment VNI 200 stops" "$NET_TMP/b.log" ||
  { logs; net_fail "B's log does not say that VNI 200 stops once its TAP is gone"; }
net_ping "$host_a1" 192.168.100.2 2 >/dev/null || { logs; net_fail "VNI 100 A -> B after B's VNI 200 TAP was deleted"; }
net_ping "$site_a" 10.10.0.2 2 >/dev/null || { logs; net_fail "the tunnel A -> B after B's VNI 200 TAP was deleted"; }
net_log "B's VNI 200 TAP deleted: that segment stops, VNI 100 and the tunnel carry on"
net_log "PASS"
