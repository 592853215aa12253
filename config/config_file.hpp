// The interface configuration file (/etc/sluice/IFNAME.toml), read strictly: an unknown key, a
// wrong type or a contradiction is an error, because a silently ignored typo in a VPN config is a
// security problem. configs/*.toml are commented examples.
//
//   [interface]
//   private_key = "base64"            # or private_key_file = "path" (exactly one is required)
//   listen_port = 51820               # 0-65535, 0 = any free port (default)
//   fwmark = 0x1234                   # 0-4294967295, 0 = none (default)
//   address = ["10.0.0.1/24", "fd00::1/64"]   # a bare address is a /32 or /128
//   mtu = 1420                        # 576-65535; at least 1280 when an IPv6 address is set
//   mode = "tun"                      # the only mode; L2 goes through [[segment]] tables
//   routes = true                     # route every peer's allowed_ips through the interface
//   metrics_listen = "127.0.0.1:9586" # Prometheus metrics over HTTP; off by default
//   user = "sluice"                   # run as this user, with CAP_NET_ADMIN only, once set up
//
//   [[peer]]                          # any number of these
//   public_key = "base64"             # required, unique, not the interface's own
//   preshared_key = "base64"          # or preshared_key_file = "path"; optional
//   endpoint = "192.0.2.1:51820"      # or "[2001:db8::1]:51820" or "host.example:51820"
//   allowed_ips = ["10.0.1.0/24"]     # stored with host bits cleared; a prefix belongs to one peer
//   persistent_keepalive = 25         # seconds, 0-65535, 0 = off (default)
//   name = "laptop-17"                # for rules and flows; unique; letters, digits, . _ @ -
//   groups = ["laptops"]              # for rules
//
//   [policy_defaults]                 # optional; see docs/policy.md
//   inbound = "deny"                  # when no rule matches: "allow" (default) or "deny"
//   outbound = "allow"
//   max_flows = 16384                 # flows tracked at most, 16-1048576
//
//   [[policy]]                        # any number, first match wins
//   name = "ssh from admins"          # optional, for counters and flows
//   direction = "inbound"             # "inbound" (default: from a peer) or "outbound" (to a peer)
//   peers = ["laptop-17", "base64"]   # the remote peer, by name or key
//   groups = ["admins"]               # or a member of these groups (with peers: either matches)
//   from = ["10.0.0.0/8"]             # source prefixes
//   to = ["10.1.0.0/24"]              # destination prefixes
//   protocol = "tcp"                  # "tcp", "udp", "icmp" or "any" (default)
//   ports = [22, "8000-8100"]         # destination ports, tcp and udp only
//   action = "allow"                  # required: "allow" or "deny"
//
// Key files hold one base64 key (surrounding whitespace ignored); a relative path is taken
// relative to the config file's directory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace sluice::config {

// One line, "FILE:LINE:COLUMN: KEY: message" (for example
// "/etc/sluice/wg0.toml:7:15: peer[1].allowed_ips[0]: prefix length 33 is out of range ..."), or
// "FILE: message" when there is no position. Never contains a key's value.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The keys each table accepts; any other is an error. sluice.toml(5) documents each (a unit test
// checks it).
inline constexpr std::array<std::string_view, 10> kInterfaceKeys{
    "private_key", "private_key_file", "listen_port",    "fwmark", "address", "mtu",
    "mode",        "routes",           "metrics_listen", "user"};
inline constexpr std::array<std::string_view, 9> kPeerKeys{
    "public_key", "preshared_key", "preshared_key_file", "endpoint", "endpoints", "allowed_ips", "persistent_keepalive",
    "name",       "groups"};
inline constexpr std::array<std::string_view, 9> kPolicyKeys{"name", "direction", "peers", "groups", "from",
                                                             "to",   "protocol",  "ports", "action"};
inline constexpr std::array<std::string_view, 3> kPolicyDefaultsKeys{"inbound", "outbound", "max_flows"};
inline constexpr std::array<std::string_view, 10> kSegmentKeys{"vni",    "tap", "bridge", "ovs_bridge", "ovs_vlan",
                                                               "ovs_db", "mtu", "local",  "aging",      "fdb"};
inline constexpr std::array<std::string_view, 2> kSegmentFdbKeys{"mac", "peer"};

// What the text names but only the system can tell: key files to read, endpoints to resolve
// (names need DNS), an account to look up. In file order.
struct ConfigLookup {
  enum class Kind : std::uint8_t { private_key_file, preshared_key_file, endpoint, metrics_listen, user };
  Kind kind;
  std::size_t peer = 0;  // for preshared_key_file and endpoint
  std::string value;     // the path (made absolute against the file), "host:port" or the user name
  std::string where;     // "FILE:LINE:COLUMN: KEY", to start a message with
};

// A configuration as far as its text alone says: `settings` lack what `lookups` will fill in.
struct ConfigDocument {
  InterfaceSettings settings;
  std::vector<ConfigLookup> lookups;
  std::vector<std::string> peer_key_where;  // each peer's public_key, for the own-key check
};

// Text to document: pure, with no file, network or user database access (so it can be fuzzed
// anywhere). `origin` names the text in messages and is the base for relative key file paths.
[[nodiscard]] ConfigDocument parse_config_text(std::string_view toml_text, const std::filesystem::path& origin);

// Does the lookups (reads key files, resolves endpoints, checks the user exists) and the checks
// that need their answers (a peer that is the interface itself). Throws ConfigError naming the
// file, line and key.
[[nodiscard]] InterfaceSettings resolve_config(ConfigDocument document);

// parse_config_text, then resolve_config.
[[nodiscard]] InterfaceSettings parse_config(std::string_view toml_text, const std::filesystem::path& origin);

// Throws ConfigError, also when the file is missing or unreadable.
[[nodiscard]] InterfaceSettings load_config_file(const std::filesystem::path& file);

}  // namespace sluice::config
