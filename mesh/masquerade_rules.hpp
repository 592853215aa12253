// The rules of Flannel's --ip-masq for the mesh (the agent's `ip_masq = true`, published as
// FLANNEL_IPMASQ=true so that a CNI plugin leaves masquerading to the node): traffic from the
// overlay network to anywhere outside it leaves with the node's own address; traffic within the
// network keeps its addresses. They are those of Flannel's MasqRules (pkg/trafficmngr/iptables),
// without its rule for kube-proxy's mark, for a nat chain of their own (mesh/masquerade.hpp).
#pragma once

#include <string>
#include <vector>

#include "mesh/network_config.hpp"
#include "mesh/subnet_key.hpp"

namespace sluice::mesh {

inline constexpr const char* kMasqueradeChain = "SLUICE-MESH-MASQ";

// One family's masquerading: the program (iptables or ip6tables) and the rules of the chain,
// each as the arguments that follow "-A SLUICE-MESH-MASQ".
struct MasqueradeRules {
  std::string program;
  std::vector<std::vector<std::string>> rules;

  bool operator==(const MasqueradeRules&) const = default;
};

// The rules for the network and this node's subnets: IPv4, and IPv6 when the network has it.
[[nodiscard]] std::vector<MasqueradeRules> masquerade_rules(const NetworkConfig& network, const SubnetKey& subnets);

}  // namespace sluice::mesh
