#!/usr/bin/env bash
# Churn, garbage collection and ADD latency of the CNI plugin on one node (about 40 s; no mesh:
# the node's subnet.env is written by hand, 10.244.7.1/24):
#   1. podman 4.3 (CNI backend, conflist sluice -> portmap -> bandwidth) runs 50 containers, ten
#      at a time, each reporting its own eth0 address, and removes them; afterwards no host veth named
#      sluice*, no reservation in the plugin's dataDir and no /32 route is left;
#   2. a killed runtime: the plugin's ADD invoked directly (environment and standard input, as the
#      CNI spec says) for two attachments in namespaces made here, then GC (cniVersion 1.1.0)
#      with cni.dev/valid-attachments naming only the first: the second's veth, route and
#      reservation go, the first's stay and it still answers a ping; DEL then removes it too;
#   3. ADD's latency, median and p99 over 50 attachments (each into a fresh namespace), logged.
# Usage: cni_churn.sh PLUGIN
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cni_lib.sh"
(($# == 1)) || { echo "usage: $0 PLUGIN" >&2; exit 2; }
NET_TAG="cp" # this suite's namespaces: cpXXXX-node, -k1, -k2, -l1 ... -l50
net_init cni_churn
net_require_root
command -v jq >/dev/null || net_fail "needs jq (see README.md)"
cni_init "$1"
started=$SECONDS
NETWORK=sluice-churn
DATA="$NET_TMP/cni"
SUBNET_ENV="$NET_TMP/subnet.env"
printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.7.1/24\nFLANNEL_MTU=1420\nFLANNEL_IPMASQ=false\n' >"$SUBNET_ENV"

net_ns node node
cni_node "$node"
cni_conflist "$node" "$NETWORK" "$SUBNET_ENV" "$DATA"

# reservations: the address files in the network's data folder (not its lock nor its round-robin
# mark), one a line.
reservations() {
  find "$DATA/$NETWORK" -maxdepth 1 -type f ! -name lock ! -name 'last_reserved_ip.*' -printf '%f\n' 2>/dev/null | sort
}
host_veths() { ip -n "$node" -o link show | awk -F': ' '$2 ~ /^sluice/ {sub(/@.*/, "", $2); print $2}'; }
# A /32 route is shown without its length.
host_routes() { ip -n "$node" route show | awk '$1 ~ /^10\.244\.7\.[0-9]+$/'; }

# dump: the node's links, routes, reservations and podman's containers.
dump() {
  {
    echo "=== node $node"
    ip -n "$node" -d link show || true
    ip -n "$node" route show || true
    echo "--- reservations"
    find "$DATA" -type f -printf '%p\n' -exec cat {} \; 2>/dev/null || true
    cni_podman "$node" ps -a || true
  } >&2
}

# check_clean WHEN: no sluice veth, /32 route or reservation is left on the node.
check_clean() {
  local veths routes left
  veths=$(host_veths)
  routes=$(host_routes)
  left=$(reservations)
  [[ -z $veths && -z $routes && -z $left ]] ||
    { dump; net_fail "$1: left behind: veths '$veths', routes '$routes', reservations '$left'"; }
}

# --- 1. 50 containers, ten at a time ---
# Each is started detached and writes its own address to a shared folder (so every run really got
# one, from the node's subnet); every ten are removed together, by one podman: faster on 2 cores
# than 50 attached `podman run --rm` (about 0.8 s each here), with the same ADDs and DELs.
mapfile -t flags < <(cni_run_flags "$node")
mkdir -p "$NET_TMP/out"
t=$SECONDS
declare -A seen=()
for round in 0 1 2 3 4; do
  names=()
  for i in $(seq $((round * 10 + 1)) $((round * 10 + 10))); do
    cni_podman "$node" run -d --name "churn$i" --network "$NETWORK" -v "$NET_TMP/out:/out" "${flags[@]}" "$CNI_IMAGE" \
      sh -c "ip -4 -o addr show dev eth0 >/out/$i.tmp && mv /out/$i.tmp /out/$i" >"$NET_TMP/run.out" 2>&1 ||
      { cat "$NET_TMP/run.out" >&2; dump; net_fail "container $i: podman run failed"; }
    names+=("churn$i")
  done
  for i in $(seq $((round * 10 + 1)) $((round * 10 + 10))); do
    net_wait_for 10 test -f "$NET_TMP/out/$i" || { dump; net_fail "container $i wrote no address"; }
    addr=$(awk '{print $4}' "$NET_TMP/out/$i")
    if [[ ! $addr =~ ^10\.244\.7\.([0-9]+)/32$ ]] || ((BASH_REMATCH[1] <= 1 || BASH_REMATCH[1] >= 255)); then
      cat "$NET_TMP/out/$i" >&2
      net_fail "container $i got '$addr', expected a /32 of 10.244.7.0/24 other than the gateway"
    fi
    seen[$addr]=1
  done
  cni_podman "$node" rm -f -t 0 "${names[@]}" >"$NET_TMP/rm.out" 2>&1 || { cat "$NET_TMP/rm.out" >&2; net_fail "podman rm failed"; }
done
took=$((SECONDS - t))
check_clean "after 50 containers"
net_log "1. 50 containers created and removed in $took s ($((took * 1000 / 50)) ms each, ${#seen[@]} distinct addresses); nothing left"

# --- 2. A killed runtime, and GC ---
# plugin COMMAND CONTAINER NETNS CONFIG: the plugin as a runtime calls it, in the node's namespace;
# its standard output goes to $NET_TMP/plugin.out, and its exit status is returned.
plugin() {
  local status=0
  ip netns exec "$node" env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$3" CNI_IFNAME=eth0 \
    CNI_PATH="$CNI_PLUGIN_DIR:/usr/lib/cni" timeout 10 "$CNI_PLUGIN" <<<"$4" >"$NET_TMP/plugin.out" 2>"$NET_TMP/plugin.err" ||
    status=$?
  return "$status"
}
# config [EXTRA_JSON]: the plugin's own config at cniVersion 1.1.0, with EXTRA_JSON's keys added.
config() {
  local extra=${1:-}
  [[ -n $extra ]] || extra='{}'
  jq -cn --arg network "$NETWORK" --arg subnet "$SUBNET_ENV" --arg data "$DATA" --argjson extra "$extra" \
    '{cniVersion: "1.1.0", name: $network, type: "sluice", subnetFile: $subnet, dataDir: $data} + $extra'
}

declare -A addr_of
for k in k1 k2; do
  net_ns "ns_$k" "$k"
  ns_var="ns_$k"
  plugin ADD "killed-$k" "/var/run/netns/${!ns_var}" "$(config)" ||
    { cat "$NET_TMP/plugin.out" "$NET_TMP/plugin.err" >&2; dump; net_fail "ADD for $k failed"; }
  addr_of[$k]=$(jq -r '.ips[0].address' "$NET_TMP/plugin.out")
  [[ ${addr_of[$k]} == 10.244.7.*/32 ]] || { cat "$NET_TMP/plugin.out" >&2; net_fail "ADD for $k: address ${addr_of[$k]}"; }
  addr_of[$k]=${addr_of[$k]%/32}
done
[[ $(host_veths | wc -l) -eq 2 && $(reservations | wc -l) -eq 2 ]] || { dump; net_fail "two ADDs did not make two veths and reservations"; }
# Their runtime is gone: nothing will call DEL. GC with only k1 valid.
valid='{"cni.dev/valid-attachments": [{"containerID": "killed-k1", "ifname": "eth0"}]}'
plugin GC "" "" "$(config "$valid")" || { cat "$NET_TMP/plugin.out" "$NET_TMP/plugin.err" >&2; net_fail "GC failed"; }
[[ $(reservations) == "${addr_of[k1]}" ]] || { dump; net_fail "after GC the reservations are '$(reservations)', expected ${addr_of[k1]}"; }
[[ $(host_veths | wc -l) -eq 1 ]] || { dump; net_fail "after GC: veths $(host_veths | tr '\n' ' ')"; }
k1_route=$(ip -n "$node" route show "${addr_of[k1]}/32")
grep -q 'dev sluice' <<<"$k1_route" || { dump; net_fail "GC removed k1's route"; }
[[ -z $(ip -n "$node" route show "${addr_of[k2]}/32") ]] || { dump; net_fail "GC left k2's route"; }
ip -n "$ns_k2" -o link show eth0 >/dev/null 2>&1 && net_fail "GC left eth0 in k2's namespace"
net_ping "$node" "${addr_of[k1]}" 1 >/dev/null || net_fail "k1 (${addr_of[k1]}) does not answer after GC"
net_log "2. GC kept killed-k1 (${addr_of[k1]}) and removed killed-k2 (${addr_of[k2]}): its veth, route and reservation"
plugin DEL killed-k1 "/var/run/netns/$ns_k1" "$(config)" ||
  { cat "$NET_TMP/plugin.out" "$NET_TMP/plugin.err" >&2; net_fail "DEL for k1 failed"; }
check_clean "after DEL of k1"

# --- 3. ADD latency ---
# 50 ADDs, each into a fresh namespace, timed around the plugin's process alone (one shell in the
# node's namespace runs them all, so `ip netns exec` is not counted), then 50 DELs.
lat=()
for i in $(seq 1 50); do net_ns "lat[$i]" "l$i"; done
# shellcheck disable=SC2016 # expanded by the inner shell
ip netns exec "$node" env PLUGIN="$CNI_PLUGIN" CONFIG="$(config)" PREFIX="$NET_PREFIX" bash -c '
  for i in $(seq 1 50); do
    start=$EPOCHREALTIME
    CNI_COMMAND=ADD CNI_CONTAINERID="latency-$i" CNI_NETNS="/var/run/netns/$PREFIX-l$i" CNI_IFNAME=eth0 \
      "$PLUGIN" <<<"$CONFIG" >/dev/null || exit 1
    echo "${start/./} ${EPOCHREALTIME/./}"
  done' | awk '{print $2 - $1}' | sort -n >"$NET_TMP/add_us.txt" || net_fail "ADD for the latency run failed"
[[ $(wc -l <"$NET_TMP/add_us.txt") -eq 50 && $(reservations | wc -l) -eq 50 ]] || { dump; net_fail "50 ADDs did not make 50 reservations"; }
median=$(sed -n 25p "$NET_TMP/add_us.txt")
p99=$(sed -n 50p "$NET_TMP/add_us.txt") # the 99th percentile of 50 is the largest
for i in $(seq 1 50); do
  plugin DEL "latency-$i" "/var/run/netns/${lat[$i]}" "$(config)" ||
    { cat "$NET_TMP/plugin.out" "$NET_TMP/plugin.err" >&2; net_fail "DEL latency-$i failed"; }
done
check_clean "after 50 ADDs and DELs"
net_log "3. ADD latency over 50 attachments: median $((median / 1000)).$(((median % 1000) / 100)) ms, p99 $((p99 / 1000)).$(((p99 % 1000) / 100)) ms"
net_log "PASS in $((SECONDS - started)) s"
