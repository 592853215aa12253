#include "mesh/subnet_env.hpp"

#include "mesh/address_math.hpp"

namespace sluice::mesh {
namespace {

// "10.244.3.1/24" for 10.244.3.0/24: the address a node's bridge takes.
std::string first_host(const tunnel::IpPrefix& subnet) {
  const tunnel::IpAddress host = from_integer(to_integer(subnet.address()) + 1, subnet.family());
  return tunnel::IpPrefix(host, subnet.cidr()).to_string();
}

}  // namespace

std::string subnet_env_text(const NetworkConfig& config, const SubnetKey& subnets, unsigned mtu, bool ip_masq) {
  std::string text =
      "FLANNEL_NETWORK=" + config.ipv4.network.to_string() + "\nFLANNEL_SUBNET=" + first_host(subnets.subnet) + "\n";
  if (config.ipv6 && subnets.subnet6) {
    text += "FLANNEL_IPV6_NETWORK=" + config.ipv6->network.to_string() +
            "\nFLANNEL_IPV6_SUBNET=" + first_host(*subnets.subnet6) + "\n";
  }
  text += "FLANNEL_MTU=" + std::to_string(mtu) + "\nFLANNEL_IPMASQ=" + (ip_masq ? "true" : "false") + "\n";
  return text;
}

}  // namespace sluice::mesh
