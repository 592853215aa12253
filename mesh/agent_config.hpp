// The mesh agent's configuration file, read strictly as sluiced reads its own: an unknown key, a
// wrong type or a contradiction is an error naming FILE:LINE:COLUMN and the key.
//
//   interface = "mesh0"              # required: the sluiced interface (its UAPI socket in control_dir)
//   control_dir = "/run/wireguard"   # optional
//   public_ip = "10.200.0.1"         # required: the IPv4 address other nodes send to
//   public_ipv6 = "fd00:200::1"      # optional: the IPv6 one
//   listen_port = 51820              # optional, 1-65535: default the port sluiced reports
//   persistent_keepalive = 25        # optional seconds, 0-65535: default the network's Backend setting
//   lease_ttl = 60                   # optional seconds, 10-86400
//   state_dir = "/var/lib/sluice-mesh"       # optional: the previous subnet is remembered in it
//   subnet_env = "/run/flannel/subnet.env"   # optional
//   ip_masq = false                  # optional: masquerade as flanneld --ip-masq; FLANNEL_IPMASQ
//   container_policy = false         # optional: keep the CNI plugin's container policy programs
//                                    # (pinned under bpffs) in step with sluiced's policy and peers
//   bpffs = "/sys/fs/bpf"            # optional: where the CNI plugin's "policy" key pins them
//   [etcd]
//   endpoints = ["http://10.200.0.100:2379"]  # required: one or more, all http:// or all https://
//   prefix = "/coreos.com/network"   # optional: where Flannel's keys live (a trailing '/' is dropped)
//   ca_file = "ca.pem"               # optional: the CA that signed the servers' certificates
//   cert_file = "client.pem"         # optional: a client certificate ...
//   key_file = "client-key.pem"      # ... and its key (both or neither)
//   username = "mesh"                # optional: etcd's authentication ...
//   password_file = "etcd.password"  # ... with the password in a file (both or neither)
//
// Relative paths are taken relative to the config file's directory. Parsing reads no other file:
// the agent reads the password and the certificates when it connects.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tunnel/ip_address.hpp"

namespace sluice::mesh {

// "FILE:LINE:COLUMN: KEY: message", or "FILE: message" when there is no position.
class AgentConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::array<std::string_view, 13> kAgentKeys{
    "interface", "control_dir", "public_ip",  "public_ipv6", "listen_port",      "persistent_keepalive",
    "lease_ttl", "state_dir",   "subnet_env", "ip_masq",     "container_policy", "bpffs",
    "etcd"};
inline constexpr std::array<std::string_view, 7> kEtcdKeys{"endpoints", "prefix",   "ca_file",      "cert_file",
                                                           "key_file",  "username", "password_file"};

// What an etcd client needs to reach the cluster.
struct EtcdSettings {
  std::vector<std::string> endpoints;  // "http://10.200.0.100:2379", no trailing '/'
  std::string prefix = "/coreos.com/network";
  std::optional<std::filesystem::path> ca_file;
  std::optional<std::filesystem::path> cert_file;  // with key_file
  std::optional<std::filesystem::path> key_file;
  std::optional<std::string> username;  // with password_file
  std::optional<std::filesystem::path> password_file;

  bool operator==(const EtcdSettings&) const = default;
};

struct AgentConfig {
  std::string interface;
  std::filesystem::path control_dir;
  tunnel::IpAddress public_ip;
  std::optional<tunnel::IpAddress> public_ipv6{};
  std::optional<std::uint16_t> listen_port{};           // unset: the port sluiced reports
  std::optional<std::uint16_t> persistent_keepalive{};  // unset: the network's Backend setting
  std::chrono::seconds lease_ttl{60};
  std::filesystem::path state_dir = "/var/lib/sluice-mesh";
  std::filesystem::path subnet_env = "/run/flannel/subnet.env";
  bool ip_masq = false;
  bool container_policy = false;
  std::filesystem::path bpffs = "/sys/fs/bpf";
  EtcdSettings etcd{};

  bool operator==(const AgentConfig&) const = default;
};

// Pure: reads no file. `origin` names the text in messages and is the base of relative paths.
[[nodiscard]] AgentConfig parse_agent_config(std::string_view toml_text, const std::filesystem::path& origin);

// Throws AgentConfigError, also when the file is missing or unreadable.
[[nodiscard]] AgentConfig load_agent_config(const std::filesystem::path& file);

}  // namespace sluice::mesh
