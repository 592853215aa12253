#!/usr/bin/env bash
# The CNI plugin under a real runtime (about 30 s): two mesh nodes (etcd, sluiced and sluice-mesh
# each), podman 4.3 with its CNI backend in each node running the conflist sluice -> portmap ->
# bandwidth, with the subnet.env the node's agent wrote:
#   1. two containers per node: each has one address of its node's subnet (/32), the tunnel's MTU,
#      a default route through the node, and a host veth named sluice<8 hex> with a /32 route;
#   2. containers on one node ping those on the other, both ways, through the tunnel: a
#      `sluicectl capture` of mesh0 on node 1 holds the echo requests and replies between them;
#   3. two containers of one node ping each other (locally: nothing of it on mesh0);
#   4. `podman run -p 18080:80` of busybox httpd on node 1: the page is fetched from node 1 itself
#      and from node 2, both at node 1's underlay address 10.200.0.1:18080;
#   5. every container removed: no sluice veth, no /32 route and no reservation left on either node.
# Usage: cni_podman.sh SLUICED SLUICECTL SLUICE_MESH PLUGIN
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
source "$(dirname "$0")/cni_lib.sh"
(($# == 4)) || { echo "usage: $0 SLUICED SLUICECTL SLUICE_MESH PLUGIN" >&2; exit 2; }
NET_TAG="cp" # this suite's namespaces: cpXXXXu, cpXXXXe, cpXXXXn1, cpXXXXn2
mesh_init cni_podman "$1" "$2" "$3"
cni_init "$4"
command -v curl >/dev/null || net_fail "needs curl (see README.md)"
command -v tcpdump >/dev/null || net_fail "needs tcpdump (see README.md)"
started=$SECONDS
NETWORK=sluice-mesh

mesh_underlay
mesh_etcd_single plain
mesh_network_config "$MESH_NETWORK_DEFAULT"
mesh_join 1 2
mesh_check_mesh 1 2
for n in 1 2; do
  cni_node "$(mesh_ns_of "$n")"
  cni_conflist "$(mesh_ns_of "$n")" "$NETWORK" "$(mesh_dir_of "$n")/subnet.env" "$(mesh_dir_of "$n")/cni"
done
net_log "mesh and podman ready in $((SECONDS - started)) s"

# dump N: what a failure needs: the node's links, routes and reservations, and podman's view.
dump() {
  local ns
  ns=$(mesh_ns_of "$1")
  {
    echo "=== node $1: links, routes, reservations"
    ip -n "$ns" -d link show || true
    ip -n "$ns" route show || true
    find "$(mesh_dir_of "$1")/cni" -type f -printf '%p\n' 2>/dev/null || true
    cni_podman "$ns" ps -a || true
  } >&2
  mesh_dump "$1"
}

# check_container N NAME: NAME's eth0 has one /32 of node N's subnet, the tunnel's MTU and a
# default route via the subnet's gateway; node N routes that /32 to a sluice<8 hex> veth of the
# same MTU. Prints the container's address.
check_container() {
  local n=$1 name=$2 ns subnet gateway mtu addr link default route veth
  ns=$(mesh_ns_of "$n")
  subnet=$(mesh_subnet_of "$n")
  gateway=${subnet%/*}
  mtu=$(sed -n 's/^FLANNEL_MTU=//p' "$(mesh_dir_of "$n")/subnet.env")
  addr=$(cni_exec "$ns" "$name" ip -4 -o addr show dev eth0 | awk '{print $4}')
  [[ $addr == */32 ]] || { dump "$n"; net_fail "$name on node $n: address '$addr', expected one /32"; }
  addr=${addr%/32}
  [[ $(mesh_ip_network "$addr/${subnet#*/}") == "$(mesh_ip_network "$subnet")" ]] ||
    net_fail "$name on node $n: $addr is outside the node's subnet $subnet"
  [[ $addr != "$gateway" ]] || net_fail "$name on node $n got the gateway's address $addr"
  link=$(cni_exec "$ns" "$name" ip -o link show dev eth0)
  [[ $link == *" mtu $mtu "* ]] || net_fail "$name on node $n: eth0 has not the tunnel's MTU $mtu: $link"
  { default=$(cni_exec "$ns" "$name" ip route show default) && grep -q "default via $gateway dev eth0" <<<"$default"; } ||
    { cni_exec "$ns" "$name" ip route >&2; net_fail "$name on node $n: no default route via $gateway"; }
  route=$(ip -n "$ns" route show "$addr/32")
  [[ $route =~ dev\ (sluice[0-9a-f]{8})\  ]] || { dump "$n"; net_fail "node $n: route to $name ($addr): '$route'"; }
  { veth=$(ip -n "$ns" -o link show dev "${BASH_REMATCH[1]}") && grep -q " mtu $mtu " <<<"$veth"; } ||
    net_fail "node $n: ${BASH_REMATCH[1]} has not the tunnel's MTU $mtu"
  echo "$addr"
}

# ping_from N NAME ADDRESS: three pings from container NAME on node N (the first may wait for a
# handshake).
ping_from() {
  cni_exec "$(mesh_ns_of "$1")" "$2" ping -c 3 -W 2 "$3" >"$NET_TMP/ping.out" 2>&1 ||
    { cat "$NET_TMP/ping.out" >&2; dump 1; dump 2; net_fail "container $2 on node $1 cannot ping $3"; }
}

# --- 1. Two containers per node ---
t=$SECONDS
declare -A ip
for n in 1 2; do
  for c in a b; do
    cni_run "$(mesh_ns_of "$n")" "n$n$c" "$NETWORK"
    ip[n$n$c]=$(check_container "$n" "n$n$c")
  done
done
[[ ${ip[n1a]} != "${ip[n1b]}" && ${ip[n2a]} != "${ip[n2b]}" ]] || net_fail "two containers of a node share an address"
net_log "1. four containers up in $((SECONDS - t)) s: ${ip[n1a]} ${ip[n1b]} on node 1, ${ip[n2a]} ${ip[n2b]} on node 2"

# --- 2. Across the tunnel, captured on node 1's mesh0 ---
pcap="$NET_TMP/mesh0.pcap"
ip netns exec "$(mesh_ns_of 1)" timeout 30 "$SLUICECTL" --control-dir "$(mesh_dir_of 1)/ctl" capture "$MESH_IF" \
  -w "$pcap" 2>"$NET_TMP/capture.err" &
capture_pid=$!
NET_PIDS+=("$capture_pid")
net_wait_for 5 bash -c "[[ \$(stat -c %s '$pcap' 2>/dev/null || echo 0) -ge 24 ]]" ||
  { cat "$NET_TMP/capture.err" >&2; net_fail "sluicectl capture did not start"; }
ping_from 1 n1a "${ip[n2a]}"
ping_from 2 n2b "${ip[n1b]}"
sleep 0.3
kill -INT "$capture_pid"
wait "$capture_pid" || net_fail "sluicectl capture failed: $(cat "$NET_TMP/capture.err")"
mesh_forget_pid "$capture_pid"
tcpdump -nr "$pcap" >"$NET_TMP/mesh0.txt" 2>/dev/null || net_fail "tcpdump cannot read the capture"
# count_icmp SRC DST KIND: echo requests or replies from SRC to DST in the capture.
count_icmp() { grep -cF "IP $1 > $2: ICMP echo $3" "$NET_TMP/mesh0.txt" || true; }
for pair in "n1a n2a" "n2b n1b"; do
  read -r from to <<<"$pair"
  requests=$(count_icmp "${ip[$from]}" "${ip[$to]}" request)
  replies=$(count_icmp "${ip[$to]}" "${ip[$from]}" reply)
  ((requests >= 3 && replies >= 3)) ||
    { cat "$NET_TMP/mesh0.txt" >&2; net_fail "capture on mesh0: $from -> $to: $requests requests, $replies replies (expected 3 and 3)"; }
done
net_log "2. containers ping across the tunnel; mesh0's capture on node 1: $(cat "$NET_TMP/capture.err")"

# --- 3. Two containers on one node, and nothing of it on the tunnel ---
ip netns exec "$(mesh_ns_of 1)" timeout 10 "$SLUICECTL" --control-dir "$(mesh_dir_of 1)/ctl" capture "$MESH_IF" \
  -w "$pcap" --duration 2 2>"$NET_TMP/capture.err" &
capture_pid=$!
NET_PIDS+=("$capture_pid")
net_wait_for 5 bash -c "[[ \$(stat -c %s '$pcap' 2>/dev/null || echo 0) -ge 24 ]]" || net_fail "second capture did not start"
ping_from 1 n1a "${ip[n1b]}"
wait "$capture_pid" || net_fail "sluicectl capture failed: $(cat "$NET_TMP/capture.err")"
mesh_forget_pid "$capture_pid"
if grep -qF "${ip[n1b]}" <<<"$(tcpdump -nr "$pcap" 2>/dev/null)"; then
  tcpdump -nr "$pcap" >&2
  net_fail "same-node traffic went through mesh0"
fi
net_log "3. containers of node 1 ping each other, locally"

# --- 4. A published port ---
cni_run "$(mesh_ns_of 1)" web "$NETWORK" -p 18080:80 -- httpd -f -p 80 -h /www
ip[web]=$(check_container 1 web)
for n in 1 2; do
  fetched=$(ip netns exec "$(mesh_ns_of "$n")" curl -sS --max-time 5 --retry 3 --retry-connrefused --retry-delay 0 \
    http://10.200.0.1:18080/ 2>&1) || true
  [[ $fetched == sluice-cni ]] ||
    { ip netns exec "$(mesh_ns_of 1)" iptables -t nat -S >&2; dump 1; net_fail "node $n: 10.200.0.1:18080 gave '$fetched'"; }
done
net_log "4. port 18080 of node 1 reaches httpd in a container (${ip[web]}:80) from nodes 1 and 2"

# --- 5. Everything removed ---
for n in 1 2; do
  ns=$(mesh_ns_of "$n")
  cni_podman "$ns" rm -a -f -t 0 >"$NET_TMP/rm.out" 2>&1 || { cat "$NET_TMP/rm.out" >&2; net_fail "podman rm on node $n"; }
  if grep -q ': sluice' <<<"$(ip -n "$ns" -o link show)"; then dump "$n"; net_fail "node $n: sluice veths left"; fi
  # A /32 route is shown without its length.
  if grep -qE '^10\.244\.[0-9]+\.[0-9]+ ' <<<"$(ip -n "$ns" route show)"; then dump "$n"; net_fail "node $n: container routes left"; fi
  left=$(find "$(mesh_dir_of "$n")/cni" -type f ! -name lock ! -name 'last_reserved_ip.*' 2>/dev/null)
  [[ -z $left ]] || { dump "$n"; net_fail "node $n: reservations left: $left"; }
done
net_log "5. containers removed: no veth, route or reservation left"
net_log "PASS in $((SECONDS - started)) s"
