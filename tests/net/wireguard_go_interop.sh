#!/usr/bin/env bash
# sluiced <-> wireguard-go (the Debian package) in two namespaces:
#   1. sluiced initiates: wireguard-go does not know sluiced's endpoint yet, so only sluiced can
#      start the handshake; sluiced pings.
#   2. wireguard-go initiates: wireguard-go is restarted (no session left on its side) and pings
#      first; sluiced answers the new handshake.
#   Each time tcpdump confirms which side sent the handshake initiation.
#   Then pings both ways (IPv4 and IPv6 inside), iperf3 TCP 3 s each direction, and `wg show` on
#   both sides must report a handshake and traffic both ways.
# For comparison in the same run: iperf3 over a sluiced pair and over a wireguard-go pair.
# Throughput figures are printed, never judged.
# Usage: wireguard_go_interop.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init wireguard_go_interop
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"

# sluiced_config NAME PEER PORT INNER4 INNER6 PEER4 PEER6 ENDPOINT: a TOML file for one sluiced.
sluiced_config() {
  local name=$1 peer=$2 port=$3 inner4=$4 inner6=$5 peer4=$6 peer6=$7 endpoint=$8
  net_config "$NET_TMP/$name.toml" "$name" "$port" "$inner4/24,$inner6/64"
  net_config_peer "$NET_TMP/$name.toml" "$peer" "$endpoint" "$peer4/32,$peer6/128"
}

# wggo_configure NS IFNAME NAME PEER PORT INNER4 INNER6 PEER4 PEER6 [ENDPOINT]: keys, port and the
# peer through `wg set`, addresses and link state through `ip`, as wg-quick does.
wggo_configure() {
  local ns=$1 ifname=$2 name=$3 peer=$4 port=$5 inner4=$6 inner6=$7 peer4=$8 peer6=$9 endpoint=${10:-}
  net_wg "$ns" set "$ifname" private-key "$NET_TMP/$name.key" listen-port "$port" \
    peer "$(cat "$NET_TMP/$peer.pub")" allowed-ips "$peer4/32,$peer6/128" ${endpoint:+endpoint "$endpoint"}
  ip -n "$ns" addr add "$inner4/24" dev "$ifname"
  ip -n "$ns" addr add "$inner6/64" dev "$ifname" nodad
  ip -n "$ns" link set "$ifname" up
}

logs() { tail -n 30 "$NET_TMP"/*.log >&2 || true; }

# watch_initiation NS NAME: tcpdump on NS's veth, in the background, catching the first handshake
# initiation (a 148-byte UDP payload starting with message type 1) into $NET_TMP/NAME.pcap.txt.
watch_initiation() {
  local ns=$1 out="$NET_TMP/$2.pcap.txt" links dev
  links=$(ip -n "$ns" -o link show type veth)
  dev=$(awk -F': ' '{sub(/@.*/, "", $2); print $2; exit}' <<<"$links")
  ip netns exec "$ns" timeout 15 tcpdump -n -l -i "$dev" -c 1 'udp and udp[4:2] = 156 and udp[8] = 1' \
    >"$out" 2>"$out.err" &
  NET_PIDS+=($!)
  WATCH_PID=$!
  net_wait_for 5 grep -q "listening on" "$out.err" || net_fail "tcpdump did not start: $(cat "$out.err")"
}

# initiated_by NAME SOURCE: the initiation caught by watch_initiation NAME came from SOURCE.
initiated_by() {
  local out="$NET_TMP/$1.pcap.txt"
  net_wait_exit "$WATCH_PID" 5 || net_fail "$1: no handshake initiation seen on the wire"
  grep -q " IP $2 > " "$out" || net_fail "$1: the handshake initiation did not come from $2: $(cat "$out")"
}

# --- sluiced (A) <-> wireguard-go (B) ----------------------------------------------------------
net_pair sg 22
SG_A="${NET_PREFIX}sga" SG_B="${NET_PREFIX}sgb"
SG_A_PUB=$(cat "$NET_TMP/sga.pub") SG_B_PUB=$(cat "$NET_TMP/sgb.pub")
sluiced_config sga sgb 51820 10.92.2.1 fd00:92:2::1 10.92.2.2 fd00:92:2::2 10.200.22.2:51821
net_start_sluiced "$sg_a" "$SG_A" "$NET_TMP/sga.toml" "$NET_TMP/sga.log"
net_log "sluiced $(grep -o 'data path: .*' "$NET_TMP/sga.log")"
if [[ ,${SLUICE_DISABLE:-}, == *,uring,* ]]; then
  grep -q "io_uring off (SLUICE_DISABLE)" "$NET_TMP/sga.log" || net_fail "SLUICE_DISABLE=uring did not turn io_uring off"
fi
if [[ ,${SLUICE_DISABLE:-}, == *,multishot-reads,* ]]; then
  grep -q "io_uring on, devices read by plain reads (SLUICE_DISABLE)" "$NET_TMP/sga.log" ||
    net_fail "SLUICE_DISABLE=multishot-reads did not turn multishot reads off"
elif [[ ,${SLUICE_DISABLE:-}, != *,uring,* && $(printf '6.8\n%s\n' "$(uname -r)" | sort -V | head -n 1) == 6.8 ]]; then
  ! grep -q "io_uring on, devices read by plain reads" "$NET_TMP/sga.log" ||
    net_fail "Linux $(uname -r) has multishot reads (6.8 and later), yet sluiced reads by plain reads"
fi
if [[ ,${SLUICE_DISABLE:-}, == *,avx512,* ]]; then
  ! grep -q "data path: .*(AVX-512 code" "$NET_TMP/sga.log" || net_fail "SLUICE_DISABLE=$SLUICE_DISABLE left AVX-512 crypto on"
fi
if [[ ,${SLUICE_DISABLE:-}, == *,ipsec-mb,* ]]; then
  grep -q "data path: .*ChaCha20-Poly1305 from libsodium" "$NET_TMP/sga.log" ||
    net_fail "SLUICE_DISABLE=ipsec-mb did not hand transport crypto to libsodium"
fi
# Crypto on every CPU but one (inline on 2 or fewer) unless SLUICE_WORKERS says otherwise; the
# log line names the count.
cpus=$(nproc)
workers=${SLUICE_WORKERS:-$((cpus <= 2 ? 1 : cpus - 1))}
grep -qE "data path: .*, $workers crypto workers? \(" "$NET_TMP/sga.log" ||
  { logs; net_fail "the data path line does not say $workers crypto workers"; }

start_wggo_b() {  # [ENDPOINT]: wireguard-go in B, knowing sluiced's endpoint only if given.
  net_start_wireguard_go "$sg_b" "$SG_B" "$NET_TMP/sgb.log"
  WGGO_B_PID=${NET_PIDS[-1]}
  wggo_configure "$sg_b" "$SG_B" sgb sga 51821 10.92.2.2 fd00:92:2::2 10.92.2.1 fd00:92:2::1 "${1:-}"
}

# Phase 1: wireguard-go has no endpoint for sluiced, so the handshake can only come from sluiced.
start_wggo_b
[[ $(net_peer_field "$sg_a" "$SG_A" "$SG_B_PUB" 5) == 0 ]] || net_fail "sluiced reports a handshake before any traffic"
watch_initiation "$sg_b" phase1
net_ping "$sg_a" 10.92.2.2 3 || { logs; net_fail "ping sluiced -> wireguard-go (sluiced initiating)"; }
initiated_by phase1 10.200.22.1.51820
h1=$(net_peer_field "$sg_a" "$SG_A" "$SG_B_PUB" 5)
[[ $h1 -gt 0 ]] || net_fail "sluiced shows no handshake after initiating"
[[ $(net_peer_field "$sg_b" "$SG_B" "$SG_A_PUB" 5) -gt 0 ]] || net_fail "wireguard-go shows no handshake from sluiced"
[[ $(net_peer_field "$sg_b" "$SG_B" "$SG_A_PUB" 3) == 10.200.22.1:51820 ]] ||
  net_fail "wireguard-go did not learn sluiced's endpoint from the handshake"
net_log "sluiced initiated: handshake at $h1 on both sides"

# Phase 2: a fresh wireguard-go (no session) pings first, so it initiates. Handshake times are
# whole seconds: move past h1 so that a new handshake on sluiced's side is visible.
net_stop "$WGGO_B_PID" || net_fail "wireguard-go did not stop on SIGTERM"
net_wait_for 3 bash -c "(( \$(date +%s) > $h1 ))"
start_wggo_b 10.200.22.1:51820
[[ $(net_peer_field "$sg_b" "$SG_B" "$SG_A_PUB" 5) == 0 ]] || net_fail "restarted wireguard-go already has a handshake"
watch_initiation "$sg_b" phase2
net_ping "$sg_b" 10.92.2.1 3 || { logs; net_fail "ping wireguard-go -> sluiced (wireguard-go initiating)"; }
initiated_by phase2 10.200.22.2.51821
[[ $(net_peer_field "$sg_b" "$SG_B" "$SG_A_PUB" 5) -gt 0 ]] || net_fail "wireguard-go shows no handshake after initiating"
h2=$(net_peer_field "$sg_a" "$SG_A" "$SG_B_PUB" 5)
[[ $h2 -gt $h1 ]] || net_fail "sluiced shows no new handshake ($h2, before $h1) after wireguard-go initiated"
net_log "wireguard-go initiated: sluiced's handshake time moved from $h1 to $h2"

# Both ways, both inner families.
net_ping "$sg_a" 10.92.2.2 3 || net_fail "IPv4 ping sluiced -> wireguard-go"
net_ping "$sg_b" 10.92.2.1 3 || net_fail "IPv4 ping wireguard-go -> sluiced"
net_ping "$sg_a" fd00:92:2::2 3 || net_fail "IPv6 ping sluiced -> wireguard-go"
net_ping "$sg_b" fd00:92:2::1 3 || net_fail "IPv6 ping wireguard-go -> sluiced"

rate_s_to_g=$(net_iperf "$sg_b" 10.92.2.2 "$sg_a" "$NET_TMP/iperf-sg.txt") || { logs; net_fail "iperf3 sluiced -> wireguard-go"; }
rate_g_to_s=$(net_iperf "$sg_b" 10.92.2.2 "$sg_a" "$NET_TMP/iperf-gs.txt" -R) || { logs; net_fail "iperf3 wireguard-go -> sluiced"; }
net_log "iperf3 TCP sluiced -> wireguard-go: $rate_s_to_g; wireguard-go -> sluiced (-R): $rate_g_to_s"

net_has_handshake "$sg_a" "$SG_A" "$SG_B_PUB" || net_fail "wg show on sluiced: no handshake or no transfer both ways"
net_has_handshake "$sg_b" "$SG_B" "$SG_A_PUB" || net_fail "wg show on wireguard-go: no handshake or no transfer both ways"
net_log "wg show on sluiced's side:"
net_wg "$sg_a" show "$SG_A" >&2
net_log "wg show on wireguard-go's side:"
net_wg "$sg_b" show "$SG_B" >&2

# --- sluiced <-> sluiced, for comparison -------------------------------------------------------
net_pair ss 21
sluiced_config ssa ssb 51820 10.92.1.1 fd00:92:1::1 10.92.1.2 fd00:92:1::2 10.200.21.2:51821
sluiced_config ssb ssa 51821 10.92.1.2 fd00:92:1::2 10.92.1.1 fd00:92:1::1 10.200.21.1:51820
net_start_sluiced "$ss_a" "${NET_PREFIX}ssa" "$NET_TMP/ssa.toml" "$NET_TMP/ssa.log"
net_start_sluiced "$ss_b" "${NET_PREFIX}ssb" "$NET_TMP/ssb.toml" "$NET_TMP/ssb.log"
net_ping "$ss_a" 10.92.1.2 3 || { logs; net_fail "ping over the sluiced pair"; }
rate_ss=$(net_iperf "$ss_b" 10.92.1.2 "$ss_a" "$NET_TMP/iperf-ss.txt") || { logs; net_fail "iperf3 over the sluiced pair"; }

# --- wireguard-go <-> wireguard-go, for comparison ---------------------------------------------
net_pair gg 23
net_start_wireguard_go "$gg_a" "${NET_PREFIX}gga" "$NET_TMP/gga.log"
net_start_wireguard_go "$gg_b" "${NET_PREFIX}ggb" "$NET_TMP/ggb.log"
wggo_configure "$gg_a" "${NET_PREFIX}gga" gga ggb 51820 10.92.3.1 fd00:92:3::1 10.92.3.2 fd00:92:3::2 10.200.23.2:51821
wggo_configure "$gg_b" "${NET_PREFIX}ggb" ggb gga 51821 10.92.3.2 fd00:92:3::2 10.92.3.1 fd00:92:3::1 10.200.23.1:51820
net_ping "$gg_a" 10.92.3.2 3 || { logs; net_fail "ping over the wireguard-go pair"; }
rate_gg=$(net_iperf "$gg_b" 10.92.3.2 "$gg_a" "$NET_TMP/iperf-gg.txt") || { logs; net_fail "iperf3 over the wireguard-go pair"; }

net_log "throughput: sluiced<->sluiced $rate_ss, sluiced<->wireguard-go $rate_s_to_g (sluiced sending) / $rate_g_to_s (wireguard-go sending), wireguard-go<->wireguard-go $rate_gg"
net_log "PASS"
