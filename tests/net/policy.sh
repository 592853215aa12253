#!/usr/bin/env bash
# Rules on peer identities (issue 24), between three sluiced: hub A with peers B (group laptops)
# and C (group guests), inbound default deny. B's pings pass (a rule allows laptops' ICMP) and C's
# are dropped and counted on the rule "no guests"; A's own pings to C pass, their replies being
# replies of a flow A started, while C's new pings stay dropped. A reload that denies laptops cuts
# B's running ping at once, and B's session stays up (same handshake, A still reaches B). A rule
# file with a mistake is refused with file:line:key, and the rules stay as they were. The
# counters show in sluicectl flows and stats and on the metrics page.
# Usage: policy.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
NET_TAG="po"
ctl_init policy "$1" "$2"
# This test's own prefix for namespaces and links.
net_require_root

net_ns a a
net_ns b b
net_ns c c
net_veth "$a" 10.200.61.1/24 "$b" 10.200.61.2/24
net_veth "$a" 10.200.62.1/24 "$c" 10.200.62.2/24
net_keypair a
net_keypair b
net_keypair c
A="${NET_PREFIX}a"
B="${NET_PREFIX}b"
C="${NET_PREFIX}c"

write_a() {  # LAPTOPS_ACTION [EXTRA_LINE]
  net_config "$NET_TMP/$A.toml" a 51820 10.98.0.1/24 'metrics_listen = "127.0.0.1:9586"'
  net_config_peer "$NET_TMP/$A.toml" b 10.200.61.2:51821 10.98.0.2/32 'name = "laptop-b"' 'groups = ["laptops"]'
  net_config_peer "$NET_TMP/$A.toml" c 10.200.62.2:51822 10.98.0.3/32 'name = "guest-c"' 'groups = ["guests"]'
  cat >>"$NET_TMP/$A.toml" <<TOML

[policy_defaults]
inbound = "deny"

[[policy]]
name = "laptops ping"
groups = ["laptops"]
protocol = "icmp"
action = "$1"

[[policy]]
name = "no guests"
groups = ["guests"]
${2:-}
action = "deny"
TOML
}
write_a allow
net_config "$NET_TMP/$B.toml" b 51821 10.98.0.2/24
net_config_peer "$NET_TMP/$B.toml" a 10.200.61.1:51820 10.98.0.1/32,10.98.0.3/32
net_config "$NET_TMP/$C.toml" c 51822 10.98.0.3/24
net_config_peer "$NET_TMP/$C.toml" a 10.200.62.1:51820 10.98.0.1/32,10.98.0.2/32

ctl_up "$a" "$NET_TMP/$A.toml"
ctl_up "$b" "$NET_TMP/$B.toml"
ctl_up "$c" "$NET_TMP/$C.toml"

# rule_packets NAME: the packets counted on rule NAME of A.
rule_packets() { ctl "$a" flows "$A" --json | jq -r --arg n "$1" '.interfaces[0].rules[] | select(.name == $n) | .packets'; }

# An allowed peer passes; a denied one is dropped and counted on its rule.
net_ping "$b" 10.98.0.1 2 >/dev/null || net_fail "laptop B cannot ping A"
ip netns exec "$c" ping -c 3 -i 0.2 -W 1 10.98.0.1 >/dev/null && net_fail "guest C's pings passed"
(($(rule_packets "no guests") >= 3)) || net_fail "C's pings are not counted on the rule: $(ctl "$a" flows "$A")"
(($(rule_packets "laptops ping") >= 2)) || net_fail "B's pings are not counted on their rule"
flows=$(ctl "$a" flows "$A" --peer guest-c)
grep -q "guest-c 10.98.0.3 -> 10.98.0.1 icmp inbound DROPPED (no guests)" <<<"$flows" ||
  net_fail "flows: no dropped flow of guest-c: $(ctl "$a" flows "$A")"
[[ $(ctl "$a" stats --json "$A" | jq '.interfaces[0].counters.policy_dropped_inbound') -ge 3 ]] ||
  net_fail "policy_dropped_inbound not counted"
# The metrics page (loopback of A's namespace) has the rule's counter and C's dropped flow.
ip netns exec "$a" curl -sf --max-time 5 http://127.0.0.1:9586/metrics >"$NET_TMP/metrics.txt" || net_fail "no metrics"
c_label=$(cut -c1-8 "$NET_TMP/c.pub")
awk -v a="$A" '$1 == "sluice_policy_rule_packets_total{interface=\"" a "\",rule=\"no" && $2 == "guests\",action=\"deny\"}" && $3 >= 3 {found = 1}
  END {exit !found}' "$NET_TMP/metrics.txt" || net_fail "metrics: no count on rule 'no guests': $(grep rule_packets "$NET_TMP/metrics.txt")"
grep -qF "sluice_peer_flows{interface=\"$A\",peer=\"$c_label\",verdict=\"deny\"} 1" "$NET_TMP/metrics.txt" ||
  net_fail "metrics: no denied flow of C: $(grep peer_flows "$NET_TMP/metrics.txt")"

# Replies to a flow A started pass; C's new pings do not.
net_ping "$a" 10.98.0.3 2 >/dev/null || net_fail "A's pings to guest C got no replies"
ip netns exec "$c" ping -c 2 -i 0.2 -W 1 10.98.0.1 >/dev/null && net_fail "guest C's new pings passed"
net_log "$(ctl "$a" flows "$A")"

# A reload that denies laptops cuts B's running ping, and keeps B's session.
handshake_before=$(net_peer_field "$a" "$A" "$(cat "$NET_TMP/b.pub")" 5)
ip netns exec "$b" ping -c 30 -i 0.1 -W 1 10.98.0.1 >"$NET_TMP/ping.txt" 2>&1 &
ping_pid=$!
NET_PIDS+=("$ping_pid")
sleep 1
write_a deny
ctl "$a" reload "$A" >/dev/null || net_fail "reload"
net_wait_exit "$ping_pid" 10 || net_fail "B's ping did not finish"
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$NET_TMP/ping.txt")
((received >= 5 && received <= 20)) || net_fail "B's ping across the tightening reload: $(tail -2 "$NET_TMP/ping.txt")"
net_log "B's running ping: $received of 30 replies, then cut by the reload"
net_ping "$a" 10.98.0.2 2 >/dev/null || net_fail "A no longer reaches B after the reload"
[[ $(net_peer_field "$a" "$A" "$(cat "$NET_TMP/b.pub")" 5) == "$handshake_before" ]] ||
  net_fail "B's session was redone by the reload"

# A mistake in a rule: file:line:key, and nothing changes.
ctl "$a" export "$A" >"$NET_TMP/before.toml"
write_a allow 'protocol = "sctp"'
ctl_expect_error "a bad rule" "$NET_TMP/$A.toml:33:12: policy[1].protocol: expected \"tcp\"" \
  ctl "$a" reload "$A" --config "$NET_TMP/$A.toml"
ctl "$a" export "$A" >"$NET_TMP/after.toml"
diff "$NET_TMP/before.toml" "$NET_TMP/after.toml" >&2 || net_fail "a refused rule file changed the interface"
ip netns exec "$b" ping -c 2 -i 0.2 -W 1 10.98.0.1 >/dev/null && net_fail "B's pings pass after the refused file"
net_log "PASS"
