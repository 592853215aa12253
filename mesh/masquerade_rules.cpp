#include "mesh/masquerade_rules.hpp"

#include <utility>

namespace sluice::mesh {
namespace {

const std::vector<std::string> kComment{"-m", "comment", "--comment", "sluice-mesh masquerade"};

std::vector<std::string> rule(std::vector<std::string> match, const std::string& target) {
  match.insert(match.end(), kComment.begin(), kComment.end());
  match.insert(match.end(), {"-j", target});
  if (target == "MASQUERADE") match.push_back("--random-fully");
  return match;
}

MasqueradeRules family_rules(std::string program, const std::string& network, const std::string& subnet,
                             const std::string& multicast) {
  return {std::move(program),
          {
              // Within the network: addresses kept, as the peers' allowed IPs expect them.
              rule({"-s", network, "-d", network}, "RETURN"),
              // From the network to the outside world (multicast stays on its link anyway).
              rule({"-s", network, "!", "-d", multicast}, "MASQUERADE"),
              // From outside to this node's own subnet: left as it came (a port forward, say).
              rule({"!", "-s", network, "-d", subnet}, "RETURN"),
              // From this host into the network: the node's mesh address, which its peers accept.
              rule({"!", "-s", network, "-d", network}, "MASQUERADE"),
          }};
}

}  // namespace

std::vector<MasqueradeRules> masquerade_rules(const NetworkConfig& network, const SubnetKey& subnets) {
  std::vector<MasqueradeRules> families{
      family_rules("iptables", network.ipv4.network.to_string(), subnets.subnet.to_string(), "224.0.0.0/4")};
  if (network.ipv6 && subnets.subnet6) {
    families.push_back(
        family_rules("ip6tables", network.ipv6->network.to_string(), subnets.subnet6->to_string(), "ff00::/8"));
  }
  return families;
}

}  // namespace sluice::mesh
