// The desired state of one interface: read from a TOML file (config_file.hpp), written as one
// (toml_writer.hpp) by sluicectl import and export, and turned into the set request that makes a
// running interface what it says (sync_request.hpp). Plain values, validated on the way in.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "crypto/memory.hpp"
#include "policy/rules.hpp"
#include "tunnel/endpoint.hpp"
#include "tunnel/ethernet.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::config {

struct PeerSettings {
  // What the daemon resolves and follows itself: `endpoints`, or an `endpoint` that is a name;
  // nothing for a numeric `endpoint` (or none).
  [[nodiscard]] std::optional<std::vector<std::string>> followed_endpoints() const {
    if (!endpoints_text.empty()) return endpoints_text;
    if (endpoint_text && !endpoint) return std::vector<std::string>{*endpoint_text};
    return std::nullopt;
  }

  crypto::PublicKey public_key;
  std::optional<crypto::PresharedKey> preshared_key;
  // The endpoint as written ("192.0.2.1:51820", "[2001:db8::1]:51820", "host.example:51820"). A
  // numeric one is also in `endpoint`; a name stays a name, which the daemon resolves and follows
  // (daemon/endpoint_names.hpp). The TOML writer writes it back as it was.
  std::optional<std::string> endpoint_text;
  std::optional<tunnel::Endpoint> endpoint;
  // `endpoints = [...]` as written (never with `endpoint`): tried in turn by the daemon.
  std::vector<std::string> endpoints_text;
  std::vector<tunnel::IpPrefix> allowed_ips;  // stored masked, as WireGuard does
  std::uint16_t persistent_keepalive = 0;     // seconds, 0 = off
  // For policy rules and flows: a name unique among the peers, and the groups the peer is in.
  std::string name;
  std::vector<std::string> groups;
};

// A static forwarding entry of a segment: frames to `mac` go to `peer` only.
struct StaticFdbEntry {
  tunnel::MacAddress mac;
  crypto::PublicKey peer;
};

// One L2 segment ([[segment]]): a TAP device whose frames travel as VXLAN with this VNI.
struct SegmentSettings {
  std::uint32_t vni = 0;
  std::string tap;                    // the TAP device's name
  std::optional<std::string> bridge;  // enslave the TAP to this bridge, created if missing
  // Or make the TAP a port of this Open vSwitch bridge (never both), an access port of VLAN
  // `ovs_vlan` if set, else a trunk; `ovs_db` is the OVSDB socket (ovs-vsctl's default if unset).
  std::optional<std::string> ovs_bridge;
  std::optional<unsigned> ovs_vlan;
  std::optional<std::string> ovs_db;
  std::optional<unsigned> mtu;  // default: what fits the tunnel MTU unfragmented
  // Our tunnel address, the VXLAN source: `local`, or else the first interface address (the
  // config reader fills it in; a segment without one is refused).
  std::optional<tunnel::IpAddress> local;
  std::chrono::seconds aging{300};
  std::vector<StaticFdbEntry> fdb;
};

struct InterfaceSettings {
  std::optional<crypto::PrivateKey> private_key;
  std::uint16_t listen_port = 0;  // 0 = pick a free port
  // "FILE:LINE:COLUMN" of listen_port in the config file, for a port that cannot be bound.
  std::string listen_port_source;
  std::uint32_t fwmark = 0;  // 0 = none
  // Addresses of the interface itself, with their prefix length (host bits kept: "10.0.0.1/24").
  std::vector<tunnel::IpPrefix> addresses;
  std::optional<unsigned> mtu;
  // Install a route to every peer's allowed IPs through the interface.
  bool routes = false;
  // Where to serve Prometheus metrics over HTTP; none by default.
  std::optional<tunnel::Endpoint> metrics_listen;
  // The account to run as once the device and sockets exist (daemon/privileges.hpp); none: stay root.
  std::optional<std::string> user;
  std::vector<PeerSettings> peers;
  std::vector<SegmentSettings> segments;
  // [[policy]] rules and [policy_defaults]; rules name peers by key (names resolved on reading).
  policy::PolicySettings policy;
  // Where the secret keys were read from: key files, and the config file when it holds one
  // inline; the daemon warns about any that others can read. Empty for a set=1 request.
  std::vector<std::filesystem::path> secret_files;
};

}  // namespace sluice::config
