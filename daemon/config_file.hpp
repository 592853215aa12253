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
//
// Key files hold one base64 key (surrounding whitespace ignored); a relative path is taken
// relative to the config file's directory.
#pragma once

#include <array>
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "daemon/settings.hpp"

namespace sluice::daemon {

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
    "private_key", "private_key_file", "listen_port", "fwmark", "address",
    "mtu",         "mode",             "routes",      "metrics_listen", "user"};
inline constexpr std::array<std::string_view, 6> kPeerKeys{"public_key", "preshared_key", "preshared_key_file",
                                                          "endpoint",   "allowed_ips",   "persistent_keepalive"};
inline constexpr std::array<std::string_view, 7> kSegmentKeys{"vni", "tap", "bridge", "mtu", "local", "aging", "fdb"};
inline constexpr std::array<std::string_view, 2> kSegmentFdbKeys{"mac", "peer"};

// Throws ConfigError, also when the file is missing or unreadable.
[[nodiscard]] InterfaceSettings load_config_file(const std::filesystem::path& file);

// `origin` names the text in messages and is the base for relative key file paths.
[[nodiscard]] InterfaceSettings parse_config(std::string_view toml_text, const std::filesystem::path& origin);

}  // namespace sluice::daemon
