// The tunnel interface's part of the node's lease, as Flannel's wireguard backend sets it up: the
// first address of each of the node's subnets as a host address, and a route to each network
// through the interface (so traffic to other nodes' subnets leaves with that address as source).
// Needs CAP_NET_ADMIN; the only thing the agent does beside the control socket.
#pragma once

#include <optional>
#include <string>

#include "mesh/network_config.hpp"
#include "mesh/subnet_key.hpp"

namespace sluice::mesh {

// Idempotent: run again after sluiced recreated the interface. Addresses of `previous` (subnets
// the node held before) are removed. Throws std::system_error naming the interface and errno.
void set_up_interface(const std::string& ifname, const NetworkConfig& config, const SubnetKey& subnets,
                      const std::optional<SubnetKey>& previous);

// The interface's MTU (for subnet.env); throws std::system_error when it does not exist.
[[nodiscard]] unsigned interface_mtu(const std::string& ifname);

}  // namespace sluice::mesh
