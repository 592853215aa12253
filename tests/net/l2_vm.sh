#!/usr/bin/env bash
# A real VM on L2 segments: two sluiced sites A and B share segment VNI 100 (a Linux bridge on each
# site) and VNI 200 (an Open vSwitch bridge, userspace datapath, at A; a Linux bridge at B).
# libvirtd, started here inside site A's namespace, defines and starts the networks of
# configs/libvirt-bridge.xml and configs/libvirt-ovs.xml on A's two segment bridges (virsh
# net-define, net-start) and boots a transient guest with a NIC on each under QEMU (TCG, no KVM):
# Debian's cloud kernel (fetched beforehand by scripts/fetch_guest_kernel.sh) and a busybox
# initramfs built here. The guest's init prints each NIC's MAC and MTU and pings a host namespace
# on site B through the tunnel from each, printing markers on its serial console (a file).
#   1. The guest's NICs and their TAPs have the segment's MTU (1370), from the interface's <mtu>.
#   2. The guest pings site B's hosts on both segments; boot and ping times are printed. Its NIC on
#      the OVS network is a port of A's OVS bridge while it runs, and is gone when it stops.
#   3. sluicectl capture --segment 100 on site A holds the ping as Ethernet frames with the guest's
#      MAC, read by tcpdump -e.
#   4. Destroying the guest and stopping libvirtd (by PID) leave no TAP, no OVS port and no mount
#      namespace.
# Costs 20 to 45 s (libvirtd's first probe of QEMU and the guest's boot are most of it).
# Usage: l2_vm.sh SLUICECTL SLUICED CONFIGS_DIR GUEST_DIR
set -euo pipefail
SLUICECTL=$1
SLUICED=$2
CONFIGS=$3
GUEST=$(realpath -m "$4")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/l2_lib.sh"
source "$(dirname "$0")/vm_lib.sh"
NET_TAG="vm"
net_init l2_vm
# Everything this test creates is named vm...: namespaces, links, bridges, the guest.
net_require_root
vm_require "$GUEST"
for tool in jq tcpdump ovsdb-server ovs-vswitchd ovs-vsctl ovsdb-tool; do
  command -v "$tool" >/dev/null || net_fail "needs $tool"
done

started=$SECONDS
net_ns site_a sa
net_ns site_b sb
# libvirtd's first start probes QEMU for some seconds: meanwhile the sites come up. Its ovs-vsctl
# finds site A's ovsdb-server at the usual place, /run/openvswitch, bound to the test's folder.
OVS_DIR=$NET_TMP/ovs-a
mkdir -p "$OVS_DIR"
vm_start_libvirtd "$site_a" "$OVS_DIR"
for ns in "$site_a" "$site_b"; do l2_no_ipv6 "$ns"; done
net_veth "$site_a" 10.200.81.1/24 "$site_b" 10.200.81.2/24
net_keypair a
net_keypair b
B100=${NET_PREFIX}b100 B200=${NET_PREFIX}b200 O200=${NET_PREFIX}o200
l2_ovs_start "$site_a" "$OVS_DIR"
ovs-vsctl --db="unix:$OVS_DIR/db.sock" --timeout=5 add-br "$O200" -- set bridge "$O200" datapath_type=netdev ||
  net_fail "cannot add OVS bridge $O200"
ip -n "$site_a" link set "$O200" up
# site_config NAME TUNNEL_ADDRESS PEER ENDPOINT PEER_ADDRESS VNI_200_PORT_LINES
site_config() {
  net_config "$NET_TMP/$1.toml" "$1" 51820 "$2/24"
  net_config_peer "$NET_TMP/$1.toml" "$3" "$4:51820" "$5/32"
  printf '\n[[segment]]\nvni = 100\ntap = "%s"\nbridge = "%s"\n' "${NET_PREFIX}t100" "$B100" >>"$NET_TMP/$1.toml"
  printf '\n[[segment]]\nvni = 200\ntap = "%s"\n%s\n' "${NET_PREFIX}t200" "$6" >>"$NET_TMP/$1.toml"
}
site_config a 10.10.0.1 b 10.200.81.2 10.10.0.2 "ovs_bridge = \"$O200\"
ovs_db = \"unix:$OVS_DIR/db.sock\""
site_config b 10.10.0.2 a 10.200.81.1 10.10.0.1 "bridge = \"$B200\""
IF_A=${NET_PREFIX}a IF_B=${NET_PREFIX}b
net_start_sluiced "$site_a" "$IF_A" "$NET_TMP/a.toml" "$NET_TMP/a.log"
net_start_sluiced "$site_b" "$IF_B" "$NET_TMP/b.toml" "$NET_TMP/b.log"
l2_host host_b hb "$site_b" "$B100" 192.168.100.2/24 1370
l2_host host_b2 hb2 "$site_b" "$B200" 192.168.200.2/24 1370
MTU=$(ip -n "$site_a" -j link show "${NET_PREFIX}t100" | jq '.[0].mtu')
MAC0=52:54:00:5c:00:0a IP0=192.168.100.10 MAC1=52:54:00:5c:00:14 IP1=192.168.200.10
net_log "two sites and B's hosts up after $((SECONDS - started)) s; segment MTU $MTU"

# The guest: its init loads the virtio modules and prints markers (SLUICE-VM ...) with its
# uptime; for each NIC, its MAC and MTU, then it pings the host of B on that segment until the
# first reply (15 tries at most) and 5 times more. Then it idles until the test destroys it (or
# powers off after 2 minutes, a bound of its own).
cat >"$NET_TMP/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
up() { cut -d' ' -f1 /proc/uptime; }
echo "SLUICE-VM userspace at \$(up)"
for m in \$(cat /modules/order); do insmod /modules/\$m.ko || echo "SLUICE-VM insmod \$m failed"; done
i=0
while [ ! -e /sys/class/net/eth1 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
# nic IFNAME ADDRESS PEER
nic() {
  ip link set \$1 up
  ip addr add \$2/24 dev \$1
  echo "SLUICE-VM \$1 mac \$(cat /sys/class/net/\$1/address) mtu \$(cat /sys/class/net/\$1/mtu) at \$(up)"
  i=0
  until ping -c 1 -W 1 \$3 >/dev/null; do
    i=\$((i + 1))
    [ \$i -lt 15 ] || break
  done
  echo "SLUICE-VM \$1 first reply at \$(up)"
  ping -c 5 -i 0.2 -W 2 \$3 >/ping.txt
  r=\$?
  cat /ping.txt
  echo "SLUICE-VM \$1 rtt \$(grep round-trip /ping.txt)"
  echo "SLUICE-VM \$1 ping exit \$r at \$(up)"
}
nic eth0 $IP0 192.168.100.2
nic eth1 $IP1 192.168.200.2
sleep 120
poweroff -f
INIT
vm_initramfs "$GUEST" "$NET_TMP/init" "$NET_TMP/initrd"
CONSOLE=$NET_TMP/console.log
fail() { vm_logs "$CONSOLE"; net_fail "$@"; }

vm_wait_libvirtd
net_log "libvirtd up in $site_a after $((SECONDS - started)) s"
# define_network XML BRIDGE_IN_XML BRIDGE: the example with the test's bridge, defined and
# started; prints the network's name.
define_network() {
  local name
  sed "s/'$2'/'$3'/" "$CONFIGS/$1" >"$NET_TMP/$1"
  name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$NET_TMP/$1")
  vm_virsh net-define "$NET_TMP/$1" >/dev/null || fail "virsh net-define of configs/$1"
  vm_virsh net-start "$name" >/dev/null || fail "virsh net-start $name (configs/$1)"
  echo "$name"
}
NETWORK0=$(define_network libvirt-bridge.xml br100 "$B100")
NETWORK1=$(define_network libvirt-ovs.xml br-int "$O200")
networks=$(vm_virsh net-list --all --name | sed '/^$/d' | sort | tr '\n' ' ')
[[ $networks == "$(printf '%s\n' "$NETWORK0" "$NETWORK1" | sort | tr '\n' ' ')" ]] ||
  fail "libvirt has the networks $networks, expected only $NETWORK0 and $NETWORK1"

# interface NETWORK MAC TAP: a virtio NIC on NETWORK, without vhost (QEMU moves the frames).
interface() {
  cat <<XML
    <interface type='network'>
      <source network='$1'/>
      <mac address='$2'/>
      <target dev='$3'/>
      <model type='virtio'/>
      <driver name='qemu'/>
      <mtu size='$MTU'/>
      <rom enabled='no'/>
    </interface>
XML
}
GUEST_NAME=${NET_PREFIX}-guest TAP0=${NET_PREFIX}g0 TAP1=${NET_PREFIX}g1
cat >"$NET_TMP/domain.xml" <<XML
<domain type='qemu'>
  <name>$GUEST_NAME</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$GUEST/vmlinuz</kernel>
    <initrd>$NET_TMP/initrd</initrd>
    <cmdline>console=ttyS0 quiet ipv6.disable=1 panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
$(interface "$NETWORK0" "$MAC0" "$TAP0")
$(interface "$NETWORK1" "$MAC1" "$TAP1")
    <serial type='file'>
      <source path='$CONSOLE'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML
capture=$NET_TMP/guest.pcap
ip netns exec "$site_a" timeout 120 "$SLUICECTL" capture "$IF_A" --segment 100 -w "$capture" 2>"$NET_TMP/capture.err" &
capture_pid=$!
NET_PIDS+=("$capture_pid")
net_wait_for 5 bash -c "[[ \$(stat -c %s '$capture' 2>/dev/null || echo 0) -ge 24 ]]" || fail "the capture did not start"

created=$SECONDS
vm_virsh create "$NET_TMP/domain.xml" >/dev/null || fail "virsh create"
qemu_pid=$(vm_qemu_pid "$GUEST_NAME") || fail "no QEMU pid file"
NET_PIDS+=("$qemu_pid")
net_log "QEMU (pid $qemu_pid) started $((SECONDS - created)) s after virsh create"
# marker TEXT TIMEOUT_S: waits for a console line starting SLUICE-VM TEXT; prints the line.
marker() {
  net_wait_for "$2" grep -q "^SLUICE-VM $1" "$CONSOLE" || fail "no '$1' on the guest's console within $2 s"
  grep -m 1 "^SLUICE-VM $1" "$CONSOLE" | tr -d '\r'
}
# guest_time TEXT: the guest's uptime at marker TEXT.
guest_time() { marker "$1" 0 | awk '{print $NF}'; }
marker userspace 60 >/dev/null
net_log "guest userspace up $((SECONDS - created)) s after virsh create ($(guest_time userspace) s by the guest's clock)"
for nic in eth0:$MAC0 eth1:$MAC1; do
  line=$(marker "${nic%%:*} mac" 20)
  [[ $line == "SLUICE-VM ${nic%%:*} mac ${nic#*:} mtu $MTU at "* ]] ||
    fail "guest NIC: '$line', expected MAC ${nic#*:} and MTU $MTU"
done
for tap in "$TAP0" "$TAP1"; do
  tap_mtu=$(ip -n "$site_a" -j link show "$tap" | jq '.[0].mtu')
  [[ $tap_mtu == "$MTU" ]] || fail "the guest's TAP $tap has MTU $tap_mtu, expected $MTU"
done
net_log "1. guest NICs $MAC0 and $MAC1 and their TAPs have the segment's MTU $MTU"
ports=$(ovs-vsctl --db="unix:$OVS_DIR/db.sock" --timeout=5 list-ports "$O200" | tr '\n' ' ')
[[ " $ports " == *" $TAP1 "* ]] || fail "the guest's TAP $TAP1 is not a port of OVS bridge $O200: $ports"
mac=$(ovs-vsctl --db="unix:$OVS_DIR/db.sock" --timeout=5 get interface "$TAP1" external_ids:attached-mac)
[[ $mac == "\"$MAC1\"" ]] || fail "OVS port $TAP1 has attached-mac $mac, expected $MAC1"
net_log "2. the guest's NIC on $NETWORK1 is port $TAP1 of OVS bridge $O200 (attached-mac $MAC1)"
for nic in eth0 eth1; do
  line=$(marker "$nic ping exit" 40)
  [[ $line == "SLUICE-VM $nic ping exit 0 "* ]] || fail "the guest's ping of host B from $nic failed: $line"
  rtt=$(marker "$nic rtt" 0)
  net_log "2. $nic pinged host B through the tunnel: first reply $(awk -v a="$(guest_time "$nic mac")" \
    -v b="$(guest_time "$nic first reply")" 'BEGIN {printf "%.2f", b - a}') s after the NIC was up (ARP included); 5 pings: ${rtt#* rtt }"
done

# 3. The capture ends on SIGTERM; its frames carry the guest's MAC both ways.
kill -TERM "$capture_pid"
net_wait_exit "$capture_pid" 10 || fail "the capture did not end on SIGTERM"
mac_b=$(l2_own_mac "$host_b" 192.168.100.2)
decoded=$(tcpdump -e -nr "$capture" 2>&1)
[[ $decoded == *"link-type EN10MB (Ethernet)"* ]] || fail "the segment capture is not Ethernet pcap: $decoded"
sent=$(grep -c "$MAC0 > $mac_b, ethertype IPv4.* $IP0 > 192\.168\.100\.2: ICMP echo request" <<<"$decoded" || true)
received=$(grep -c "$mac_b > $MAC0, ethertype IPv4.* 192\.168\.100\.2 > $IP0: ICMP echo reply" <<<"$decoded" || true)
((sent >= 6 && received >= 6)) || fail "capture of the guest's pings: $sent requests, $received replies: $decoded"
net_log "3. segment capture: $sent echo requests $MAC0 > $mac_b, $received replies back"

# 4. The guest's TAPs and OVS port go with the guest; libvirtd's mount namespace with libvirtd.
vm_virsh destroy "$GUEST_NAME" >/dev/null || fail "virsh destroy"
net_wait_exit "$qemu_pid" 10 || fail "QEMU still runs after virsh destroy"
for tap in "$TAP0" "$TAP1"; do
  ! ip -n "$site_a" link show "$tap" >/dev/null 2>&1 || fail "the guest's TAP $tap is left after it stopped"
done
ports=$(ovs-vsctl --db="unix:$OVS_DIR/db.sock" --timeout=5 list-ports "$O200" | tr '\n' ' ')
[[ " $ports " != *" $TAP1 "* ]] || fail "OVS port $TAP1 is left after the guest stopped: $ports"
mount_ns=$(readlink "/proc/$VM_LIBVIRTD/ns/mnt")
net_stop "$VM_LIBVIRTD" || fail "libvirtd did not stop on SIGTERM"
for ns in /proc/[0-9]*/ns/mnt; do
  [[ $(readlink "$ns" 2>/dev/null) != "$mount_ns" ]] || fail "libvirtd's mount namespace is still used by ${ns%/ns/mnt}"
done
net_log "4. destroyed guest and stopped libvirtd leave no TAP, no OVS port and no mount namespace; $((SECONDS - started)) s in all"
net_log "PASS"
