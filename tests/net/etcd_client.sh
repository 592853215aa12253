#!/usr/bin/env bash
# The etcd client library (etcd/) against a real etcd 3.4, started on 127.0.0.1 inside a namespace
# of this test's own (each start waits at most 10 s for health):
#   1. plain HTTP: keys, compare-and-swap, paging, leases (expiry, keep-alive, revoke), watches
#      (order, resume, compaction, stop);
#   2. etcd stopped while a watch runs and started again: unavailable, then the same client works;
#   3. TLS with --client-cert-auth: our certificate works, one from another CA, none at all and a
#      server we do not trust are refused with a message naming the endpoint and the reason;
#   4. auth enabled: the right password works (and renews its expired token), a wrong one and none
#      are refused;
#   5. the link to etcd cut under a running watch (no reset): TCP keepalive ends it in about 11 s.
# Usage: etcd_client.sh SLUICE_ETCD_TESTS
set -euo pipefail
TESTS=$1
source "$(dirname "$0")/lib.sh"
net_init etcd_client
net_require_root
for tool in etcd etcdctl openssl; do command -v "$tool" >/dev/null || net_fail "needs $tool"; done

net_ns etcd_ns e
HTTP=http://127.0.0.1:2379
HTTPS=https://127.0.0.1:2379
ETCD_PID=""

# start_etcd DATA_DIR CLIENT_URL [ETCD_OPTION...]: etcd in the background, healthy when this returns.
start_etcd() {
  local data=$1 url=$2
  shift 2
  ip netns exec "$etcd_ns" etcd --name n1 --data-dir "$data" --listen-client-urls "$url" --advertise-client-urls "$url" \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster n1=http://127.0.0.1:2380 "$@" >>"$NET_TMP/etcd.log" 2>&1 &
  ETCD_PID=$!
  NET_PIDS+=("$ETCD_PID")
  local tls=()
  [[ $url != https:* ]] || tls=(--cacert "$NET_TMP/ca.crt" --cert "$NET_TMP/client.crt" --key "$NET_TMP/client.key")
  net_wait_for 10 etcdctl_ns --endpoints="$url" "${tls[@]}" endpoint health ||
    { tail -n 20 "$NET_TMP/etcd.log" >&2; net_fail "etcd did not become healthy on $url"; }
}
# etcd exits with the status of SIGTERM; 137 means net_stop had to kill it.
stop_etcd() {
  local status=0
  net_stop "$ETCD_PID" || status=$?
  ((status != 137)) || net_fail "etcd did not stop within 5 s"
}
etcdctl_ns() { ip netns exec "$etcd_ns" env ETCDCTL_API=3 timeout 10 etcdctl --dial-timeout=2s "$@"; }

# run_tests SUITES [VAR=VALUE...]: the test binary inside the namespace.
run_tests() {
  local suites=$1
  shift
  ip netns exec "$etcd_ns" env SLUICE_ETCD_ENDPOINT="$HTTP" "$@" timeout 120 "$TESTS" --run_test="$suites" \
    --log_level=message --color_output=no || { tail -n 20 "$NET_TMP/etcd.log" >&2; net_fail "sluice_etcd_tests $suites failed"; }
}

net_log "1. plain HTTP"
start_etcd "$NET_TMP/plain" "$HTTP"
run_tests etcd_kv
run_tests etcd_watch

# run_helped_test NS ENDPOINT CASE: starts etcd_watch/CASE inside NS in the background; it asks
# for help through files in $control (await_request answers them); its pid is $tests_pid.
control="$NET_TMP/control"
run_helped_test() {
  rm -rf "$control"
  mkdir "$control"
  ip netns exec "$1" env SLUICE_ETCD_ENDPOINT="$2" SLUICE_ETCD_CONTROL="$control" timeout 60 "$TESTS" \
    --run_test="etcd_watch/$3" --log_level=message --color_output=no &
  tests_pid=$!
  NET_PIDS+=("$tests_pid")
}
await_request() { net_wait_for 20 test -e "$control/$1" || net_fail "the test never asked to $1"; }
answer_request() { touch "$control/$1"; }
await_test() { wait "$tests_pid" || net_fail "sluice_etcd_tests etcd_watch/$1 failed"; }

net_log "2. etcd stopped and started again under a running client"
run_helped_test "$etcd_ns" "$HTTP" unavailable_while_etcd_is_down
await_request stop
stop_etcd
answer_request stopped
await_request start
start_etcd "$NET_TMP/plain" "$HTTP"
answer_request started
await_test unavailable_while_etcd_is_down
stop_etcd

net_log "3. TLS with client certificates"
# make_cert NAME CA SUBJECT_EXTENSIONS: NAME.key and NAME.crt signed by CA (CA.crt, CA.key).
make_cert() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$NET_TMP/$1.key" \
    -subj "/CN=$1" 2>/dev/null |
    openssl x509 -req -CA "$NET_TMP/$2.crt" -CAkey "$NET_TMP/$2.key" -CAcreateserial -days 1 \
      -extfile <(printf '%s\n' "$3") -out "$NET_TMP/$1.crt" 2>/dev/null || net_fail "cannot make certificate $1"
}
for ca in ca other_ca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$NET_TMP/$ca.key" \
    -out "$NET_TMP/$ca.crt" -subj "/CN=sluice test $ca" -days 1 2>/dev/null || net_fail "cannot make CA $ca"
done
# clientAuth too: etcd's own gateway presents the server certificate to etcd's gRPC server.
make_cert server ca $'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth'
make_cert client ca 'extendedKeyUsage=clientAuth'
make_cert wrong_client other_ca 'extendedKeyUsage=clientAuth'
start_etcd "$NET_TMP/tls" "$HTTPS" --cert-file "$NET_TMP/server.crt" --key-file "$NET_TMP/server.key" \
  --client-cert-auth --trusted-ca-file "$NET_TMP/ca.crt"
run_tests etcd_tls SLUICE_ETCD_TLS_ENDPOINT="$HTTPS" SLUICE_ETCD_CA="$NET_TMP/ca.crt" \
  SLUICE_ETCD_WRONG_CA="$NET_TMP/other_ca.crt" SLUICE_ETCD_CLIENT_CERT="$NET_TMP/client.crt" \
  SLUICE_ETCD_CLIENT_KEY="$NET_TMP/client.key" SLUICE_ETCD_WRONG_CERT="$NET_TMP/wrong_client.crt" \
  SLUICE_ETCD_WRONG_KEY="$NET_TMP/wrong_client.key"
stop_etcd

net_log "4. user and password"
# Tokens expire after 1 s unused, so the test sees its token renewed.
start_etcd "$NET_TMP/auth" "$HTTP" --auth-token-ttl 1
password=$(openssl rand -hex 12)
etcdctl_ns --endpoints="$HTTP" user add root --new-user-password="$password" --interactive=false >/dev/null
# etcdctl warns that root has no root role yet (it grants it): into the log, not the output.
etcdctl_ns --endpoints="$HTTP" auth enable >/dev/null 2>>"$NET_TMP/etcdctl.log"
run_tests etcd_auth SLUICE_ETCD_PASSWORD="$password"
stop_etcd
if grep -qF -- "$password" "$NET_TMP/etcd.log"; then net_fail "the password is in etcd's log"; fi

net_log "5. the link to etcd cut while a watch runs"
net_ns client_ns c
net_veth "$etcd_ns" 10.200.77.1/24 "$client_ns" 10.200.77.2/24
start_etcd "$NET_TMP/silent" http://10.200.77.1:2379
run_helped_test "$client_ns" http://10.200.77.1:2379 silent_link_ends_the_watch
await_request cut
# etcd's end of the veth down: no reset, no answer; only keepalive can tell.
etcd_link=$(ip -n "$etcd_ns" -o link show type veth | awk -F': ' '{sub(/@.*/, "", $2); print $2}')
ip -n "$etcd_ns" link set "$etcd_link" down
answer_request cut_done
await_test silent_link_ends_the_watch
stop_etcd
net_log "ok"
