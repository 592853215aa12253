// Taking this node's subnets in etcd: one create-if-absent transaction per attempt, so two nodes
// never hold the same subnet however many start at once, and the lease that keeps them.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/memory.hpp"
#include "etcd/client.hpp"
#include "mesh/network_config.hpp"
#include "mesh/subnet_key.hpp"
#include "mesh/subnet_lease.hpp"
#include "mesh/subnet_pool.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::mesh {

// The network is full, or every attempt lost its race.
class ClaimError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What this node publishes about itself; the private key never leaves sluiced.
struct NodeIdentity {
  crypto::PublicKey public_key;
  std::optional<tunnel::IpAddress> public_ip;
  std::optional<tunnel::IpAddress> public_ipv6;
  std::uint16_t listen_port = 0;
};

// PREFIX/config and PREFIX/subnets/ (PREFIX without its trailing '/').
[[nodiscard]] std::string config_key(std::string_view prefix);
[[nodiscard]] std::string subnets_prefix(std::string_view prefix);

// The lease value this node writes for `subnets`.
[[nodiscard]] std::string node_lease_json(const NodeIdentity& node, const SubnetKey& subnets);

struct ClaimedSubnets {
  SubnetKey subnets;
  std::string key;  // the etcd key holding them
};

// Takes subnets for `node`, attached to `lease_id`: a lease already holding this node's key (an
// agent restarted) or the remembered subnets with this node's public address (its key changed
// while the agent was away) are taken over; otherwise the remembered subnets if still free, else
// free ones at random. Each step is a transaction that fails if another node got there first,
// and then the whole choice is made again. Throws ClaimError, or etcd::Error.
[[nodiscard]] ClaimedSubnets claim_subnets(etcd::Client& etcd, std::string_view prefix, const NetworkConfig& config,
                                           const NodeIdentity& node, const std::optional<SubnetKey>& remembered,
                                           std::int64_t lease_id, const RandomIndex& random = secure_random_index);

}  // namespace sluice::mesh
