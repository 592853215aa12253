// What `sluicectl flows` shows of containers: the flows and rule counters of the policy program the
// CNI plugin pinned per container attachment (<bpffs>/sluice/cni/NETWORK/HOST_VETH/), each remote
// end named by the peer whose allowed IPs hold it. The pure half; ctl/container_reader.hpp reads
// the maps.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/policy_rule.hpp"
#include "crypto/memory.hpp"
#include "ctl/flows.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::ctl {

// The host veth's ifalias the CNI plugin sets: "sluice-cni NETWORK CONTAINERID IFNAME".
struct CniAlias {
  std::string network;
  std::string container_id;
  std::string ifname;  // inside the container
};
[[nodiscard]] std::optional<CniAlias> parse_cni_alias(std::string_view alias);

// A peer of the interface (from get=1) with its name (from policy=1 identities, may be empty).
struct PeerRoutes {
  crypto::PublicKey key;
  std::string name;
  std::vector<tunnel::IpPrefix> allowed_ips;
};
// The peer whose allowed IPs hold `address`, the longest prefix winning as in WireGuard's
// routing; null when none does.
[[nodiscard]] const PeerRoutes* peer_for(std::span<const PeerRoutes> peers, const tunnel::IpAddress& address);
// Its name, else the first 8 characters of its base64 key.
[[nodiscard]] std::string peer_short_label(const PeerRoutes& peer);

// Both clocks read at one moment: turns the maps' CLOCK_MONOTONIC times into wall time.
struct Clocks {
  std::uint64_t monotonic_ns = 0;
  std::uint64_t unix_ms = 0;
};
[[nodiscard]] Clocks read_clocks();
[[nodiscard]] std::uint64_t monotonic_to_unix_ms(std::uint64_t monotonic_ns, Clocks now);

struct ContainerFlow {
  // origin: "to_container" or "from_container" (the first packet's direction); "in" counts packets
  // to the container, "out" from it; peer and peer_name are the remote end's peer, if known.
  FlowRecord record;
  bool peer_known = false;
  std::optional<std::uint16_t> rule;  // none: a default decided, default_kind says which
  bpf::DefaultKind default_kind = bpf::DefaultKind::plain;
  std::uint64_t last_seen_ns = 0;  // CLOCK_MONOTONIC, as the map has it (for --follow)
};

struct ContainerFlows {
  std::string network;  // from the pin directory
  std::string veth;
  std::string pin_dir;
  bool veth_gone = false;
  std::optional<CniAlias> alias;     // none: the veth is gone or has no sluice-cni alias
  std::vector<ContainerFlow> flows;  // most recently seen first
  bpf::Counters counters;
};

// A container's section from its maps' flows and counters.
// `alias` is the host veth's ifalias, none when the veth is gone.
[[nodiscard]] ContainerFlows container_flows(std::string network, std::string veth, std::string pin_dir,
                                             const std::optional<std::string>& alias,
                                             const std::vector<bpf::Flow>& flows, bpf::Counters counters,
                                             std::span<const PeerRoutes> peers, Clocks now);

// Keeps the flows whose remote end is the peer named by `peer` (a name or base64 key).
void keep_container_peer(std::vector<ContainerFlows>& containers, std::string_view peer);

// flow_line's form: "TIME PEER SRC -> DST PROTO DIRECTION VERDICT (rule N|default|peer default) in P/B
// out P/B";
// PEER is "-" when no peer's allowed IPs hold the remote end.
[[nodiscard]] std::string container_flow_line(const ContainerFlow& flow);
// "container: ID IFNAME (network NETWORK, veth VETH, N flows)" ("(veth gone)" for ID IFNAME), its
// flows oldest first, its rule, default and peer default counters.
[[nodiscard]] std::string container_text(const ContainerFlows& container);
// With --follow, each line names its container.
[[nodiscard]] std::string container_follow_line(const ContainerFlows& container, const ContainerFlow& flow);
[[nodiscard]] nlohmann::ordered_json container_flow_json(const ContainerFlow& flow);
[[nodiscard]] nlohmann::ordered_json container_follow_json(const ContainerFlows& container, const ContainerFlow& flow);
[[nodiscard]] nlohmann::ordered_json container_json(const ContainerFlows& container);

}  // namespace sluice::ctl
