#!/usr/bin/env bash
# Keeps scripts/bench_control.sh working: one quick run (1,000 peers, 2 s of handshakes, about
# 25 s), without Debian's wireguard-go, whose handshake run is the same code as today's. Every
# figure must be there and sane (times and rates positive, the handshakes verified); the figures
# themselves are not judged.
# Usage: bench_control_smoke.sh SLUICED HANDSHAKE_LOAD BENCH_CONTROL_SCRIPT
set -euo pipefail
SLUICED=$1
LOAD_TOOL=$2
BENCH=$3
source "$(dirname "$0")/lib.sh"
net_init bench_control_smoke
net_require_root
# Today's wireguard-go where this machine has the baseline build, else the packaged one.
WGGO=${SLUICE_WGGO_UPSTREAM:-$(dirname "$BENCH")/../../shared/baselines/wireguard-go-0.0.20250522}
[[ -x $WGGO ]] || WGGO=$(command -v wireguard-go) || net_fail "needs wireguard-go"
bash "$BENCH" --quick --sluiced "$SLUICED" --load-tool "$LOAD_TOOL" --wggo-upstream "$WGGO" \
  --debian-wireguard-go "" --json "$NET_TMP/bench.json" >"$NET_TMP/bench.out" ||
  { cat "$NET_TMP/bench.out" >&2; net_fail "bench_control.sh failed"; }
cat "$NET_TMP/bench.out" >&2
problems=$(jq -r '
  (.control | map(.daemon) | sort) as $c | (.handshakes | map(.daemon) | sort) as $h |
  (if $c != ["sluiced", "wggo"] then "control runs: \($c)" else empty end),
  (if $h != ["sluiced", "wggo"] then "handshake runs: \($h)" else empty end),
  (.control[] | .daemon as $d | to_entries[] | select(.value == null) |
   select(.key != "setconf_parts_s" and .key != "setconf_failure") | "\($d) \(.key) missing"),
  (.control[] | select(.peers != 1000 or .setconf_s <= 0 or .dump_s <= 0 or .syncconf_s <= 0 or .rss_kb <= 0
                       or .pings_during_dumps < 1 or .ping_max_ms < .ping_avg_ms) | "\(.daemon): implausible \(.)"),
  (.handshakes[] | select(.handshakes < 1 or .rate <= 0 or .daemon_cpu_s == null or .daemon_cpu_s < 0
                          or .tool_cpu_s <= 0 or .answer_ms <= 0) | "\(.daemon): implausible \(.)"),
  (.x25519 | select(.x25519_variable_per_s <= 0 or .x25519_fixed_per_s <= 0 or .responder_bound_per_s <= 0
                    or .core_per_cpu_s <= 0 or .core_of_bound <= 0) |
   "X25519: implausible \(.)")' "$NET_TMP/bench.json")
[[ -z $problems ]] || net_fail "$problems"
net_log "PASS"
