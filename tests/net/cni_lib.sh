# shellcheck shell=bash
# Helpers for the CNI tests (issue 20): podman 4.3 with its CNI backend, run inside a namespace
# that plays a node, as ../shared/REAL_COMPONENTS.md describes. Source lib.sh first, then this;
# call cni_init after net_init (or mesh_init).
#
# Per node a holder process keeps one private mount namespace alive (entered through
# `nsenter --net=/run/netns/NODE unshare -m --propagation private`), with tmpfs on
# /sys/fs/cgroup/unified (crun refuses the hybrid cgroup layout otherwise), /run, /var/lib and
# /var/tmp. Every podman command of that node enters it (nsenter -t HOLDER -m -n), so podman's
# state (/run/libpod, /run/netns, /var/lib/cni) lasts from one command to the next and stays
# private. The container namespaces podman mounts at /run/netns/netns-UUID live in that mount
# namespace only: the test reaches containers with `podman exec`, never with `ip netns exec`.
#
# Files of node NODE (a namespace name) in $NET_TMP/podman-NODE: etc/ (containers.conf,
# storage.conf), net.d/ (the network_config_dir: conflists go there), storage/ (the graphroot),
# tmp/ (tmp_dir, events log), home/. The runroot is /run/containers/storage, in the node's
# private /run: podman refuses a --runroot longer than 50 characters, and conmon's cleanup command
# passes it as one (a longer one in storage.conf passes, but that cleanup then fails, podman
# ignores --rm and an attached `podman run` waits 20 s for an exit nobody records).

CNI_IMAGE=localhost/cp-busybox
declare -gA CNI_HOLDER_PID=()   # node -> pid of the process holding its mount namespace
CNI_NODES=()                    # nodes set up, in order
CNI_PLUGIN=""                   # the plugin under test (a program named sluice)
CNI_PLUGIN_DIR=""               # its directory, cni_plugin_dirs' first entry
CNI_ROOTFS_TAR=""

# cni_init PLUGIN: the tools podman needs, the cleanup trap (before the one already set) and the
# busybox root file system tar. PLUGIN's directory is searched before /usr/lib/cni.
cni_init() {
  CNI_PLUGIN=$(realpath -e "$1" 2>/dev/null) || net_fail "$1: no such program (build it first)"
  CNI_PLUGIN_DIR=$(dirname "$CNI_PLUGIN")
  [[ -x $CNI_PLUGIN ]] || net_fail "$CNI_PLUGIN: no such program (build it first)"
  [[ $(basename "$CNI_PLUGIN") == sluice ]] || net_fail "$CNI_PLUGIN: the plugin must be named sluice (its type)"
  local tool
  for tool in podman crun conmon nsenter unshare iptables busybox; do
    command -v "$tool" >/dev/null || net_fail "needs $tool (see README.md)"
  done
  [[ -x /usr/lib/cni/portmap && -x /usr/lib/cni/bandwidth ]] || net_fail "needs containernetworking-plugins (see README.md)"
  # Podman's containers go first: they hold veths and namespaces that the rest of cleanup removes.
  local previous
  previous=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  # shellcheck disable=SC2064 # the previous handler is expanded now, on purpose
  trap "cni_cleanup; ${previous:-:}" EXIT
  cni_rootfs
}

# cni_rootfs: $NET_TMP/rootfs.tar, a root file system of busybox-static (every applet a link).
cni_rootfs() {
  local root="$NET_TMP/rootfs" applet
  mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,root,www}
  cp "$(command -v busybox)" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  echo "sluice-cni" >"$root/www/index.html"
  CNI_ROOTFS_TAR="$NET_TMP/rootfs.tar"
  tar -C "$root" -cf "$CNI_ROOTFS_TAR" . || net_fail "cannot make the busybox root file system"
}

cni_dir_of() { echo "$NET_TMP/podman-$1"; }

# cni_node NODE: podman's files for namespace NODE, the holder of its mount namespace, and the
# busybox image imported into its storage.
cni_node() {
  local node=$1 dir
  dir=$(cni_dir_of "$node")
  mkdir -p "$dir"/{net.d,storage,tmp,home,etc}
  cp -r /etc/containers/. "$dir/etc/"
  cat >"$dir/etc/containers.conf" <<EOF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$CNI_PLUGIN_DIR", "/usr/lib/cni"]
network_config_dir = "$dir/net.d"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/tmp/events.log"
lock_type = "file"
runtime = "crun"
tmp_dir = "$dir/tmp"
EOF
  cat >"$dir/etc/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$dir/storage"
runroot = "/run/containers/storage"
EOF
  local ready="$dir/holder.ready"
  # The holder: the mounts, a mark that they are made, then a bounded sleep (a test killed with
  # SIGKILL leaves it for 10 minutes at most). Killing it ends the mount namespace. Our
  # configuration also replaces /etc/containers there: conmon runs `podman container cleanup`
  # when a container exits, with an environment of its own (no CONTAINERS_CONF).
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
  nsenter --net="/run/netns/$node" unshare -m --propagation private sh -c '
    mount -t tmpfs tmpfs /sys/fs/cgroup/unified && mount -t tmpfs tmpfs /run &&
      mount -t tmpfs tmpfs /var/lib && mount -t tmpfs tmpfs /var/tmp && mount --bind "$1" /etc/containers &&
      touch "$2" && exec sleep 600' sh "$dir/etc" "$ready" \
    >"$dir/holder.log" 2>&1 &
  CNI_HOLDER_PID[$node]=$!
  CNI_NODES+=("$node")
  net_wait_for 5 test -f "$ready" || { cat "$dir/holder.log" >&2; net_fail "cannot make the mount namespace of $node"; }
  cni_podman "$node" import --change 'CMD ["/bin/sh"]' "$CNI_ROOTFS_TAR" "$CNI_IMAGE" >"$dir/import.log" 2>&1 ||
    { cat "$dir/import.log" >&2; net_fail "podman import on $node failed"; }
}

# cni_conflist NODE NETWORK SUBNET_FILE DATA_DIR: NODE's network_config_dir gets NETWORK.conflist:
# the sluice plugin (the node's subnet from SUBNET_FILE, reservations in DATA_DIR), then portmap
# and bandwidth, as configs/sluice-mesh.conflist chains them. cniVersion 1.0.0: the newest
# podman 4.3's libcni speaks.
cni_conflist() {
  local node=$1 network=$2 subnet_file=$3 data_dir=$4
  cat >"$(cni_dir_of "$node")/net.d/$network.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$network",
  "plugins": [
    {"type": "sluice", "subnetFile": "$subnet_file", "dataDir": "$data_dir"},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "bandwidth", "capabilities": {"bandwidth": true}}
  ]
}
EOF
}

# cni_podman NODE ARGS...: podman in NODE's namespaces with its own configuration, bounded in time.
cni_podman() {
  local node=$1 dir
  shift
  dir=$(cni_dir_of "$node")
  nsenter -t "${CNI_HOLDER_PID[$node]}" -m -n env CONTAINERS_CONF="$dir/etc/containers.conf" \
    CONTAINERS_STORAGE_CONF="$dir/etc/storage.conf" HOME="$dir/home" timeout 60 podman "$@"
}

# cni_run_flags NODE: the flags every `podman run` and `podman create` of NODE needs: the ulimits
# this machine needs, and a cgroup parent of the node's own (/NODE in every v1 hierarchy; under
# the default, libpod_parent, conmon leaves an empty cgroup behind that cleanup could not tell
# apart from another user's).
cni_run_flags() {
  local hard
  hard=$(ulimit -Hn)
  printf '%s\n' --ulimit "nofile=$hard:$hard" --ulimit nproc=32768:32768 --cgroup-parent "/$1"
}

# cni_run NODE NAME NETWORK [PODMAN_RUN_ARGS...] [-- COMMAND...]: a detached container NAME on
# NETWORK running COMMAND (default: sleep 600).
cni_run() {
  local node=$1 name=$2 network=$3 args=() command=() flags
  shift 3
  while (($#)) && [[ $1 != -- ]]; do
    args+=("$1")
    shift
  done
  (($# == 0)) || shift
  command=("$@")
  ((${#command[@]})) || command=(sleep 600)
  mapfile -t flags < <(cni_run_flags "$node")
  cni_podman "$node" run -d --name "$name" --network "$network" "${flags[@]}" "${args[@]}" "$CNI_IMAGE" \
    "${command[@]}" >"$(cni_dir_of "$node")/run-$name.log" 2>&1 ||
    { cat "$(cni_dir_of "$node")/run-$name.log" >&2; net_fail "podman run $name on $node failed"; }
}

# cni_exec NODE NAME COMMAND...: COMMAND inside container NAME.
cni_exec() {
  local node=$1 name=$2
  shift 2
  cni_podman "$node" exec "$name" "$@"
}

# cni_ip_of NODE NAME [IFNAME]: the IPv4 address of container NAME (on eth0 by default).
cni_ip_of() {
  local addrs
  addrs=$(cni_exec "$1" "$2" ip -4 -o addr show dev "${3:-eth0}") || return
  awk '{sub(/\/.*/, "", $4); print $4; exit}' <<<"$addrs"
}

# cni_cleanup: per node every container removed (CNI DEL through podman), the holder stopped (its
# mount namespace and tmpfs go with it), any process still in the node's cgroups (a container or
# its conmon that podman could not stop) killed by pid, and those cgroups removed.
cni_cleanup() {
  local node holder pid cgroup
  for node in "${CNI_NODES[@]}"; do
    holder=${CNI_HOLDER_PID[$node]}
    if kill -0 "$holder" 2>/dev/null; then
      cni_podman "$node" rm -a -f -t 0 >/dev/null 2>&1 || true
      kill "$holder" 2>/dev/null || true
      wait "$holder" 2>/dev/null || true
    fi
    if [[ -d /sys/fs/cgroup/pids/$node ]]; then
      find "/sys/fs/cgroup/pids/$node" -name cgroup.procs -exec cat {} + | while read -r pid; do
        kill -KILL "$pid" 2>/dev/null || true
      done
    fi
    for cgroup in /sys/fs/cgroup/*/"$node"; do
      [[ ! -d $cgroup ]] || net_wait_for 2 find "$cgroup" -depth -type d -exec rmdir {} + || true
    done
  done
  CNI_NODES=()
}
