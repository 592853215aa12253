#!/usr/bin/env bash
# Rule matching of the container policy eBPF program (bpf/container_policy.bpf.c), packet by
# packet: crafted frames go through the loaded program with BPF_PROG_TEST_RUN (`bpftool prog
# run`), never onto a network, in a private mount namespace with its own bpffs (about 3 s).
# Prefixes off word and byte boundaries (/20, /66), port ranges, protocol any, first match, the
# direction of a rule, the defaults, replies to an allowed flow, ARP, and the rule counters; then
# the peers set: rules for peers only, the peer default beside the plain one (IPv4 and IPv6, the
# two families apart in the set), their counters, and a replaced set.
# Usage: bpf_policy_matching.sh BPF_POLICY_PROBE
set -euo pipefail
PROBE=$1
source "$(dirname "$0")/lib.sh"
NET_TEST_NAME=bpf_policy_matching
net_require_root
net_private_mounts "$0" "$@"
net_init bpf_policy_matching
for tool in jq bpftool python3; do command -v "$tool" >/dev/null || net_fail "needs $tool"; done
net_bpffs BPFFS
PIN=$BPFFS/sluice/m
out=$("$PROBE" load --pin "$PIN") || net_fail "load: $out"

cat >"$NET_TMP/rules.json" <<'JSON'
{"defaults": {"to_container": "deny", "from_container": "allow"},
 "rules": [
  {"direction": "to_container", "remote": "10.1.16.0/20", "protocol": "tcp", "ports": "80-89", "action": "allow"},
  {"direction": "to_container", "remote": "10.1.0.0/16", "action": "deny"},
  {"direction": "to_container", "remote": "fd00:1:2:3:4000::/66", "protocol": "udp", "ports": "53", "action": "allow"},
  {"direction": "from_container", "remote": "10.9.0.0/16", "protocol": "tcp", "action": "deny"},
  {"direction": "to_container", "remote": "0.0.0.0/0", "protocol": "icmp", "action": "allow"}
 ]}
JSON
out=$("$PROBE" rules --pin "$PIN" --file "$NET_TMP/rules.json") || net_fail "rules: $out"

# One line "FILE KIND SRC DST SPORT DPORT" per frame on stdin: writes each Ethernet frame (KIND tcp,
# udp, icmp or arp). One python run for all: it starts slowly on a loaded machine.
cat >"$NET_TMP/frame.py" <<'PY'
import ipaddress, struct, sys

def frame(kind, src, dst, sport, dport):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if kind == "arp":
        return b"\xff" * 6 + b"\x02" * 6 + b"\x08\x06" + b"\x00" * 28
    if kind == "tcp":
        l4, proto = struct.pack("!HHIIBBHHH", int(sport), int(dport), 1, 0, 5 << 4, 2, 65535, 0, 0), 6
    elif kind == "udp":
        l4, proto = struct.pack("!HHHH", int(sport), int(dport), 9, 0) + b"x", 17
    else:  # an echo request, id SPORT
        proto = 1 if s.version == 4 else 58
        l4 = struct.pack("!BBHHH", 8 if s.version == 4 else 128, 0, 0, int(sport), 1)
    if s.version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0, s.packed, d.packed)
        return b"\x02" * 12 + b"\x08\x00" + ip + l4
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64, s.packed, d.packed)
    return b"\x02" * 12 + b"\x86\xdd" + ip + l4

for line in sys.stdin:
    path, *spec = line.split()
    with open(path, "wb") as out:
        out.write(frame(*spec))
PY

# expect WANT DIRECTION KIND SRC DST SPORT DPORT: a case, run in order by run_cases: the program
# of that direction passes (WANT pass) or drops (drop) the frame.
CASES=()
expect() { CASES+=("$*"); }
run_cases() {
  local i want direction spec result got
  for i in "${!CASES[@]}"; do
    read -r want direction spec <<<"${CASES[i]}"
    echo "$NET_TMP/frame$i $spec"
  done | python3 "$NET_TMP/frame.py"
  for i in "${!CASES[@]}"; do
    read -r want direction spec <<<"${CASES[i]}"
    result=$(bpftool prog run pinned "$PIN/sluice_$direction" data_in "$NET_TMP/frame$i" | awk '/Return value/ {print $3}')
    case $result in
      0,) got=pass ;;
      2,) got=drop ;;
      *) net_fail "${CASES[i]}: unexpected return value $result" ;;
    esac
    [[ $got == "$want" ]] || net_fail "${CASES[i]}: $got"
  done
}
C=10.244.0.5 C6=fd00:244::5
# Rule 0: TCP 80-89 from 10.1.16.0/20; rule 1: the rest of 10.1.0.0/16.
expect pass to_container tcp 10.1.17.5 "$C" 40000 85
expect pass to_container tcp 10.1.31.255 "$C" 40001 80
expect drop to_container tcp 10.1.17.5 "$C" 40002 90
expect drop to_container tcp 10.1.32.1 "$C" 40003 85
expect drop to_container udp 10.1.17.5 "$C" 40004 85
# The defaults: inbound deny, outbound allow.
expect drop to_container tcp 10.2.0.1 "$C" 40005 85
expect pass from_container tcp "$C" 10.2.0.1 40006 85
# Rule 2: UDP 53 from fd00:1:2:3:4000::/66 (bit 65 decides).
expect pass to_container udp fd00:1:2:3:4000::1 "$C6" 40007 53
expect pass to_container udp fd00:1:2:3:7fff::1 "$C6" 40008 53
expect drop to_container udp fd00:1:2:3:c000::1 "$C6" 40009 53
expect drop to_container udp fd00:1:2:3:4000::1 "$C6" 40010 54
expect drop to_container tcp fd00:1:2:3:4000::1 "$C6" 40011 53
# Rule 3 is outbound only: TCP to 10.9.0.0/16 from the container; inbound rules do not apply out.
expect drop from_container tcp "$C" 10.9.1.1 40012 443
expect pass from_container udp "$C" 10.9.1.1 40013 443
expect pass from_container tcp "$C" 10.1.17.5 40014 22
# Rule 4: inbound echo requests over IPv4 only (an IPv4 rule never matches IPv6).
expect pass to_container icmp 10.3.0.1 "$C" 7 0
expect drop to_container icmp fd00:3::1 "$C6" 8 0
# A reply to an allowed outbound flow passes; the same remote to another port does not.
expect pass from_container tcp "$C" 10.5.0.1 40015 443
expect pass to_container tcp 10.5.0.1 "$C" 443 40015
expect drop to_container tcp 10.5.0.1 "$C" 443 40016
# Non-IP passes.
expect pass to_container arp 0.0.0.0 0.0.0.0 0 0
run_cases

counters=$("$PROBE" counters --pin "$PIN")
jq -e '[.rules[].packets] == [2, 3, 2, 1, 1] and .default.to_container.packets == 6 and
  .default.from_container.packets == 5' <<<"$counters" >/dev/null || net_fail "counters: $counters"
flows=$("$PROBE" flows --pin "$PIN")
jq -e 'length == 19 and any(.[]; .source_port == 40015 and .rule == "default" and .direction == "from_container" and
  .to_container.packets == 1 and .from_container.packets == 1)' <<<"$flows" >/dev/null || net_fail "flows: $flows"
net_log "${#CASES[@]} packets decided as the rules say; counters and flows agree"

# The peers set: "peer" rules match only remote ends in it; what no rule decides falls to the peer
# default for peers, to the plain default for the rest.
cat >"$NET_TMP/peers.json" <<'JSON'
{"defaults": {"to_container": "allow", "from_container": "allow"},
 "peer_defaults": {"to_container": "deny", "from_container": "allow"},
 "peers": ["10.50.0.0/16", "10.60.1.0/24", "fd00:50::/48"],
 "rules": [
  {"direction": "to_container", "remote": "0.0.0.0/0", "protocol": "tcp", "ports": "80", "action": "allow", "peer": true},
  {"direction": "to_container", "remote": "::/0", "protocol": "tcp", "ports": "80", "action": "allow", "peer": true},
  {"direction": "to_container", "remote": "10.60.0.0/16", "protocol": "udp", "action": "allow", "peer": true},
  {"direction": "from_container", "remote": "0.0.0.0/0", "protocol": "tcp", "ports": "25", "action": "deny", "peer": true}
 ]}
JSON
out=$("$PROBE" rules --pin "$PIN" --file "$NET_TMP/peers.json") || net_fail "peer rules: $out"
jq -e '. == ["10.50.0.0/16", "10.60.1.0/24", "fd00:50::/48"]' <<<"$("$PROBE" peers --pin "$PIN" | jq -c sort)" \
  >/dev/null || net_fail "peers set: $("$PROBE" peers --pin "$PIN")"
CASES=()
# Rule 0 for a peer; the same from a non-peer falls to the plain default (allow), another port
# from the peer to the peer default (deny).
expect pass to_container tcp 10.50.3.4 "$C" 41000 80
expect pass to_container tcp 10.70.0.1 "$C" 41001 80
expect drop to_container tcp 10.50.3.4 "$C" 41002 81
expect pass to_container tcp 10.70.0.1 "$C" 41003 81
# Rule 2: its prefix and the set both: 10.60.1.0/24 only; 10.60.2.9 is no peer (plain default).
expect pass to_container udp 10.60.1.9 "$C" 41004 53
expect pass to_container udp 10.60.2.9 "$C" 41005 53
expect drop to_container udp 10.50.0.1 "$C" 41006 53
# IPv6: rule 1, the peer default, a non-peer; a32:: shares its first bytes with 10.50.0.0/16, but
# the family word keeps it out of the set.
expect pass to_container tcp fd00:50:0:1::5 "$C6" 41007 80
expect drop to_container tcp fd00:50:0:1::5 "$C6" 41008 81
expect pass to_container tcp fd00:51::5 "$C6" 41009 81
expect pass to_container tcp a32::1 "$C6" 41010 81
# Outbound: rule 3 for a peer only; the peer default allows, and the reply passes on that flow.
expect drop from_container tcp "$C" 10.50.9.9 41011 25
expect pass from_container tcp "$C" 10.70.9.9 41012 25
expect pass from_container tcp "$C" 10.50.9.9 41013 443
expect pass to_container tcp 10.50.9.9 "$C" 443 41013
run_cases
counters=$("$PROBE" counters --pin "$PIN")
jq -e '[.rules[].packets] == [1, 1, 1, 1] and .default.to_container.packets == 5 and
  .peer_default.to_container.packets == 3 and .default.from_container.packets == 1 and
  .peer_default.from_container.packets == 2' <<<"$counters" >/dev/null || net_fail "peer counters: $counters"
flows=$("$PROBE" flows --pin "$PIN")
jq -e 'any(.[]; .source_port == 41002 and .rule == "peer default" and .verdict == "deny") and
  any(.[]; .source_port == 41003 and .rule == "default" and .verdict == "allow") and
  any(.[]; .source_port == 41008 and .rule == "peer default") and
  any(.[]; .source_port == 41013 and .rule == "peer default" and .to_container.packets == 1)' <<<"$flows" \
  >/dev/null || net_fail "peer flows: $flows"
net_log "${#CASES[@]} packets decided on the peers set and the peer defaults"

# A new set replaces the old: 10.50.0.0/16 leaves (its traffic now falls to the plain default),
# 10.80.0.0/16 joins.
jq '.peers = ["10.60.1.0/24", "10.80.0.0/16"]' "$NET_TMP/peers.json" >"$NET_TMP/peers2.json"
out=$("$PROBE" rules --pin "$PIN" --file "$NET_TMP/peers2.json") || net_fail "new peers: $out"
peers=$("$PROBE" peers --pin "$PIN")
jq -e 'sort == ["10.60.1.0/24", "10.80.0.0/16"]' <<<"$peers" >/dev/null || net_fail "replaced peers set: $peers"
CASES=()
expect pass to_container tcp 10.50.3.4 "$C" 42000 81
expect drop to_container tcp 10.80.3.4 "$C" 42001 81
expect pass to_container tcp 10.80.3.4 "$C" 42002 80
run_cases
[[ $("$PROBE" unpin --pin "$PIN") == '{"removed":true}' ]] || net_fail "unpin"
net_log "a replaced peers set decides new flows at once"
net_log PASS
