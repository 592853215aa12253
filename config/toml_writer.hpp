// Writes an interface configuration in the TOML form daemon/config_file.hpp reads: what `import`
// and `export` print. Values arrive as text already checked by the caller; the writer only quotes
// and lays them out, with the comments a reader of the file needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/secret_text.hpp"

namespace sluice::config {

struct TomlPeer {
  std::string public_key;                         // base64
  std::optional<std::string> preshared_key;       // base64; printed as is
  std::optional<std::string> preshared_key_note;  // instead of the key: why it is not printed
  std::optional<std::string> endpoint;
  std::vector<std::string> allowed_ips;
  std::uint16_t persistent_keepalive = 0;  // 0 = off, left out
};

// One [[segment]] table.
struct TomlSegment {
  std::uint32_t vni = 0;
  std::string tap;
  std::optional<std::string> bridge;
  std::optional<unsigned> mtu;
  std::optional<std::string> local;
  std::optional<std::uint64_t> aging;
  std::vector<std::pair<std::string, std::string>> fdb;  // static entries: MAC, base64 public key
};

struct TomlInterface {
  std::vector<std::string> header;              // comment lines at the top of the file, without '#'
  std::optional<std::string> private_key;       // base64; printed as is
  std::optional<std::string> private_key_note;  // instead of the key: why it is not printed
  std::optional<std::uint16_t> listen_port;
  std::optional<std::uint32_t> fwmark;
  std::vector<std::string> addresses;
  std::optional<unsigned> mtu;
  std::optional<bool> routes;
  std::optional<std::string> routes_note;  // a comment line above `routes`
  std::vector<TomlPeer> peers;
  std::vector<TomlSegment> segments;

  TomlInterface() = default;
  TomlInterface(TomlInterface&&) = default;
  TomlInterface& operator=(TomlInterface&&) = default;
  TomlInterface(const TomlInterface&) = delete;
  TomlInterface& operator=(const TomlInterface&) = delete;
  // The keys are secrets: wiped with the object.
  ~TomlInterface();
};

// A TOML basic string: quoted, with '"', '\' and control characters escaped.
[[nodiscard]] std::string toml_string(std::string_view text);

[[nodiscard]] crypto::SecretText write_toml(const TomlInterface& config);

}  // namespace sluice::config
