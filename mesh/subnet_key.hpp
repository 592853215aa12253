// A node's subnets as Flannel names their lease in etcd, PREFIX/subnets/NAME: "10.244.3.0-24", or
// "10.244.3.0-24&fd00:244::-64" for dual stack (Flannel's MakeSubnetKey). The IPv4 part is always
// there: Flannel's etcd subnet manager leases IPv4 to every node, IPv6 only beside it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tunnel/ip_address.hpp"

namespace sluice::mesh {

struct SubnetKey {
  tunnel::IpPrefix subnet;                  // IPv4, host bits clear
  std::optional<tunnel::IpPrefix> subnet6;  // IPv6, host bits clear

  bool operator==(const SubnetKey&) const = default;
};

[[nodiscard]] std::string subnet_key_name(const SubnetKey& key);

// nullopt unless `name` is exactly such a name: an IPv4 subnet, then optionally '&' and an IPv6
// one, each with no host bits set (as a node writes them). Flannel's own parser is laxer
// (it searches for the pattern), but no node of it writes anything else.
[[nodiscard]] std::optional<SubnetKey> parse_subnet_key_name(std::string_view name);

}  // namespace sluice::mesh
