# shellcheck shell=bash
# Helpers for the VM tests: libvirtd inside a test's namespace and a busybox guest. Source after
# lib.sh and net_init.
#
# libvirtd runs without systemd inside NS's network namespace and a private mount namespace of its
# own: tmpfs on /run and /var, so its folders there need not exist on the host and its sockets and
# QEMU's monitors are seen by nothing else; its capability cache, logs and QEMU's pid files are
# bound to the test's folder; /etc/libvirt is replaced by a copy with the settings below, and
# /etc/passwd and /etc/group by copies that add the account libvirt-qemu (the qemu driver looks
# it up before it reads qemu.conf; the host needs none, nor libvirt-daemon-system). The
# mounts vanish with the last process in that namespace. Cleanup stops libvirtd and every QEMU it
# started, by the PIDs of those pid files. It listens on no TCP port; no network is autostarted
# and none has DHCP: the test's copy of /etc/libvirt holds none.

# vm_require GUEST_DIR [TOOL...]: skips (outside CI) or fails (in CI) unless the TOOLs (default
# QEMU and libvirt's), busybox-static and the guest kernel of scripts/fetch_guest_kernel.sh are
# there, naming what is missing.
vm_require() {
  local missing=() tool guest=$1
  shift
  (($# > 0)) || set -- qemu-system-x86_64 libvirtd virsh
  for tool in "$@"; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  # ldd fails on a static binary (the guest has no libraries).
  if [[ ! -x /bin/busybox ]] || ldd /bin/busybox >/dev/null 2>&1; then missing+=("a static /bin/busybox (busybox-static)"); fi
  [[ -s $guest/vmlinuz && -s $guest/modules/order ]] ||
    missing+=("the guest kernel in $guest (scripts/fetch_guest_kernel.sh $guest)")
  ((${#missing[@]} == 0)) && return 0
  local IFS=,
  if [[ ${CI:-} == true ]]; then net_fail "needs ${missing[*]} (CI must run the VM test)"; fi
  echo "SKIPPED: $NET_TEST_NAME needs ${missing[*]}" >&2
  exit "$NET_SKIP"
}

# vm_start_libvirtd NS [OVS_RUNDIR]: libvirtd in NS as described above, in the background (its first
# start probes QEMU for some seconds: vm_wait_libvirtd waits); sets VM_LIBVIRTD to its PID and
# VM_DIR to its folder. With OVS_RUNDIR, that folder is its /run/openvswitch, so the
# ovs-vsctl libvirt runs reaches the test's ovsdb-server there.
vm_start_libvirtd() {
  local ns=$1 ovs=${2:-}
  VM_DIR=$NET_TMP/libvirt
  mkdir -p "$VM_DIR"/{etc,pids,cache,log}
  cp -a /etc/libvirt/. "$VM_DIR/etc/"
  # No domain, network (say an autostarted "default"), pool or filter of the host's comes along.
  rm -rf "$VM_DIR/etc/qemu" "$VM_DIR/etc/storage" "$VM_DIR/etc/nwfilter"
  cat >"$VM_DIR/etc/libvirtd.conf" <<'CONF'
auth_unix_rw = "none"
auth_unix_ro = "none"
CONF
  cat >"$VM_DIR/etc/qemu.conf" <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
CONF
  cp /etc/passwd "$VM_DIR/passwd"
  cp /etc/group "$VM_DIR/group"
  getent passwd libvirt-qemu >/dev/null ||
    echo 'libvirt-qemu:x:64055:64055:libvirt, in the test namespace only:/nonexistent:/usr/sbin/nologin' >>"$VM_DIR/passwd"
  getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >>"$VM_DIR/group"
  cat >"$VM_DIR/start.sh" <<SCRIPT
set -e
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=755 tmpfs /var
mkdir -p /run/lock /run/libvirt/qemu /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /var/tmp
chmod 1777 /var/tmp
ln -s /run /var/run
ln -s /run/lock /var/lock
mount --bind '$VM_DIR/pids' /run/libvirt/qemu
mount --bind '$VM_DIR/cache' /var/cache/libvirt
mount --bind '$VM_DIR/log' /var/log/libvirt
mount --bind '$VM_DIR/etc' /etc/libvirt
mount --bind '$VM_DIR/passwd' /etc/passwd
mount --bind '$VM_DIR/group' /etc/group
# libvirtd probes every qemu-system-* it finds, seconds each under TCG: only x86_64 is needed.
for emulator in /usr/bin/qemu-system-*; do
  [ "\$emulator" = /usr/bin/qemu-system-x86_64 ] || mount --bind /dev/null "\$emulator"
done
if [ -n '$ovs' ]; then mkdir /run/openvswitch && mount --bind '$ovs' /run/openvswitch; fi
exec libvirtd
SCRIPT
  # ip netns exec (sysfs of NS) then unshare both exec: the PID is libvirtd's own.
  ip netns exec "$ns" unshare -m --propagation private bash "$VM_DIR/start.sh" >"$VM_DIR/libvirtd.log" 2>&1 &
  VM_LIBVIRTD=$!
  NET_PIDS+=("$VM_LIBVIRTD")
  trap 'vm_cleanup; net_cleanup' EXIT
}

# vm_cleanup: stops the QEMU processes of libvirtd's pid files, even one it had no time to report.
vm_cleanup() {
  local file pid
  for file in "$VM_DIR"/pids/*.pid; do
    [[ -f $file ]] || continue
    pid=$(cat "$file")
    [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */qemu-system-* ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    NET_PIDS+=("$pid")
  done
}

# vm_qemu_pid NAME: the PID of the QEMU running domain NAME.
vm_qemu_pid() {
  cat "$VM_DIR/pids/$1.pid"
}

# vm_wait_libvirtd: waits until libvirtd answers (60 s at most: its probe is slow on a busy machine).
vm_wait_libvirtd() {
  net_wait_for 60 vm_virsh version || { vm_logs ""; net_fail "libvirtd did not answer within 60 s"; }
}

# vm_virsh ARG...: virsh on the test's libvirtd, bounded in time.
vm_virsh() {
  nsenter -t "$VM_LIBVIRTD" -m timeout 30 virsh -q -c qemu:///system "$@"
}

# vm_logs CONSOLE: the end of libvirtd's log, QEMU's logs and the guest's CONSOLE file (if named).
vm_logs() {
  local file
  for file in "$VM_DIR/libvirtd.log" "$VM_DIR"/log/qemu/*.log ${1:+"$1"}; do
    [[ -f $file ]] || continue
    echo "--- $file" >&2
    tail -n 40 "$file" >&2
  done
}

# vm_initramfs GUEST_DIR INIT OUT [EXTRA_DIR]: a newc cpio of static busybox, the guest kernel's
# modules (in /modules, with their load order), the script INIT as /init and what EXTRA_DIR holds.
vm_initramfs() {
  local root
  root=$(mktemp -d "$NET_TMP/initramfs.XXXXXX")
  [[ -z ${4:-} ]] || cp -a "$4/." "$root/"
  mkdir -p "$root"/{bin,dev,proc,sys,modules}
  cp /bin/busybox "$root/bin/busybox"
  cp "$1"/modules/*.ko "$1/modules/order" "$root/modules/"
  cp "$2" "$root/init"
  chmod 755 "$root/init"
  # The kernel opens /dev/console before init runs: without it, init has no output.
  mknod "$root/dev/console" c 5 1
  (cd "$root" && find . | busybox cpio -o -H newc --quiet >"$3") || net_fail "cannot build the initramfs"
}
