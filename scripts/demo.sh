#!/usr/bin/env bash
# The sluice demo: two network namespaces, a sluiced in each with fresh keys, a tunnel between
# them; prints ping and iperf3 throughput through it. Everything it creates is removed on exit.
# Usage (as root): scripts/demo.sh [path/to/sluiced]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SLUICED=${1:-$here/../build/daemon/sluiced}
source "$here/../tests/net/lib.sh"
net_init demo
net_require_root

net_ns west west
net_ns east east
net_veth "$west" 10.200.0.1/24 "$east" 10.200.0.2/24
net_keypair west
net_keypair east

# demo_config NAME ADDRESS PEER PEER_VETH_ADDRESS PEER_ADDRESS
demo_config() {
  net_config "$NET_TMP/$1.toml" "$1" 51820 "$2/24"
  net_config_peer "$NET_TMP/$1.toml" "$3" "$4:51820" "$5/32"
}
demo_config west 10.10.0.1 east 10.200.0.2 10.10.0.2
demo_config east 10.10.0.2 west 10.200.0.1 10.10.0.1

net_start_sluiced "$west" "${NET_PREFIX}w" "$NET_TMP/west.toml" "$NET_TMP/west.log"
net_start_sluiced "$east" "${NET_PREFIX}e" "$NET_TMP/east.toml" "$NET_TMP/east.log"
echo "== tunnel up: $west (10.10.0.1) <-> $east (10.10.0.2) over veth 10.200.0.0/24"

echo "== ping through the tunnel"
net_ping "$west" 10.10.0.2 5 || { cat "$NET_TMP"/*.log >&2; net_fail "no ping reply through the tunnel"; }

echo "== iperf3 TCP, 3 s, through the tunnel"
net_iperf_server "$east" 10.10.0.2
ip netns exec "$west" timeout 20 iperf3 -c 10.10.0.2 -t 3 | tail -4

echo "== wg show (the stock tool, over sluiced's control socket)"
ip netns exec "$west" wg show "${NET_PREFIX}w"
