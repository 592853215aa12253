#!/usr/bin/env bash
# L2 segments on Open vSwitch bridges (userspace datapath) between two sluiced sites A and B, each
# with its own ovsdb-server and ovs-vswitchd started here (state under the test's folder).
#   1. VNI 100's TAP is a trunk port of bridge o1 (no ovs_vlan): untagged hosts on both sites
#      ping each other; access ports of VLAN 10 reach VLAN 10 on the other site and VLAN 20 reaches
#      VLAN 20 (so 802.1Q tags crossed the segment), but VLAN 10 does not reach VLAN 20.
#   2. VNI 200's TAP is an access port (ovs_vlan = 30 at A, 40 at B) of bridge o2: hosts on VLAN 30
#      at A and VLAN 40 at B ping each other (frames cross untagged); the tag is in the database.
#   sluicectl fdb and export show the OVS bridges and VLANs.
#   3. Stopping sluiced removes its ports from the bridges and leaves no TAP; run as another
#      user (`user =`), only if the OVS socket lets that user in (else a warning says so).
#   4. A segment whose ovs_db has no ovsdb-server behind it: sluiced does not start, and says so;
#   5. the same when ovs-vswitchd is not running (after sluiced's 5 s wait), leaving no port.
# Costs about 16 s.
# Usage: l2_ovs.sh SLUICECTL SLUICED
set -euo pipefail
SLUICECTL=$1
SLUICED=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/l2_lib.sh"
net_init l2_ovs
net_require_root
for tool in ovsdb-server ovs-vswitchd ovs-vsctl ovsdb-tool; do
  command -v "$tool" >/dev/null || net_fail "needs $tool (apt-get install openvswitch-switch)"
done
command -v jq >/dev/null || net_fail "needs jq"

# vsctl SITE ARG...: ovs-vsctl on the database of SITE (a or b).
vsctl() {
  local site=$1
  shift
  ovs-vsctl --db="unix:$NET_TMP/ovs-$site/db.sock" --timeout=5 "$@"
}

# ovs_host VAR NAME SITE_NS SITE BRIDGE ADDRESS/LEN [TAG]: a host namespace with one veth whose
# other end is a port of the OVS BRIDGE of SITE, an access port of VLAN TAG if given.
ovs_host() {
  local var=$1 name=$2 site_ns=$3 site=$4 bridge=$5 address=$6 tag=${7:-} ns
  net_ns "$var" "$name"
  ns=${!var}
  l2_no_ipv6 "$ns"
  local inside="${NET_PREFIX}h$RANDOM" port="${NET_PREFIX}p$RANDOM"
  inside=${inside:0:15} port=${port:0:15}
  ip link add "$inside" mtu 1370 netns "$ns" type veth peer name "$port" mtu 1370 netns "$site_ns" ||
    net_fail "cannot create the veth of host $name"
  ip -n "$ns" addr add "$address" dev "$inside"
  ip -n "$ns" link set "$inside" up
  ip -n "$site_ns" link set "$port" up
  vsctl "$site" add-port "$bridge" "$port" ${tag:+tag=$tag} || net_fail "cannot attach host $name to $bridge"
  net_wait_for 10 bash -c "ip -n '$ns' link show '$inside' | grep -q 'state UP'" ||
    net_fail "veth of host $name did not come up"
}

started=$SECONDS
net_ns site_a sa
net_ns site_b sb
for ns in "$site_a" "$site_b"; do l2_no_ipv6 "$ns"; done
net_veth "$site_a" 10.200.71.1/24 "$site_b" 10.200.71.2/24
net_keypair a
net_keypair b
O1=${NET_PREFIX}o1 O2=${NET_PREFIX}o2 T100=${NET_PREFIX}t100 T200=${NET_PREFIX}t200
for site in a b; do
  declare -n ns="site_$site"
  l2_ovs_start "$ns" "$NET_TMP/ovs-$site"
  for bridge in "$O1" "$O2"; do
    vsctl "$site" add-br "$bridge" -- set bridge "$bridge" datapath_type=netdev || net_fail "cannot add bridge $bridge"
    ip -n "$ns" link set "$bridge" up
  done
  unset -n ns
done
net_log "ovsdb-server and ovs-vswitchd up on both sites after $((SECONDS - started)) s"

# site_config NAME TUNNEL_ADDRESS PEER ENDPOINT PEER_ADDRESS VLAN_OF_VNI_200
site_config() {
  local name=$1
  net_config "$NET_TMP/$name.toml" "$name" 51820 "$2/24"
  net_config_peer "$NET_TMP/$name.toml" "$3" "$4:51820" "$5/32"
  cat >>"$NET_TMP/$name.toml" <<TOML

[[segment]]
vni = 100
tap = "$T100"
ovs_bridge = "$O1"
ovs_db = "unix:$NET_TMP/ovs-$name/db.sock"

[[segment]]
vni = 200
tap = "$T200"
ovs_bridge = "$O2"
ovs_vlan = $6
ovs_db = "unix:$NET_TMP/ovs-$name/db.sock"
TOML
}
site_config a 10.10.0.1 b 10.200.71.2 10.10.0.2 30
site_config b 10.10.0.2 a 10.200.71.1 10.10.0.1 40
IF_A="${NET_PREFIX}a" IF_B="${NET_PREFIX}b"
net_start_sluiced "$site_a" "$IF_A" "$NET_TMP/a.toml" "$NET_TMP/a.log"
PID_A=${NET_PIDS[-1]}
net_start_sluiced "$site_b" "$IF_B" "$NET_TMP/b.toml" "$NET_TMP/b.log"
logs() { tail -n 20 "$NET_TMP"/*.log "$NET_TMP"/ovs-*/ovs-vswitchd.log >&2 || true; }

for site in a b; do
  ports=$(vsctl "$site" list-ports "$O1")
  grep -qx "$T100" <<<"$ports" || { logs; net_fail "$T100 is not a port of $O1 at $site: $ports"; }
  [[ $(vsctl "$site" get port "$T100" tag) == "[]" ]] || net_fail "$T100 at $site has a tag; it should be a trunk"
done
[[ $(vsctl a get port "$T200" tag) == 30 ]] || net_fail "$T200 at A is not an access port of VLAN 30"
[[ $(vsctl b get port "$T200" tag) == 40 ]] || net_fail "$T200 at B is not an access port of VLAN 40"
net_log "sluiced made $T100 a trunk port of $O1 and $T200 an access port (VLAN 30 at A, 40 at B) of $O2"
shown=$(l2_fdb_json "$site_b" "$IF_B" | jq -c '[.interfaces[0].segments[] | [.vni, .ovs_bridge, .ovs_vlan]]')
[[ $shown == "[[100,\"$O1\",null],[200,\"$O2\",40]]" ]] || net_fail "sluicectl fdb shows $shown"
exported=$(ip netns exec "$site_b" timeout 10 "$SLUICECTL" export "$IF_B")
[[ $exported == *"ovs_bridge = \"$O2\""*"ovs_vlan = 40"* ]] || net_fail "sluicectl export lost the OVS keys: $exported"

ovs_host host_a0 ha0 "$site_a" a "$O1" 192.168.70.1/24
ovs_host host_b0 hb0 "$site_b" b "$O1" 192.168.70.2/24
ovs_host host_a10 ha10 "$site_a" a "$O1" 192.168.10.1/24 10
ovs_host host_b10 hb10 "$site_b" b "$O1" 192.168.10.2/24 10
ovs_host host_a20 ha20 "$site_a" a "$O1" 192.168.10.11/24 20
ovs_host host_b20 hb20 "$site_b" b "$O1" 192.168.10.12/24 20
ovs_host host_a30 ha30 "$site_a" a "$O2" 192.168.30.1/24 30
ovs_host host_b40 hb40 "$site_b" b "$O2" 192.168.30.2/24 40

# 1. Untagged, then each VLAN to itself; the first ping of each pair resolves by ARP across.
net_ping "$host_a0" 192.168.70.2 2 >/dev/null || { logs; net_fail "untagged host A -> untagged host B"; }
net_log "untagged hosts on the OVS bridges of A and B ping each other through the segment"
net_ping "$host_a10" 192.168.10.2 2 >/dev/null || { logs; net_fail "VLAN 10 at A -> VLAN 10 at B"; }
net_ping "$host_b20" 192.168.10.11 2 >/dev/null || { logs; net_fail "VLAN 20 at B -> VLAN 20 at A"; }
net_log "VLAN 10 reaches VLAN 10 and VLAN 20 reaches VLAN 20 across the trunk segment"
if net_ping "$host_a10" 192.168.10.12 2 >/dev/null; then net_fail "VLAN 10 at A reached VLAN 20 at B"; fi
[[ -z $(l2_mac "$host_a10" 192.168.10.12) ]] || net_fail "VLAN 10 at A resolved the MAC of VLAN 20 at B"
net_log "VLAN 10 at A does not reach VLAN 20 at B (no ARP answer)"

# 2. Access port on both sides: the frames cross untagged and each site tags them its own way.
net_ping "$host_a30" 192.168.30.2 2 >/dev/null || { logs; net_fail "VLAN 30 at A -> VLAN 40 at B (access segment)"; }
net_log "access segment: VLAN 30 at A pings VLAN 40 at B"

# 3. Stop A: its ports leave the bridges, its TAPs are gone, the bridges stay.
net_stop "$PID_A" || net_fail "sluiced A did not exit cleanly: $(tail -n 5 "$NET_TMP/a.log")"
for bridge in "$O1" "$O2"; do
  ports=$(vsctl a list-ports "$bridge")
  if grep -q "^${NET_PREFIX}t" <<<"$ports"; then net_fail "a segment port is still on $bridge after stop: $ports"; fi
done
for tap in "$T100" "$T200"; do
  if ip -n "$site_a" link show "$tap" >/dev/null 2>&1; then net_fail "TAP $tap is left after stop"; fi
done
grep -q "cannot remove" "$NET_TMP/a.log" && net_fail "sluiced A could not remove a port: $(cat "$NET_TMP/a.log")"
net_log "stopping sluiced removed its ports from $O1 and $O2 and left no TAP"

# 3b. With `user =` the ports are removed after the privilege drop: a database socket that user
# cannot use leaves them behind (with a warning, and the next start takes them over); once the
# socket is writable for the user's group, they go.
net_user user
sed "/^\[interface\]/a user = \"$user\"" "$NET_TMP/a.toml" >"$NET_TMP/a-user.toml"
for round in denied allowed; do
  net_start_sluiced "$site_a" "$IF_A" "$NET_TMP/a-user.toml" "$NET_TMP/a-$round.log"
  net_stop "${NET_PIDS[-1]}" || net_fail "sluiced A as $user did not exit cleanly: $(tail -n 5 "$NET_TMP/a-$round.log")"
  left=$(vsctl a list-ports "$O1")
  if [[ $round == denied ]]; then
    grep -qx "$T100" <<<"$left" || net_fail "$T100 left $O1 although $user may not use the socket"
    grep -q "cannot remove $T100 from Open vSwitch bridge $O1: the daemon's user may not use" "$NET_TMP/a-$round.log" ||
      net_fail "no warning about the socket: $(cat "$NET_TMP/a-$round.log")"
    chmod o+x "$NET_TMP" "$NET_TMP/ovs-a"
    chgrp "$(id -g "$user")" "$NET_TMP/ovs-a/db.sock"
    chmod g+w "$NET_TMP/ovs-a/db.sock"
  elif grep -qx "$T100" <<<"$left"; then
    net_fail "$T100 is still on $O1 although $user may use the socket: $(cat "$NET_TMP/a-$round.log")"
  fi
done
net_log "as user $user: ports stay (with a warning) unless the OVS socket lets the user in"

# 4. No ovsdb-server behind ovs_db: the daemon does not start and names the server and bridge.
net_config "$NET_TMP/c.toml" a 51821 10.10.0.1/24
cat >>"$NET_TMP/c.toml" <<TOML

[[segment]]
vni = 300
tap = "${NET_PREFIX}t300"
ovs_bridge = "br-int"
ovs_db = "unix:$NET_TMP/no-server.sock"
TOML
status=0
ip netns exec "$site_a" timeout 20 "$SLUICED" -f --config "$NET_TMP/c.toml" "${NET_PREFIX}c" >"$NET_TMP/c.log" 2>&1 ||
  status=$?
((status != 0 && status != 124)) || net_fail "sluiced with no ovsdb-server: exit status $status"
expected="segment 300: cannot add ${NET_PREFIX}t300 to Open vSwitch bridge br-int: ovsdb-server is not running (unix:$NET_TMP/no-server.sock)"
grep -qF "$expected" "$NET_TMP/c.log" || net_fail "unclear error without ovsdb-server: $(cat "$NET_TMP/c.log")"
if ip -n "$site_a" link show "${NET_PREFIX}t300" >/dev/null 2>&1; then net_fail "TAP left after the failed start"; fi
net_log "no ovsdb-server: $(grep -F 'segment 300' "$NET_TMP/c.log")"

# 5. ovsdb-server without ovs-vswitchd: no confirmation within sluiced's 5 s, the same refusal,
# and the port it had asked for is taken out of the database again.
kill "$(cat "$NET_TMP/ovs-a/ovs-vswitchd.pid")"
sed -i "s|unix:$NET_TMP/no-server.sock|unix:$NET_TMP/ovs-a/db.sock|; s|\"br-int\"|\"$O1\"|" "$NET_TMP/c.toml"
status=0
ip netns exec "$site_a" timeout 20 "$SLUICED" -f --config "$NET_TMP/c.toml" "${NET_PREFIX}c" >"$NET_TMP/c.log" 2>&1 ||
  status=$?
((status != 0 && status != 124)) || net_fail "sluiced with no ovs-vswitchd: exit status $status"
expected="segment 300: cannot add ${NET_PREFIX}t300 to Open vSwitch bridge $O1: ovs-vswitchd did not apply the change"
grep -qF "$expected" "$NET_TMP/c.log" || net_fail "unclear error without ovs-vswitchd: $(cat "$NET_TMP/c.log")"
if grep -qx "${NET_PREFIX}t300" <<<"$(vsctl a list-ports "$O1")"; then net_fail "the failed start left its port on $O1"; fi
net_log "no ovs-vswitchd: $(grep -F 'segment 300' "$NET_TMP/c.log")"
net_log "done in $((SECONDS - started)) s"
