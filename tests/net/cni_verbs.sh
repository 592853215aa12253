#!/usr/bin/env bash
# The CNI plugin's verbs as a runtime invokes them (CNI_* in the environment, the config on
# standard input, the result or the error object on standard output), in a node namespace with a
# subnet.env written here (about 10 s):
#   1. VERSION; STATUS and ADD before the node has a subnet (codes 50 and 11);
#   2. a table of invalid invocations and configs, each with its spec error code, leaving no veth
#      and no reservation behind (also a missing netns and a taken ifname, which fail after the
#      address was reserved);
#   3. ADD with cniVersion 1.1.0, 1.0.0 and 0.4.0: result fields per version, containers that ping
#      their gateway and each other; a repeated ADD fails without harming the first;
#   4. CHECK passes after ADD and fails once an address is removed by hand;
#   5. DEL twice, DEL of a vanished namespace, DEL without CNI_NETNS;
#   6. GC removes the veth and reservation of an attachment not in cni.dev/valid-attachments;
#   7. the stock portmap plugin takes our result as prevResult (a chain run by hand: ADD, a
#      published port reached, DEL);
#   8. an IPv4-only node whose subnet has room for one container (code 100 for the second);
#   9. four concurrent ADDs get four addresses.
# Usage: cni_verbs.sh PLUGIN
# shellcheck disable=SC2016 # the single-quoted $names are jq's variables
set -euo pipefail
PLUGIN=$1
source "$(dirname "$0")/lib.sh"
NET_TAG="cs"
net_init cni_verbs
net_require_root
command -v jq >/dev/null || net_fail "needs jq"
command -v socat >/dev/null || net_fail "needs socat"
PORTMAP=/usr/lib/cni/portmap
[[ -x $PORTMAP ]] || net_fail "needs $PORTMAP (containernetworking-plugins)"

net_ns node node
SUBNET_ENV=$NET_TMP/subnet.env
DATA=$NET_TMP/data
NETWORK=csnet
GW=10.244.3.1
GW6=fd00:244:0:3::1
MTU=1400

# conf VERSION [JQ_FILTER [ARGS...]]: the network config, changed by the filter.
conf() {
  local version=$1 filter=${2:-.}
  shift 2 || shift $#
  jq -nc --arg _version "$version" --arg _subnet "$SUBNET_ENV" --arg _data "$DATA" --arg _name "$NETWORK" "$@" \
    "{cniVersion: \$_version, name: \$_name, type: \"sluice\", subnetFile: \$_subnet, dataDir: \$_data} | $filter"
}

# plugin VAR=VALUE...: runs the plugin in the node namespace with exactly these variables, the
# config from standard input.
plugin() { ip netns exec "$node" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" "$PLUGIN"; }

# cni COMMAND CONTAINER_NS [IFNAME] [CONTAINER_ID]: the variables a runtime sets for one container.
cni() {
  local ns=$2
  plugin CNI_COMMAND="$1" CNI_CONTAINERID="${4:-id-$ns}" CNI_NETNS="/var/run/netns/$ns" \
    CNI_IFNAME="${3:-eth0}" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=$ns" CNI_PATH=/usr/lib/cni
}

# expect_error CODE TEXT CONFIG COMMAND...: the command fails with the error object of that code,
# its message holding TEXT.
expect_error() {
  local code=$1 text=$2 config=$3 out status=0
  shift 3
  out=$("$@" <<<"$config") || status=$?
  ((status == 1)) || net_fail "$* with $config: exit $status, not 1 ($out)"
  jq -e --argjson code "$code" --arg text "$text" \
    '.code == $code and (.msg | type == "string" and contains($text)) and (.cniVersion | type == "string")' \
    <<<"$out" >/dev/null || net_fail "$* with $config: $out, expected code $code with \"$text\""
}

# expect_ok CONFIG COMMAND...: succeeds; prints the output.
expect_ok() {
  local config=$1 out
  shift
  out=$("$@" <<<"$config") || net_fail "$* with $config failed: $out"
  printf '%s' "$out"
}

# Leftovers: our veths on the node, reservation files in the data dir.
host_veths() { ip -n "$node" -o link show | grep -c 'alias sluice-cni' || true; }
reservations() { find "$DATA/$NETWORK" -maxdepth 1 -type f -name '*[.:]*' ! -name 'last_reserved_ip.*' 2>/dev/null | wc -l; }
expect_clean() {
  [[ $(host_veths) == 0 ]] || net_fail "$1: veths left: $(ip -n "$node" -o link show)"
  [[ $(reservations) == 0 ]] || net_fail "$1: reservations left: $(ls "$DATA/$NETWORK")"
}

ping_ok() {
  for ((i = 0; i < 5; i++)); do ip netns exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return; done
  net_fail "no ping from $1 to $2"
}

# 1. VERSION, and a node without a subnet.
version=$(plugin CNI_COMMAND=VERSION <<<'{"cniVersion": "1.0.0"}')
jq -e '. == {cniVersion: "1.1.0", supportedVersions: ["0.4.0", "1.0.0", "1.1.0"]}' <<<"$version" >/dev/null ||
  net_fail "VERSION: $version"
net_ns c1 c1
expect_error 50 "is sluice-mesh running?" "$(conf 1.1.0)" plugin CNI_COMMAND=STATUS
expect_error 11 "the node has no subnet yet" "$(conf 1.1.0)" cni ADD "$c1"
expect_clean "ADD without a subnet"
cat >"$SUBNET_ENV" <<EOF
FLANNEL_NETWORK=10.244.0.0/16
FLANNEL_SUBNET=$GW/24
FLANNEL_IPV6_NETWORK=fd00:244::/56
FLANNEL_IPV6_SUBNET=$GW6/64
FLANNEL_MTU=$MTU
FLANNEL_IPMASQ=false
EOF
[[ -z $(expect_ok "$(conf 1.1.0)" plugin CNI_COMMAND=STATUS) ]] || net_fail "STATUS printed something"
net_log "VERSION, STATUS and ADD before and after the node has its subnet"

# 2. Invalid invocations: code, and nothing left behind.
good=$(conf 1.1.0)
expect_error 4 "CNI_COMMAND is not set" "$good" plugin CNI_CONTAINERID=x
expect_error 4 "CNI_COMMAND=INIT" "$good" plugin CNI_COMMAND=INIT
expect_error 4 "CNI_CONTAINERID is not set" "$good" plugin CNI_COMMAND=ADD CNI_NETNS="/var/run/netns/$c1" CNI_IFNAME=eth0
expect_error 4 "CNI_NETNS is not set" "$good" plugin CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_IFNAME=eth0
expect_error 4 "CNI_IFNAME is not set" "$good" plugin CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_NETNS="/var/run/netns/$c1"
expect_error 4 "CNI_NETNS is not set" "$good" plugin CNI_COMMAND=CHECK CNI_CONTAINERID=x CNI_IFNAME=eth0
expect_error 4 "CNI_IFNAME is not set" "$good" plugin CNI_COMMAND=DEL CNI_CONTAINERID=x
expect_error 4 "CNI_IFNAME=eth0:1" "$good" cni ADD "$c1" eth0:1
expect_error 4 "CNI_CONTAINERID=-bad" "$good" cni ADD "$c1" eth0 -bad
expect_error 6 "not JSON" '{"cniVersion": "1.1.0",' cni ADD "$c1"
expect_error 6 "not a JSON object" '"text"' cni ADD "$c1"
expect_error 1 "has no cniVersion" "$(conf 1.1.0 'del(.cniVersion)')" cni ADD "$c1"
expect_error 1 "cniVersion 0.3.1 is not supported" "$(conf 0.3.1)" cni ADD "$c1"
expect_error 1 "cniVersion 2.0.0 is not supported" "$(conf 2.0.0)" cni DEL "$c1"
expect_error 2 'unsupported field "ipam"' "$(conf 1.1.0 '.ipam = {type: "host-local"}')" cni ADD "$c1"
expect_error 2 'unsupported field "bridge": "cni0"' "$(conf 1.0.0 '.bridge = "cni0"')" cni ADD "$c1"
expect_error 7 '"mtu" must be a whole number' "$(conf 1.1.0 '.mtu = "1400"')" cni ADD "$c1"
expect_error 7 '"mtu" 1000 is below IPv6' "$(conf 1.1.0 '.mtu = 1000')" cni ADD "$c1"
expect_error 7 '"name" is missing' "$(conf 1.1.0 'del(.name)')" cni ADD "$c1"
expect_error 7 '"subnetFile" must be an absolute path' "$(conf 1.1.0 '.subnetFile = "subnet.env"')" cni ADD "$c1"
expect_error 7 "CHECK needs prevResult" "$good" cni CHECK "$c1"
expect_error 1 "STATUS needs cniVersion 1.1.0" "$(conf 1.0.0)" plugin CNI_COMMAND=STATUS
expect_error 1 "GC needs cniVersion 1.1.0" "$(conf 0.4.0 '.["cni.dev/valid-attachments"] = []')" plugin CNI_COMMAND=GC
expect_error 7 'GC needs "cni.dev/valid-attachments"' "$good" plugin CNI_COMMAND=GC CNI_PATH=/usr/lib/cni
# These two fail after the address was reserved: ADD undoes the reservation.
expect_error 3 "does not exist" "$good" cni ADD "${NET_PREFIX}-gone"
ip -n "$c1" link add eth0 type veth peer name taken0
expect_error 101 "eth0 exists already" "$good" cni ADD "$c1"
ip -n "$c1" link del eth0
expect_clean "the invalid invocations"
net_log "invalid invocations fail with their codes, leaving nothing behind"

# 3. ADD in three versions.
net_ns c2 c2
net_ns c3 c3
declare -A RESULT=() VERSION=([$c1]=1.1.0 [$c2]=1.0.0 [$c3]=0.4.0) IP=() IP6=()
for ns in "$c1" "$c2" "$c3"; do
  RESULT[$ns]=$(expect_ok "$(conf "${VERSION[$ns]}" '.dns = {nameservers: ["10.96.0.10"]}')" cni ADD "$ns")
  jq -e --arg v "${VERSION[$ns]}" --arg netns "/var/run/netns/$ns" --arg gw "$GW" --arg gw6 "$GW6" '
    def mac: test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$");
    .cniVersion == $v
    and (.interfaces | length == 2)
    and (.interfaces[0] | (.name | test("^sluice[0-9a-f]{8}$")) and (.mac | mac) and (has("sandbox") | not))
    and (.interfaces[1] | .name == "eth0" and (.mac | mac) and .sandbox == $netns)
    and (.ips | length == 2)
    and (.ips[0] | (.address | test("^10\\.244\\.3\\.[0-9]+/32$")) and .gateway == $gw and .interface == 1)
    and (.ips[1] | (.address | test("^fd00:244:0:3::[0-9a-f]+/128$")) and .gateway == $gw6 and .interface == 1)
    and (if $v == "0.4.0" then .ips[0].version == "4" and .ips[1].version == "6"
         else (.ips | all(has("version") | not)) end)
    and .routes == [{dst: "0.0.0.0/0", gw: $gw}, {dst: "::/0", gw: $gw6}]
    and .dns == {nameservers: ["10.96.0.10"]}' <<<"${RESULT[$ns]}" >/dev/null ||
    net_fail "ADD $ns (cniVersion ${VERSION[$ns]}): ${RESULT[$ns]}"
  IP[$ns]=$(jq -r '.ips[0].address | sub("/32"; "")' <<<"${RESULT[$ns]}")
  IP6[$ns]=$(jq -r '.ips[1].address | sub("/128"; "")' <<<"${RESULT[$ns]}")
  [[ $(<"$DATA/$NETWORK/${IP[$ns]}") == "id-$ns"$'\n'eth0 ]] || net_fail "reservation of ${IP[$ns]}"
  [[ $(ip -n "$ns" -j link show eth0 | jq '.[0].mtu') == "$MTU" ]] || net_fail "MTU of eth0 in $ns"
done
[[ ${IP[$c1]} != "${IP[$c2]}" && ${IP[$c2]} != "${IP[$c3]}" ]] || net_fail "the same address twice: ${IP[*]}"
[[ $(host_veths) == 3 && $(reservations) == 6 ]] || net_fail "3 veths and 6 reservations expected"
ping_ok "$c1" "$GW"
ping_ok "$c1" "$GW6"
ping_ok "$c1" "${IP[$c2]}"
ping_ok "$c2" "${IP6[$c3]}"
ping_ok "$c3" "${IP[$c1]}"
# A second ADD of the same attachment without DEL fails and leaves the first alone.
expect_error 101 "exists already" "$(conf 1.0.0)" cni ADD "$c2"
[[ -f $DATA/$NETWORK/${IP[$c2]} ]] || net_fail "the repeated ADD released the first one's address"
ping_ok "$c1" "${IP[$c2]}"
net_log "ADD in 1.1.0, 1.0.0 and 0.4.0: containers reach their gateway and each other"

# 4. CHECK.
for ns in "$c1" "$c2" "$c3"; do
  config=$(conf "${VERSION[$ns]}" '.prevResult = $r' --argjson r "${RESULT[$ns]}")
  [[ -z $(expect_ok "$config" cni CHECK "$ns") ]] || net_fail "CHECK $ns printed something"
done
ip -n "$c1" addr del "${IP[$c1]}/32" dev eth0
expect_error 102 "lacks the address ${IP[$c1]}/32" "$(conf 1.1.0 '.prevResult = $r' --argjson r "${RESULT[$c1]}")" \
  cni CHECK "$c1"
ip -n "$c2" link set eth0 mtu 1300
expect_error 102 "has MTU 1300, not $MTU" "$(conf 1.0.0 '.prevResult = $r' --argjson r "${RESULT[$c2]}")" \
  cni CHECK "$c2"
expect_error 7 "not sluice's result" "$(conf 1.0.0 '.prevResult = $r' --argjson r "${RESULT[$c2]}")" cni CHECK "$c1"
net_log "CHECK passes after ADD, fails after an address or the MTU was changed by hand"

# 5. DEL: twice, with the namespace gone, without CNI_NETNS.
for _ in 1 2; do
  expect_ok "$(conf 1.1.0 '.prevResult = $r' --argjson r "${RESULT[$c1]}")" cni DEL "$c1" >/dev/null
done
[[ ! -f $DATA/$NETWORK/${IP[$c1]} ]] || net_fail "DEL left the reservation of ${IP[$c1]}"
ip -n "$c1" link show eth0 >/dev/null 2>&1 && net_fail "DEL left eth0 in $c1"
ip netns del "$c3"
expect_ok "$(conf 0.4.0)" cni DEL "$c3" >/dev/null
expect_ok "$(conf 1.0.0)" plugin CNI_COMMAND=DEL CNI_CONTAINERID="id-$c2" CNI_IFNAME=eth0 >/dev/null
expect_clean "DEL"
grep -q 10.244.3 <<<"$(ip -n "$node" route show)" && net_fail "routes left: $(ip -n "$node" route show)"
net_log "DEL is idempotent, also without the namespace"

# 6. GC: c2 is valid, c1's attachment leaked (a runtime that died before its DEL).
for ns in "$c1" "$c2"; do RESULT[$ns]=$(expect_ok "$(conf 1.1.0)" cni ADD "$ns"); done
IP[$c2]=$(jq -r '.ips[0].address | sub("/32"; "")' <<<"${RESULT[$c2]}")
valid=$(jq -nc --arg id "id-$c2" '[{containerID: $id, ifname: "eth0"}, {containerID: "other", ifname: "eth0"}]')
expect_ok "$(conf 1.1.0 '.["cni.dev/valid-attachments"] = $v' --argjson v "$valid")" \
  plugin CNI_COMMAND=GC CNI_PATH=/usr/lib/cni >/dev/null
[[ $(host_veths) == 1 && $(reservations) == 2 ]] || net_fail "GC: $(ip -n "$node" -o link show; ls "$DATA/$NETWORK")"
ip -n "$c1" link show eth0 >/dev/null 2>&1 && net_fail "GC left eth0 in $c1"
ping_ok "$c2" "$GW"
expect_ok "$(conf 1.1.0 '.["cni.dev/valid-attachments"] = []')" plugin CNI_COMMAND=GC >/dev/null
expect_clean "GC of everything"
net_log "GC removes what valid-attachments does not name"

# 7. portmap after sluice: a chain run by hand, as libcni runs a conflist.
chain_add() {  # NS: ADD of sluice, then of portmap with sluice's result as prevResult
  local ns=$1 first
  first=$(expect_ok "$(conf 1.0.0)" cni ADD "$ns")
  expect_ok "$(portmap_conf "$first")" env CNI_COMMAND=ADD CNI_CONTAINERID="id-$ns" CNI_NETNS="/var/run/netns/$ns" \
    CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni ip netns exec "$node" "$PORTMAP"
}
portmap_conf() {
  jq -nc --argjson r "$1" --arg n "$NETWORK" '{cniVersion: "1.0.0", name: $n, type: "portmap",
    capabilities: {portMappings: true}, prevResult: $r,
    runtimeConfig: {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}}'
}
final=$(chain_add "$c1")
jq -e '.interfaces[1].name == "eth0" and (.ips | length == 2)' <<<"$final" >/dev/null ||
  net_fail "portmap's result: $final"
IP[$c1]=$(jq -r '.ips[0].address | sub("/32"; "")' <<<"$final")
RESULT[$c2]=$(expect_ok "$(conf 1.0.0)" cni ADD "$c2")
ip netns exec "$c1" socat -T 5 TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo published' &
NET_PIDS+=($!)
answer=""
for ((i = 0; i < 20; i++)); do
  answer=$(ip netns exec "$c2" socat -T 2 - "TCP:$GW:8080,connect-timeout=1" </dev/null 2>/dev/null) && break
  sleep 0.1
done
[[ $answer == published ]] || net_fail "port 8080 of the node did not reach ${IP[$c1]}:80 ($answer)"
# DEL in reverse order, each with the chain's result.
expect_ok "$(portmap_conf "$final")" env CNI_COMMAND=DEL \
  CNI_CONTAINERID="id-$c1" CNI_NETNS="/var/run/netns/$c1" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
  ip netns exec "$node" "$PORTMAP" >/dev/null
expect_ok "$(conf 1.0.0 '.prevResult = $r' --argjson r "$final")" cni DEL "$c1" >/dev/null
expect_ok "$(conf 1.0.0)" cni DEL "$c2" >/dev/null
expect_clean "the portmap chain"
net_log "portmap chained after sluice publishes a port; DEL of the chain leaves nothing"

# 8. An IPv4-only node with room for one container: the second ADD finds the subnet full.
cat >"$SUBNET_ENV" <<EOF2
FLANNEL_NETWORK=10.244.0.0/16
FLANNEL_SUBNET=10.244.9.1/30
FLANNEL_MTU=$MTU
FLANNEL_IPMASQ=false
EOF2
only=$(expect_ok "$(conf 1.1.0)" cni ADD "$c1")
jq -e '.ips == [{address: "10.244.9.2/32", gateway: "10.244.9.1", interface: 1}]
  and .routes == [{dst: "0.0.0.0/0", gw: "10.244.9.1"}]' <<<"$only" >/dev/null || net_fail "IPv4-only ADD: $only"
ping_ok "$c1" 10.244.9.1
expect_error 100 "no free address in 10.244.9.0/30" "$(conf 1.1.0)" cni ADD "$c2"
[[ $(host_veths) == 1 && $(reservations) == 1 ]] || net_fail "the failed ADD left something behind"
expect_ok "$(conf 1.1.0 '.prevResult = $r' --argjson r "$only")" cni DEL "$c1" >/dev/null
expect_clean "the IPv4-only node"
net_log "an IPv4-only node; a full subnet is code 100"

# 9. Concurrent ADDs (one container, four interfaces): the lock keeps their addresses apart.
sed -i 's|^FLANNEL_SUBNET=.*|FLANNEL_SUBNET=10.244.9.1/24|' "$SUBNET_ENV"
pids=()
for i in 1 2 3 4; do
  cni ADD "$c2" "eth$i" <<<"$(conf 1.1.0)" >"$NET_TMP/add$i.json" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || net_fail "a concurrent ADD failed: $(cat "$NET_TMP"/add*.json)"; done
addresses=$(jq -r '.ips[0].address' "$NET_TMP"/add*.json | sort -u | wc -l)
((addresses == 4)) || net_fail "concurrent ADDs shared addresses: $(jq -c .ips "$NET_TMP"/add*.json)"
expect_ok "$(conf 1.1.0 '.["cni.dev/valid-attachments"] = []')" plugin CNI_COMMAND=GC >/dev/null
expect_clean "the concurrent ADDs"
net_log "four concurrent ADDs get four addresses"
