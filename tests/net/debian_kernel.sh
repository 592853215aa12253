#!/usr/bin/env bash
# sluiced on Debian 12's own kernel (6.1), which this host does not run: the cloud kernel that
# net.l2_vm boots (scripts/fetch_guest_kernel.sh) runs sluiced in a QEMU guest (TCG), its shared
# libraries copied into a busybox initramfs. Its one peer is a sluiced in a namespace of this
# host, reached over the tap of the guest's virtio NIC. 6.1 has io_uring but no multishot read, so
# the guest's data path takes what this host's takes only when forced: plain reads, then read(2).
#   1. The guest's sluiced says "io_uring on, devices read by plain reads (no multishot read:
#      needs Linux 6.8)".
#   2. The guest pings the host's tunnel address (the handshake, then 5 replies).
#   3. 4 MiB by TCP from the guest to the host through the tunnel (the guest's TUN reads), then 4
#      MiB back (its TUN writes), each arriving whole (length and SHA-256).
# Costs 10 to 60 s (the guest's boot and its crypto under TCG).
# Usage: debian_kernel.sh SLUICED GUEST_DIR
set -euo pipefail
SLUICED=$1
GUEST=$(realpath -m "$2")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/vm_lib.sh"
NET_TAG="dk"
net_init debian_kernel
net_require_root
vm_require "$GUEST" qemu-system-x86_64
for tool in socat sha256sum; do command -v "$tool" >/dev/null || net_fail "needs $tool"; done

started=$SECONDS
net_ns host dkh
TAP=${NET_PREFIX}tap HOST_IF=${NET_PREFIX}h GUEST_IF=${NET_PREFIX}g
HOST_TUNNEL=10.99.91.1 GUEST_TUNNEL=10.99.91.2 HOST_OUTER=10.200.91.1 GUEST_OUTER=10.200.91.2
SIZE=$((4 * 1024 * 1024))
net_keypair host
net_keypair guest
net_config "$NET_TMP/host.toml" host 51820 "$HOST_TUNNEL/24"
net_config_peer "$NET_TMP/host.toml" guest "" "$GUEST_TUNNEL/32"
net_start_sluiced "$host" "$HOST_IF" "$NET_TMP/host.toml" "$NET_TMP/host.log"

# What the guest holds besides busybox and the modules: sluiced with every library ldd names (and
# the loader), its key and config.
extra=$NET_TMP/extra
mkdir -p "$extra/usr/sbin" "$extra/etc/sluice"
cp "$SLUICED" "$extra/usr/sbin/sluiced"
libraries=$(ldd "$SLUICED") || net_fail "ldd $SLUICED failed"
[[ $libraries != *"not found"* ]] || net_fail "sluiced lacks a library here: $libraries"
while read -r library; do
  cp -L --parents "$library" "$extra/"
done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$libraries")
cp "$NET_TMP/guest.key" "$extra/etc/sluice/guest.key"
cat >"$extra/etc/sluice/guest.toml" <<TOML
[interface]
private_key_file = "/etc/sluice/guest.key"
address = ["$GUEST_TUNNEL/24"]

[[peer]]
public_key = "$(cat "$NET_TMP/host.pub")"
endpoint = "$HOST_OUTER:51820"
allowed_ips = ["$HOST_TUNNEL/32"]
persistent_keepalive = 1
TOML

# The guest's init: markers (SLUICE-DK ...) on its serial console, a file here. It powers off when
# done, or after 3 minutes whatever happens; QEMU is stopped after 200 s, the test by ctest at 300.
cat >"$NET_TMP/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
(sleep 180; echo "SLUICE-DK out of time"; poweroff -f) &
for m in \$(cat /modules/order); do insmod /modules/\$m.ko || echo "SLUICE-DK insmod \$m failed"; done
echo "SLUICE-DK kernel \$(uname -r)"
i=0
while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
ip link set lo up
ip link set eth0 up
ip addr add $GUEST_OUTER/24 dev eth0
# No IPv6 chatter (router and MLD solicitations) into a tunnel whose peer allows none of it.
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
/usr/sbin/sluiced -f --config /etc/sluice/guest.toml $GUEST_IF >/run/sluiced.log 2>&1 &
i=0
until grep -q "data path:" /run/sluiced.log || [ \$i -ge 600 ]; do sleep 0.1; i=\$((i + 1)); done
grep -q "data path:" /run/sluiced.log || sed 's/^/SLUICE-DK sluiced: /' /run/sluiced.log
echo "SLUICE-DK \$(grep -o 'data path: .*' /run/sluiced.log)"
i=0
until ping -c 1 -W 1 $HOST_TUNNEL >/dev/null || [ \$i -ge 30 ]; do i=\$((i + 1)); done
ping -c 5 -i 0.2 -W 2 $HOST_TUNNEL >/tmp/ping.txt
echo "SLUICE-DK ping exit \$? \$(grep 'packets received' /tmp/ping.txt)"
head -c $SIZE /dev/urandom >/tmp/up.bin
echo "SLUICE-DK up sha \$(sha256sum </tmp/up.bin | cut -d' ' -f1)"
printf '#!/bin/sh\ncat /tmp/up.bin\n' >/tmp/send.sh
printf '#!/bin/sh\ncat >/tmp/down.bin\n' >/tmp/receive.sh
chmod 755 /tmp/send.sh /tmp/receive.sh
i=0
until nc $HOST_TUNNEL 5501 -e /tmp/send.sh || [ \$i -ge 10 ]; do sleep 1; i=\$((i + 1)); done
echo "SLUICE-DK up sent"
echo "SLUICE-DK listening"
nc -l -p 5502 -e /tmp/receive.sh
echo "SLUICE-DK down \$(wc -c </tmp/down.bin) sha \$(sha256sum </tmp/down.bin | cut -d' ' -f1)"
grep -i -E "error|warning|fail" /run/sluiced.log | sed 's/^/SLUICE-DK log: /'
echo "SLUICE-DK finished"
poweroff -f
INIT
vm_initramfs "$GUEST" "$NET_TMP/init" "$NET_TMP/initrd" "$extra"
CONSOLE=$NET_TMP/console.log
: >"$CONSOLE"
fail() {
  echo "--- guest console" >&2
  tail -n 60 "$CONSOLE" >&2
  echo "--- host sluiced" >&2
  tail -n 20 "$NET_TMP/host.log" >&2
  net_fail "$@"
}
# marker TEXT: waits (while QEMU runs, and the guest is not out of time) for a console line
# starting with "SLUICE-DK TEXT"; prints the first such line without that prefix.
marker() {
  until grep -q "^SLUICE-DK $1" "$CONSOLE"; do
    if ! kill -0 "$qemu" 2>/dev/null || grep -q "^SLUICE-DK out of time" "$CONSOLE"; then
      fail "no \"SLUICE-DK $1\" from the guest"
    fi
    sleep 0.2
  done
  grep -m 1 "^SLUICE-DK $1" "$CONSOLE" | tr -d '\r' | sed 's/^SLUICE-DK //'
}

# The upload's receiver, ready before the guest sends.
ip netns exec "$host" timeout 200 socat -u "TCP-LISTEN:5501,bind=$HOST_TUNNEL,reuseaddr" "CREATE:$NET_TMP/up.bin" &
NET_PIDS+=($!)
uploaded=$!
ip netns exec "$host" timeout 200 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 768 -no-reboot \
  -kernel "$GUEST/vmlinuz" -initrd "$NET_TMP/initrd" -append "console=ttyS0 panic=-1 quiet" \
  -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" -device virtio-net-pci,netdev=n0 \
  -display none -monitor none -serial "file:$CONSOLE" >"$NET_TMP/qemu.log" 2>&1 &
NET_PIDS+=($!)
qemu=$!
net_wait_for 20 ip -n "$host" link show "$TAP" || { cat "$NET_TMP/qemu.log" >&2; net_fail "QEMU made no $TAP"; }
ip -n "$host" addr add "$HOST_OUTER/24" dev "$TAP"
ip -n "$host" link set "$TAP" up

# 1. The fallback reads.
line=$(marker "data path:")
net_log "guest $(marker kernel), sluiced's $line"
[[ $line == *"io_uring on, devices read by plain reads (no multishot read: needs Linux 6.8)"* ]] ||
  fail "the guest's sluiced does not read by plain reads: $line"

# 2. Through the tunnel.
line=$(marker "ping exit")
[[ $line == "ping exit 0 5 packets transmitted, 5 packets received"* ]] || fail "the guest's ping through the tunnel: $line"
net_log "through the tunnel: $line, $((SECONDS - started)) s in"

# 3. Up and down, whole.
sent=$(marker "up sha")
marker "up sent" >/dev/null
wait "$uploaded" || fail "the upload's receiver failed"
[[ $(stat -c %s "$NET_TMP/up.bin") == "$SIZE" && ${sent##* } == "$(sha256sum <"$NET_TMP/up.bin" | cut -d' ' -f1)" ]] ||
  fail "the upload arrived with $(stat -c %s "$NET_TMP/up.bin") bytes or another checksum"
marker listening >/dev/null
head -c "$SIZE" /dev/urandom >"$NET_TMP/down.bin"
for ((try = 0; try < 3; try++)); do
  kill -0 "$qemu" 2>/dev/null || fail "QEMU exited before the guest took the download"
  ip netns exec "$host" timeout 40 socat -u "FILE:$NET_TMP/down.bin" "TCP:$GUEST_TUNNEL:5502" 2>/dev/null && break
  sleep 1
done
((try < 3)) || fail "cannot send to the guest's port 5502"
line=$(marker "down ")
[[ $line == "down $SIZE sha $(sha256sum <"$NET_TMP/down.bin" | cut -d' ' -f1)" ]] ||
  fail "the download arrived otherwise: $line"
marker finished >/dev/null
if grep -q "^SLUICE-DK log: " "$CONSOLE"; then fail "the guest's sluiced logged: $(grep '^SLUICE-DK log: ' "$CONSOLE")"; fi
net_log "4 MiB up and 4 MiB down whole through the tunnel; $((SECONDS - started)) s in all"
wait "$qemu" || true
