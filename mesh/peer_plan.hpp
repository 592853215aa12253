// The peers the agent wants its interface to have (one per other node's lease), and the one set
// request that gets there from what the daemon reports: only added, removed and changed peers
// appear in it, so every unchanged peer keeps its session.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "crypto/memory.hpp"
#include "tunnel/endpoint.hpp"
#include "tunnel/ip_address.hpp"
#include "uapi/interface_state.hpp"
#include "uapi/set_request.hpp"

namespace sluice::mesh {

struct DesiredPeer {
  crypto::PublicKey public_key;
  tunnel::Endpoint endpoint;
  std::vector<tunnel::IpPrefix> allowed_ips;  // masked
  std::uint16_t persistent_keepalive = 0;
  std::optional<crypto::PresharedKey> preshared_key;  // the network's Backend.PSK; none: absent
};

// The endpoints the agent last gave each peer. An endpoint is set again only when the lease's
// changes, never because the daemon reports another one: a peer behind NAT is known by the
// address its packets come from, and setting the lease's back would cut it off.
using AppliedEndpoints = std::unordered_map<crypto::PublicKey, tunnel::Endpoint, crypto::PublicKeyHash>;

// A peer belongs to the mesh when it has allowed IPs and all of them lie inside `networks`; peers
// configured by hand (any other) are never changed or removed. A peer missing from `current` (a
// restarted daemon) is added whole.
[[nodiscard]] uapi::SetRequest plan_peer_changes(const uapi::InterfaceState& current,
                                                 const std::vector<DesiredPeer>& desired,
                                                 const std::vector<tunnel::IpPrefix>& networks,
                                                 const AppliedEndpoints& applied);

// Whether every prefix of `allowed_ips` lies inside one of `networks` (and there is at least one).
[[nodiscard]] bool inside_networks(const std::vector<tunnel::IpPrefix>& allowed_ips,
                                   const std::vector<tunnel::IpPrefix>& networks);

}  // namespace sluice::mesh
