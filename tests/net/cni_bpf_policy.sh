#!/usr/bin/env bash
# The CNI plugin's "policy" key (issue 24): sluiced's rules enforced by eBPF on a container's host
# veth, in a private mount namespace with its own bpffs (about 30 s). A node runs sluiced with a
# peer B, whose allowed IPs hold B's own tunnel address and a "remote pods" /24 with an address
# inside B (10.245.9.1, the source of B's traffic here). The node's policy: inbound default deny;
# from group "remotes": TCP 8080 to the pod subnet denied, TCP 7070 allowed, ICMP allowed.
#   1. ADD pins the program at BPFFS/sluice/cni/NETWORK/HOSTVETH and attaches it; its 6 rules are
#      sluiced's 3 per B prefix, its peers set B's prefixes, the inbound default its peer default,
#      all written once (the config's generation is 1);
#   2. B's ping passes and is counted on the ICMP rule; the node's own ping is not governed
#      (the program's default allows); CHECK passes;
#   3. sluiced drops B's TCP 8080 itself, so to see the container's program decide, sluiced's rules
#      are reloaded away (the container's maps keep theirs until a sync): then 8080 is
#      dropped in the kernel on its rule, 7070 passes on its rule, 9090 is dropped by the peer
#      default;
#   3b. `sluice-mesh sync-policy` (what the mesh agent does every 2 s) brings a reload of sluiced
#      into the running container's maps; run again, it finds them in place and keeps the counters;
#   3c. while the pin directory is locked (flock), sync-policy waits for it: it fails after 5 s
#      naming the directory, or writes once the lock is released;
#   4. CHECK fails once a filter is removed by hand; DEL removes the pin dir and the filters;
#   5. GC with an empty valid list removes the pins of a container whose veth vanished;
#   6. an ADD whose policy compiles into more than 64 rules, and one whose sluiced is not running,
#      fail with their cause and leave no veth, reservation or pin; STATUS passes with sluiced and
#      fails (code 50) without it;
#   7. a Flannel-style mesh (80 more peers, a /24 each) with an inbound deny default and a rule for
#      any peer: the ADD fits in one rule and the peer default, B's ping passes, its TCP does not;
#   8. IPv6: a dual-stack container, B's IPv6 prefixes in its allowed IPs: B's ICMPv6 passes on the
#      ping rule, its TCP 8080 is dropped on an IPv6-only rule, 9090 on the peer default, 7070 passes.
# Usage: cni_bpf_policy.sh PLUGIN SLUICECTL SLUICED BPF_POLICY_PROBE SLUICE_MESH
# shellcheck disable=SC2016 # the single-quoted $names are jq's variables
set -euo pipefail
PLUGIN=$1
PROBE=$4
SLUICE_MESH=$5
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
NET_TEST_NAME=cni_bpf_policy
net_require_root
net_private_mounts "$0" "$@"
NET_TAG="cb"
ctl_init cni_bpf_policy "$2" "$3"
for tool in jq socat bpftool tc; do command -v "$tool" >/dev/null || net_fail "needs $tool"; done
net_bpffs BPFFS

net_ns node node
net_ns b b
net_veth "$node" 10.200.71.1/24 "$b" 10.200.71.2/24
net_keypair node
net_keypair b
N="${NET_PREFIX}n"
B="${NET_PREFIX}b"
ip -n "$b" addr add 10.245.9.1/32 dev lo

# write_node [POLICY_TOML]: the node's config, with these rules; B's allowed IPs are B_ALLOWED.
B_ALLOWED=10.98.0.2/32,10.245.9.0/24
write_node() {
  net_config "$NET_TMP/$N.toml" node 51830 10.98.0.1/24
  net_config_peer "$NET_TMP/$N.toml" b 10.200.71.2:51831 "$B_ALLOWED" 'name = "remote-b"' 'groups = ["remotes"]'
  printf '\n%s\n' "${1:-}" >>"$NET_TMP/$N.toml"
}
# policy_to POD_PREFIX: the node's policy: inbound default deny; from group "remotes": TCP 8080 to
# POD_PREFIX denied, TCP 7070 allowed, ICMP allowed.
policy_to() {
  cat <<TOML
[policy_defaults]
inbound = "deny"

[[policy]]
name = "no 8080"
groups = ["remotes"]
to = ["$1"]
protocol = "tcp"
ports = [8080]
action = "deny"

[[policy]]
name = "web"
groups = ["remotes"]
protocol = "tcp"
ports = [7070]
action = "allow"

[[policy]]
name = "ping"
groups = ["remotes"]
protocol = "icmp"
action = "allow"
TOML
}
write_node "$(policy_to 10.244.3.0/24)"
net_config "$NET_TMP/$B.toml" b 51831 10.98.0.2/24
net_config_peer "$NET_TMP/$B.toml" node 10.200.71.1:51830 10.98.0.1/32,10.244.3.0/24
ctl_up "$node" "$NET_TMP/$N.toml"
ctl_up "$b" "$NET_TMP/$B.toml"
ip -n "$node" route replace 10.245.9.0/24 dev "$N"
ip -n "$b" route replace 10.244.3.0/24 dev "$B"
net_ping "$b" 10.98.0.1 2 >/dev/null || net_fail "B cannot reach the node through the tunnel"

SUBNET_ENV=$NET_TMP/subnet.env
DATA=$NET_TMP/data
NETWORK=cbnet
printf '%s\n' FLANNEL_NETWORK=10.244.0.0/16 FLANNEL_SUBNET=10.244.3.1/24 FLANNEL_MTU=1380 FLANNEL_IPMASQ=false \
  >"$SUBNET_ENV"
# conf [JQ_FILTER [ARGS...]]: the network config with the policy key, changed by the filter.
conf() {
  local filter=${1:-.}
  shift || true
  jq -nc --arg _subnet "$SUBNET_ENV" --arg _data "$DATA" --arg _name "$NETWORK" --arg _if "$N" \
    --arg _bpffs "$BPFFS" "$@" '{cniVersion: "1.1.0", name: $_name, type: "sluice", subnetFile: $_subnet,
    dataDir: $_data, policy: {interface: $_if, bpffs: $_bpffs}} | '"$filter"
}
# status: STATUS in the node namespace, config on stdin.
status() {
  ip netns exec "$node" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=STATUS CNI_PATH=/usr/lib/cni "$PLUGIN"
}
# cni COMMAND CONTAINER_NS: the plugin in the node namespace as a runtime runs it, config on stdin.
cni() {
  ip netns exec "$node" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$1" CNI_CONTAINERID="id-$2" \
    CNI_NETNS="/var/run/netns/$2" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$PLUGIN"
}
# host_of CONTAINER_NS: the host veth's name, found by the alias the plugin gave it.
host_of() {
  ip -n "$node" -o link show | awk -v alias="alias sluice-cni $NETWORK id-$1 eth0" \
    'index($0, alias) {sub(/@.*/, "", $2); print $2}'
}
reserved_for() { grep -lx "id-$1" "$DATA/$NETWORK"/* 2>/dev/null || true; }
pins() { find "$BPFFS/sluice/cni/$NETWORK" -mindepth 1 2>/dev/null || true; }
probe() { ip netns exec "$node" "$PROBE" "$@"; }
check() { jq -e "$2" <<<"$3" >/dev/null || net_fail "$1: $3"; }
filters() {
  for hook in ingress egress; do ip netns exec "$node" tc filter show dev "$1" "$hook" 2>/dev/null; done |
    grep -c ' id ' || true
}

# config_bytes: the config's value, hex bytes without 0x.
config_bytes() { bpftool -j map lookup pinned "$PIN/policy_config" key 0 0 0 0 | jq -r '.value | map(ltrimstr("0x")) | join(" ")'; }
# generation BYTE...: the config's generation, bytes 4 to 7 of its value (little-endian).
generation() { echo $((16#$8$7$6$5)); }
# 1. ADD pins and attaches.
net_ns c1 c1
result=$(conf | cni ADD "$c1") || net_fail "ADD: $result"
C1=$(jq -r '.ips[0].address | sub("/.*"; "")' <<<"$result")
HOST=$(host_of "$c1")
PIN=$BPFFS/sluice/cni/$NETWORK/$HOST
[[ -n $HOST && -e $PIN/flows && -e $PIN/sluice_to_container ]] || net_fail "no pins at $PIN: $(find "$BPFFS")"
(($(filters "$HOST") == 2)) || net_fail "expected a filter on $HOST's ingress and egress"
check "6 rules" '(.rules | length) == 6' "$(probe counters --pin "$PIN")"
check "B's prefixes as the peers set" 'sort == ["10.245.9.0/24", "10.98.0.2/32"]' "$(probe peers --pin "$PIN")"
# Written once, before the lock let another writer (the mesh agent) near the maps: a second write
# by the ADD could overwrite newer rules such a writer had put in between.
read -ra config <<<"$(config_bytes)"
(($(generation "${config[@]}") == 1)) || net_fail "ADD wrote the rules $(generation "${config[@]}") times, not once"
net_log "ADD of $C1: pinned at $PIN with its rules written once, attached to $HOST"

# 2. B's ping passes on its rule; the node's own is not governed.
ip netns exec "$b" ping -c 3 -i 0.2 -W 2 -I 10.245.9.1 "$C1" >/dev/null || net_fail "B's ping to the container failed"
check "B's ping flow" 'any(.[]; .source == "10.245.9.1" and .protocol == 1 and .verdict == "allow" and .rule == 5
  and .to_container.packets >= 3 and .from_container.packets >= 3)' "$(probe flows --pin "$PIN")"
check "ICMP rule counter" '.rules[5].packets >= 6' "$(probe counters --pin "$PIN")"
net_ping "$node" "$C1" 2 >/dev/null || net_fail "the node's ping to the container failed"
check "node's ping flow" 'any(.[]; .source == "10.244.3.1" and .protocol == 1 and .verdict == "allow" and
  .rule == "default")' "$(probe flows --pin "$PIN")"
out=$(conf ".prevResult = $result" | cni CHECK "$c1") || net_fail "CHECK: $out"
net_log "B's ping passes on the ICMP rule, the node's on the program's default; CHECK passes"

# 3. The container's program decides TCP once sluiced stops filtering.
net_greeters "$c1" 7070 8080 9090
# B's TCP to a container: socat's address of it (TCP:ADDRESS or TCP6:[ADDRESS]), B's source as
# socat binds it and as the flows name it. IPv4 until step 8.
TCP_TO="TCP:$C1"
B_BIND=10.245.9.1
B_SOURCE=10.245.9.1
# greeting PORT [WAIT_S]: what the container's server said to B, or nothing.
greeting() {
  ip netns exec "$b" timeout 5 socat -T2 -u "$TCP_TO:$1,bind=$B_BIND,connect-timeout=${2:-1}" - 2>/dev/null || true
}
# flow PORT VERDICT RULE: the jq condition for B's TCP flow to that port.
flow() {
  printf 'any(.[]; .source == "%s" and .protocol == 6 and .destination_port == %s and .verdict == "%s" and .rule == %s)' \
    "$B_SOURCE" "$@"
}
# program_decides_tcp PIN RULE_8080 RULE_7070: with sluiced's own rules reloaded away, the
# container's program (pinned at PIN) drops B's TCP 8080 on its rule, lets 7070 pass on its rule
# and drops 9090 on the peer default.
program_decides_tcp() {
  local flows
  write_node ""
  ctl "$node" reload "$N" >/dev/null || net_fail "reload without rules"
  [[ $(greeting 7070 2) == hello-7070 ]] || net_fail "B's TCP 7070 to $TCP_TO did not pass"
  [[ -z $(greeting 8080) ]] || net_fail "B's TCP 8080 to $TCP_TO passed, though denied"
  [[ -z $(greeting 9090) ]] || net_fail "B's TCP 9090 to $TCP_TO passed, though denied by default"
  flows=$(probe flows --pin "$1")
  check "8080 on its rule" "$(flow 8080 deny "$2")" "$flows"
  check "7070 on its rule" "$(flow 7070 allow "$3")" "$flows"
  check "9090 on the peer default" "$(flow 9090 deny '"peer default"')" "$flows"
}
program_decides_tcp "$PIN" 1 3
check "TCP counters" '.rules[1].packets >= 1 and .rules[3].packets >= 3 and .peer_default.to_container.packets >= 1' \
  "$(probe counters --pin "$PIN")"
net_log "in the kernel: 8080 dropped on its rule, 9090 on the inbound peer default, 7070 passes"

# 3b. sluice-mesh sync-policy (what the agent does every 2 s with container_policy = true) brings a
# new policy into the running container: 8080 allowed, the rest denied by default.
write_node '[policy_defaults]
inbound = "deny"

[[policy]]
name = "8080 now"
groups = ["remotes"]
protocol = "tcp"
ports = [8080]
action = "allow"'
ctl "$node" reload "$N" >/dev/null || net_fail "reload with 8080 allowed"
[[ -z $(greeting 8080) ]] || net_fail "B's TCP 8080 passed before the container's rules were synced"
cat >"$NET_TMP/mesh.toml" <<TOML
interface = "$N"
public_ip = "10.200.71.1"
bpffs = "$BPFFS"
[etcd]
endpoints = ["http://127.0.0.1:2379"]
TOML
out=$(ip netns exec "$node" "$SLUICE_MESH" sync-policy -c "$NET_TMP/mesh.toml" 2>&1) || net_fail "sync-policy: $out"
[[ $out == "container policy at $PIN: 2 rules from sluiced's policy" ]] || net_fail "sync-policy said: $out"
check "2 rules" '(.rules | length) == 2' "$(probe counters --pin "$PIN")"
[[ $(greeting 8080 2) == hello-8080 ]] || net_fail "B's TCP 8080 did not pass after the sync"
[[ -z $(greeting 7070) ]] || net_fail "B's TCP 7070 passed after the sync, though denied"
check "8080 allowed on rule 1 (B's /24)" "$(flow 8080 allow 1)" "$(probe flows --pin "$PIN")"
net_log "sync-policy wrote sluiced's new policy into the running container: 8080 passes, 7070 is dropped"
# A sync that starts afresh (as an agent does after a restart) leaves maps that hold its rules alone.
counted=$(probe counters --pin "$PIN" | jq '.rules[1].packets')
((counted > 0)) || net_fail "B's 8080 was not counted on rule 1"
out=$(ip netns exec "$node" "$SLUICE_MESH" sync-policy -c "$NET_TMP/mesh.toml" 2>&1) || net_fail "sync-policy: $out"
[[ -z $out ]] || net_fail "sync-policy of unchanged rules said: $out"
check "rule 1's count kept" ".rules[1].packets == $counted" "$(probe counters --pin "$PIN")"
net_log "a second sync-policy found the rules in place and kept the counters ($counted packets on rule 1)"
# A writer that died half way (the config's "writing" byte, offset 13, still 1): written again.
# mark_half_written: sets the config's writing byte; `config` holds the value from before.
mark_half_written() {
  read -ra config <<<"$(config_bytes)"
  config[13]=01
  bpftool map update pinned "$PIN/policy_config" key 0 0 0 0 value hex "${config[@]}" ||
    net_fail "cannot mark the config"
}
mark_half_written
out=$(ip netns exec "$node" "$SLUICE_MESH" sync-policy -c "$NET_TMP/mesh.toml" 2>&1) || net_fail "sync-policy: $out"
[[ $out == "container policy at $PIN: 2 rules from sluiced's policy" ]] ||
  net_fail "sync-policy after a half-finished write said: $out"
read -ra after <<<"$(config_bytes)"
[[ ${after[13]} == 00 ]] || net_fail "the config is still marked as being written"
(($(generation "${after[@]}") > $(generation "${config[@]}"))) || net_fail "the generation did not go up"
net_log "after a write that did not finish, sync-policy wrote the rules again"

# 3c. One writer at a time: while the pin directory's lock is held (as the CNI plugin holds it to
# write), sync-policy waits; held past its 5 s, it gives up naming the directory and writes nothing.
mark_half_written
exec {held}<"$PIN"
flock -x "$held"
out=$(ip netns exec "$node" "$SLUICE_MESH" sync-policy -c "$NET_TMP/mesh.toml" 2>&1 {held}<&-) &&
  net_fail "sync-policy wrote while another writer held $PIN: $out"
[[ $out == *"another writer still holds the lock on $PIN after 5 s"* ]] ||
  net_fail "sync-policy under a held lock said: $out"
read -ra after <<<"$(config_bytes)"
[[ ${after[13]} == 01 ]] || net_fail "sync-policy changed the config while another writer held $PIN"
net_log "$out"
# Released while it waits, sync-policy writes.
ip netns exec "$node" "$SLUICE_MESH" sync-policy -c "$NET_TMP/mesh.toml" >"$NET_TMP/sync.out" 2>&1 {held}<&- &
syncer=$!
sleep 1
kill -0 "$syncer" 2>/dev/null || net_fail "sync-policy did not wait for the lock: $(<"$NET_TMP/sync.out")"
exec {held}<&-
wait "$syncer" || net_fail "sync-policy after the lock was released: $(<"$NET_TMP/sync.out")"
[[ $(<"$NET_TMP/sync.out") == "container policy at $PIN: 2 rules from sluiced's policy" ]] ||
  net_fail "sync-policy after the lock was released said: $(<"$NET_TMP/sync.out")"
read -ra after <<<"$(config_bytes)"
[[ ${after[13]} == 00 ]] || net_fail "the config is still marked after the lock was released"
net_log "sync-policy waited for the lock and wrote once it was released"

# 4. CHECK wants the filters; DEL removes pins and filters.
ip netns exec "$node" tc filter del dev "$HOST" egress
out=$(conf ".prevResult = $result" | cni CHECK "$c1") && net_fail "CHECK passed without the egress filter"
jq -e --arg host "$HOST" '.code == 102 and (.msg | contains("is not attached to " + $host))' <<<"$out" >/dev/null ||
  net_fail "CHECK: $out"
out=$(conf | cni DEL "$c1") || net_fail "DEL: $out"
[[ ! -e $PIN ]] || net_fail "DEL left $PIN"
[[ -z $(host_of "$c1") && -z $(reserved_for "$c1") ]] || net_fail "DEL left the veth or the reservation"
out=$(conf | cni DEL "$c1") || net_fail "DEL again: $out"
net_log "CHECK fails without a filter; DEL removes the pin dir and the veth with its filters, twice"

# 5. GC removes the pins of a container whose veth vanished.
net_ns c3 c3
out=$(conf | cni ADD "$c3") || net_fail "ADD c3: $out"
HOST3=$(host_of "$c3")
ip -n "$node" link del "$HOST3"
[[ -e $BPFFS/sluice/cni/$NETWORK/$HOST3/flows ]] || net_fail "no pins for c3"
out=$(conf '.["cni.dev/valid-attachments"] = []' | cni GC "$c3") || net_fail "GC: $out"
[[ -z $(pins) && -z $(reserved_for "$c3") ]] || net_fail "GC left pins or c3's address: $(pins)"
net_log "GC removed the leftover pins and reservation"

# 6. Failing ADDs leave nothing.
net_ns c2 c2
write_node "[[policy]]
groups = [\"remotes\"]
protocol = \"tcp\"
ports = [$(seq -s, 1 33)]
action = \"deny\""
ctl "$node" reload "$N" >/dev/null || net_fail "reload with 33 ports"
out=$(conf | cni ADD "$c2") && net_fail "ADD of 66 rules passed: $out"
jq -e '.code == 103 and (.msg | contains("compiles into 66 rules for this container; the eBPF program holds 64"))' \
  <<<"$out" >/dev/null || net_fail "ADD of 66 rules: $out"
[[ -z $(host_of "$c2") && -z $(reserved_for "$c2") && -z $(pins) ]] ||
  net_fail "the refused ADD left a veth, reservation or pins: $(pins)"
out=$(conf '.policy.interface = "cbnone0"' | cni ADD "$c2") && net_fail "ADD without sluiced passed: $out"
jq -e '.code == 11 and (.msg | startswith("policy: cannot reach sluiced on cbnone0: "))' <<<"$out" >/dev/null ||
  net_fail "ADD without sluiced: $out"
[[ -z $(host_of "$c2") && -z $(reserved_for "$c2") && -z $(pins) ]] ||
  net_fail "the ADD without sluiced left a veth, reservation or pins: $(pins)"
net_log "$(jq -r .msg <<<"$out")"
out=$(conf | status) || net_fail "STATUS with sluiced running failed: $out"
[[ -z $out ]] || net_fail "STATUS printed: $out"
out=$(conf '.policy.interface = "cbnone0"' | status) && net_fail "STATUS without sluiced passed: $out"
jq -e '.code == 50 and (.msg | startswith("policy: cannot reach sluiced on cbnone0: "))' <<<"$out" >/dev/null ||
  net_fail "STATUS without sluiced: $out"
net_log "STATUS passes with sluiced and says why without it (code 50)"

# 7. Many peers no longer cost a rule each (issue 24: 82 prefixes with a deny default used to fail).
write_node '[policy_defaults]
inbound = "deny"

[[policy]]
name = "ping"
protocol = "icmp"
action = "allow"'
python3 -c 'import base64, os
for node in range(80):
    key = base64.b64encode(os.urandom(32)).decode()
    print(f"\n[[peer]]\npublic_key = \"{key}\"\nallowed_ips = [\"10.246.{node}.0/24\"]")' >>"$NET_TMP/$N.toml"
ctl "$node" reload "$N" >/dev/null || net_fail "reload with 81 peers"
net_ns c4 c4
result=$(conf | cni ADD "$c4") || net_fail "ADD with 81 peers and a deny default: $result"
C4=$(jq -r '.ips[0].address | sub("/.*"; "")' <<<"$result")
PIN4=$BPFFS/sluice/cni/$NETWORK/$(host_of "$c4")
check "one rule for any peer" '(.rules | length) == 1' "$(probe counters --pin "$PIN4")"
check "82 peer prefixes" 'length == 82' "$(probe peers --pin "$PIN4")"
ip netns exec "$b" ping -c 2 -i 0.2 -W 2 -I 10.245.9.1 "$C4" >/dev/null || net_fail "B's ping to c4 failed"
net_greeters "$c4" 7070
TCP_TO="TCP:$C4"
[[ -z $(greeting 7070) ]] || net_fail "B's TCP 7070 to c4 passed, though denied by default"
check "c4's flows" 'any(.[]; .protocol == 1 and .rule == 0 and .verdict == "allow")' "$(probe flows --pin "$PIN4")"
out=$(conf | cni DEL "$c4") || net_fail "DEL c4: $out"
net_log "81 peers and a deny default: 1 rule, 82 prefixes in the peers set; ping passes, TCP does not"

# 8. IPv6: a dual-stack container's program decides B's IPv6 traffic on the IPv6 rules. B's tunnel
# address fd98::2 and its "remote pods" fd45:9::/64 (fd45:9::1 inside B) join its allowed IPs.
ip -n "$node" addr add fd98::1/64 dev "$N"
ip -n "$b" addr add fd98::2/64 dev "$B"
ip -n "$b" addr add fd45:9::1/128 dev lo
ip -n "$node" route replace fd45:9::/64 dev "$N"
ip -n "$b" route replace fd00:244:0:3::/64 dev "$B"
net_config "$NET_TMP/$B.toml" b 51831 10.98.0.2/24
net_config_peer "$NET_TMP/$B.toml" node 10.200.71.1:51830 10.98.0.1/32,10.244.3.0/24,fd98::1/128,fd00:244:0:3::/64
ctl "$b" reload "$B" >/dev/null || net_fail "reload of B with IPv6"
B_ALLOWED=10.98.0.2/32,10.245.9.0/24,fd98::2/128,fd45:9::/64
write_node "$(policy_to fd00:244:0:3::/64)"
ctl "$node" reload "$N" >/dev/null || net_fail "reload of the node with IPv6"
printf '%s\n' FLANNEL_IPV6_NETWORK=fd00:244::/56 FLANNEL_IPV6_SUBNET=fd00:244:0:3::1/64 >>"$SUBNET_ENV"
net_ns c5 c5
result=$(conf | cni ADD "$c5") || net_fail "dual-stack ADD: $result"
C5=$(jq -r '.ips[] | .address | select(contains(":")) | sub("/.*"; "")' <<<"$result")
[[ $C5 == fd00:244:0:3:* ]] || net_fail "no IPv6 address in the result: $result"
PIN5=$BPFFS/sluice/cni/$NETWORK/$(host_of "$c5")
# "no 8080" concerns the container's IPv6 side only: B's two IPv6 prefixes (rules 0-1); "web" and
# "ping" all four (2-5, 6-9). B's prefixes come in sluiced's order, by family and address: fd45:9::/64
# is the first IPv6 one.
check "10 rules" '(.rules | length) == 10' "$(probe counters --pin "$PIN5")"
check "B's four prefixes" 'sort == ["10.245.9.0/24", "10.98.0.2/32", "fd45:9::/64", "fd98::2/128"]' \
  "$(probe peers --pin "$PIN5")"
ip netns exec "$b" ping -6 -c 3 -i 0.2 -W 2 -I fd45:9::1 "$C5" >/dev/null || net_fail "B's IPv6 ping to c5 failed"
check "B's ICMPv6 flow" 'any(.[]; .source == "fd45:9::1" and .protocol == 58 and .verdict == "allow" and .rule == 8
  and .to_container.packets >= 3 and .from_container.packets >= 3)' "$(probe flows --pin "$PIN5")"
net_greeters "$c5" 7070 8080 9090
TCP_TO="TCP6:[$C5]"
B_BIND="[fd45:9::1]"
B_SOURCE=fd45:9::1
program_decides_tcp "$PIN5" 0 4
out=$(conf | cni DEL "$c5") || net_fail "DEL c5: $out"
net_log "IPv6: B's ping on the ICMPv6 rule; 8080 dropped on its IPv6 rule, 9090 on the peer default, 7070 passes"
net_log PASS
