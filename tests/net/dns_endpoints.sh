#!/usr/bin/env bash
# Endpoint names that follow DNS, and several endpoints per peer (issue 23). A (sluiced) knows
# B (sluiced) as b.dn.test, served by dnsmasq on A's loopback; A's resolver is pointed at it by
# /etc/netns/NS/resolv.conf (what `ip netns exec` mounts over /etc/resolv.conf), so no query
# leaves A's namespace.
#   1. TTL 2 s: B moves and the record follows; traffic resumes once A looks the name up again.
#   2. TTL 600 s: B moves while A has no session: the failed handshakes make A look it up again.
#   3. endpoints = [unreachable, name]: the handshake completes through the second; then the
#      first comes back and nothing flaps.
#   4. dnsmasq stops: one warning, the last good address kept, traffic still flows.
#   `sluicectl show` names what A follows and which one is in use; `export` keeps the list;
#   `sluicectl set` sends a name as a name, and `wg set` with an address ends the following.
# Usage: dns_endpoints.sh SLUICED SLUICECTL
set -euo pipefail
SLUICED=$1 SLUICECTL=$2
source "$(dirname "$0")/lib.sh"
NET_TAG="dn"
net_init dns_endpoints
net_require_root
command -v dnsmasq >/dev/null || net_fail "needs dnsmasq (dnsmasq-base)"

net_ns a a
net_ns b b
net_veth "$a" 10.200.23.1/24 "$b" 10.200.23.2/24
net_keypair a
net_keypair b
A_IF="${NET_PREFIX}a" B_IF="${NET_PREFIX}b"
B_PUB=$(cat "$NET_TMP/b.pub")
B_DEV=$(ip -n "$b" -o -4 addr show to 10.200.23.2 | awk '{print $2}')

mkdir -p "/etc/netns/$a"
NET_FILES+=("/etc/netns/$a")
echo "nameserver 127.0.0.1" >"/etc/netns/$a/resolv.conf"
HOSTS="$NET_TMP/hosts"
DNS_PID=""

# dns_start TTL: dnsmasq on A's loopback, serving $HOSTS with TTL seconds.
dns_start() {
  ip netns exec "$a" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root \
    --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file="$NET_TMP/dnsmasq.pid" \
    --addn-hosts="$HOSTS" --local-ttl="$1" >>"$NET_TMP/dnsmasq.log" 2>&1 &
  DNS_PID=$!
  NET_PIDS+=("$DNS_PID")
  net_wait_for 5 ip netns exec "$a" bash -c "ss -Hlun | grep -q '127.0.0.1:53 '" || net_fail "dnsmasq did not start"
}
dns_stop() { net_stop "$DNS_PID" || true; }
# dns_record ADDRESS: b.dn.test is ADDRESS from now on.
dns_record() {
  echo "$1 b.dn.test" >"$HOSTS"
  [[ -z $DNS_PID ]] || kill -HUP "$DNS_PID"
}
# move_b OLD NEW: B's outer address changes.
move_b() {
  ip -n "$b" addr del "$1/24" dev "$B_DEV"
  ip -n "$b" addr add "$2/24" dev "$B_DEV"
}
A_PID=""
# start_a ENDPOINT_LINE: A from scratch, its peer B given by ENDPOINT_LINE.
start_a() {
  [[ -z $A_PID ]] || net_stop "$A_PID" || true
  net_config "$NET_TMP/a.toml" a 51820 10.96.0.1/24
  net_config_peer "$NET_TMP/a.toml" b "" 10.96.0.2/32 "$1"
  : >"$NET_TMP/a.log"
  net_start_sluiced "$a" "$A_IF" "$NET_TMP/a.toml" "$NET_TMP/a.log"
  A_PID=${NET_PIDS[-1]}
}
B_PID=""
# start_b: B from scratch, with no session that could make it start a handshake itself (A
# would learn its address from that, not from DNS).
start_b() {
  [[ -z $B_PID ]] || net_stop "$B_PID" || true
  net_start_sluiced "$b" "$B_IF" "$NET_TMP/b.toml" "$NET_TMP/b.log"
  B_PID=${NET_PIDS[-1]}
}
logs() { tail -n 40 "$NET_TMP/a.log" "$NET_TMP/b.log" "$NET_TMP/dnsmasq.log" >&2 || true; }
now() { date +%s.%N; }
# resume_time START LIMIT: pings A -> B once a second until one is answered (LIMIT tries);
# prints the seconds since START.
resume_time() {
  local start=$1 limit=$2 i
  for ((i = 0; i < limit; i++)); do
    if ip netns exec "$a" ping -c 1 -W 1 10.96.0.2 >/dev/null 2>&1; then
      awk -v s="$start" -v e="$(now)" 'BEGIN {printf "%.1f", e - s}'
      return 0
    fi
  done
  return 1
}
endpoint_on_a() { net_peer_field "$a" "$A_IF" "$B_PUB" 3; }

dns_record 10.200.23.2
dns_start 2
net_config "$NET_TMP/b.toml" b 51821 10.96.0.2/24
net_config_peer "$NET_TMP/b.toml" a 10.200.23.1:51820 10.96.0.1/32
start_b
start_a 'endpoint = "b.dn.test:51821"'

# 1. The TTL runs out: A follows the record with no action of its own.
net_ping "$a" 10.96.0.2 3 || { logs; net_fail "A -> B through b.dn.test"; }
[[ $(endpoint_on_a) == 10.200.23.2:51821 ]] || net_fail "wg show: endpoint '$(endpoint_on_a)', expected 10.200.23.2:51821"
# The event stream tells of the new lookup and the switch it makes (it ends when A stops).
timeout 60 "$SLUICECTL" events "$A_IF" --json >"$NET_TMP/events.json" 2>&1 &
NET_PIDS+=($!)
net_wait_for 5 grep -q '"subscribed"' "$NET_TMP/events.json" || net_fail "sluicectl events did not subscribe"
start=$(now)
move_b 10.200.23.2 10.200.23.3
dns_record 10.200.23.3
took=$(resume_time "$start" 15) || { logs; net_fail "no traffic after B moved to 10.200.23.3 (TTL 2 s)"; }
[[ $(endpoint_on_a) == 10.200.23.3:51821 ]] || net_fail "after the move: endpoint '$(endpoint_on_a)'"
net_log "1. B moved, record changed (TTL 2 s, floor 5 s): traffic resumed after $took s"
jq -e -s 'any(.[]; .event == "name_resolved" and .name == "b.dn.test:51821" and (.new | tostring | contains("10.200.23.3")))' \
  "$NET_TMP/events.json" >/dev/null || { cat "$NET_TMP/events.json" >&2; net_fail "no name_resolved event for 10.200.23.3"; }
jq -e -s 'any(.[]; .event == "endpoint_changed" and .reason == "name" and .new == "10.200.23.3:51821")' \
  "$NET_TMP/events.json" >/dev/null || { cat "$NET_TMP/events.json" >&2; net_fail "no endpoint_changed event (reason name)"; }
net_log "1. sluicectl events: name_resolved and endpoint_changed (reason name)"

# 2. Handshakes failing make A look the name up again, long before its TTL (600 s) runs out.
dns_stop
dns_start 600
start_b
start_a 'endpoint = "b.dn.test:51821"'
net_wait_for 5 grep -q "resolves to 10.200.23.3 (TTL 600 s)" "$NET_TMP/a.log" || { logs; net_fail "A did not resolve b.dn.test"; }
start=$(now)
move_b 10.200.23.3 10.200.23.4
dns_record 10.200.23.4
took=$(resume_time "$start" 20) || { logs; net_fail "no traffic after B moved to 10.200.23.4 (TTL 600 s)"; }
grep -q "resolves to 10.200.23.4" "$NET_TMP/a.log" || { logs; net_fail "A did not look b.dn.test up again"; }
net_log "2. B moved during failing handshakes (TTL 600 s): traffic resumed after $took s"

# 3. Two endpoints, the first unreachable: the second carries the handshake, and stays in use
# once the first answers again.
dns_stop
dns_start 2
start_b
start_a 'endpoints = ["10.200.23.9:51821", "b.dn.test:51821"]'
start=$(now)
took=$(resume_time "$start" 20) || { logs; net_fail "no handshake through the second endpoint"; }
[[ $(endpoint_on_a) == 10.200.23.4:51821 ]] || net_fail "two endpoints: in use '$(endpoint_on_a)'"
net_log "3. first endpoint unreachable: handshake through the second after $took s"
shown=$("$SLUICECTL" show "$A_IF")
grep -q "endpoint names: 10.200.23.9:51821, b.dn.test:51821 (in use)" <<<"$shown" ||
  { echo "$shown" >&2; "$SLUICECTL" show "$A_IF" --json >&2; net_fail "sluicectl show does not name the endpoint in use"; }
exported=$("$SLUICECTL" export "$A_IF")
grep -qF 'endpoints = ["10.200.23.9:51821", "b.dn.test:51821"]' <<<"$exported" ||
  net_fail "sluicectl export lost the endpoints"
# A reload of the same file keeps what was learnt: nothing changed, the same endpoint in use.
reloaded=$("$SLUICECTL" reload "$A_IF" 2>/dev/null) || net_fail "sluicectl reload failed"
[[ $reloaded == *"(0 added, 0 removed, 0 changed)"* ]] || net_fail "sluicectl reload of the same file: $reloaded"
[[ $(endpoint_on_a) == 10.200.23.4:51821 ]] || net_fail "after reload: in use '$(endpoint_on_a)'"
ip -n "$b" addr add 10.200.23.9/24 dev "$B_DEV"
switches=$(grep -c "endpoint .* -> " "$NET_TMP/a.log" || true)

# 4. The DNS server goes away: one warning, the address kept.
dns_stop
net_wait_for 12 grep -q "cannot resolve b.dn.test:51821: .*keeping 10.200.23.4:51821" "$NET_TMP/a.log" ||
  { logs; net_fail "no warning for the DNS server being down"; }
net_ping "$a" 10.96.0.2 3 || { logs; net_fail "A -> B with the DNS server down"; }
[[ $(endpoint_on_a) == 10.200.23.4:51821 ]] || net_fail "DNS down: in use '$(endpoint_on_a)'"
(($(grep -c "cannot resolve" "$NET_TMP/a.log") == 1)) || { logs; net_fail "more than one warning for one failing name"; }
[[ $(grep -c "endpoint .* -> " "$NET_TMP/a.log" || true) == "$switches" ]] || { logs; net_fail "the endpoint flapped"; }
net_log "4. DNS server down: $(grep -o 'cannot resolve.*' "$NET_TMP/a.log")"

# sluicectl set sends a name as a name; a numeric endpoint (wg set) ends the following.
"$SLUICECTL" set "$A_IF" peer "$B_PUB" endpoint b.dn.test:51821
shown=$("$SLUICECTL" show "$A_IF")
grep -q "endpoint names: b.dn.test:51821 (in use)" <<<"$shown" || net_fail "sluicectl set: name not followed"
net_wg "$a" set "$A_IF" peer "$B_PUB" endpoint 10.200.23.4:51821
! grep -q "endpoint names" <<<"$("$SLUICECTL" show "$A_IF")" || net_fail "wg set: still following a name"
net_log "PASS"
