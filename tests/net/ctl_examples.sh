#!/usr/bin/env bash
# Every example in configs/ starts a daemon through `sluicectl up` (key files generated), which
# reports the interface with the example's peers, and `sluicectl down` stops it again.
# Each runs in a namespace of its own with only loopback: whatever the example's endpoints are
# (documentation addresses), no packet can leave it.
# Usage: ctl_examples.sh SLUICECTL SLUICED CONFIGS_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
ctl_init ctl_examples "$1" "$2"
CONFIGS=$3
net_require_root

count=0
for example in "$CONFIGS"/*.toml; do
  count=$((count + 1))
  name=$(basename "$example" .toml)
  net_ns space "e$count"
  ifname="${NET_PREFIX}e$count"
  ctl_localize "$example" "$NET_TMP/$ifname.toml"
  ctl_up "$space" "$NET_TMP/$ifname.toml"

  peers=$(grep -c '^\[\[peer\]\]' "$example")
  shown=$(ctl "$space" show --json "$ifname" | jq '.interfaces[0].peers | length')
  [[ $shown == "$peers" ]] || net_fail "$name: $shown peers running, $peers in the file"
  addresses=$(sed -n 's/^address = \[\(.*\)\]/\1/p' "$example" | tr -d '" ' | tr ',' '\n' | sort)
  running=$(ip -n "$space" -j addr show dev "$ifname" | jq -r '.[0].addr_info[] | select(.scope != "link") | "\(.local)/\(.prefixlen)"' | sort)
  [[ $addresses == "$running" ]] || net_fail "$name: addresses $running, expected $addresses"

  ctl "$space" down "$ifname" >/dev/null || net_fail "$name: sluicectl down"
  [[ ! -e /run/wireguard/$ifname.sock ]] || net_fail "$name: socket left behind"
  ! ip -n "$space" link show "$ifname" >/dev/null 2>&1 || net_fail "$name: device left behind"
  net_log "$name: up with $peers peers, down"
done
((count >= 5)) || net_fail "only $count examples in $CONFIGS"
net_log "PASS"
