#include "uapi/interface_state.hpp"

#include <stdexcept>

#include "crypto/key_encoding.hpp"
#include "crypto/x25519.hpp"
#include "tunnel/parse_number.hpp"
#include "uapi/error.hpp"
#include "uapi/lines.hpp"

namespace sluice::uapi {

InterfaceState parse_get_answer(std::string_view lines) {
  InterfaceState state;
  PeerState* peer = nullptr;
  std::uint64_t handshake_sec = 0;
  std::uint64_t handshake_nsec = 0;
  // The two handshake lines arrive separately; a peer's time is complete when the next peer
  // starts or the answer ends.
  const auto finish_peer = [&] {
    if (peer != nullptr && (handshake_sec != 0 || handshake_nsec != 0)) {
      peer->latest_handshake = std::chrono::seconds(handshake_sec) + std::chrono::nanoseconds(handshake_nsec);
    }
    handshake_sec = handshake_nsec = 0;
  };

  for (unsigned line_number = 1; !lines.empty(); ++line_number) {
    const std::string_view line = take_line(lines);
    const auto pair = split_key_value(line);
    // A line without '=' is named whole in the error message, where the key would be.
    const std::string_view key = pair ? pair->key : line;
    const std::string_view value = pair ? pair->value : std::string_view{};
    try {
      if (!pair) throw std::invalid_argument("expected key=value");
      if (key == "public_key") {
        finish_peer();
        peer = &state.peers.emplace_back();
        crypto::decode_hex_key(value, peer->public_key.bytes);
      } else if (peer == nullptr) {
        if (key == "private_key") {
          crypto::PrivateKey private_key;
          crypto::decode_hex_key(value, private_key.span());
          if (!private_key.is_zero()) {
            state.public_key = crypto::public_from_private(private_key);
            state.private_key = private_key;
          }
        } else if (key == "listen_port") {
          state.listen_port = tunnel::parse_unsigned_or_throw<std::uint16_t>(value);
        } else if (key == "fwmark") {
          state.fwmark = tunnel::parse_unsigned_or_throw<std::uint32_t>(value);
        }
      } else if (key == "preshared_key") {
        crypto::PresharedKey preshared_key;
        crypto::decode_hex_key(value, preshared_key.span());
        if (!preshared_key.is_zero()) peer->preshared_key = preshared_key;
      } else if (key == "endpoint") {
        peer->endpoint = std::string(value);
      } else if (key == "last_handshake_time_sec") {
        handshake_sec = tunnel::parse_unsigned_or_throw<std::uint64_t>(value);
      } else if (key == "last_handshake_time_nsec") {
        handshake_nsec = tunnel::parse_unsigned_or_throw<std::uint64_t>(value);
      } else if (key == "rx_bytes") {
        peer->rx_bytes = tunnel::parse_unsigned_or_throw<std::uint64_t>(value);
      } else if (key == "tx_bytes") {
        peer->tx_bytes = tunnel::parse_unsigned_or_throw<std::uint64_t>(value);
      } else if (key == "persistent_keepalive_interval") {
        peer->persistent_keepalive = tunnel::parse_unsigned_or_throw<std::uint16_t>(value);
      } else if (key == "allowed_ip") {
        peer->allowed_ips.push_back(tunnel::IpPrefix::parse(value));
      }
    } catch (const std::invalid_argument& e) {
      // KeyFormatError derives from invalid_argument and, like the others, never quotes a key.
      std::string message("malformed answer from the daemon, line ");
      message.append(std::to_string(line_number)).append(" (").append(key).append("): ").append(e.what());
      throw ControlError(message);
    }
  }
  finish_peer();
  return state;
}

}  // namespace sluice::uapi
