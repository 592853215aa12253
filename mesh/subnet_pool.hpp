// Choosing a node's subnets among those no lease holds, as Flannel's etcd subnet manager does:
// up to 100 free subnets from SubnetMin on, one of them at random (nodes starting together then
// rarely race for the same one), IPv4 and IPv6 chosen independently.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "mesh/network_config.hpp"
#include "mesh/subnet_key.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::mesh {

// How many free subnets the random choice is made among (Flannel's number).
inline constexpr std::size_t kSubnetCandidates = 100;

// The first `limit` subnets of `range`, in address order, that overlap none of `taken` (prefixes
// of the other family are ignored). Walks the taken prefixes, not the address space, so a /8 cut
// into /30s costs no more than a /16 cut into /24s.
[[nodiscard]] std::vector<tunnel::IpPrefix> free_subnets(const SubnetRange& range,
                                                         const std::vector<tunnel::IpPrefix>& taken, std::size_t limit);

// Whether `subnets` could be a node's lease under `config`: the right lengths, between SubnetMin
// and SubnetMax, with an IPv6 subnet exactly when IPv6 is on (Flannel's isSubnetConfigCompat). A
// remembered subnet that no longer fits is not reclaimed.
[[nodiscard]] bool fits_config(const NetworkConfig& config, const SubnetKey& subnets);

// Returns a number in [0, bound); bound is at least 1.
using RandomIndex = std::function<std::size_t(std::size_t bound)>;

// crypto::random_uniform.
[[nodiscard]] std::size_t secure_random_index(std::size_t bound);

// A free IPv4 subnet (and IPv6 one when IPv6 is on), each picked by `random` among the first
// kSubnetCandidates free ones; nullopt when a family has none left. `taken` holds every leased
// subnet of both families.
[[nodiscard]] std::optional<SubnetKey> choose_subnets(const NetworkConfig& config,
                                                      const std::vector<tunnel::IpPrefix>& taken,
                                                      const RandomIndex& random = secure_random_index);

}  // namespace sluice::mesh
