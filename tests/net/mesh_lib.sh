# shellcheck shell=bash
# Helpers for the mesh tests (issue 19): an underlay bridge, etcd (one member or three, plain or
# TLS with client certificates), nodes running sluiced, and the node agent sluice-mesh. Source
# lib.sh first, then this; call mesh_init instead of net_init.
#
# Layout (every name carries this run's NET_PREFIX; addresses stay inside these namespaces):
#   ${NET_PREFIX}u    the underlay: a Linux bridge, 10.200.0.0/24
#   ${NET_PREFIX}e    etcd: 10.200.0.100 (and .101, .102 for the members of a 3-member cluster)
#   ${NET_PREFIX}nN   node N: 10.200.0.N, sluiced on interface mesh0 with its control socket in
#                     $NET_TMP/nN/ctl, the agent's config, state, subnet.env and logs in $NET_TMP/nN
# Overlay network of the tests: 10.244.0.0/16.

MESH_IF=mesh0
MESH_PREFIX=/coreos.com/network
# shellcheck disable=SC2034 # for the tests
MESH_NETWORK_DEFAULT='{"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"wireguard"}}'
MESH_LEASE_TTL=10
MESH_ETCD_NAMES=()    # the etcd members started, in order
MESH_ETCD_TLS=0       # 1 once a member serves TLS: every client then presents a certificate
declare -gA MESH_ETCD_SPEC=()      # name -> "ADDR CLUSTER TLS"
declare -gA MESH_ETCD_PID=()       # name -> pid of the running member (absent when stopped)
declare -gA MESH_SLUICED_PID=()    # node -> pid of its sluiced
declare -gA MESH_AGENT_PID=()      # node -> pid of its agent (absent when stopped)
MESH_AGENT_WRAPPER=()              # a command the agents run under (mesh_agent_start)

# mesh_init NAME SLUICED SLUICECTL [SLUICE_MESH]: net_init and the programs under test.
mesh_init() {
  net_init "$1"
  SLUICED=$2
  SLUICECTL=$3
  SLUICE_MESH=${4:-}
  net_require_root
  local program
  for program in "$SLUICED" "$SLUICECTL" ${SLUICE_MESH:+"$SLUICE_MESH"}; do
    [[ -x $program ]] || net_fail "$program: no such program (build it first)"
  done
  local tool
  for tool in etcd etcdctl jq wg; do
    command -v "$tool" >/dev/null || net_fail "needs $tool (see README.md)"
  done
  trap 'mesh_cleanup; net_cleanup' EXIT
}

# mesh_cleanup: the agents first (SIGTERM, 5 s at most, then SIGKILL), then the etcd members with
# SIGKILL: their data is thrown away, and members of a cluster stopped together with SIGTERM take
# about 7 s (each tries to hand leadership over). Reaped here, so bash reports no "Killed".
mesh_cleanup() {
  local name pid deadline=$((SECONDS + 5))
  for pid in "${MESH_AGENT_PID[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${MESH_AGENT_PID[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    mesh_forget_pid "$pid"
  done
  for name in "${!MESH_ETCD_PID[@]}"; do
    pid=${MESH_ETCD_PID[$name]}
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    mesh_forget_pid "$pid"
  done
}

# mesh_forget_pid PID: drops a process this script has already stopped (and reaped) from NET_PIDS,
# so that cleanup never signals a later process that got the same pid.
mesh_forget_pid() {
  local pid kept=()
  for pid in "${NET_PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  NET_PIDS=("${kept[@]}")
}

# mesh_ns NAME: namespace ${NET_PREFIX}NAME with loopback up, removed on exit.
mesh_ns() {
  local ns="${NET_PREFIX}$1"
  NET_NAMESPACES+=("$ns")
  ip netns add "$ns" || net_fail "cannot create namespace $ns"
  ip -n "$ns" link set lo up
}

# mesh_underlay: the underlay namespace and its bridge.
mesh_underlay() {
  mesh_ns u
  ip -n "${NET_PREFIX}u" link add br0 type bridge forward_delay 0 stp_state 0 || net_fail "cannot create the underlay bridge"
  ip -n "${NET_PREFIX}u" link set br0 up
}

# mesh_attach NS ADDRESS/LEN...: a veth from NS (device "up0", with these addresses) to a port of
# the underlay bridge; returns once both ends are up.
mesh_attach() {
  local ns=$1 port="${1#"$NET_PREFIX"}" address
  shift
  port="p$port"
  ip link add up0 netns "$ns" type veth peer name "$port" netns "${NET_PREFIX}u" ||
    net_fail "cannot attach $ns to the underlay"
  ip -n "${NET_PREFIX}u" link set "$port" master br0 up
  for address in "$@"; do ip -n "$ns" addr add "$address" dev up0; done
  ip -n "$ns" link set up0 up
  net_wait_for 10 bash -c "ip -n '$ns' link show up0 | grep -q 'state UP' &&
    ip -n '${NET_PREFIX}u' link show '$port' | grep -q 'state UP'" || net_fail "underlay link of $ns did not come up"
}

# mesh_etcd_host: the etcd namespace on the underlay, with the addresses of up to three members.
mesh_etcd_host() {
  mesh_ns e
  mesh_attach "${NET_PREFIX}e" 10.200.0.100/24 10.200.0.101/24 10.200.0.102/24
}

# --- TLS ------------------------------------------------------------------------------------------

# mesh_tls_certs: in $NET_TMP/pki, a CA (ca.crt), the members' server certificate (server.crt,
# server.key; IP SANs 10.200.0.100-102), a client certificate from that CA (client.crt,
# client.key) and one from another CA (wrong.crt, wrong.key, wrong-ca.crt). Made once per run.
# (No file name holds "tls", "ssl" or "certificate": tests look for those words in error messages.)
mesh_tls_certs() {
  local dir="$NET_TMP/pki"
  [[ ! -f $dir/ca.crt ]] || return 0
  command -v openssl >/dev/null || net_fail "needs openssl (the package, for the test certificates)"
  mkdir -p "$dir"
  # The server certificate serves client authentication too: etcd 3.4's JSON gateway dials its own
  # gRPC server with it when --client-cert-auth is on.
  cat >"$dir/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = IP:10.200.0.100,IP:10.200.0.101,IP:10.200.0.102,IP:127.0.0.1
authorityKeyIdentifier = keyid
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
EOF
  (
    umask 077
    cd "$dir" || exit 1
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -config openssl.cnf)
    for ca in ca wrong-ca; do
      openssl req -x509 "${ec[@]}" -extensions ca -days 2 -subj "/CN=$NET_PREFIX $ca" -keyout "$ca.key" -out "$ca.crt"
    done
    # leaf NAME CA EXTENSIONS CN
    leaf() {
      openssl req -new "${ec[@]}" -subj "/CN=$4" -keyout "$1.key" -out "$1.csr" &&
        openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -set_serial "0x$(openssl rand -hex 8)" \
          -days 2 -extfile openssl.cnf -extensions "$3" -out "$1.crt"
    }
    leaf server ca server etcd && leaf client ca client sluice-mesh && leaf wrong wrong-ca client sluice-mesh
  ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; net_fail "cannot make the test certificates"; }
  chmod 644 "$dir"/*.crt
}

# --- etcd -----------------------------------------------------------------------------------------

# mesh_etcd_start NAME ADDR [CLUSTER] [--tls]: an etcd member NAME listening on ADDR (2379 for
# clients, 2380 for peers) in the etcd namespace, data in $NET_TMP/etcd-NAME; CLUSTER is its
# --initial-cluster (default: NAME alone). --tls: clients over https with certificates of
# mesh_tls_certs' CA required (--client-cert-auth); peers stay on http. Does not wait: members of
# a cluster need each other; call mesh_etcd_wait_healthy.
mesh_etcd_start() {
  local name=$1 addr=$2 cluster="" tls=0
  shift 2
  while (($#)); do
    case $1 in
      --tls) tls=1 ;;
      *) cluster=$1 ;;
    esac
    shift
  done
  [[ -n $cluster ]] || cluster="$name=http://$addr:2380"
  if ((tls)); then
    mesh_tls_certs
    MESH_ETCD_TLS=1
  fi
  MESH_ETCD_SPEC[$name]="$addr $cluster $tls"
  MESH_ETCD_NAMES+=("$name")
  mesh_etcd_launch "$name"
}

# mesh_etcd_launch NAME: starts member NAME as mesh_etcd_start described it, on its data dir
# (etcd ignores the --initial-* flags once the data dir holds a member).
mesh_etcd_launch() {
  local name=$1 addr cluster tls scheme=http dir="$NET_TMP/etcd-$1"
  read -r addr cluster tls <<<"${MESH_ETCD_SPEC[$name]}"
  ((tls == 0)) || scheme=https
  local args=(--name "$name" --data-dir "$dir/data" --logger zap --log-outputs stderr
    --listen-client-urls "$scheme://$addr:2379" --advertise-client-urls "$scheme://$addr:2379"
    --listen-peer-urls "http://$addr:2380" --initial-advertise-peer-urls "http://$addr:2380"
    --initial-cluster "$cluster" --initial-cluster-token "$NET_PREFIX" --initial-cluster-state new)
  if ((tls)); then
    args+=(--cert-file "$NET_TMP/pki/server.crt" --key-file "$NET_TMP/pki/server.key"
      --trusted-ca-file "$NET_TMP/pki/ca.crt" --client-cert-auth)
  fi
  mkdir -p "$dir"
  ip netns exec "${NET_PREFIX}e" etcd "${args[@]}" >>"$dir/etcd.log" 2>&1 &
  MESH_ETCD_PID[$name]=$!
  NET_PIDS+=($!)
}

# mesh_etcd_stop NAME: stops member NAME (SIGTERM, SIGKILL after 5 s); its data dir stays.
mesh_etcd_stop() {
  local pid=${MESH_ETCD_PID[$1]:-}
  [[ -n $pid ]] || net_fail "etcd member $1 is not running"
  net_stop "$pid" || true
  mesh_forget_pid "$pid"
  unset "MESH_ETCD_PID[$1]"
}

# mesh_etcd_restart NAME: member NAME again, on the same data dir (no health wait).
mesh_etcd_restart() {
  [[ -z ${MESH_ETCD_PID[$1]:-} ]] || net_fail "etcd member $1 is still running"
  mesh_etcd_launch "$1"
}

# mesh_etcd_url NAME: the client URL of member NAME.
mesh_etcd_url() {
  local addr cluster tls
  read -r addr cluster tls <<<"${MESH_ETCD_SPEC[$1]}"
  if ((tls)); then echo "https://$addr:2379"; else echo "http://$addr:2379"; fi
}

# mesh_etcd_endpoints [all]: the client URLs of the running members (every member started with
# "all"), comma-separated.
mesh_etcd_endpoints() {
  local name out=""
  for name in "${MESH_ETCD_NAMES[@]}"; do
    [[ ${1:-} == all || -n ${MESH_ETCD_PID[$name]:-} ]] || continue
    out+="${out:+,}$(mesh_etcd_url "$name")"
  done
  echo "$out"
}

# mesh_etcdctl ARGS...: etcdctl (v3) in the etcd namespace against the running members, with the
# good client certificate under TLS; bounded in time.
mesh_etcdctl() {
  local tls_args=()
  if ((MESH_ETCD_TLS)); then
    tls_args=(--cacert "$NET_TMP/pki/ca.crt" --cert "$NET_TMP/pki/client.crt" --key "$NET_TMP/pki/client.key")
  fi
  ETCDCTL_API=3 ip netns exec "${NET_PREFIX}e" timeout 15 etcdctl --endpoints "$(mesh_etcd_endpoints)" \
    --dial-timeout 2s --command-timeout 5s "${tls_args[@]}" "$@"
}

# mesh_etcd_wait_healthy: every running member answers a quorum read (20 s at most).
mesh_etcd_wait_healthy() {
  local name
  net_wait_for 20 mesh_etcdctl endpoint health && return 0
  mesh_etcdctl endpoint health >&2 || true
  for name in "${MESH_ETCD_NAMES[@]}"; do tail -n 20 "$NET_TMP/etcd-$name/etcd.log" >&2 || true; done
  net_fail "etcd did not become healthy"
}

# mesh_etcd_single plain|tls: the etcd host and one member e0 at 10.200.0.100, healthy.
mesh_etcd_single() {
  local tls=()
  [[ $1 == plain ]] || tls=(--tls)
  mesh_etcd_host
  mesh_etcd_start e0 10.200.0.100 "${tls[@]}"
  mesh_etcd_wait_healthy
}

# mesh_etcd_cluster3 plain|tls: the etcd host and members e0, e1, e2 at 10.200.0.100-102, healthy.
mesh_etcd_cluster3() {
  local cluster="e0=http://10.200.0.100:2380,e1=http://10.200.0.101:2380,e2=http://10.200.0.102:2380" i tls=()
  [[ $1 == plain ]] || tls=(--tls)
  mesh_etcd_host
  for i in 0 1 2; do mesh_etcd_start "e$i" "10.200.0.10$i" "$cluster" "${tls[@]}"; done
  mesh_etcd_wait_healthy
}

# mesh_network_config JSON: writes PREFIX/config (the JSON is not checked here: bad ones are tests).
mesh_network_config() {
  mesh_etcdctl put "$MESH_PREFIX/config" "$1" >/dev/null || net_fail "cannot write $MESH_PREFIX/config"
}

# mesh_leases: one line per subnet lease in etcd, "KEY<TAB>VALUE" (the value as compact JSON).
mesh_leases() {
  mesh_etcdctl get --prefix "$MESH_PREFIX/subnets/" -w json |
    jq -r '.kvs[]? | (.key | @base64d) + "\t" + (.value | @base64d | (fromjson? // .) | tojson)'
}

# mesh_lease_of N: the lease line (see mesh_leases) whose PublicIP is node N's; empty if none.
mesh_lease_of() {
  mesh_leases | awk -F'\t' -v ip="\"PublicIP\":\"10.200.0.$1\"" 'index($2, ip) > 0'
}

# --- Nodes ----------------------------------------------------------------------------------------

mesh_ns_of() { echo "${NET_PREFIX}n$1"; }
mesh_dir_of() { echo "$NET_TMP/n$1"; }

# mesh_ctl N ARGS...: sluicectl in node N against its sluiced, bounded in time.
mesh_ctl() {
  local n=$1
  shift
  ip netns exec "$(mesh_ns_of "$n")" timeout 10 "$SLUICECTL" --control-dir "$(mesh_dir_of "$n")/ctl" "$@"
}

# mesh_node N: node N on the underlay at 10.200.0.N with a fresh key and sluiced running on mesh0
# (listen port 51820, no address, no peers: the agent adds those).
mesh_node() {
  local n=$1 dir
  dir=$(mesh_dir_of "$n")
  mkdir -p "$dir/state"
  mesh_ns "n$n"
  mesh_attach "$(mesh_ns_of "$n")" "10.200.0.$n/24"
  (umask 077 && wg genkey >"$dir/node.key")
  printf '[interface]\nprivate_key_file = "%s"\nlisten_port = 51820\n' "$dir/node.key" >"$dir/sluiced.toml"
  mesh_sluiced_start "$n"
}

# mesh_sluiced_start N: node N's sluiced (again), log appended to $NET_TMP/nN/sluiced.log; returns
# once its control socket answers.
mesh_sluiced_start() {
  local n=$1 dir
  dir=$(mesh_dir_of "$n")
  ip netns exec "$(mesh_ns_of "$n")" "$SLUICED" -f --control-dir "$dir/ctl" --config "$dir/sluiced.toml" \
    "$MESH_IF" >>"$dir/sluiced.log" 2>&1 &
  MESH_SLUICED_PID[$n]=$!
  NET_PIDS+=($!)
  net_wait_for 10 mesh_ctl "$n" show "$MESH_IF" || { tail -n 20 "$dir/sluiced.log" >&2; net_fail "sluiced of node $n did not start"; }
}

# mesh_sluiced_stop N: SIGTERM to node N's sluiced and a bounded wait; its device goes with it.
mesh_sluiced_stop() {
  local pid=${MESH_SLUICED_PID[$1]}
  net_stop "$pid" || net_fail "sluiced of node $1 did not stop cleanly"
  mesh_forget_pid "$pid"
}

# mesh_pubkey N: node N's public key (of its key file; mesh_rotate_key keeps that current).
mesh_pubkey() { wg pubkey <"$(mesh_dir_of "$1")/node.key"; }

# mesh_rotate_key N: a new private key for node N's running sluiced, through its control socket
# (and into its key file, for a later restart); prints the new public key.
mesh_rotate_key() {
  local dir
  dir=$(mesh_dir_of "$1")
  (umask 077 && wg genkey >"$dir/node.key.new")
  mesh_ctl "$1" set "$MESH_IF" private-key "$dir/node.key.new" || net_fail "cannot set a new key on node $1"
  mv "$dir/node.key.new" "$dir/node.key"
  mesh_pubkey "$1"
}

# mesh_peer_keys N: the public keys of node N's peers, one a line (from `show --json`, which never
# holds a private key).
mesh_peer_keys() {
  mesh_ctl "$1" show "$MESH_IF" --json | jq -r '.interfaces[0].peers[].public_key'
}

# mesh_peer_count N: the number of node N's peers.
mesh_peer_count() {
  mesh_ctl "$1" show "$MESH_IF" --json | jq '.interfaces[0].peers | length'
}

# mesh_peer_json N PUBKEY: node N's peer PUBKEY as `sluicectl show --json` has it ("null" if none).
mesh_peer_json() {
  mesh_ctl "$1" show "$MESH_IF" --json | jq -c --arg key "$2" 'first(.interfaces[0].peers[] | select(.public_key == $key)) // null'
}

mesh_has_peer() { local keys; keys=$(mesh_peer_keys "$1") && grep -qxF -- "$2" <<<"$keys"; }
mesh_lacks_peer() { ! grep -qxF -- "$2" <<<"$(mesh_peer_keys "$1")"; }
mesh_peer_count_is() { [[ $(mesh_peer_count "$1") == "$2" ]]; }

# mesh_wait_peers N COUNT [TIMEOUT_S]: until node N has COUNT peers (default 15 s).
mesh_wait_peers() {
  net_wait_for "${3:-15}" mesh_peer_count_is "$1" "$2" && return 0
  mesh_dump "$1"
  net_fail "node $1 has $(mesh_peer_count "$1") peers, expected $2"
}

# --- The agent ------------------------------------------------------------------------------------

# mesh_agent_config N [LINE...] [-- ETCD_LINE...]: writes $NET_TMP/nN/mesh.toml: interface,
# control_dir, public_ip, lease_ttl ($MESH_LEASE_TTL), state_dir, subnet_env and container_policy
# (with a bpffs folder of its own) of node N, any
# further top-level LINEs, then [etcd] with every etcd member started (running or not) and any
# ETCD_LINEs. Under TLS: ca_file, and the client certificate MESH_CLIENT_CERT names (client,
# default; wrong: the one from another CA; none: no certificate).
mesh_agent_config() {
  local n=$1 dir line top=() etcd=() in_etcd=0 cert=${MESH_CLIENT_CERT:-client}
  dir=$(mesh_dir_of "$n")
  mkdir -p "$dir"
  shift
  for line in "$@"; do
    if [[ $line == -- ]]; then in_etcd=1; elif ((in_etcd)); then etcd+=("$line"); else top+=("$line"); fi
  done
  {
    printf 'interface = "%s"\ncontrol_dir = "%s"\npublic_ip = "10.200.0.%s"\nlease_ttl = %s\n' \
      "$MESH_IF" "$dir/ctl" "$n" "$MESH_LEASE_TTL"
    printf 'state_dir = "%s"\nsubnet_env = "%s"\n' "$dir/state" "$dir/subnet.env"
    # Every agent asks for sluiced's policy at each check, as one keeping containers' rules does
    # (no program is pinned under this folder, so nothing is written).
    printf 'container_policy = true\nbpffs = "%s"\n' "$dir/bpffs"
    ((${#top[@]} == 0)) || printf '%s\n' "${top[@]}"
    printf '\n[etcd]\nendpoints = %s\n' "$(net_toml_list "$(mesh_etcd_endpoints all)")"
    if ((MESH_ETCD_TLS)); then
      printf 'ca_file = "%s"\n' "$NET_TMP/pki/ca.crt"
      [[ $cert == none ]] || printf 'cert_file = "%s"\nkey_file = "%s"\n' "$NET_TMP/pki/$cert.crt" "$NET_TMP/pki/$cert.key"
    fi
    ((${#etcd[@]} == 0)) || printf '%s\n' "${etcd[@]}"
  } >"$dir/mesh.toml"
}

# mesh_agent N ARGS...: a one-shot sluice-mesh command in node N (leave, status), bounded in time.
mesh_agent() {
  local n=$1 command=$2
  shift 2
  [[ -n $SLUICE_MESH ]] || net_fail "no sluice-mesh program given (third argument)"
  ip netns exec "$(mesh_ns_of "$n")" timeout 20 "$SLUICE_MESH" "$command" --config "$(mesh_dir_of "$n")/mesh.toml" "$@"
}

# mesh_agent_start N: `sluice-mesh run` in node N, in the background, log appended to
# $NET_TMP/nN/agent.log (writes the config first if there is none). MESH_AGENT_WRAPPER (an array,
# empty by default) goes before the program, for example setpriv to take capabilities away.
mesh_agent_start() {
  local n=$1 dir
  dir=$(mesh_dir_of "$n")
  [[ -f $dir/mesh.toml ]] || mesh_agent_config "$n"
  [[ -n $SLUICE_MESH ]] || net_fail "no sluice-mesh program given (third argument)"
  printf -- '--- %s: sluice-mesh run\n' "$(date +%T.%N)" >>"$dir/agent.log"
  ip netns exec "$(mesh_ns_of "$n")" "${MESH_AGENT_WRAPPER[@]}" "$SLUICE_MESH" run --config "$dir/mesh.toml" \
    >>"$dir/agent.log" 2>&1 &
  MESH_AGENT_PID[$n]=$!
  NET_PIDS+=($!)
}

# mesh_agent_running N: node N's agent has not exited.
mesh_agent_running() { [[ -n ${MESH_AGENT_PID[$1]:-} ]] && kill -0 "${MESH_AGENT_PID[$1]}" 2>/dev/null; }

# mesh_agent_stop N: SIGTERM to node N's agent; returns its exit status (137: it had to be killed).
mesh_agent_stop() {
  local pid=${MESH_AGENT_PID[$1]} status=0
  net_stop "$pid" || status=$?
  mesh_forget_pid "$pid"
  unset "MESH_AGENT_PID[$1]"
  return "$status"
}

# mesh_agent_kill N: SIGKILL to node N's agent (a crash: its lease stays until its TTL runs out).
mesh_agent_kill() {
  local pid=${MESH_AGENT_PID[$1]}
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  mesh_forget_pid "$pid"
  unset "MESH_AGENT_PID[$1]"
}

# mesh_agent_wait_exit N TIMEOUT_S VAR: until node N's agent has exited by itself; its exit status
# goes to VAR. Fails if it is still running.
mesh_agent_wait_exit() {
  local pid=${MESH_AGENT_PID[$1]}
  net_wait_exit "$pid" "$2" || return 1
  # Not named "status": the caller's variable of that name would be shadowed.
  local exit_code=0
  wait "$pid" 2>/dev/null || exit_code=$?
  printf -v "$3" '%s' "$exit_code"
  mesh_forget_pid "$pid"
  unset "MESH_AGENT_PID[$1]"
}

# mesh_log_size N: the size of node N's agent log, to look at what it says from now on.
mesh_log_size() { stat -c %s "$(mesh_dir_of "$1")/agent.log" 2>/dev/null || echo 0; }

# mesh_log_since N OFFSET: node N's agent log from byte OFFSET on.
mesh_log_since() { tail -c "+$(($2 + 1))" "$(mesh_dir_of "$1")/agent.log" 2>/dev/null; }

# mesh_log_has N OFFSET REGEX: the log since OFFSET has a line matching REGEX (extended, any case).
mesh_log_has() { local log; log=$(mesh_log_since "$1" "$2") && grep -qEi -- "$3" <<<"$log"; }

# --- Subnets and traffic --------------------------------------------------------------------------

# mesh_subnet_of N: FLANNEL_SUBNET of node N's subnet.env (say 10.244.3.1/24); fails without one.
mesh_subnet_of() {
  local file
  file="$(mesh_dir_of "$1")/subnet.env"
  [[ -f $file ]] || return 1
  sed -n 's/^FLANNEL_SUBNET=//p' "$file" | grep .
}

# mesh_wait_subnet N [TIMEOUT_S]: until node N has a subnet.env with FLANNEL_SUBNET (default 15 s).
mesh_wait_subnet() {
  net_wait_for "${2:-15}" mesh_subnet_of "$1" && return 0
  mesh_dump "$1"
  net_fail "node $1 got no subnet.env"
}

# mesh_ip_network ADDRESS/LEN: the network address of the prefix (10.244.3.1/24 -> 10.244.3.0).
mesh_ip_network() {
  local ip=${1%/*} len=${1#*/} a b c d value mask
  IFS=. read -r a b c d <<<"$ip"
  value=$(((a << 24) | (b << 16) | (c << 8) | d))
  mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  value=$((value & mask))
  printf '%d.%d.%d.%d\n' $((value >> 24 & 255)) $((value >> 16 & 255)) $((value >> 8 & 255)) $((value & 255))
}

# mesh_addr_of N: node N's tunnel address, SUBNET.0, which the agent puts on mesh0.
mesh_addr_of() {
  local subnet
  subnet=$(mesh_subnet_of "$1") || return 1
  mesh_ip_network "$subnet"
}

# mesh_ping FROM TO [TRIES]: one-packet pings from node FROM to node TO's tunnel address until one
# is answered (5 tries of 1 s by default: the first one may wait for a handshake).
mesh_ping() {
  local from=$1 to=$2 tries=${3:-5} addr i
  addr=$(mesh_addr_of "$to") || return 1
  for ((i = 0; i < tries; i++)); do
    ip netns exec "$(mesh_ns_of "$from")" ping -n -q -c 1 -W 1 "$addr" >/dev/null 2>&1 && return 0
  done
  return 1
}

# mesh_ping_all N...: every node of the list pings every other, in the order given.
mesh_ping_all() {
  local nodes=("$@") from to
  for from in "${nodes[@]}"; do
    for to in "${nodes[@]}"; do
      [[ $from != "$to" ]] || continue
      mesh_ping "$from" "$to" && continue
      mesh_dump "$from" "$to"
      net_fail "node $from cannot ping node $to ($(mesh_addr_of "$to" || echo 'no subnet'))"
    done
  done
  net_log "all of nodes ${nodes[*]} ping each other"
}

# mesh_ping_loss VAR FROM TO COUNT INTERVAL_S: starts COUNT pings from node FROM to node TO in the
# background (each waited for at most 1 s); VAR gets the handle that mesh_ping_result takes.
mesh_ping_loss() {
  local addr out
  addr=$(mesh_addr_of "$3") || net_fail "node $3 has no subnet"
  out="$NET_TMP/ping-$2-$3.txt"
  ip netns exec "$(mesh_ns_of "$2")" ping -n -q -c "$4" -i "$5" -W 1 "$addr" >"$out" 2>&1 &
  NET_PIDS+=($!)
  printf -v "$1" '%s %s' "$!" "$out"
}

# mesh_ping_result HANDLE TIMEOUT_S: waits (bounded) for the pings of mesh_ping_loss and prints
# "LOST SENT".
mesh_ping_result() {
  local pid out
  read -r pid out <<<"$1"
  net_wait_exit "$pid" "$2" || net_fail "ping did not end"
  wait "$pid" 2>/dev/null || true
  mesh_forget_pid "$pid"
  awk '/packets transmitted/ {sent = $1; for (i = 1; i <= NF; i++) if ($i ~ /^received/) got = $(i-1)}
    END {print sent - got, sent + 0}' "$out"
}

# mesh_dump N...: what a failure needs to be understood: per node its sluiced's interface and peers
# (no private key), address and routes of mesh0, subnet.env and the end of its agent's log; the
# leases in etcd, and etcd's complaints about slow requests.
mesh_dump() {
  local n dir name
  for n in "$@"; do
    dir=$(mesh_dir_of "$n")
    {
      echo "=== node $n ($(mesh_ns_of "$n"))"
      mesh_ctl "$n" show "$MESH_IF" || echo "(sluiced does not answer)"
      ip -n "$(mesh_ns_of "$n")" addr show dev "$MESH_IF" || true
      ip -n "$(mesh_ns_of "$n")" route show dev "$MESH_IF" || true
      echo "--- subnet.env"
      cat "$dir/subnet.env" 2>/dev/null || echo "(none)"
      echo "--- agent log (last 30 lines)"
      tail -n 30 "$dir/agent.log" 2>/dev/null || echo "(none)"
    } >&2
  done
  { echo "=== leases in etcd"; mesh_leases || echo "(etcd does not answer)"; } >&2
  for name in "${MESH_ETCD_NAMES[@]}"; do
    echo "=== etcd $name: slow requests and disk syncs (last 5)"
    grep -E 'took too long|slow fdatasync' "$NET_TMP/etcd-$name/etcd.log" | tail -n 5 | cut -c 1-300 || true
  done >&2
}

# --- What the agent must have done ----------------------------------------------------------------

# mesh_join N...: for each node: mesh_node, its agent config (unless written already) and its
# agent; then waits for every subnet.env.
mesh_join() {
  local n
  for n in "$@"; do
    mesh_node "$n"
    [[ -f $(mesh_dir_of "$n")/mesh.toml ]] || mesh_agent_config "$n"
    mesh_agent_start "$n"
  done
  for n in "$@"; do mesh_wait_subnet "$n"; done
}

# mesh_check_node N [NETWORK]: node N's subnet.env (FLANNEL_NETWORK, a subnet of the network in
# FLANNEL_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ), SUBNET.0/32 on mesh0 and the route to the network
# through it, and its lease in etcd: key PREFIX/subnets/SUBNET.0-LEN, PublicIP, BackendType, its
# current public key and listen port. NETWORK defaults to 10.244.0.0/16.
mesh_check_node() {
  local n=$1 network=${2:-10.244.0.0/16} ns env subnet addr len addrs routes lease key value
  ns=$(mesh_ns_of "$n")
  env="$(mesh_dir_of "$n")/subnet.env"
  subnet=$(mesh_subnet_of "$n") || { mesh_dump "$n"; net_fail "node $n: no FLANNEL_SUBNET"; }
  addr=$(mesh_ip_network "$subnet")
  len=${subnet#*/}
  grep -qx "FLANNEL_NETWORK=$network" "$env" || { cat "$env" >&2; net_fail "node $n: FLANNEL_NETWORK is not $network"; }
  if ! grep -qx 'FLANNEL_MTU=[0-9]*' "$env" || ! grep -qx 'FLANNEL_IPMASQ=\(true\|false\)' "$env"; then
    cat "$env" >&2
    net_fail "node $n: subnet.env lacks FLANNEL_MTU or FLANNEL_IPMASQ"
  fi
  if ((len < ${network#*/})) || [[ $(mesh_ip_network "$addr/${network#*/}") != "${network%/*}" ]]; then
    net_fail "node $n: subnet $subnet is not inside $network"
  fi
  addrs=$(ip -n "$ns" -4 addr show dev "$MESH_IF")
  grep -q "inet $addr/32 " <<<"$addrs" ||
    { mesh_dump "$n"; net_fail "node $n: $MESH_IF lacks $addr/32"; }
  routes=$(ip -n "$ns" route show "$network")
  grep -q "dev $MESH_IF" <<<"$routes" ||
    { mesh_dump "$n"; net_fail "node $n: no route to $network through $MESH_IF"; }
  lease=$(mesh_lease_of "$n")
  key=${lease%%$'\t'*}
  value=${lease#*$'\t'}
  [[ $key == "$MESH_PREFIX/subnets/$addr-$len" ]] || { mesh_dump "$n"; net_fail "node $n: lease key '$key', expected $MESH_PREFIX/subnets/$addr-$len"; }
  jq -e --arg key "$(mesh_pubkey "$n")" '.BackendType == "wireguard" and .BackendData.PublicKey == $key and
    .BackendData.ListenPort == 51820' <<<"$value" >/dev/null || net_fail "node $n: lease value $value"
}

# mesh_check_peers N M...: node N's peers are exactly nodes M..., each with its current public
# key, its subnet as allowed IPs and 10.200.0.M:51820 as endpoint.
mesh_check_peers() {
  local n=$1 m peer
  shift
  [[ $(mesh_peer_count "$n") == "$#" ]] || { mesh_dump "$n"; net_fail "node $n has $(mesh_peer_count "$n") peers, expected $#"; }
  for m in "$@"; do
    peer=$(mesh_peer_json "$n" "$(mesh_pubkey "$m")")
    jq -e --arg subnet "$(mesh_addr_of "$m")/$(mesh_subnet_of "$m" | cut -d/ -f2)" --arg endpoint "10.200.0.$m:51820" \
      '.allowed_ips == [$subnet] and .endpoint == $endpoint' <<<"$peer" >/dev/null ||
      { mesh_dump "$n" "$m"; net_fail "node $n: peer for node $m is $peer"; }
  done
}

# mesh_check_mesh N...: the nodes have N-1 peers each (waited for), their own state and peers are
# right (mesh_check_node, mesh_check_peers), and all of them ping all.
mesh_check_mesh() {
  local n
  for n in "$@"; do mesh_wait_peers "$n" $(($# - 1)); done
  for n in "$@"; do
    mesh_check_node "$n"
    # shellcheck disable=SC2046 # one node number per word
    mesh_check_peers "$n" $(mesh_others "$n" "$@")
  done
  mesh_ping_all "$@"
}

# mesh_others N M...: the nodes M... other than N (for mesh_check_peers N $(mesh_others N ALL...)).
mesh_others() {
  local n=$1 m
  shift
  for m in "$@"; do [[ $m == "$n" ]] || echo "$m"; done
}
