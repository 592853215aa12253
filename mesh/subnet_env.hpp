// Flannel's subnet.env, which CNI plugins and scripts read to learn the node's subnet:
//
//   FLANNEL_NETWORK=10.244.0.0/16
//   FLANNEL_SUBNET=10.244.3.1/24
//   FLANNEL_IPV6_NETWORK=fd00:244::/56     (when IPv6 is on)
//   FLANNEL_IPV6_SUBNET=fd00:244:0:3::1/64
//   FLANNEL_MTU=1420
//   FLANNEL_IPMASQ=false
//
// in Flannel's order, with the subnets' first host address as Flannel writes them.
#pragma once

#include <string>

#include "mesh/network_config.hpp"
#include "mesh/subnet_key.hpp"

namespace sluice::mesh {

// The IPv6 lines come when both the network and `subnets` have IPv6.
[[nodiscard]] std::string subnet_env_text(const NetworkConfig& config, const SubnetKey& subnets, unsigned mtu,
                                          bool ip_masq);

}  // namespace sluice::mesh
