#!/usr/bin/env bash
# Self-test of mesh_lib.sh without the agent (temporary, not registered in CTest): etcd single and
# 3-member, a member stopped (writes go on) and restarted on its data dir, the whole cluster
# stopped and restarted, TLS with the right and the wrong client certificate (etcdctl and the JSON
# gateway through curl), etcd reachable from the nodes, sluiced in each node with no peers, and
# the ping helpers over a mesh wired by hand as the agent would wire it.
# Usage: mesh_harness_selftest.sh SLUICED SLUICECTL plain|tls
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
MODE=${3:-plain}
mesh_init "mesh_selftest_$MODE" "$1" "$2"
command -v curl >/dev/null || net_fail "needs curl"

# gateway_get NODE URL [CURL_ARGS...]: a range request of PREFIX/config through etcd's JSON
# gateway from node NODE; prints the value.
gateway_get() {
  local n=$1 url=$2
  shift 2
  ip netns exec "$(mesh_ns_of "$n")" curl -sS --fail --max-time 5 "$@" -X POST "$url/v3/kv/range" \
    -d "{\"key\":\"$(printf '%s' "$MESH_PREFIX/config" | base64 -w0)\"}" | jq -r '.kvs[0].value | @base64d'
}

mesh_underlay
if [[ $MODE == tls ]]; then
  mesh_etcd_single tls
  mesh_network_config "$MESH_NETWORK_DEFAULT"
  mesh_node 1
  tls=(--cacert "$NET_TMP/pki/ca.crt")
  value=$(gateway_get 1 https://10.200.0.100:2379 "${tls[@]}" --cert "$NET_TMP/pki/client.crt" --key "$NET_TMP/pki/client.key") ||
    net_fail "JSON gateway refused the right client certificate"
  [[ $value == "$MESH_NETWORK_DEFAULT" ]] || net_fail "JSON gateway returned '$value'"
  if gateway_get 1 https://10.200.0.100:2379 "${tls[@]}" --cert "$NET_TMP/pki/wrong.crt" --key "$NET_TMP/pki/wrong.key" 2>"$NET_TMP/err"; then
    net_fail "JSON gateway accepted a client certificate of another CA"
  fi
  net_log "curl with the wrong certificate: $(cat "$NET_TMP/err")"
  gateway_get 1 https://10.200.0.100:2379 "${tls[@]}" --tls-max 1.2 --cert "$NET_TMP/pki/wrong.crt" --key "$NET_TMP/pki/wrong.key" \
    2>"$NET_TMP/err" && net_fail "JSON gateway accepted a client certificate of another CA (TLS 1.2)"
  net_log "curl with the wrong certificate, TLS 1.2: $(cat "$NET_TMP/err")"
  gateway_get 1 https://10.200.0.100:2379 "${tls[@]}" 2>"$NET_TMP/err" && net_fail "JSON gateway accepted no certificate"
  net_log "curl without a certificate: $(cat "$NET_TMP/err")"
  gateway_get 1 https://10.200.0.100:2379 --cert "$NET_TMP/pki/client.crt" --key "$NET_TMP/pki/client.key" 2>"$NET_TMP/err" &&
    net_fail "curl trusted the server without its CA"
  net_log "curl without the CA: $(cat "$NET_TMP/err")"
  if ETCDCTL_API=3 ip netns exec "${NET_PREFIX}e" timeout 15 etcdctl --endpoints https://10.200.0.100:2379 --dial-timeout 2s \
    --command-timeout 3s --cacert "$NET_TMP/pki/ca.crt" --cert "$NET_TMP/pki/wrong.crt" --key "$NET_TMP/pki/wrong.key" \
    get "$MESH_PREFIX/config" >/dev/null 2>"$NET_TMP/err"; then
    net_fail "etcdctl with the wrong client certificate was answered"
  fi
  net_log "etcdctl with the wrong certificate: $(tail -n 1 "$NET_TMP/err")"
  mesh_agent_config 1
  MESH_CLIENT_CERT=wrong mesh_agent_config 2
  grep -q "pki/wrong.crt" "$NET_TMP/n2/mesh.toml" || net_fail "MESH_CLIENT_CERT=wrong not in the config"
  grep -q "pki/client.crt" "$NET_TMP/n1/mesh.toml" || net_fail "client certificate not in the config"
  cat "$NET_TMP/n1/mesh.toml" >&2
  net_log "PASS (tls)"
  exit 0
fi

# --- 3-member cluster ---
mesh_etcd_cluster3 plain
mesh_network_config "$MESH_NETWORK_DEFAULT"
[[ $(mesh_etcdctl get --print-value-only "$MESH_PREFIX/config") == "$MESH_NETWORK_DEFAULT" ]] || net_fail "config read back"
mesh_etcd_stop e1
net_wait_for 10 mesh_etcdctl put /sluice-test/a 1 || net_fail "no write with one member of three stopped"
net_log "write with e1 stopped: ok"
mesh_etcd_restart e1
mesh_etcd_wait_healthy
start=$SECONDS
for name in e0 e1 e2; do mesh_etcd_stop "$name"; done
mesh_etcdctl get /sluice-test/a >/dev/null 2>&1 && net_fail "etcd answered with every member stopped"
for name in e0 e1 e2; do mesh_etcd_restart "$name"; done
mesh_etcd_wait_healthy
[[ $(mesh_etcdctl get --print-value-only /sluice-test/a) == 1 ]] || net_fail "data lost over the restart"
net_log "cluster stopped and restarted on its data dirs in $((SECONDS - start)) s, data kept"

# --- Nodes ---
for n in 1 2 3; do mesh_node "$n"; done
for n in 1 2 3; do
  mesh_peer_count_is "$n" 0 || net_fail "node $n has peers"
  value=$(gateway_get "$n" http://10.200.0.100:2379) || net_fail "node $n cannot reach etcd at 10.200.0.100:2379"
  [[ $value == "$MESH_NETWORK_DEFAULT" ]] || net_fail "node $n read '$value'"
  gateway_get "$n" http://10.200.0.102:2379 >/dev/null || net_fail "node $n cannot reach etcd at 10.200.0.102:2379"
done
mesh_agent_config 1 'persistent_keepalive = 5' -- 'prefix = "/coreos.com/network"'
cat "$NET_TMP/n1/mesh.toml" >&2
[[ $(mesh_ip_network 10.244.3.1/24) == 10.244.3.0 && $(mesh_ip_network 10.244.130.77/17) == 10.244.128.0 ]] ||
  net_fail "mesh_ip_network"

# A mesh wired by hand as the agent would wire it: subnet.env, SUBNET.0/32 on mesh0, the route to
# the network, a peer per other node; then leases in etcd as the agent would write them.
for n in 1 2 3; do
  printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.%s.1/24\nFLANNEL_MTU=1420\nFLANNEL_IPMASQ=false\n' "$n" \
    >"$NET_TMP/n$n/subnet.env"
  ip -n "$(mesh_ns_of "$n")" addr add "10.244.$n.0/32" dev mesh0
  ip -n "$(mesh_ns_of "$n")" link set mesh0 up
  ip -n "$(mesh_ns_of "$n")" route add 10.244.0.0/16 dev mesh0
  mesh_etcdctl put "$MESH_PREFIX/subnets/10.244.$n.0-24" \
    "{\"PublicIP\":\"10.200.0.$n\",\"BackendType\":\"wireguard\",\"BackendData\":{\"PublicKey\":\"$(mesh_pubkey "$n")\",\"ListenPort\":51820}}" >/dev/null
done
for n in 1 2 3; do
  for m in 1 2 3; do
    ((n != m)) || continue
    mesh_ctl "$n" set mesh0 peer "$(mesh_pubkey "$m")" endpoint "10.200.0.$m:51820" allowed-ips "10.244.$m.0/24"
  done
done
mesh_wait_peers 1 2 5
[[ $(mesh_lease_of 2 | cut -f1) == "$MESH_PREFIX/subnets/10.244.2.0-24" ]] || net_fail "mesh_lease_of: '$(mesh_lease_of 2)'"
[[ -z $(mesh_lease_of 7) ]] || net_fail "mesh_lease_of a node without a lease"
mesh_ping_all 1 2 3
mesh_ping_loss pings 1 2 10 0.2
read -r lost sent < <(mesh_ping_result "$pings" 10)
((lost == 0 && sent == 10)) || net_fail "lost $lost of $sent"
mesh_has_peer 1 "$(mesh_pubkey 3)" || net_fail "mesh_has_peer"
old=$(mesh_pubkey 3)
new=$(mesh_rotate_key 3)
[[ $new != "$old" && $(mesh_ctl 3 show mesh0 --json | jq -r '.interfaces[0].public_key') == "$new" ]] || net_fail "mesh_rotate_key"
mesh_ping 1 3 2 && net_fail "ping to a node with a key its peers do not know"
for n in 1 2; do
  mesh_ctl "$n" set mesh0 peer "$old" remove peer "$new" endpoint 10.200.0.3:51820 allowed-ips 10.244.3.0/24
done
mesh_ping_all 1 2 3
mesh_sluiced_stop 2
mesh_sluiced_start 2
mesh_peer_count_is 2 0 || net_fail "restarted sluiced has peers"
mesh_ping 1 2 2 && net_fail "ping to a node whose sluiced lost its peers"
mesh_dump 2 2>"$NET_TMP/dump.txt"
grep -q "node 2" "$NET_TMP/dump.txt" || net_fail "mesh_dump lacks the node"
grep -q "10.244.1.0-24" "$NET_TMP/dump.txt" || net_fail "mesh_dump lacks the leases"
! net_contains_secret "$NET_TMP/dump.txt" "$(cat "$NET_TMP/n2/node.key")" >/dev/null || net_fail "mesh_dump shows a private key"
net_log "PASS (plain)"
