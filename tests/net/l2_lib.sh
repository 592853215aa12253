# shellcheck shell=bash
# Helpers for the L2 segment tests; source after lib.sh and net_init.

# l2_no_ipv6 NS: no IPv6 in NS, so no router solicitations or MLD reports travel the segments and
# the frame counters count only what a test sends.
l2_no_ipv6() {
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# l2_host VAR NAME SITE_NS BRIDGE ADDRESS/LEN MTU: a "host" namespace ${NET_PREFIX}-NAME with one
# veth whose other end is a port of BRIDGE in SITE_NS; sets VAR to the namespace's name.
l2_host() {
  local var=$1 name=$2 site=$3 bridge=$4 address=$5 mtu=$6 ns
  net_ns "$var" "$name"
  ns=${!var}
  l2_no_ipv6 "$ns"
  local inside="${NET_PREFIX}h$RANDOM" port="${NET_PREFIX}p$RANDOM"
  ip link add "${inside:0:15}" mtu "$mtu" netns "$ns" type veth peer name "${port:0:15}" mtu "$mtu" netns "$site" ||
    net_fail "cannot create the veth of host $name"
  ip -n "$ns" addr add "$address" dev "${inside:0:15}"
  ip -n "$ns" link set "${inside:0:15}" up
  ip -n "$site" link set "${port:0:15}" master "$bridge" up || net_fail "cannot attach host $name to bridge $bridge"
  net_wait_for 10 bash -c "ip -n '$ns' link show '${inside:0:15}' | grep -q 'state UP'" ||
    net_fail "veth of host $name did not come up"
}

# l2_mac NS ADDRESS: the MAC address NS resolved ADDRESS to (empty if none).
l2_mac() {
  ip -n "$1" neigh show "$2" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") {print $(i+1)}}'
}

# l2_own_mac NS ADDRESS: the MAC address of the interface of NS that has ADDRESS.
l2_own_mac() {
  local dev
  dev=$(ip -n "$1" -o addr show to "$2" | awk 'NR == 1 {print $2}')
  ip -n "$1" link show "$dev" | awk '/link\/ether/ {print $2}'
}

# l2_fdb_json NS IFNAME: `sluicectl fdb IFNAME --json`, run in NS.
l2_fdb_json() {
  ip netns exec "$1" timeout 10 "$SLUICECTL" fdb "$2" --json
}

# l2_counter NS IFNAME VNI COUNTER: one counter of one segment.
l2_counter() {
  l2_fdb_json "$1" "$2" | jq -r --argjson vni "$3" --arg c "$4" \
    '.interfaces[0].segments[] | select(.vni == $vni) | .counters[$c]'
}

# l2_fdb_peer NS IFNAME VNI MAC: the public key the FDB of segment VNI holds for MAC (empty if none).
l2_fdb_peer() {
  l2_fdb_json "$1" "$2" | jq -r --argjson vni "$3" --arg mac "$4" \
    '.interfaces[0].segments[] | select(.vni == $vni) | .fdb[] | select(.mac == $mac) | .public_key'
}

# l2_ovs_start NS DIR: ovsdb-server and ovs-vswitchd inside NS (the userspace datapath makes a TAP
# named ovs-netdev, which must not meet another site's), all their files in DIR; both stopped by
# the PIDs of their pidfiles on exit.
l2_ovs_start() {
  local ns=$1 dir=$2 daemon
  mkdir -p "$dir"
  export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
  ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ip netns exec "$ns" ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --pidfile="$dir/ovsdb-server.pid" \
    --unixctl="$dir/ovsdb-server.ctl" --log-file="$dir/ovsdb-server.log" --detach --no-chdir -vconsole:off 2>>"$dir/console.log" ||
    net_fail "ovsdb-server did not start in $ns"
  NET_PIDS+=("$(cat "$dir/ovsdb-server.pid")")
  ovs-vsctl --db="unix:$dir/db.sock" --timeout=5 --no-wait init
  ip netns exec "$ns" ovs-vswitchd "unix:$dir/db.sock" --pidfile="$dir/ovs-vswitchd.pid" \
    --unixctl="$dir/ovs-vswitchd.ctl" --log-file="$dir/ovs-vswitchd.log" --detach --no-chdir -vconsole:off 2>>"$dir/console.log" ||
    net_fail "ovs-vswitchd did not start in $ns"
  NET_PIDS+=("$(cat "$dir/ovs-vswitchd.pid")")
  unset OVS_RUNDIR OVS_LOGDIR OVS_DBDIR
  for daemon in ovsdb-server ovs-vswitchd; do
    kill -0 "$(cat "$dir/$daemon.pid")" || net_fail "$daemon of $ns is not running"
  done
}
