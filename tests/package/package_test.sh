#!/usr/bin/env bash
# The .deb and .rpm: both build with CPack from the build tree; they hold exactly the expected
# files with the expected modes; lintian finds no error in the .deb; the .deb installs, its
# binaries run from their installed paths, `systemd-analyze verify` accepts the installed unit,
# and purge leaves nothing of the package behind.
# Usage: package_test.sh BUILD_DIR VERSION
# Needs root (dpkg -i); without it it exits 77 (skipped) outside CI and fails inside it.
set -euo pipefail
BUILD_DIR=$1
VERSION=$2
DEB=sluice_${VERSION}_amd64.deb
RPM=sluice-${VERSION}-1.x86_64.rpm

fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  [[ ${CI:-} == true ]] && fail "needs root (CI must run the package test)"
  echo "SKIPPED: package test needs root" >&2
  exit 77
fi
for tool in cpack dpkg-deb dpkg-shlibdeps rpm rpmbuild lintian jq; do
  command -v "$tool" >/dev/null || fail "$tool is missing (see the first command in README.md)"
done

installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' sluice 2>/dev/null) == installed ]]; }
purge() { dpkg --purge sluice >/dev/null; }

# A previous run that was killed may have left the package installed.
if dpkg-query -W sluice >/dev/null 2>&1; then
  echo "purging a sluice package left installed" >&2
  purge
fi
# /etc/sluice may hold a user's own configs from a build installed by hand: then it must survive.
etc_existed=false
[[ -e /etc/sluice ]] && etc_existed=true

WORK=$(mktemp -d /tmp/sluice-package.XXXXXX)
cleanup() {
  local status=$?
  if dpkg-query -W sluice >/dev/null 2>&1; then purge || echo "cannot purge sluice" >&2; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

echo "== packages"
# Into our own directory, so a run never touches packages the user built in BUILD_DIR.
timeout 120 cpack --config "$BUILD_DIR/CPackConfig.cmake" -G "DEB;RPM" -B "$WORK" >"$WORK/cpack.log" 2>&1 \
  || { cat "$WORK/cpack.log" >&2; fail "cpack failed"; }
[[ -f $WORK/$DEB ]] || fail "$DEB was not built"
[[ -f $WORK/$RPM ]] || fail "$RPM was not built"

# MODE PATH, one line per file and directory the packages own, sorted.
files_both="-rwxr-xr-x /usr/bin/sluicectl
-rwxr-xr-x /usr/bin/sluice-mesh
-rwxr-xr-x /usr/lib/cni/sluice
-rwxr-xr-x /usr/sbin/sluiced
drwx------ /etc/sluice
-rw-r--r-- /usr/share/bash-completion/completions/sluicectl
drwxr-xr-x /usr/share/doc/sluice
-rw-r--r-- /usr/share/doc/sluice/copyright
drwxr-xr-x /usr/share/doc/sluice/examples
-rw-r--r-- /usr/share/doc/sluice/examples/hub.toml
-rw-r--r-- /usr/share/doc/sluice/examples/l2-site.toml
-rw-r--r-- /usr/share/doc/sluice/examples/libvirt-bridge.xml
-rw-r--r-- /usr/share/doc/sluice/examples/libvirt-ovs.xml
-rw-r--r-- /usr/share/doc/sluice/examples/road-warrior-client.toml
-rw-r--r-- /usr/share/doc/sluice/examples/road-warrior-hub.toml
-rw-r--r-- /usr/share/doc/sluice/examples/site-a.toml
-rw-r--r-- /usr/share/doc/sluice/examples/site-b.toml
-rw-r--r-- /usr/share/doc/sluice/examples/sluice-mesh.conflist
-rw-r--r-- /usr/share/man/man5/sluice.toml.5.gz
-rw-r--r-- /usr/share/man/man8/sluice-cni.8.gz
-rw-r--r-- /usr/share/man/man8/sluice-mesh.8.gz
-rw-r--r-- /usr/share/man/man8/sluicectl.8.gz
-rw-r--r-- /usr/share/man/man8/sluiced.8.gz"
expected_deb=$(sort <<<"$files_both
-rw-r--r-- /lib/systemd/system/sluice-mesh.service
-rw-r--r-- /lib/systemd/system/sluiced@.service
-rw-r--r-- /usr/share/doc/sluice/changelog.gz")
expected_rpm=$(sort <<<"$files_both
-rw-r--r-- /usr/lib/systemd/system/sluice-mesh.service
-rw-r--r-- /usr/lib/systemd/system/sluiced@.service")

# A .deb lists every directory on the way; the shared ones (/usr, /usr/share/man, ...) are left
# out of the comparison: only sluice's own directories are listed above.
shared_dirs='^(/etc|/lib|/lib/systemd|/lib/systemd/system|/usr|/usr/bin|/usr/lib|/usr/lib/cni|/usr/sbin|/usr/share|/usr/share/bash-completion|/usr/share/bash-completion/completions|/usr/share/doc|/usr/share/man|/usr/share/man/man5|/usr/share/man/man8)$'
actual_deb=$(dpkg-deb -c "$WORK/$DEB" | awk '{ path = substr($6, 2); sub("/$", "", path); print $1, path, $2 }' \
  | while read -r mode path owner; do
      [[ $owner == root/root ]] || fail "$DEB: $path is owned by $owner"
      [[ $mode == d* && $path =~ $shared_dirs ]] || echo "$mode $path"
    done | sort)
[[ $actual_deb == "$expected_deb" ]] || fail "$DEB contents differ:
$(diff <(echo "$expected_deb") <(echo "$actual_deb"))"
actual_rpm=$(rpm -qlvp "$WORK/$RPM" | awk '{ print $1, $9, $3 "/" $4 }' \
  | while read -r mode path owner; do
      [[ $owner == root/root ]] || fail "$RPM: $path is owned by $owner"
      echo "$mode $path"
    done | sort)
[[ $actual_rpm == "$expected_rpm" ]] || fail "$RPM contents differ:
$(diff <(echo "$expected_rpm") <(echo "$actual_rpm"))"
echo "contents and modes: as expected in both"

# Dependencies come from the binaries (dpkg-shlibdeps, rpm's find-requires), not from a list.
depends=$(dpkg-deb -f "$WORK/$DEB" Depends)
for library in libc6 libsodium23 libssl3 libsystemd0 libc-ares2; do
  [[ $depends == *"$library"* ]] || fail "$DEB does not depend on $library: $depends"
done
requires=$(rpm -qRp "$WORK/$RPM")
grep -q '^libsodium\.so' <<<"$requires" || fail "$RPM does not require libsodium"
grep -q '^libcares\.so' <<<"$requires" || fail "$RPM does not require libcares (c-ares)"

echo "== lintian"
lintian_output=$(timeout 120 lintian --tag-display-limit 0 "$WORK/$DEB" 2>&1 | grep -v '^running with root privileges' || true)
[[ -n $lintian_output ]] && echo "$lintian_output"
if grep -q '^E:' <<<"$lintian_output"; then fail "lintian reports errors"; fi

echo "== install"
timeout 120 dpkg -i "$WORK/$DEB" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg -i failed"; }
installed || fail "sluice is not installed after dpkg -i"
[[ $(/usr/sbin/sluiced --version) == *"$VERSION"* ]] || fail "/usr/sbin/sluiced --version does not say $VERSION"
[[ $(/usr/bin/sluicectl --version) == *"$VERSION"* ]] || fail "/usr/bin/sluicectl --version does not say $VERSION"
[[ $(/usr/bin/sluice-mesh --version) == *"$VERSION"* ]] || fail "/usr/bin/sluice-mesh --version does not say $VERSION"
# The CNI plugin answers VERSION as runtimes ask it (environment, config on standard input).
# A here-string, not a pipe: the plugin answers VERSION without reading its input, and echo into
# a pipe already closed dies of SIGPIPE, which pipefail reports as the plugin's failure.
plugin_versions=$(CNI_COMMAND=VERSION /usr/lib/cni/sluice <<<'{"cniVersion": "1.1.0"}') ||
  fail "/usr/lib/cni/sluice VERSION failed: $plugin_versions"
[[ $plugin_versions == *'"supportedVersions":["0.4.0","1.0.0","1.1.0"]'* ]] ||
  fail "/usr/lib/cni/sluice VERSION: $plugin_versions"
# The example conflist is JSON and chains sluice first.
[[ $(jq -r '.plugins[0].type' /usr/share/doc/sluice/examples/sluice-mesh.conflist) == sluice ]] ||
  fail "the example conflist does not start with the sluice plugin"
[[ $(stat -c %a /etc/sluice) == 700 ]] || [[ $etc_existed == true ]] || fail "/etc/sluice is not mode 0700"

if command -v systemd-analyze >/dev/null; then
  # Documentation=man: links are only checked where man is installed to check them.
  man_check=--man=no
  command -v man >/dev/null && man_check=--man=yes
  verify_output=$(timeout 60 systemd-analyze verify "$man_check" /lib/systemd/system/sluiced@.service \
    /lib/systemd/system/sluice-mesh.service 2>&1) \
    || fail "systemd-analyze verify: $verify_output"
  # Other units on the machine may draw remarks; ours must draw none.
  if grep -i 'sluice' <<<"$verify_output"; then fail "systemd-analyze verify complains about the units"; fi
  echo "systemd-analyze verify: clean"
else
  echo "systemd-analyze is not installed: unit not verified"
fi

echo "== purge"
package_paths=$(dpkg-query -L sluice)
timeout 120 dpkg --purge sluice >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg --purge failed"; }
dpkg-query -W sluice >/dev/null 2>&1 && fail "dpkg still knows sluice after purge"
stray=""
while read -r path; do
  # Shared directories stay; everything of sluice's own goes.
  [[ $path =~ $shared_dirs || $path == /. ]] && continue
  [[ $path == /etc/sluice && $etc_existed == true ]] && continue
  [[ -e $path || -L $path ]] && stray+="$path "
done <<<"$package_paths"
[[ -z $stray ]] || fail "left after purge: $stray"
echo "purge: nothing left"
echo "PASS"
