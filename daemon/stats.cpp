#include "daemon/stats.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

#include "crypto/key_encoding.hpp"

namespace sluice::daemon {
namespace {

void append_counter(std::string& out, std::string_view name, std::uint64_t value) {
  out.append(name).append("=").append(std::to_string(value)).push_back('\n');
}

}  // namespace

std::string serialize_stats(const tunnel::Device& device, const std::vector<NamedCounter>& extra) {
  std::string out;
  for (const NamedCounter& counter : device_counters(device.counters())) append_counter(out, counter.name, counter.value);
  for (const NamedCounter& counter : extra) append_counter(out, counter.name, counter.value);
  for (const auto& owned : device.peers()) {
    const tunnel::Peer& peer = *owned;
    out.append("public_key=").append(crypto::encode_hex_key(peer.public_key().span())).push_back('\n');
    // Seconds since the Unix epoch, 0 before the first handshake (as in a get answer).
    const auto handshake = peer.last_handshake().value_or(std::chrono::nanoseconds{0});
    append_counter(out, "last_handshake_time_sec",
                   static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(handshake).count()));
    for (const NamedCounter& counter : peer_counters(peer.counters())) append_counter(out, counter.name, counter.value);
  }
  return out;
}

}  // namespace sluice::daemon
