#!/usr/bin/env bash
# The mesh agent on up to five nodes over one etcd member, lease_ttl 10 s (about 60 s):
#   1. nodes 1-4 join: each gets a subnet.env, SUBNET.0/32 on mesh0, the route to the network and a
#      lease with its key; each has the three others as peers; all ping all; `sluice-mesh status`
#      (text and --json) names them all; over two checks of sluiced, no agent sets its address
#      again;
#   2. node 5 joins and is reached by all;
#   3. node 5's agent stops (SIGTERM: status 0, the lease stays) and `sluice-mesh leave` revokes
#      its lease: the others drop node 5 at once (well before the TTL would have);
#   4. node 4's agent is killed (SIGKILL): its peer leaves the others within lease_ttl + 5 s;
#      started again, it comes back with the same subnet (remembered in its state_dir);
#   5. node 1's agent restarts (SIGTERM, start): pings to and from it lose nothing, its subnet and
#      lease stay, its peers stay as they are (their traffic counters never go back);
#   6. node 1 gets a new private key through its control socket: its lease and the others' peers
#      follow, and pings resume (within about 10 s);
#   7. node 3's sluiced restarts (empty): its agent applies the address, route and peers again.
# Usage: mesh_nodes.sh SLUICED SLUICECTL SLUICE_MESH
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
mesh_init mesh_nodes "$@"

mesh_underlay
mesh_etcd_single plain
mesh_network_config "$MESH_NETWORK_DEFAULT"

# wait_gone N M...: nodes M... drop node N's current key within TIMEOUT_S (global WAIT_GONE_S).
wait_gone() {
  local n=$1 key m
  shift
  key=$(mesh_pubkey "$n")
  for m in "$@"; do
    net_wait_for "$WAIT_GONE_S" mesh_lacks_peer "$m" "$key" || { mesh_dump "$m"; net_fail "node $m still has node $n as a peer"; }
  done
}

# counters N: "KEY RX_BYTES TX_BYTES" for every peer of node N, sorted.
counters() {
  mesh_ctl "$1" show "$MESH_IF" --json | jq -r '.interfaces[0].peers[] | "\(.public_key) \(.rx_bytes) \(.tx_bytes)"' | sort
}

# counters_kept BEFORE AFTER: the same peers, none of whose counters went down (a peer removed
# and added again starts from 0).
counters_kept() {
  join <(echo "$1") <(echo "$2") | awk -v want="$(wc -l <<<"$1")" '$4 >= $2 && $5 >= $3 {n++} END {exit n != want}'
}

# --- 1. Four nodes ---
start=$SECONDS
mesh_join 1 2 3 4
mesh_check_mesh 1 2 3 4
[[ $(mesh_leases | wc -l) -eq 4 ]] || { mesh_dump 1; net_fail "expected 4 leases"; }
[[ $(for n in 1 2 3 4; do mesh_subnet_of "$n"; done | sort -u | wc -l) -eq 4 ]] || net_fail "two nodes share a subnet"
net_log "1. nodes 1-4 joined and ping each other in $((SECONDS - start)) s"
# `status` names every node's subnet and public address, as text and as JSON.
mesh_agent 1 status >"$NET_TMP/status.txt" 2>&1 || { cat "$NET_TMP/status.txt" >&2; net_fail "sluice-mesh status failed"; }
mesh_agent 1 status --json >"$NET_TMP/status.json" 2>&1 || { cat "$NET_TMP/status.json" >&2; net_fail "sluice-mesh status --json failed"; }
jq -e . "$NET_TMP/status.json" >/dev/null || { cat "$NET_TMP/status.json" >&2; net_fail "sluice-mesh status --json is no JSON"; }
for n in 1 2 3 4; do
  for file in status.txt status.json; do
    if ! grep -qF "$(mesh_addr_of "$n")" "$NET_TMP/$file" || ! grep -qF "10.200.0.$n" "$NET_TMP/$file"; then
      cat "$NET_TMP/$file" >&2
      net_fail "sluice-mesh status ($file) lacks node $n"
    fi
  done
done

# The agents check sluiced every 2 s and leave what is in place alone: no address announced again.
timeout 5 ip -n "$(mesh_ns_of 2)" monitor address dev "$MESH_IF" >"$NET_TMP/monitor.txt" || (($? == 124)) ||
  net_fail "ip monitor failed in node 2"
[[ ! -s $NET_TMP/monitor.txt ]] || { cat "$NET_TMP/monitor.txt" >&2; net_fail "node 2's agent set its address again"; }
net_log "1. no address set again over two checks of sluiced"

# --- 2. A fifth ---
start=$SECONDS
mesh_join 5
mesh_check_mesh 1 2 3 4 5
net_log "2. node 5 joined in $((SECONDS - start)) s"

# --- 3. Node 5 leaves ---
status=0
mesh_agent_stop 5 || status=$?
((status == 0)) || { mesh_dump 5; net_fail "node 5's agent exited with status $status on SIGTERM"; }
[[ -n $(mesh_lease_of 5) ]] || net_fail "SIGTERM revoked node 5's lease (it must stay until its TTL)"
mesh_has_peer 1 "$(mesh_pubkey 5)" || net_fail "node 1 dropped node 5 on its agent's SIGTERM"
start=$SECONDS
mesh_agent 5 leave >"$NET_TMP/leave.out" 2>&1 || { cat "$NET_TMP/leave.out" >&2; net_fail "sluice-mesh leave failed"; }
[[ -z $(mesh_lease_of 5) ]] || net_fail "node 5's lease is still in etcd after leave"
WAIT_GONE_S=4
wait_gone 5 1 2 3 4
net_log "3. node 5 left; the others dropped it in $((SECONDS - start)) s"

# --- 4. Node 4's agent crashes ---
subnet4=$(mesh_subnet_of 4)
mesh_agent_kill 4
start=$SECONDS
WAIT_GONE_S=$((MESH_LEASE_TTL + 5))
wait_gone 4 1 2 3
net_log "4. node 4's agent killed; its peer left the others in $((SECONDS - start)) s"
[[ -z $(mesh_lease_of 4) ]] || net_fail "node 4's lease outlived its TTL"
mesh_ping_all 1 2 3
rm -f "$(mesh_dir_of 4)/subnet.env"
mesh_agent_start 4
mesh_wait_subnet 4
[[ $(mesh_subnet_of 4) == "$subnet4" ]] || net_fail "node 4 came back with $(mesh_subnet_of 4), not its old $subnet4"
mesh_check_mesh 1 2 3 4
net_log "4. node 4's agent back with its old subnet $subnet4"

# --- 5. Node 1's agent restarts: nothing drops ---
subnet1=$(mesh_subnet_of 1)
lease1=$(mesh_lease_of 1 | cut -f1)
# Enough traffic first that a peer made anew could not catch up during the restart (1400-byte
# pings: about 30 KB each way per peer; the pings below carry about 5 KB).
for m in 2 3 4; do
  ip netns exec "$(mesh_ns_of 1)" ping -n -q -c 20 -i 0.05 -s 1400 -W 1 "$(mesh_addr_of "$m")" >/dev/null ||
    net_fail "1400-byte pings from node 1 to node $m"
done
before=$(counters 1)
mesh_ping_loss ping_a 2 1 40 0.2
mesh_ping_loss ping_b 1 3 40 0.2
sleep 1
status=0
mesh_agent_stop 1 || status=$?
((status == 0)) || { mesh_dump 1; net_fail "node 1's agent exited with status $status on SIGTERM"; }
sleep 1
mesh_agent_start 1
read -r lost sent < <(mesh_ping_result "$ping_a" 20)
((sent == 40 && lost == 0)) || { mesh_dump 1 2; net_fail "node 2 -> node 1: $lost of $sent pings lost over the agent's restart"; }
read -r lost sent < <(mesh_ping_result "$ping_b" 20)
((sent == 40 && lost == 0)) || { mesh_dump 1 3; net_fail "node 1 -> node 3: $lost of $sent pings lost over the agent's restart"; }
mesh_agent_running 1 || { mesh_dump 1; net_fail "node 1's agent exited after its restart"; }
[[ $(mesh_subnet_of 1) == "$subnet1" ]] || net_fail "node 1's subnet changed over the restart: $(mesh_subnet_of 1)"
[[ $(mesh_lease_of 1 | cut -f1) == "$lease1" ]] || net_fail "node 1's lease changed over the restart: $(mesh_lease_of 1)"
after=$(counters 1)
counters_kept "$before" "$after" ||
  { printf 'before:\n%s\nafter:\n%s\n' "$before" "$after" >&2; net_fail "node 1's peers were made anew by the agent's restart"; }
mesh_check_mesh 1 2 3 4
net_log "5. node 1's agent restarted: no ping lost, same subnet, peers kept"

# --- 6. Node 1 rotates its key ---
old1=$(mesh_pubkey 1)
start=$SECONDS
new1=$(mesh_rotate_key 1)
has_new_lease() { local lease; lease=$(mesh_lease_of 1) && grep -qF "\"PublicKey\":\"$new1\"" <<<"$lease"; }
net_wait_for 10 has_new_lease || { mesh_dump 1; net_fail "node 1's lease still has its old key"; }
for m in 2 3 4; do
  net_wait_for 10 mesh_has_peer "$m" "$new1" || { mesh_dump 1 "$m"; net_fail "node $m did not learn node 1's new key"; }
  mesh_lacks_peer "$m" "$old1" || net_fail "node $m kept node 1's old key"
done
mesh_ping_all 1 2 3 4
took=$((SECONDS - start))
((took <= 15)) || net_fail "node 1's new key took $took s to work"
[[ $(mesh_subnet_of 1) == "$subnet1" ]] || net_fail "node 1's subnet changed with its key"
mesh_check_mesh 1 2 3 4
net_log "6. node 1's new key in use everywhere in $took s"

# --- 7. Node 3's sluiced restarts ---
mesh_sluiced_stop 3
mesh_sluiced_start 3
start=$SECONDS
mesh_wait_peers 3 3 10
net_wait_for 10 bash -c "ip -n '$(mesh_ns_of 3)' -4 addr show dev '$MESH_IF' | grep -q 'inet $(mesh_addr_of 3)/32 '" ||
  { mesh_dump 3; net_fail "node 3's address was not applied again"; }
# Node 3 pings first: it has no session, the others hold stale ones until their own timers run.
mesh_ping_all 3 1 2 4
took=$((SECONDS - start))
mesh_check_mesh 1 2 3 4
net_log "7. node 3's sluiced restarted; its agent applied everything again in $took s"
net_log "PASS"
