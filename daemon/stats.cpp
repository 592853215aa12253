#include "daemon/stats.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

#include "uapi/lines.hpp"

namespace sluice::daemon {
void append_stats_interface(std::string& out, const tunnel::Device& device, const std::vector<NamedCounter>& extra) {
  for (const NamedCounter& counter : device_counters(device.counters()))
    uapi::append_line(out, counter.name, counter.value);
  for (const NamedCounter& counter : extra) uapi::append_line(out, counter.name, counter.value);
}

void append_stats_peer(std::string& out, const tunnel::Peer& peer) {
  uapi::append_key_line(out, "public_key", peer.public_key().span());
  // Seconds since the Unix epoch, 0 before the first handshake (as in a get answer).
  const auto handshake = peer.last_handshake().value_or(std::chrono::nanoseconds{0});
  uapi::append_line(out, "last_handshake_time_sec",
                    static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(handshake).count()));
  for (const NamedCounter& counter : peer_counters(peer.counters()))
    uapi::append_line(out, counter.name, counter.value);
}

std::string serialize_stats(const tunnel::Device& device, const std::vector<NamedCounter>& extra) {
  std::string out;
  append_stats_interface(out, device, extra);
  for (const auto& owned : device.peers()) append_stats_peer(out, *owned);
  return out;
}

}  // namespace sluice::daemon
