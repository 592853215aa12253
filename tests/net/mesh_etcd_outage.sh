#!/usr/bin/env bash
# The mesh when etcd is away (a 3-member cluster, lease_ttl 10 s; about 70 s, 32 of them the outage):
#   1. nodes 1-3 join;
#   2. one member of three stopped (the first of every agent's endpoints): node 4 still joins, and
#      the others learn of it;
#   3. all of etcd stopped for 30 s: pings between the nodes go on without a loss (1 -> 2, 2 -> 4,
#      4 -> 1, two a second), the agents keep running and keep their peers, and node 1's agent
#      uses well under a CPU second waiting; meanwhile node 3 gets a new key through its control
#      socket and node 5 starts. Once etcd is back (same data dirs) everything converges: node 3's
#      new key is in its lease and the others' peers, node 5 joins, nodes 1-4 keep their subnets,
#      all ping all.
#   Meanwhile `sluicectl events` on node 1 shows the agent's events (source=mesh): nodes 4 and 5
#   and node 3's new key joining, its old key leaving, and etcd lost, then back.
# Usage: mesh_etcd_outage.sh SLUICED SLUICECTL SLUICE_MESH
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
mesh_init mesh_etcd_outage "$@"

mesh_underlay
mesh_etcd_cluster3 plain
mesh_network_config "$MESH_NETWORK_DEFAULT"

# wait_until T: sleeps until SECONDS reaches T.
wait_until() {
  local left=$(($1 - SECONDS))
  ((left <= 0)) || sleep "$left"
}

# --- 1. Three nodes ---
mesh_join 1 2 3
mesh_check_mesh 1 2 3
EVENTS="$NET_TMP/events1.json"
ip netns exec "$(mesh_ns_of 1)" timeout 300 "$SLUICECTL" --control-dir "$(mesh_dir_of 1)/ctl" events "$MESH_IF" --json \
  >"$EVENTS" &
NET_PIDS+=($!)
net_wait_for 5 grep -q subscribed "$EVENTS" || net_fail "sluicectl events on node 1 did not start"

# --- 2. One member of three away ---
mesh_etcd_stop e0
start=$SECONDS
mesh_join 4
mesh_check_mesh 1 2 3 4
net_log "2. with member e0 stopped, node 4 joined in $((SECONDS - start)) s"
mesh_etcd_restart e0
mesh_etcd_wait_healthy

# --- 3. All of etcd away for 30 s ---
declare -A subnet=()
for n in 1 2 3 4; do subnet[$n]=$(mesh_subnet_of "$n"); done
old3=$(mesh_pubkey 3)
mesh_ping_loss ping_a 1 2 64 0.5
mesh_ping_loss ping_b 2 4 64 0.5
mesh_ping_loss ping_c 4 1 64 0.5
# cpu_ticks PID: user + system time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_before=$(cpu_ticks "${MESH_AGENT_PID[1]}")
outage=$SECONDS
for name in e0 e1 e2; do mesh_etcd_stop "$name"; done
! mesh_etcdctl get "$MESH_PREFIX/config" >/dev/null 2>&1 || net_fail "etcd still answers"
net_log "3. etcd stopped"
new3=$(mesh_rotate_key 3)
mesh_node 5
mesh_agent_config 5
mesh_agent_start 5
wait_until $((outage + 25))
for n in 1 2 3 4; do
  mesh_agent_running "$n" || { mesh_dump "$n"; net_fail "node $n's agent exited while etcd was away"; }
  mesh_peer_count_is "$n" 3 || { mesh_dump "$n"; net_fail "node $n lost peers while etcd was away"; }
done
[[ ! -e $(mesh_dir_of 5)/subnet.env ]] || net_fail "node 5 got a subnet with etcd away"
# Waiting for etcd is retrying with backoff, not spinning: well under a CPU second in 25 s.
cpu_s=$(awk -v t="$(($(cpu_ticks "${MESH_AGENT_PID[1]}") - ticks_before))" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}')
awk -v s="$cpu_s" 'BEGIN {exit !(s < 1)}' || net_fail "node 1's agent used $cpu_s CPU-s while etcd was away"
net_log "3. node 1's agent used $cpu_s CPU-s in 25 s without etcd"
mesh_peer_count_is 5 0 || { mesh_dump 5; net_fail "node 5 got peers with etcd away"; }
wait_until $((outage + 30))
for name in e0 e1 e2; do mesh_etcd_restart "$name"; done
back=$SECONDS
mesh_etcd_wait_healthy
net_log "3. etcd back after $((back - outage)) s"
for handle in "$ping_a" "$ping_b" "$ping_c"; do
  read -r lost sent < <(mesh_ping_result "$handle" 20)
  ((sent == 64 && lost == 0)) || { mesh_dump 1 2 4; net_fail "$lost of $sent pings lost while etcd was away (${handle#* })"; }
done
net_log "3. no ping lost while etcd was away"

mesh_wait_subnet 5 20
for n in 1 2 4; do
  net_wait_for 15 mesh_has_peer "$n" "$new3" || { mesh_dump 3 "$n"; net_fail "node $n did not learn node 3's new key"; }
  mesh_lacks_peer "$n" "$old3" || net_fail "node $n kept node 3's old key"
done
mesh_check_mesh 3 1 2 4 5
for n in 1 2 3 4; do
  [[ $(mesh_subnet_of "$n") == "${subnet[$n]}" ]] || net_fail "node $n's subnet changed from ${subnet[$n]} to $(mesh_subnet_of "$n")"
done
net_log "3. converged $((SECONDS - back)) s after etcd came back"

# The agent's events, in node 1's stream.
mesh_events() { jq -r "select(.source == \"mesh\") | $1" "$EVENTS"; }
for node in 4 5; do
  key=$(mesh_pubkey "$node")
  seen=$(mesh_events '"\(.event) \(.peer)"')
  grep -qxF "node_joined $key" <<<"$seen" || net_fail "no node_joined event for node $node"
done
seen=$(mesh_events '"\(.event) \(.peer)"')
grep -qxF "node_joined $new3" <<<"$seen" || net_fail "no node_joined event for node 3's new key"
seen=$(mesh_events '"\(.event) \(.peer)"')
grep -qxF "node_left $old3" <<<"$seen" || net_fail "no node_left event for node 3's old key"
etcd_events=$(mesh_events 'select(.event | startswith("etcd_")) | .event' | tr '\n' ' ')
[[ $etcd_events =~ ^(etcd_lost\ etcd_back\ )+$ ]] || net_fail "etcd events on node 1: '$etcd_events'"
net_log "node 1's event stream: $(mesh_events .event | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}')etcd: $etcd_events"
net_log "PASS"
