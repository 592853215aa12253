// The network's configuration that every node reads from etcd at PREFIX/config, in Flannel's JSON:
//
//   {"Network": "10.244.0.0/16", "SubnetLen": 24, "SubnetMin": "10.244.1.0", "SubnetMax": "10.244.254.0",
//    "EnableIPv6": true, "IPv6Network": "fd00:244::/56", "IPv6SubnetLen": 64,
//    "Backend": {"Type": "wireguard", "ListenPort": 51820, "PersistentKeepaliveInterval": 25}}
//
// Defaults and limits are Flannel's (pkg/subnet/config.go), so that sluice and Flannel nodes
// sharing one config split it alike: SubnetLen is 24, or the network's length + 2 for networks
// smaller than a /22; a network must hold four subnets; SubnetMin is the second subnet (the first
// would put a node's address on the network address), SubnetMax the last; the IPv6 defaults are
// the same with 64 and /62. Field names match case-insensitively, as Go's encoding/json does;
// fields sluice does not use (Flannel's other backends' settings, Backend.Mode) are ignored.
//
// Limits of sluice against Flannel: every node leases an IPv4 subnet (Flannel's etcd subnet
// manager does too), so EnableIPv4 false is refused; the backend must be "wireguard"; one
// interface and one port carry both families (Flannel's Mode "auto"; its default "separate"
// puts IPv6 on a second interface at ListenPortV6).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/memory.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::mesh {

// One line naming the field: "SubnetLen: 31 is too long: ...". Never contains a key.
class NetworkConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where one family's subnets come from: every /subnet_len of `network` from subnet_min to
// subnet_max (both the first address of a subnet, inclusive).
struct SubnetRange {
  tunnel::IpPrefix network;  // host bits clear
  unsigned subnet_len;
  tunnel::IpAddress subnet_min;
  tunnel::IpAddress subnet_max;

  bool operator==(const SubnetRange&) const = default;
};

inline constexpr std::uint16_t kDefaultListenPort = 51820;

struct BackendConfig {
  std::uint16_t listen_port = kDefaultListenPort;     // ListenPort
  std::uint16_t persistent_keepalive = 0;             // PersistentKeepaliveInterval, seconds, 0 = off
  std::optional<crypto::PresharedKey> preshared_key;  // PSK: every pair of nodes uses it

  bool operator==(const BackendConfig&) const = default;
};

struct NetworkConfig {
  SubnetRange ipv4;                 // Network, SubnetLen, SubnetMin, SubnetMax
  std::optional<SubnetRange> ipv6;  // set when EnableIPv6: IPv6Network, IPv6SubnetLen, ...
  BackendConfig backend;

  bool operator==(const NetworkConfig&) const = default;
};

// Throws NetworkConfigError. Defaults are filled in, so the result says what every node uses.
[[nodiscard]] NetworkConfig parse_network_config(std::string_view json);

// The JSON form with every default written out; parse_network_config reads it back equal. Holds
// the PSK when there is one.
[[nodiscard]] std::string network_config_json(const NetworkConfig& config);

}  // namespace sluice::mesh
