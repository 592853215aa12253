#!/usr/bin/env bash
# `sluicectl flows` with containers (issue 24): the flows and rule counters of the container policy
# programs pinned under BPFFS/sluice/cni/NETWORK/HOST_VETH/, as the CNI plugin pins them, read from
# their maps (sluicectl holds no BPF program), the remote ends named by the daemon's peers (about
# 10 s). In a private mount namespace with its own bpffs; the host's /sys/fs/bpf is never touched.
# A node namespace runs sluiced A with peer B ("remote-b", in a remote namespace) and routes to a
# container behind a veth whose host side carries the CNI alias. The program, pinned at
# BPFFS/sluice/cni/testnet/VETH and attached by tools/bpf_policy_probe, allows TCP 8080 from B
# (rule 0), denies TCP 9090 from the tunnel's /24 (rule 1) and other new inbound flows (default).
#   1. B's allowed and denied connections, and the container's pings to B and to the node, show in
#      `sluicectl flows IFNAME --bpffs DIR` and --json under the container's id and ifname, with
#      counts, rule index or default, B's name for B's address, and the rule counters;
#   2. --peer (name or key) keeps B's flows, of the daemon and of the container; --follow prints
#      the container's flows too;
#   3. a pinned folder whose maps cannot be opened gives one warning and the rest still shows; a
#      program whose veth is gone shows as "(veth gone)"; no containers pinned prints nothing
#      more; without any daemon interface the containers still show, their peers unknown.
# Usage: ctl_flows_containers.sh SLUICECTL SLUICED BPF_POLICY_PROBE
set -euo pipefail
PROBE=$3
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
NET_TEST_NAME=ctl_flows_containers
net_require_root
net_private_mounts "$0" "$@"
NET_TAG="fr"
ctl_init ctl_flows_containers "$1" "$2"
for tool in jq socat bpftool; do command -v "$tool" >/dev/null || net_fail "needs $tool"; done
net_bpffs BPFFS

net_ns node node
net_ns c1 c1
net_ns remote remote
net_veth "$node" 10.200.71.1/24 "$remote" 10.200.71.2/24
net_keypair a
net_keypair b
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"
net_config "$NET_TMP/$A.toml" a 51820 10.97.0.1/24
net_config_peer "$NET_TMP/$A.toml" b 10.200.71.2:51821 10.97.0.2/32 'name = "remote-b"'
net_config "$NET_TMP/$B.toml" b 51821 10.97.0.2/24
net_config_peer "$NET_TMP/$B.toml" a 10.200.71.1:51820 10.97.0.1/32,10.200.61.0/24
ctl_up "$node" "$NET_TMP/$A.toml"
ctl_up "$remote" "$NET_TMP/$B.toml"
ip -n "$remote" route replace 10.200.61.0/24 dev "$B"

# The container: eth0 behind the host veth, which carries the alias the CNI plugin sets.
HOST=${NET_PREFIX}c
CID=0123456789abcdef
ip link add "$HOST" netns "$node" type veth peer name eth0 netns "$c1" || net_fail "cannot create the container veth"
ip -n "$node" link set "$HOST" alias "sluice-cni testnet $CID eth0"
ip -n "$node" addr add 10.200.61.1/24 dev "$HOST"
ip -n "$c1" addr add 10.200.61.2/24 dev eth0
ip -n "$node" link set "$HOST" up
ip -n "$c1" link set eth0 up
ip -n "$c1" route add default via 10.200.61.1
ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
net_wait_for 10 bash -c "ip -n '$c1' link show eth0 | grep -q 'state UP'" || net_fail "the container veth did not come up"
C4=10.200.61.2
net_greeters "$c1" 8080 9090
# greeting NS ADDRESS PORT WAIT_S: what the server said, or nothing after WAIT_S.
greeting() {
  ip netns exec "$1" timeout 5 socat -T2 -u "TCP:$2:$3,connect-timeout=$4" - 2>/dev/null || true
}
# The tunnel and the neighbours come up on the first packets: a few tries before the program.
for ((try = 0; try < 5; try++)); do [[ $(greeting "$remote" "$C4" 8080 2) == hello-8080 ]] && break; done
[[ $(greeting "$remote" "$C4" 8080 2) == hello-8080 ]] || net_fail "B does not reach the container"

PIN=$BPFFS/sluice/cni/testnet/$HOST
probe() { ip netns exec "$node" "$PROBE" "$@"; }
out=$(probe attach --pin "$PIN" --ifname "$HOST") || net_fail "attach: $out"
cat >"$NET_TMP/rules.json" <<JSON
{"defaults": {"to_container": "deny", "from_container": "allow"},
 "rules": [
  {"direction": "to_container", "remote": "10.97.0.2/32", "protocol": "tcp", "ports": "8080", "action": "allow"},
  {"direction": "to_container", "remote": "10.97.0.0/24", "protocol": "tcp", "ports": "9090", "action": "deny"}
 ]}
JSON
out=$(probe rules --pin "$PIN" --file "$NET_TMP/rules.json") || net_fail "rules: $out"

# 1. Real traffic: allowed, denied by rule 1 and by default; the container's own pings.
[[ $(greeting "$remote" "$C4" 8080 2) == hello-8080 ]] || net_fail "the allowed connection failed"
[[ -z $(greeting "$remote" "$C4" 9090 0.5) ]] || net_fail "port 9090 answered, though denied"
! ip netns exec "$remote" ping -n -q -c 1 -W 0.5 "$C4" >/dev/null 2>&1 || net_fail "B's ping passed, though denied"
net_ping "$c1" 10.97.0.2 2 >/dev/null || net_fail "the container's pings to B got no reply"
net_ping "$c1" 10.200.61.1 2 >/dev/null || net_fail "the container's pings to the node got no reply"

B_KEY=$(cat "$NET_TMP/b.pub")
text=$(ctl "$node" flows "$A" --bpffs "$BPFFS") || net_fail "flows: $text"
net_log "$text"
has() { grep -qF -- "$1" <<<"$text" || net_fail "flows has no '$1': $text"; }
has "interface: $A"
has "container: $CID eth0 (network testnet, veth $HOST,"
has " -> $C4:8080 tcp to_container FORWARDED (rule 0) in "
has " -> $C4:9090 tcp to_container DROPPED (rule 1) in "
has "remote-b 10.97.0.2 -> $C4 icmp to_container DROPPED (default)"
has "remote-b $C4 -> 10.97.0.2 icmp from_container FORWARDED (default)"
has "- $C4 -> 10.200.61.1 icmp from_container FORWARDED (default)"
grep -qE "remote-b 10\.97\.0\.2:[0-9]+ -> $C4:8080 tcp to_container FORWARDED \(rule 0\) in [1-9][0-9]*/[0-9]+ out [1-9]" \
  <<<"$text" || net_fail "the allowed flow's line: $text"
grep -qE "^  rule 0: ([5-9]|[1-9][0-9]+) packets" <<<"$text" || net_fail "rule 0's counter: $text"
grep -qE "^  rule 1: [1-9][0-9]* packets" <<<"$text" || net_fail "rule 1's counter: $text"
grep -qE "^  default to_container: [1-9][0-9]* packets" <<<"$text" || net_fail "the default's counter: $text"

json=$(ctl "$node" flows "$A" --bpffs "$BPFFS" --json) || net_fail "flows --json: $json"
check() { jq -e "$2" <<<"$json" >/dev/null || net_fail "$1: $json"; }
check "one container" "(.containers | length) == 1 and .containers[0].container_id == \"$CID\" and
  .containers[0].ifname == \"eth0\" and .containers[0].network == \"testnet\" and .containers[0].veth == \"$HOST\" and
  .containers[0].veth_gone == false and (.interfaces | length) == 1"
check "allowed flow" "any(.containers[0].flows[]; .destination_port == 8080 and .source == \"10.97.0.2\" and
  .peer == \"$B_KEY\" and .peer_name == \"remote-b\" and .verdict == \"allow\" and .rule == 0 and
  .direction == \"to_container\" and .packets_to_container >= 3 and .bytes_to_container > 0 and
  .packets_from_container >= 2 and .last_seen_ms >= .first_seen_ms and
  (.last_seen_ms / 1000 - now | if . < 0 then -. else . end) < 120)"
check "denied flows" "any(.containers[0].flows[]; .destination_port == 9090 and .verdict == \"deny\" and .rule == 1 and
  .packets_to_container >= 1 and .packets_from_container == 0) and any(.containers[0].flows[]; .protocol == 1 and
  .source == \"10.97.0.2\" and .verdict == \"deny\" and .rule == \"default\")"
check "a flow of no peer" "any(.containers[0].flows[]; .destination == \"10.200.61.1\" and .peer == null)"
check "counters" '(.containers[0].rules | length) == 2 and .containers[0].rules[0].packets >= 5 and
  .containers[0].rules[1].packets >= 1 and .containers[0].default.to_container.packets >= 1 and
  .containers[0].default.from_container.packets >= 4'
net_log "the container's allowed and denied flows show with counts, rules and B's name; the counters too"

# 2. --peer keeps B's flows, by name and by key.
for who in remote-b "$B_KEY"; do
  json=$(ctl "$node" flows "$A" --bpffs "$BPFFS" --json --peer "$who") || net_fail "flows --peer $who: $json"
  check "--peer $who" 'all(.containers[0].flows[]; .peer_name == "remote-b") and
    any(.containers[0].flows[]; .rule == 0) and all(.interfaces[0].flows[]; .peer_name == "remote-b")'
done
text=$(ctl "$node" flows "$A" --bpffs "$BPFFS" --peer remote-b)
grep -qF -- "-> 10.200.61.1" <<<"$text" && net_fail "--peer kept a flow of no peer: $text"
grep -qF "FORWARDED (rule 0)" <<<"$text" || net_fail "--peer lost B's flow: $text"
json=$(ctl "$node" flows "$A" --bpffs "$BPFFS" --json --peer nobody)
check "--peer nobody" '(.containers[0].flows | length) == 0 and (.containers[0].rules | length) == 2'
# --follow's first look prints every flow: the container's come prefixed with its id.
ip netns exec "$node" timeout 3 "$SLUICECTL" flows "$A" --bpffs "$BPFFS" --follow --peer remote-b >"$NET_TMP/follow.txt" ||
  true
grep -qE "^container $CID: .* -> $C4:8080 tcp to_container FORWARDED \(rule 0\)" "$NET_TMP/follow.txt" ||
  net_fail "--follow has no container flow: $(cat "$NET_TMP/follow.txt")"
grep -qF -- "-> 10.200.61.1" "$NET_TMP/follow.txt" && net_fail "--follow --peer kept a flow of no peer"
net_log "--peer keeps one peer's flows of the container, --follow shows them"

# 3. A broken folder, a gone veth, nothing pinned, no daemon.
mkdir "$BPFFS/sluice/cni/testnet/broken"
out=$(probe load --pin "$BPFFS/sluice/cni/other/${NET_PREFIX}gone") || net_fail "load: $out"
ctl "$node" flows "$A" --bpffs "$BPFFS" >"$NET_TMP/out.txt" 2>"$NET_TMP/err.txt" ||
  net_fail "flows with a broken folder failed: $(cat "$NET_TMP/err.txt")"
[[ $(wc -l <"$NET_TMP/err.txt") == 1 ]] || net_fail "not one warning: $(cat "$NET_TMP/err.txt")"
grep -q "warning: .*$BPFFS/sluice/cni/testnet/broken.*No such file" "$NET_TMP/err.txt" ||
  net_fail "no warning naming the broken folder: $(cat "$NET_TMP/err.txt")"
grep -qF "container: (veth gone) (network other, veth ${NET_PREFIX}gone, 0 flows)" "$NET_TMP/out.txt" ||
  net_fail "no section for the gone veth: $(cat "$NET_TMP/out.txt")"
grep -qF "container: $CID eth0" "$NET_TMP/out.txt" || net_fail "the broken folder hid the container"
rmdir "$BPFFS/sluice/cni/testnet/broken"
mkdir "$NET_TMP/empty"
text=$(ctl "$node" flows "$A" --bpffs "$NET_TMP/empty" 2>&1) || net_fail "flows without containers: $text"
[[ $text != *container* && $text == "interface: $A"* ]] || net_fail "flows without containers: $text"
json=$(ctl "$node" flows "$A" --bpffs /nonexistent --json 2>&1) || net_fail "flows without a bpffs: $json"
check "no containers" '.containers == [] and (.interfaces | length) == 1'
mkdir "$NET_TMP/nosockets"
text=$(ctl "$node" --control-dir "$NET_TMP/nosockets" flows --bpffs "$BPFFS" 2>&1) || net_fail "flows without daemon: $text"
[[ $text == "container: "* && $text != *interface:* && $text == *"- 10.97.0.2 -> $C4 icmp to_container DROPPED"* ]] ||
  net_fail "flows without a daemon: $text"
net_log "a broken folder warns once, a gone veth says so, no containers print nothing more, no daemon still shows them"
net_log PASS
