#!/usr/bin/env bash
# sluicectl beside another UAPI daemon: a wireguard-go interface shares the control directory with
# a sluiced one. show and status cover both; stats and fdb report the sluiced one, note the other
# and succeed; naming the wireguard-go interface to stats, fdb or capture fails with one clear
# line. The habits of wg on the two: `show all`, a bare `sluicectl`, and `show IFNAME dump` and
# `show all dump` byte for byte as the real `wg show` prints them.
# The test runs in a mount namespace of its own with a /run/wireguard of its own, so that the
# sockets of tests running beside it do not appear in its listings, nor its wireguard-go in theirs.
# Usage: ctl_other_daemon.sh SLUICECTL SLUICED
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ctl_lib.sh"
if [[ $(id -u) -eq 0 && -z ${SLUICE_OWN_RUN_DIR:-} ]]; then
  exec env SLUICE_OWN_RUN_DIR=1 unshare --mount --propagation private bash "$0" "$@"
fi
ctl_init ctl_other_daemon "$1" "$2"
net_require_root
command -v wireguard-go >/dev/null || net_fail "needs wireguard-go"
mkdir -p /run/wireguard
mount -t tmpfs -o mode=0755 sluice-test /run/wireguard

net_ns n n
net_keypair s
net_keypair w
S="${NET_PREFIX}s" W="${NET_PREFIX}w"
net_keypair p
(umask 077 && wg genpsk >"$NET_TMP/psk")
# No peer both has an endpoint and keeps alive, so nothing is sent and the counters stay still
# while the outputs are compared.
net_config "$NET_TMP/s.toml" s 51890 10.93.0.1/24 "fwmark = 0x2a"
net_config_peer "$NET_TMP/s.toml" w "" 10.93.0.2/32 "persistent_keepalive = 25"
net_config_peer "$NET_TMP/s.toml" p "[fd00:93::5]:51000" 10.93.1.0/24,fd00:93:1::/64 \
  "preshared_key_file = \"$NET_TMP/psk\""
net_start_sluiced "$n" "$S" "$NET_TMP/s.toml" "$NET_TMP/s.log"
net_start_wireguard_go "$n" "$W" "$NET_TMP/w.log"
net_wg "$n" set "$W" private-key "$NET_TMP/w.key" listen-port 51891 peer "$(cat "$NET_TMP/s.pub")" allowed-ips 10.93.0.1/32
W_PUB=$(cat "$NET_TMP/w.pub")

# run NAME ARGS...: sluicectl ARGS in the namespace, stdout to NAME.out, stderr to NAME.err.
run() {
  local name=$1
  shift
  ctl "$n" "$@" >"$NET_TMP/$name.out" 2>"$NET_TMP/$name.err"
}
dump() { cat "$NET_TMP/$1.out" "$NET_TMP/$1.err" >&2; }

run show show || { dump show; net_fail "show failed beside wireguard-go"; }
run all show all || { dump all; net_fail "show all failed"; }
run bare || { dump bare; net_fail "a bare sluicectl failed"; }
{ cmp -s "$NET_TMP/show.out" "$NET_TMP/all.out" && cmp -s "$NET_TMP/show.out" "$NET_TMP/bare.out"; } ||
  { diff "$NET_TMP/show.out" "$NET_TMP/bare.out" >&2; net_fail "show, show all and a bare sluicectl differ"; }
{ grep -qx "interface: $S" "$NET_TMP/show.out" && grep -qx "interface: $W" "$NET_TMP/show.out" &&
  grep -qx "  public key: $W_PUB" "$NET_TMP/show.out"; } || { dump show; net_fail "show does not cover both"; }

run status status || { dump status; net_fail "status failed beside wireguard-go"; }
{ grep -q "^$S: up, UDP port 51890, 2 peers" "$NET_TMP/status.out" &&
  grep -q "^$W: up, UDP port 51891, 1 peer" "$NET_TMP/status.out"; } || { dump status; net_fail "status does not cover both"; }

for command in stats fdb; do
  run "$command" "$command" || { dump "$command"; net_fail "$command failed beside wireguard-go"; }
  grep -q "^interface: $S" "$NET_TMP/$command.out" || { dump "$command"; net_fail "$command lacks $S"; }
  ! grep -q "$W" "$NET_TMP/$command.out" || { dump "$command"; net_fail "$command reports $W"; }
  grep -qx "sluicectl: $W: not a sluiced interface (.*); skipped" "$NET_TMP/$command.err" ||
    { dump "$command"; net_fail "$command does not say $W is not a sluiced interface"; }
  run "$command.json" "$command" --json || { dump "$command.json"; net_fail "$command --json failed"; }
  jq -e --arg s "$S" '[.interfaces[].name] == [$s]' "$NET_TMP/$command.json.out" >/dev/null ||
    { dump "$command.json"; net_fail "$command --json should list $S only"; }

  # Named, it is an error of one line.
  ctl_expect_error "$command $W" "$W: not a sluiced interface" ctl "$n" "$command" "$W"
done
ctl_expect_error "capture $W" "$W: not a sluiced interface" ctl "$n" capture "$W" -w "$NET_TMP/w.pcap" --count 1

# dump, compared with wg's own; keys included, as wg prints them.
for target in "$S" "$W" all; do
  run "dump.$target" show "$target" dump || { dump "dump.$target"; net_fail "show $target dump failed"; }
  net_wg "$n" show "$target" dump >"$NET_TMP/wg.dump.$target" || net_fail "wg show $target dump failed"
  # wg lists the interfaces in directory order, sluicectl by name; the lines themselves are equal.
  if [[ $target == all ]]; then
    sort -o "$NET_TMP/wg.dump.all" "$NET_TMP/wg.dump.all"
    sort -o "$NET_TMP/dump.all.out" "$NET_TMP/dump.all.out"
  fi
  diff -u "$NET_TMP/wg.dump.$target" "$NET_TMP/dump.$target.out" >&2 || net_fail "show $target dump differs from wg's"
done
grep -qF "$(cat "$NET_TMP/psk")" "$NET_TMP/dump.all.out" || net_fail "the dump lacks the preshared key"
ctl_expect_error "show $S public-key" "show: unknown field 'public-key'" ctl "$n" show "$S" public-key
net_log "PASS"
