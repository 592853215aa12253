// A node's lease as Flannel's wireguard backend writes it at PREFIX/subnets/NAME (NAME from
// subnet_key.hpp), attached to an etcd lease that expires unless the node renews it:
//
//   {"PublicIP": "10.200.0.3", "PublicIPv6": "fd00:200::3", "BackendType": "wireguard",
//    "BackendData": {"PublicKey": "BASE64", "ListenPort": 51820},
//    "BackendV6Data": {"PublicKey": "BASE64", "ListenPort": 51820}}
//
// Flannel writes BackendData for IPv4 and BackendV6Data for IPv6, both with the node's key; its
// Go writes "PublicIPv6": null and "PublicIP": "0.0.0.0" for an address it does not have.
// "ListenPort" is sluice's addition (nodes may listen on different ports); Flannel ignores it, and
// a lease without it means the network's Backend.ListenPort.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/memory.hpp"
#include "mesh/subnet_key.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::mesh {

// One line naming the lease and the field: "10.244.3.0-24: BackendData.PublicKey: missing".
class LeaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SubnetLease {
  SubnetKey subnets;
  std::optional<tunnel::IpAddress> public_ip;    // IPv4, where the node receives
  std::optional<tunnel::IpAddress> public_ipv6;  // IPv6, where the node receives
  crypto::PublicKey public_key;
  std::optional<std::uint16_t> listen_port;

  bool operator==(const SubnetLease&) const = default;
};

// The value to store at PREFIX/subnets/subnet_key_name(lease.subnets).
[[nodiscard]] std::string lease_json(const SubnetLease& lease);

// `key_name` is the last part of the etcd key (after PREFIX/subnets/). Throws LeaseError when the
// name is no subnet key, the JSON is malformed, BackendType is not "wireguard", the public key is
// missing or malformed, or an address is of the wrong family. A lease with neither address is
// accepted: the node can still reach the others, and they answer it.
[[nodiscard]] SubnetLease parse_lease(std::string_view key_name, std::string_view json);

}  // namespace sluice::mesh
