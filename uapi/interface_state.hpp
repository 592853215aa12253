// A running interface as its daemon reports it (a get=1 answer), in typed form.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/memory.hpp"
#include "tunnel/ip_address.hpp"

namespace sluice::uapi {

struct PeerState {
  crypto::PublicKey public_key;
  std::optional<crypto::PresharedKey> preshared_key;  // absent when the daemon reports all zeros
  std::optional<std::string> endpoint;                // "192.0.2.1:51820" or "[2001:db8::1]:51820"
  // Wall-clock time since the Unix epoch; absent when there has been no handshake.
  std::optional<std::chrono::nanoseconds> latest_handshake;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  std::uint16_t persistent_keepalive = 0;  // seconds, 0 = off
  std::vector<tunnel::IpPrefix> allowed_ips;
  // Not in a get answer: the endpoints sluiced follows (names, lists) as written, and which one
  // is in use, from its info=1 answer (ctl/daemon_info.hpp). Empty for a plain endpoint.
  std::vector<std::string> endpoint_names;
  std::size_t endpoint_in_use = 0;
};

struct InterfaceState {
  std::optional<crypto::PrivateKey> private_key;
  std::optional<crypto::PublicKey> public_key;  // derived from the private key
  std::uint16_t listen_port = 0;
  std::uint32_t fwmark = 0;
  std::vector<PeerState> peers;  // in the daemon's order
};

// `lines` is the answer without its errno line. Unknown keys are skipped, so a newer daemon's
// additions do not break an older sluicectl; a malformed known value throws ControlError naming the
// line and key (never the value, which may be a key).
[[nodiscard]] InterfaceState parse_get_answer(std::string_view lines);

}  // namespace sluice::uapi
