#!/usr/bin/env bash
# No descriptor or memory growth: a running sluiced is measured (/proc/PID/fd entries, VmRSS)
# after a warm-up, then again after 1,000 control connections (wg show, whole get requests
# through socat, requests cut off half-way, connections closed at once) and 10,000 peer add and
# remove cycles (each peer with a preshared key and allowed IPs, in set requests of 1,000 cycles).
# The descriptor count must be exactly the same; RSS may grow by at most RSS_SLACK_KB (allocator
# pools, page-granular).
# Usage: resource_growth.sh SLUICED
set -euo pipefail
SLUICED=$1
source "$(dirname "$0")/lib.sh"
net_init resource_growth
net_require_root
RSS_SLACK_KB=2048

net_ns a a
net_keypair a
IF="${NET_PREFIX}rg"
SOCK=/run/wireguard/$IF.sock
printf '[interface]\nprivate_key_file = "%s"\nlisten_port = 51830\naddress = ["10.99.80.1/24"]\n' "$NET_TMP/a.key" \
  >"$NET_TMP/a.toml"
net_start_sluiced "$a" "$IF" "$NET_TMP/a.toml" "$NET_TMP/a.log"
pid=${NET_PIDS[-1]}

fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }

# One set request adding and removing COUNT peers, numbered from FIRST.
cycles_request() {  # FIRST COUNT
  awk -v first="$1" -v count="$2" 'BEGIN {
    printf "set=1\n"
    for (i = first; i < first + count; i++) {
      key = sprintf("%056x%08x", 0, i)
      printf "public_key=%s\npreshared_key=%056x%08x\nallowed_ip=10.%d.%d.%d/32\nallowed_ip=fd00:80::%x/128\n", key, 1, i, 100 + int(i / 65536) % 100, int(i / 256) % 256, i % 256, i % 65536
      printf "public_key=%s\nremove=true\n", key
    }
    printf "\n"
  }'
}
peer_cycles() {  # FIRST TOTAL
  local first=$1 total=$2 done=0
  while ((done < total)); do
    cycles_request $((first + done)) 1000 | timeout 20 socat -t 10 - "UNIX-CONNECT:$SOCK" >"$NET_TMP/set.out"
    grep -qx 'errno=0' "$NET_TMP/set.out" || net_fail "set request failed: $(cat "$NET_TMP/set.out")"
    done=$((done + 1000))
  done
}
control_connections() {  # COUNT (a multiple of 4)
  local i reply
  for ((i = 0; i < $1 / 4; i++)); do
    net_wg "$a" show "$IF" >/dev/null || net_fail "wg show failed"
    reply=$(printf 'get=1\n\n' | timeout 5 socat -t 2 - "UNIX-CONNECT:$SOCK")
    grep -q '^errno=0' <<<"$reply" || net_fail "get=1 failed"
    printf 'set=1\npublic_key=' | timeout 5 socat -t 0.1 - "UNIX-CONNECT:$SOCK" >/dev/null || true
    timeout 5 socat -u /dev/null "UNIX-CONNECT:$SOCK" || true
  done
}

# Warm-up: the allocator's pools and the maps reach their working size.
control_connections 100
peer_cycles 0 2000
sleep 0.5
fds_before=$(fds)
rss_before=$(rss)
start=$SECONDS
control_connections 1000
connections_seconds=$((SECONDS - start))
start=$SECONDS
peer_cycles 100000 10000
cycles_seconds=$((SECONDS - start))
sleep 0.5
fds_after=$(fds)
rss_after=$(rss)

[[ -z $(net_wg "$a" show "$IF" peers) ]] || net_fail "peers left over after the cycles"
net_log "1,000 control connections in ${connections_seconds} s, 10,000 peer add/remove cycles in ${cycles_seconds} s"
net_log "descriptors: $fds_before before, $fds_after after; VmRSS: $rss_before kB before, $rss_after kB after"
((fds_after == fds_before)) || { ls -l "/proc/$pid/fd" >&2; net_fail "descriptors grew from $fds_before to $fds_after"; }
((rss_after - rss_before <= RSS_SLACK_KB)) || net_fail "VmRSS grew by $((rss_after - rss_before)) kB (more than $RSS_SLACK_KB)"
kill -0 "$pid" || net_fail "sluiced died"
net_log "PASS"
