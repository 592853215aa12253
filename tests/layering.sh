#!/usr/bin/env bash
# The layering of issue 17: what sluiced and sluicectl share lives in libraries both depend on
# (platform/, uapi/, config/, below them tunnel/ and crypto/), never in one program's folder:
# - no file of daemon/ includes from ctl/, none of ctl/ from daemon/, and the shared libraries
#   include from neither;
# - the shared libraries depend one way: crypto/ < tunnel/ < platform/ < uapi/ < config/ (config
#   turns a configuration into uapi's set request; uapi's client uses platform's sockets), and
#   none includes from a library above it;
# - sluicectl links neither liburing nor libcap-ng (the daemon's data path and privilege drop);
# - the mesh of issue 19 stays outside both programs: the agent (mesh/) is a client of sluiced
#   like sluicectl and includes nothing from daemon/ or ctl/; etcd/ (the etcd client) includes
#   from none of daemon/, ctl/, mesh/ (nor uapi/, config/); nothing below the programs includes
#   from etcd/ or mesh/, and neither sluiced nor sluicectl links libcurl;
# - the CNI plugin of issue 20 (cni/) runs once per container: it includes nothing from daemon/,
#   ctl/ or etcd/ (it reads the node's subnet.env through mesh/'s pure library), nothing below
#   the programs includes from cni/, and the plugin links no libcurl. With its "policy" key it asks
#   sluiced through uapi/'s client and loads bpf/'s program, so it is the one program linking libbpf.
# - the container policy eBPF loader of issue 24 (bpf/) sits on platform/ and tunnel/: it includes
#   from none of uapi/, config/, etcd/, mesh/, cni/, daemon/, ctl/, and no shared library includes
#   from it. sluiced links no libbpf. sluicectl reads the pinned maps through the map library
#   (bpf/pinned_policy.hpp, libbpf's map calls) and so links libbpf, but holds no BPF program:
#   ctl/ never includes the loader (bpf/container_policy.hpp), and sluicectl has no skeleton
#   (container_policy_bpf), object, program or tc attach code of libbpf. The mesh agent writes
#   the CNI plugin's container rules through the same map library (mesh/container_policy_sync).
# Usage: layering.sh SOURCE_DIR SLUICECTL [SLUICED [CNI_PLUGIN]]
set -euo pipefail
source_dir=$1
sluicectl=$2
sluiced=${3:-}
cni_plugin=${4:-}
failed=0
fail() {
  echo "layering: $*" >&2
  failed=1
}
check_includes() {  # FOLDER FORBIDDEN...
  local folder=$1 forbidden
  shift
  [[ -d $source_dir/$folder ]] || return 0
  for forbidden in "$@"; do
    if grep -rn --include='*.cpp' --include='*.hpp' "#include \"$forbidden/" "$source_dir/$folder"; then
      fail "$folder/ includes from $forbidden/"
    fi
  done
}
check_includes daemon ctl
check_includes ctl daemon
check_includes mesh daemon ctl
for shared in platform uapi config policy tunnel crypto; do check_includes "$shared" daemon ctl; done
layers=(crypto tunnel policy platform uapi config)
for ((i = 0; i < ${#layers[@]}; ++i)); do check_includes "${layers[i]}" "${layers[@]:i+1}"; done
check_includes etcd daemon ctl mesh uapi config
check_includes cni daemon ctl etcd
for folder in daemon ctl "${layers[@]}"; do check_includes "$folder" etcd mesh cni; done
check_includes mesh cni
check_includes etcd cni
check_includes bpf uapi config etcd mesh cni daemon ctl
for folder in "${layers[@]}"; do check_includes "$folder" bpf; done
needed=$(readelf -d "$sluicectl" | awk '/NEEDED/ {print $NF}' | tr -d '[]' | tr '\n' ' ')
for library in liburing libcap-ng; do
  [[ $needed != *"$library"* ]] || fail "sluicectl links $library ($needed)"
done
if grep -qE ' (io_uring_|capng_)' <<<"$(nm -C "$sluicectl")"; then fail "sluicectl holds io_uring or capng code"; fi
programs=("$sluicectl")
[[ -z $sluiced ]] || programs+=("$sluiced")
[[ -z $cni_plugin ]] || programs+=("$cni_plugin")
if grep -rn --include='*.cpp' --include='*.hpp' '#include "bpf/container_policy.hpp"' "$source_dir/ctl"; then
  fail "ctl/ includes the BPF loader (bpf/container_policy.hpp); read maps through bpf/pinned_policy.hpp"
fi
if [[ -n $sluiced && $(readelf -d "$sluiced" | grep NEEDED) == *libbpf* ]]; then fail "sluiced links libbpf"; fi
if nm -C "$sluicectl" | grep -E 'container_policy_bpf|bpf_object__|bpf_program__|bpf_prog_load|bpf_tc_'; then
  fail "sluicectl holds BPF program code (it may only read pinned maps)"
fi
for program in "${programs[@]}"; do
  if [[ $(readelf -d "$program" | grep NEEDED) == *libcurl* ]]; then fail "$(basename "$program") links libcurl"; fi
  if grep -q ' curl_' <<<"$(nm "$program")"; then fail "$(basename "$program") holds curl code"; fi
done
((failed == 0)) || exit 1
echo "layering: ok (sluicectl needs: $needed; no libcurl in ${programs[*]##*/}; no libbpf in sluiced, no BPF program in sluicectl)"
