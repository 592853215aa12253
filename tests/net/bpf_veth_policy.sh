#!/usr/bin/env bash
# The container policy eBPF program (bpf/container_policy.bpf.c) on the host side of a container's
# veth, through tools/bpf_policy_probe, in a private mount namespace with its own bpffs (about 8 s).
# A node namespace routes between a container (behind the veth) and a remote namespace. Rules:
# inbound TCP 8080 from the remote's IPv4 and IPv6 prefixes allowed, inbound TCP 9090 from its
# IPv4 prefix denied by a rule, everything else inbound denied by default, outbound allowed.
#   1. the allowed flow passes and shows in the flow map with packets and bytes both ways, and on
#      its rule's counter; denied flows are dropped in the kernel (no reply leaves the container)
#      and counted on their rule or on the default;
#   2. replies to the container's own connections and pings pass, and ICMP errors about its UDP
#      datagrams, while new inbound ones (another port, a ping) are denied; the same over IPv6,
#      with neighbour discovery untouched;
#   3. new rules apply at once (default inbound allow);
#   4. detach leaves no filter and no clsact qdisc, unpin no pinned file, and the kernel frees the
#      programs; deleting the veth of an attached program detaches it too.
# Usage: bpf_veth_policy.sh BPF_POLICY_PROBE
set -euo pipefail
PROBE=$1
source "$(dirname "$0")/lib.sh"
NET_TEST_NAME=bpf_veth_policy
net_require_root
net_private_mounts "$0" "$@"
NET_TAG="eb"
net_init bpf_veth_policy
command -v jq >/dev/null || net_fail "needs jq"
command -v socat >/dev/null || net_fail "needs socat"
command -v bpftool >/dev/null || net_fail "needs bpftool"
command -v python3 >/dev/null || net_fail "needs python3"
net_bpffs BPFFS

net_ns node node
net_ns c1 c1
net_ns remote remote
HOST=${NET_PREFIX}c
ip link add "$HOST" netns "$node" type veth peer name eth0 netns "$c1" || net_fail "cannot create the container veth"
ip -n "$node" addr add 10.200.61.1/24 dev "$HOST"
ip -n "$node" addr add fd00:200:61::1/64 dev "$HOST" nodad
ip -n "$c1" addr add 10.200.61.2/24 dev eth0
ip -n "$c1" addr add fd00:200:61::2/64 dev eth0 nodad
ip -n "$node" link set "$HOST" up
ip -n "$c1" link set eth0 up
net_wait_for 10 bash -c "ip -n '$node' link show '$HOST' | grep -q 'state UP' && ip -n '$c1' link show eth0 | grep -q 'state UP'" ||
  net_fail "the container veth did not come up"
ip -n "$c1" route add default via 10.200.61.1
ip -n "$c1" -6 route add default via fd00:200:61::1
net_veth "$node" 10.200.62.1/24 "$remote" 10.200.62.2/24 fd00:200:62::1/64 fd00:200:62::2/64
ip -n "$remote" route add default via 10.200.62.1
ip -n "$remote" -6 route add default via fd00:200:62::1
ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
C4=10.200.61.2 C6=fd00:200:61::2 R4=10.200.62.2 R6=fd00:200:62::2

net_greeters "$c1" 8080 9090 7070
net_greeters "$remote" 7070

# greeting NS ADDRESS PORT [WAIT_S]: what the server said, or nothing after WAIT_S (0.5 s): long
# enough where a denied SYN is the only thing to wait for, longer where an answer is expected.
greeting() {
  local address=$2
  [[ $address != *:* ]] || address="[$address]"
  ip netns exec "$1" timeout 5 socat -T2 -u "TCP:$address:$3,connect-timeout=${4:-0.5}" - 2>/dev/null || true
}
passes() { [[ $(greeting "$@" 2) == "hello-$3" ]] || net_fail "no greeting from $2 port $3 in $1"; }
blocked() { [[ -z $(greeting "$@") ]] || net_fail "$2 port $3 answered $1, though denied"; }
# pings NS ADDRESS [WAIT_S]: one echo, answered within WAIT_S (2 s).
pings() { ip netns exec "$1" ping -n -q -c 1 -W "${3:-2}" "$2" >/dev/null 2>&1; }
# udp_refused NS ADDRESS: a datagram to a closed port of ADDRESS; the ICMP error comes back to
# the socket as "refused" (else "timeout").
udp_refused() {
  ip netns exec "$1" timeout 5 python3 -c '
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], 5999))
s.send(b"x")
try:
    s.recv(16)
except ConnectionRefusedError:
    print("refused")
except OSError:
    print("timeout")' "$2"
}
probe() { ip netns exec "$node" "$PROBE" "$@"; }
# check WHAT JQ_FILTER JSON: the filter holds for the JSON.
check() { jq -e "$2" <<<"$3" >/dev/null || net_fail "$1: $3"; }
# prog_ids: the ids of the programs on the host veth's tc hooks.
prog_ids() {
  for hook in ingress egress; do ip netns exec "$node" tc filter show dev "$HOST" "$hook"; done |
    grep -o ' id [0-9]*' | awk '{print $2}'
}

# The first packets wait for neighbour discovery and fresh links: a few tries.
for address in "$C4" "$C6"; do
  for ((try = 0; try < 5; try++)); do [[ $(greeting "$remote" "$address" 7070) == hello-7070 ]] && break; done
  passes "$remote" "$address" 7070
done
net_log "without the program, everything passes"

# 1. Attach and rules.
PIN=$BPFFS/sluice/c1
out=$(probe attach --pin "$PIN" --ifname "$HOST") || net_fail "attach: $out"
mapfile -t PROGS < <(prog_ids)
((${#PROGS[@]} == 2)) || net_fail "expected a program on ingress and egress: $(prog_ids)"
cat >"$NET_TMP/rules.json" <<JSON
{"defaults": {"to_container": "deny", "from_container": "allow"},
 "rules": [
  {"direction": "to_container", "remote": "10.200.62.0/24", "protocol": "tcp", "ports": "8080", "action": "allow"},
  {"direction": "to_container", "remote": "fd00:200:62::/64", "protocol": "tcp", "ports": "8080", "action": "allow"},
  {"direction": "to_container", "remote": "10.200.62.0/24", "protocol": "tcp", "ports": "9000-9999", "action": "deny"}
 ]}
JSON
out=$(probe rules --pin "$PIN" --file "$NET_TMP/rules.json") || net_fail "rules: $out"

passes "$remote" "$C4" 8080
blocked "$remote" "$C4" 9090
blocked "$remote" "$C4" 7070
flows=$(probe flows --pin "$PIN")
counters=$(probe counters --pin "$PIN")
# flow FROM TO PROTO PORT: the jq condition for the flow whose first packet went FROM -> TO:PORT.
flow() { printf '.source == "%s" and .destination == "%s" and .protocol == %s and .destination_port == %s' "$@"; }
check "allowed flow" "any(.[]; $(flow "$R4" "$C4" 6 8080) and .direction == \"to_container\" and
  .verdict == \"allow\" and .rule == 0 and .to_container.packets >= 3 and .to_container.bytes > 0 and
  .from_container.packets >= 2 and .from_container.bytes > 0 and .last_seen_ns >= .first_seen_ns)" "$flows"
check "flow denied by rule 2" "any(.[]; $(flow "$R4" "$C4" 6 9090) and .verdict == \"deny\" and .rule == 2 and
  .to_container.packets >= 1 and .from_container.packets == 0)" "$flows"
check "flow denied by default" "any(.[]; $(flow "$R4" "$C4" 6 7070) and .verdict == \"deny\" and
  .rule == \"default\" and .to_container.packets >= 1 and .from_container.packets == 0)" "$flows"
check "counters" '(.rules | length) == 3 and .rules[0].packets >= 5 and .rules[0].bytes > 0 and
  .rules[1].packets == 0 and .rules[2].packets >= 1 and .default.to_container.packets >= 1' "$counters"
net_log "allowed TCP 8080 passes and is counted; 9090 (rule) and 7070 (default) are dropped in the kernel"

# 2. Replies pass, new inbound flows do not.
passes "$c1" "$R4" 7070
pings "$c1" "$R4" || net_fail "the container's ping got no reply"
! pings "$remote" "$C4" 0.5 || net_fail "a ping to the container passed, though denied"
passes "$remote" "$C6" 8080
blocked "$remote" "$C6" 7070
passes "$c1" "$R6" 7070
pings "$c1" "$R6" || net_fail "the container's IPv6 ping got no reply"
! pings "$remote" "$C6" 0.5 || net_fail "an IPv6 ping to the container passed, though denied"
[[ $(udp_refused "$c1" "$R4") == refused ]] || net_fail "the port unreachable error did not reach the container"
[[ $(udp_refused "$c1" "$R6") == refused ]] || net_fail "the ICMPv6 port unreachable did not reach the container"
flows=$(probe flows --pin "$PIN")
check "ICMP errors on their flows" "any(.[]; $(flow "$C4" "$R4" 17 5999) and .to_container.packets == 1) and
  any(.[]; $(flow "$C6" "$R6" 17 5999) and .to_container.packets == 1) and
  all(.[]; (.protocol == 1 or .protocol == 58) and .source_port == 3 | not)" "$flows"
check "outbound flow" "any(.[]; $(flow "$C4" "$R4" 6 7070) and .direction == \"from_container\" and
  .verdict == \"allow\" and .rule == \"default\" and .to_container.packets >= 2 and .from_container.packets >= 3)" "$flows"
check "IPv6 flow" "any(.[]; $(flow "$R6" "$C6" 6 8080) and .verdict == \"allow\" and .rule == 1 and
  .from_container.packets >= 2)" "$flows"
check "echo flows" "any(.[]; .protocol == 1 and .source == \"$C4\" and .verdict == \"allow\" and
  .to_container.packets == 1) and any(.[]; .protocol == 1 and .source == \"$R4\" and .verdict == \"deny\" and
  .from_container.packets == 0) and any(.[]; .protocol == 58 and .source == \"$C6\" and .verdict == \"allow\" and
  .to_container.packets == 1)" "$flows"
net_log "replies and ICMP errors to the container's TCP, UDP and pings pass over IPv4 and IPv6; new inbound flows are denied"

# 3. New rules apply at once.
jq '.defaults.to_container = "allow"' "$NET_TMP/rules.json" >"$NET_TMP/open.json"
out=$(probe rules --pin "$PIN" --file "$NET_TMP/open.json") || net_fail "rules: $out"
passes "$remote" "$C4" 7070
blocked "$remote" "$C4" 9090
check "counters after new rules" '.rules[0].packets == 0 and .rules[2].packets >= 1 and
  .default.to_container.packets >= 1' "$(probe counters --pin "$PIN")"
net_log "a rule change applies at once"

# 4. Detach and unpin leave nothing; neither does deleting the veth.
[[ $(probe detach --ifname "$HOST") == '{"detached":true}' ]] || net_fail "detach"
[[ -z $(prog_ids) ]] || net_fail "filters remain: $(prog_ids)"
! grep -q clsact <<<"$(ip netns exec "$node" tc qdisc show dev "$HOST")" || net_fail "the clsact qdisc remains"
passes "$remote" "$C4" 9090
[[ $(probe unpin --pin "$PIN") == '{"removed":true}' ]] || net_fail "unpin"
[[ -z $(find "$BPFFS/sluice" -mindepth 1 -not -type d) && ! -e $PIN ]] || net_fail "pinned files remain: $(find "$BPFFS/sluice")"
gone() { for id in "$@"; do ! bpftool prog show id "$id" >/dev/null 2>&1 || return 1; done; }
net_wait_for 5 gone "${PROGS[@]}" || net_fail "the kernel still holds programs ${PROGS[*]}"
[[ $(probe detach --ifname "$HOST") == '{"detached":true}' ]] || net_fail "detach again"
[[ $(probe unpin --pin "$PIN") == '{"removed":false}' ]] || net_fail "unpin again"

out=$(probe attach --pin "$BPFFS/sluice/c1b" --ifname "$HOST") || net_fail "attach again: $out"
mapfile -t PROGS < <(prog_ids)
ip -n "$node" link del "$HOST"
[[ $(probe detach --ifname "$HOST") == '{"detached":false}' ]] || net_fail "detach without the veth"
[[ $(probe unpin --pin "$BPFFS/sluice/c1b") == '{"removed":true}' ]] || net_fail "unpin after the veth went"
[[ -z $(find "$BPFFS/sluice" -mindepth 1 -not -type d) ]] || net_fail "pinned files remain: $(find "$BPFFS/sluice")"
net_wait_for 5 gone "${PROGS[@]}" || net_fail "the kernel still holds programs ${PROGS[*]} after the veth went"
out=$(probe attach --pin "$BPFFS/sluice/c1c" --ifname "$HOST") && net_fail "attach to a deleted veth: $out"
[[ $(jq -r .error <<<"$out") == *"$HOST: no such interface"* ]] || net_fail "attach to a deleted veth: $out"
[[ ! -e $BPFFS/sluice/c1c/flows ]] || net_fail "a failed attach left its pins"
net_log "detach, unpin and deleting the veth leave no filter, pin or program"
net_log PASS
