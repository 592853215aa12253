#include "daemon/stats.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

#include "daemon/uapi_lines.hpp"

namespace sluice::daemon {
std::vector<NamedCounter> device_counters(const tunnel::DeviceCounters& d) {
  return {{"invalid_message", d.invalid_message},
          {"bad_mac1", d.bad_mac1},
          {"cookie_replies_sent", d.cookie_replies_sent},
          {"handshake_rate_limited", d.handshake_rate_limited},
          {"bad_cookie_reply", d.bad_cookie_reply},
          {"handshake_rejected", d.handshake_rejected},
          {"unknown_index", d.unknown_index},
          {"expired_session", d.expired_session},
          {"decrypt_failed", d.decrypt_failed},
          {"replayed", d.replayed},
          {"malformed_inner", d.malformed_inner},
          {"allowed_ips_mismatch", d.allowed_ips_mismatch},
          {"no_route", d.no_route},
          {"no_endpoint", d.no_endpoint},
          {"staged_dropped", d.staged_dropped},
          {"oversize", d.oversize}};
}

std::vector<NamedCounter> peer_counters(const tunnel::PeerCounters& p) {
  return {{"rx_bytes", p.rx_bytes},
          {"tx_bytes", p.tx_bytes},
          {"rx_packets", p.rx_packets},
          {"tx_packets", p.tx_packets},
          {"initiations_sent", p.initiations_sent},
          {"initiations_received", p.initiations_received},
          {"handshakes_completed", p.handshakes_completed},
          {"cookie_replies_received", p.cookie_replies_received},
          {"dropped_replay", p.dropped_replay},
          {"dropped_decrypt", p.dropped_decrypt},
          {"dropped_allowed_ips", p.dropped_allowed_ips},
          {"dropped_malformed", p.dropped_malformed},
          {"dropped_queue_full", p.dropped_staged},
          {"dropped_no_endpoint", p.dropped_no_endpoint}};
}

std::string serialize_stats(const tunnel::Device& device, const std::vector<NamedCounter>& extra) {
  std::string out;
  for (const auto& [name, value] : device_counters(device.counters())) append_line(out, name, value);
  for (const auto& [name, value] : extra) append_line(out, name, value);
  for (const auto& owned : device.peers()) {
    const tunnel::Peer& peer = *owned;
    append_key_line(out, "public_key", peer.public_key().span());
    // Seconds since the Unix epoch, 0 before the first handshake (as in a get answer).
    const auto handshake = peer.last_handshake().value_or(std::chrono::nanoseconds{0});
    append_line(out, "last_handshake_time_sec",
                   static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(handshake).count()));
    for (const auto& [name, value] : peer_counters(peer.counters())) append_line(out, name, value);
  }
  return out;
}

}  // namespace sluice::daemon
