// Flannel's subnet.env, which CNI plugins and scripts read to learn the node's subnet:
//
//   FLANNEL_NETWORK=10.244.0.0/16
//   FLANNEL_SUBNET=10.244.3.1/24
//   FLANNEL_IPV6_NETWORK=fd00:244::/56     (when IPv6 is on)
//   FLANNEL_IPV6_SUBNET=fd00:244:0:3::1/64
//   FLANNEL_MTU=1420
//   FLANNEL_IPMASQ=false
//
// in Flannel's order, with the subnets' first host address as Flannel writes them. CNI plugins
// (cni/) read it back with read_subnet_env.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mesh/network_config.hpp"
#include "mesh/subnet_key.hpp"

namespace sluice::mesh {

// The IPv6 lines come when both the network and `subnets` have IPv6.
[[nodiscard]] std::string subnet_env_text(const NetworkConfig& config, const SubnetKey& subnets, unsigned mtu,
                                          bool ip_masq);

// The file read back. Subnets keep their host bits: 10.244.3.1/24 is the gateway and its subnet.
struct SubnetEnv {
  tunnel::IpPrefix network;
  tunnel::IpPrefix subnet;
  std::optional<tunnel::IpPrefix> ipv6_network;
  std::optional<tunnel::IpPrefix> ipv6_subnet;
  unsigned mtu = 0;
  bool ip_masq = false;
};

// A malformed file: the message names the file, the line and the key.
class SubnetEnvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `origin` names the text in errors (the file's path). Blank lines and # comments are skipped, as
// are keys other than Flannel's six; each key at most once. Throws SubnetEnvError.
[[nodiscard]] SubnetEnv parse_subnet_env(std::string_view text, const std::string& origin);

// Throws std::system_error naming the path when the file cannot be read (ENOENT while the node has
// no subnet yet), SubnetEnvError when it is malformed.
[[nodiscard]] SubnetEnv read_subnet_env(const std::filesystem::path& path);

}  // namespace sluice::mesh
