#!/usr/bin/env bash
# metrics_listen: the daemon serves Prometheus text on 127.0.0.1 inside its namespace; the answer
# is checked line by line against the exposition format's grammar (awk), and counters move with
# a ping. Other paths and methods get 404/405.
# Usage: metrics.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init metrics "$1" "$2"
net_require_root

net_ns a a
net_ns b b
net_veth "$a" 10.200.86.1/24 "$b" 10.200.86.2/24
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"
net_keypair a
net_keypair b
net_config "$NET_TMP/$A.toml" a 51886 10.99.11.1/24 'metrics_listen = "127.0.0.1:9586"'
net_config_peer "$NET_TMP/$A.toml" b 10.200.86.2:51887 10.99.11.2/32
net_config "$NET_TMP/$B.toml" b 51887 10.99.11.2/24
net_config_peer "$NET_TMP/$B.toml" a 10.200.86.1:51886 10.99.11.1/32
ctl_up "$a" "$NET_TMP/$A.toml"
ctl_up "$b" "$NET_TMP/$B.toml"
net_ping "$a" 10.99.11.2 3 >/dev/null || net_fail "no tunnel"

scrape() {  # OUT: headers and body of GET /metrics
  ip netns exec "$a" curl -sS --max-time 5 -D "$1.headers" -o "$1" http://127.0.0.1:9586/metrics || net_fail "scrape failed"
}
scrape "$NET_TMP/m1"
grep -q '^HTTP/1.0 200' "$NET_TMP/m1.headers" || net_fail "status: $(head -n1 "$NET_TMP/m1.headers")"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$NET_TMP/m1.headers" || net_fail "content type"

# The grammar of text format 0.0.4, as far as we use it: HELP and TYPE comments, then samples
# `name{label="value",...} number`; each sample's family declared by a TYPE line before it, no
# family declared twice, every line ends in a newline.
awk '
  BEGIN { bad = 0 }
  /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/ { next }
  /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/ {
    if ($3 in types) { print "declared twice: " $3; bad = 1 }
    types[$3] = $4; family = $3; next
  }
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ {
    name = $0; sub(/[{ ].*/, "", name)
    if (name != family) { print "sample outside its family: " $0; bad = 1 }
    if (types[name] == "counter" && name !~ /_total$/) { print "counter without _total: " name; bad = 1 }
    samples++; next
  }
  { print "bad line " NR ": " $0; bad = 1 }
  END { if (samples == 0) { print "no samples"; bad = 1 } exit bad }
' "$NET_TMP/m1" || net_fail "the metrics page is not valid exposition text"
[[ $(tail -c 1 "$NET_TMP/m1" | od -An -c | tr -d ' ') == '\n' ]] || net_fail "the last line has no newline"

peer=$(cut -c1-8 "$NET_TMP/b.pub")
sample() {  # FILE METRIC: the value of METRIC for peer B on interface A
  awk -v want="$2{interface=\"$A\",peer=\"$peer\"}" '$1 == want { print $2 }' "$1"
}
tx1=$(sample "$NET_TMP/m1" sluice_peer_tx_packets_total)
[[ -n $tx1 && $tx1 -ge 3 ]] || net_fail "tx_packets for peer $peer: '$tx1'"
net_ping "$a" 10.99.11.2 2 >/dev/null || net_fail "second ping"
scrape "$NET_TMP/m2"
tx2=$(sample "$NET_TMP/m2" sluice_peer_tx_packets_total)
((tx2 >= tx1 + 2)) || net_fail "tx_packets did not move with the ping: $tx1 -> $tx2"
[[ $(sample "$NET_TMP/m2" sluice_peer_last_handshake_seconds) -gt 0 ]] || net_fail "last handshake gauge"
net_log "$(grep -vc '^#' "$NET_TMP/m2") samples; tx_packets $tx1 -> $tx2"

code() { ip netns exec "$a" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
[[ $(code http://127.0.0.1:9586/) == 404 ]] || net_fail "GET / should be 404"
[[ $(code -X POST http://127.0.0.1:9586/metrics) == 405 ]] || net_fail "POST should be 405"
# An oversized request is cut off, and the server still answers afterwards.
head -c 8192 /dev/zero | tr '\0' 'x' >"$NET_TMP/big"
ip netns exec "$a" curl -s --max-time 5 -o /dev/null -H "X-Big: $(cat "$NET_TMP/big")" http://127.0.0.1:9586/metrics || true
scrape "$NET_TMP/m3"
# B has no metrics_listen: nothing listens there.
! ip netns exec "$b" curl -s --max-time 2 -o /dev/null http://127.0.0.1:9586/metrics || net_fail "metrics served without metrics_listen"
net_log "PASS"
