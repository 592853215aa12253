#!/usr/bin/env bash
# Fetches the guest kernel of the VM test (net.l2_vm): the kernel of Debian's
# linux-image-cloud-amd64 (the versioned package it depends on) and the modules a virtio-net guest
# needs, into DIR: DIR/vmlinuz, DIR/modules/*.ko, DIR/modules/order (their names in load order)
# and DIR/package (the package's name and version).
# The test itself never downloads. Run again, it does nothing while DIR holds that same package.
# Needs `apt-get update` done first, and the network for the download itself.
# Usage: scripts/fetch_guest_kernel.sh DIR
set -euo pipefail
(($# == 1)) || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
# The order a guest's init loads them in (each after what it depends on), kept in modules/order.
# tun: sluiced itself runs in the guest of net.debian_kernel.
modules=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net tun)

fail() { echo "fetch_guest_kernel: $*" >&2; exit 1; }

package=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ && !found {print $2; found = 1}')
[[ -n $package ]] || fail "apt-cache knows no linux-image-cloud-amd64 (run apt-get update first)"
version=$(apt-cache policy "$package" | awk '$1 == "Candidate:" {print $2}')
[[ -n $version && $version != "(none)" ]] || fail "no installable version of $package (run apt-get update first)"
# The same package, and every module of the list (it grows).
if [[ $(cat "$dir/package" 2>/dev/null) == "$package $version" && -s $dir/vmlinuz &&
  $(cat "$dir/modules/order" 2>/dev/null) == "$(printf '%s\n' "${modules[@]}")" ]]; then
  echo "fetch_guest_kernel: $dir already holds $package $version"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-guest-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The download runs as root in a directory that apt's sandbox user cannot write.
(cd "$work" && apt-get -q -o APT::Sandbox::User=root download "$package=$version" >"$work/apt.log" 2>&1) ||
  fail "cannot download $package $version (offline? no apt-get update?): $(tail -n 3 "$work/apt.log")"
dpkg-deb -x "$work"/"$package"_*.deb "$work/root" || fail "cannot unpack $package"

rm -rf "$dir/modules"
mkdir -p "$dir/modules"
cp "$work/root/boot/vmlinuz-${package#linux-image-}" "$dir/vmlinuz"
for module in "${modules[@]}"; do
  found=$(find "$work/root/lib/modules" -name "$module.ko*" -print -quit)
  [[ -n $found ]] || fail "$package has no module $module"
  cp "$found" "$dir/modules/"
done
printf '%s\n' "${modules[@]}" >"$dir/modules/order"
echo "$package $version" >"$dir/package"
echo "fetch_guest_kernel: $package $version in $dir (vmlinuz, ${#modules[@]} modules)"
