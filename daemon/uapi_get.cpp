// The `get=1` dump, in the order and form wireguard-go writes it (which `wg show` and
// `wg showconf` read).
#include "daemon/uapi.hpp"

#include <chrono>

#include "uapi/lines.hpp"

namespace sluice::daemon {

void append_get_interface(std::string& out, const tunnel::Device& device, std::uint16_t listen_port,
                          std::uint32_t fwmark) {
  if (device.identity().has_key) uapi::append_key_line(out, "private_key", device.identity().private_key.span());
  if (listen_port != 0) uapi::append_line(out, "listen_port", listen_port);
  if (fwmark != 0) uapi::append_line(out, "fwmark", fwmark);
}

void append_get_peer(std::string& out, const tunnel::Peer& peer, const std::vector<tunnel::IpPrefix>& prefixes) {
  uapi::append_key_line(out, "public_key", peer.public_key().span());
  // Always present, all zeros when there is none, as wireguard-go writes it; `wg` hides zeros.
  uapi::append_key_line(out, "preshared_key", peer.preshared_key().span());
  uapi::append_line(out, "protocol_version", 1);
  if (peer.endpoint()) uapi::append_line(out, "endpoint", peer.endpoint()->to_string());
  const std::chrono::nanoseconds handshake = peer.last_handshake().value_or(std::chrono::nanoseconds{0});
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(handshake);
  uapi::append_line(out, "last_handshake_time_sec", static_cast<std::uint64_t>(seconds.count()));
  uapi::append_line(out, "last_handshake_time_nsec", static_cast<std::uint64_t>((handshake - seconds).count()));
  uapi::append_line(out, "tx_bytes", peer.counters().tx_bytes);
  uapi::append_line(out, "rx_bytes", peer.counters().rx_bytes);
  uapi::append_line(out, "persistent_keepalive_interval", peer.persistent_keepalive());
  for (const tunnel::IpPrefix& prefix : prefixes) {
    uapi::append_line(out, "allowed_ip", prefix.to_string());
  }
}

}  // namespace sluice::daemon
